"""Duplicate identities: the same person under several customer ids.

Two customers are the same person when they share an id number or a phone number. Values are
normalised (id numbers upper-cased without spaces; phones reduced to their digits, a leading
``86`` country code dropped); the values held by more than one customer are grouped by their
keyed hashes (HMAC-SHA256 with a key that lives for one call unless given), so no personal value is
ever returned, shown or logged. Customers
linked through any chain of shared values form one identity (connected components).

:func:`canonical_ids` maps every customer of an identity to one id (the smallest), which is how
the chain scores duplicates as one customer (``Settings.merge_identities``).
"""

from __future__ import annotations

import hashlib
import hmac
import os

import numpy as np
import pandas as pd

__all__ = ["canonical_ids", "duplicate_identities", "identity_summary", "keyed_hashes"]

_MATCH_COLUMNS = ("id_number", "phone")


def _normalise(column: str, values: pd.Series) -> pd.Series:
    text = values.astype("str").where(values.notna(), "")
    if column == "phone":
        digits = text.str.replace(r"\D", "", regex=True)
        digits = digits.where(~(digits.str.startswith("86") & (digits.str.len() == 13)),
                              digits.str[2:])  # fmt: skip
        return digits.where(digits.str.len() >= 7, "")
    return text.str.replace(r"\s", "", regex=True).str.upper().where(lambda s: s.str.len() >= 6, "")


def keyed_hashes(values: pd.Series, column: str, key: bytes) -> pd.Series:
    """HMAC-SHA256 (hex, 32 characters) of each normalised value; blank values stay blank."""
    return _hashed(_normalise(column, values), column, key)


def _hashed(normal: pd.Series, column: str, key: bytes) -> pd.Series:
    out = [
        hmac.new(key, f"{column}:{v}".encode(), hashlib.sha256).hexdigest()[:32] if v else ""
        for v in normal
    ]
    return pd.Series(out, index=normal.index, dtype=object)


def duplicate_identities(customers: pd.DataFrame, key: bytes | None = None) -> pd.DataFrame:
    """Customers who share an id number or a phone with another customer: ``identity`` (a
    number per person), ``customer_id``, ``matched_on`` (``id_number``, ``phone`` or ``both``),
    ordered by identity then id. Empty when the table has neither column."""
    present = [c for c in _MATCH_COLUMNS if c in customers]
    columns = ["identity", "customer_id", "matched_on"]
    if not present or customers.empty:
        return pd.DataFrame(columns=columns)
    key = key or os.urandom(32)
    table = customers.drop_duplicates("customer_id").reset_index(drop=True)
    n = len(table)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    matched = {c: np.zeros(n, dtype=bool) for c in present}
    for column in present:
        normal = _normalise(column, table[column])
        # a value held by one customer links no one: only the shared ones are hashed (a
        # million phones took seconds to hash one by one), then grouped by their hash
        candidates = normal[(normal != "") & normal.duplicated(keep=False)]
        hashes = _hashed(candidates, column, key)
        shared = hashes[hashes.duplicated(keep=False)]
        for _, rows in shared.groupby(shared):
            members = rows.index.to_numpy()
            matched[column][members] = True
            root = find(members[0])
            for other in members[1:]:
                parent[find(other)] = root
    roots = parent.copy()
    while True:  # every customer's root, by pointer jumping (no loop over a million ids)
        jumped = roots[roots]
        if np.array_equal(jumped, roots):
            break
        roots = jumped
    sizes = pd.Series(roots).map(pd.Series(roots).value_counts()).to_numpy()
    keep = sizes > 1
    if not keep.any():
        return pd.DataFrame(columns=columns)
    both = matched.get("id_number", np.zeros(n, bool)) & matched.get("phone", np.zeros(n, bool))
    how = np.where(both, "both", np.where(matched.get("id_number", np.zeros(n, bool)),
                                          "id_number", "phone"))  # fmt: skip
    out = pd.DataFrame(
        {"root": roots[keep], "customer_id": table["customer_id"].to_numpy()[keep],
         "matched_on": how[keep]}
    )  # fmt: skip
    first = out.groupby("root")["customer_id"].transform("min")
    out = out.assign(first=first).sort_values(["first", "customer_id"])
    out["identity"] = pd.factorize(out["first"])[0] + 1
    return out[columns].reset_index(drop=True)


def identity_summary(groups: pd.DataFrame) -> dict:
    """``identities`` (people with several ids), ``customers`` involved, ``extra_ids`` (ids
    that would disappear if each person had one)."""
    identities = int(groups["identity"].nunique()) if len(groups) else 0
    return {
        "identities": identities,
        "customers": int(len(groups)),
        "extra_ids": int(len(groups) - identities),
    }


def canonical_ids(groups: pd.DataFrame) -> dict[str, str]:
    """Every duplicate customer id -> the smallest id of its identity (only ids that change)."""
    if groups.empty:
        return {}
    first = groups.groupby("identity")["customer_id"].transform("min")
    changed = groups["customer_id"] != first
    return dict(zip(groups.loc[changed, "customer_id"], first[changed], strict=True))
