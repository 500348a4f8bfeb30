"""Graded access (分级管理): the five roles, what each may do, and who is signed in.

Roles are cumulative, each adding to the one before it (DESIGN.md, "Access"):

=========  ===================================================================================
viewer     every dashboard, aggregates and charts, tunes thresholds, opens saved segments
marketer   + customer-level tables, segment downloads (never personal data), saves segments
service    + customer lookup (personal data masked) with contacts and satisfaction
steward    + the Data page: named connections, uploads, load reports, rejects and downloads
admin      + reveal personal data (audited), typed database URLs, the audit log, accounts
=========  ===================================================================================

Deny by default: an unknown role, or none, may do nothing (:func:`allows` is False for every
capability). The checks here are the server's: a page, table or download a role may not use is
neither rendered nor computed for that session.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CAPABILITIES", "ROLES", "User", "allows", "normalise_regions"]

ROLES = ("viewer", "marketer", "service", "steward", "admin")

#: Each capability and the least role that has it.
CAPABILITIES: dict[str, str] = {
    "dashboards": "viewer",  # Overview, Churn, Loyalty, RFM, ABC, CLV, Clusters (aggregates)
    "open_segments": "viewer",
    "customer_rows": "marketer",  # customer-level tables
    "download": "marketer",  # segment / group / customer downloads (never personal data)
    "save_segments": "marketer",
    "lookup": "service",  # one customer, personal data masked, contacts and satisfaction
    "data_page": "steward",  # load report and rejects, named connections, uploads
    "upload": "steward",
    "named_connections": "steward",
    "reveal_pii": "admin",
    "typed_url": "admin",
    "audit_log": "admin",
    "accounts": "admin",
}


@dataclass(frozen=True)
class User:
    """Who is signed in. ``regions`` is ``None`` for every region, else the regions in scope
    (an empty tuple: none at all)."""

    username: str
    role: str | None
    regions: tuple[str, ...] | None = None
    mode: str = "none"  # how the user signed in: none | local | oidc

    @property
    def known_role(self) -> bool:
        return self.role in ROLES


def allows(user: User | None, capability: str) -> bool:
    """Whether ``user`` has ``capability``; False for no user, an unknown role or capability."""
    if user is None or not user.known_role or capability not in CAPABILITIES:
        return False
    return ROLES.index(user.role) >= ROLES.index(CAPABILITIES[capability])


def normalise_regions(values) -> tuple[str, ...] | None:
    """Regions from an account or a token claim: ``None`` (or ``"*"``) for every region, else a
    sorted tuple of distinct non-empty names. A comma-separated string is split."""
    if values is None:
        return None
    if isinstance(values, str):
        values = values.split(",")
    names = sorted({str(v).strip() for v in values if str(v).strip()})
    if "*" in names:
        return None
    return tuple(names)
