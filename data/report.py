"""What loading produced: the clean tables of one source (:class:`Dataset`), what happened to
every input row (:class:`LoadReport`), and the one error a source that cannot be used raises
(:class:`SourceError`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics._validate import CodedError

__all__ = ["DUPLICATE_REASONS", "REJECT_REASONS", "Dataset", "LoadReport", "SourceError"]

#: Why a row was rejected, in the order they are checked (a row gets the first that applies).
REJECT_REASONS = ("bad_encoding", "missing_customer_id", "bad_date", "bad_amount")
#: The kinds of duplicate: the same payment again, or the same transaction id with another
#: customer, date or amount than the copy used (which of the two is right, the source must say).
DUPLICATE_REASONS = ("duplicate", "conflicting_duplicate")


class SourceError(CodedError):
    """A source that cannot be used at all: the message says why in one English line, and
    ``code`` with ``params`` let the interface say it in the user's language.

    The message quotes the source's own text (file names, headers), which may hold line breaks;
    they are written as escapes (``\\n``), so the message stays one line (``params`` keep the
    text as it was)."""

    def __init__(self, message: str, code: str = "error", **params) -> None:
        super().__init__(_LINE_BREAKS.sub(_escape, message), code, **params)


# Every character str.splitlines() breaks at.
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _escape(found: re.Match) -> str:
    return found.group().encode("unicode_escape").decode("ascii")


@dataclass(frozen=True, eq=False)
class LoadReport:
    """What happened to every input row.

    ``rejected_rows``: ``source_row``, ``reason`` and the row's cells; ``duplicate_rows``:
    ``source_row``, ``reason`` (:data:`DUPLICATE_REASONS`), ``kept_row`` (the copy used) and the
    cells. Neither holds personal columns. ``conflicting_duplicates`` counts the duplicates
    that differ from the copy used (they are part of ``duplicates``).
    """

    source: str
    rows_read: int
    rows_used: int
    duplicates: int
    rejected: dict[str, int]
    rejected_rows: pd.DataFrame = field(repr=False)
    duplicate_rows: pd.DataFrame = field(repr=False)
    column_mapping: dict[str, str] = field(default_factory=dict)
    currency: str | None = None  # "CNY" / "USD" when the amount cells carry a sign or code
    conflicting_duplicates: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The counts as plain JSON-ready values."""
        return {
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "duplicates": self.duplicates,
            "conflicting_duplicates": self.conflicting_duplicates,
            "rejected": dict(self.rejected),
        }


@dataclass(frozen=True, eq=False)
class Dataset:
    """Clean tables from one source plus the load report of its transactions."""

    name: str
    transactions: pd.DataFrame = field(repr=False)
    report: LoadReport = field(repr=False)
    customers: pd.DataFrame | None = field(default=None, repr=False)
    loyalty_members: pd.DataFrame | None = field(default=None, repr=False)
    interactions: pd.DataFrame | None = field(default=None, repr=False)
    currency: str | None = None
    policies: pd.DataFrame | None = field(default=None, repr=False)
    #: The policies table's own row accounting (used, duplicates, rejects with reasons).
    policies_report: LoadReport | None = field(default=None, repr=False)
    #: A scored table's per-customer summary (:mod:`data.scored`): the chain starts from it, and
    #: ``transactions`` is empty (such a source has no payments).
    summary: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def has_payments(self) -> bool:
        """False for a scored table: pages that need payments say so instead."""
        return self.summary is None
