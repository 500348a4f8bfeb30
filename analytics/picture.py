"""The customer picture: individual vs organisational customers side by side, products per
customer, which product lines are held together, and the largest cross-sell gaps by segment.

A customer **holds** a product line when they made a positive payment on it up to the as-of
date. Only customers in the view count (filters and region scope apply). A segment's **gap** for
a product line is the number of its customers who would hold it if the segment held it as often
as the whole view does: ``max(view penetration - segment penetration, 0) x segment customers``.
It sizes an opportunity; it does not say the customers would buy. Pure: DataFrames in and out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics._fast import positions
from analytics._validate import require_columns

__all__ = [
    "cross_sell_gaps",
    "holdings",
    "product_pairs",
    "products_per_customer",
    "type_comparison",
]


def holdings(transactions: pd.DataFrame, view: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """Customer by product line, True where held (rows: every customer in ``view``)."""
    require_columns(transactions, ["customer_id", "transaction_date", "amount", "product_line"],
                    "transactions")  # fmt: skip
    lines = transactions["product_line"]
    keep = (transactions["amount"] > 0).to_numpy() & lines.notna().to_numpy()
    if as_of is not None:
        keep &= (transactions["transaction_date"] <= pd.Timestamp(as_of)).to_numpy()
    # rows of the view and codes of the lines, as integers: no text is hashed per payment
    # (the whole id column is matched, then filtered: filtering ten million ids first would
    # copy their text); a categorical's own one-byte codes are used as they are
    rows = positions(transactions["customer_id"], view["customer_id"])
    if isinstance(lines.dtype, pd.CategoricalDtype):
        codes, names = lines.cat.codes.to_numpy(), lines.cat.categories
    else:
        codes, names = pd.factorize(lines, sort=True)
    keep &= rows >= 0
    rows, codes = rows[keep], codes[keep]
    used = np.flatnonzero(np.bincount(codes, minlength=len(names)))  # crosstab's columns
    column = np.zeros(len(names), dtype=np.int64)
    column[used] = np.arange(len(used))
    held = np.zeros((len(view), len(used)), dtype=bool)
    held[rows, column[codes]] = True
    held_lines = np.asarray(names)[used]
    if isinstance(lines.dtype, pd.CategoricalDtype):  # as a cross-tabulation labels them
        columns = pd.CategoricalIndex(held_lines, dtype=lines.dtype, name="product_line")
    else:
        columns = pd.Index(held_lines, dtype=lines.dtype, name="product_line")
    index = pd.Index(view["customer_id"], name="customer_id")
    return pd.DataFrame(held, index=index, columns=columns)


def products_per_customer(held: pd.DataFrame) -> pd.DataFrame:
    """How many customers hold 1, 2, 3 or 4+ product lines (``products`` is a label code),
    ``customers`` and ``share``; customers holding none (refunds only) are left out."""
    count = held.sum(axis=1).to_numpy()
    count = count[count > 0]
    tally = np.bincount(np.minimum(count, 4), minlength=5)[1:]
    total = max(int(tally.sum()), 1)
    return pd.DataFrame(
        {"products": ["1", "2", "3", "4+"], "customers": tally, "share": tally / total}
    )


def product_pairs(held: pd.DataFrame) -> pd.DataFrame:
    """Long format: ``product``, ``with_product``, ``customers`` holding both (the diagonal:
    holding the line) and ``share`` of the line's holders who also hold the other."""
    matrix = held.astype(int)
    both = matrix.T @ matrix
    holders = np.diag(both.to_numpy())
    share = both.to_numpy() / np.maximum(holders[:, None], 1)
    lines = list(both.index)
    return pd.DataFrame(
        {
            "product": np.repeat(lines, len(lines)),
            "with_product": np.tile(lines, len(lines)),
            "customers": both.to_numpy().ravel(),
            "share": share.ravel(),
        }
    )


def cross_sell_gaps(
    held: pd.DataFrame, view: pd.DataFrame, by: str = "segment", top: int = 10
) -> pd.DataFrame:
    """The largest gaps: ``by`` value, ``product_line``, ``customers`` (in the group),
    ``holders``, ``penetration``, ``view_penetration``, ``gap_customers`` (see the module),
    largest first, at most ``top`` rows."""
    require_columns(view, ["customer_id", by], "view")
    groups = view.set_index("customer_id")[by].reindex(held.index)
    view_penetration = held.mean()
    rows = []
    for group, members in held.groupby(groups.to_numpy(), observed=True):
        customers = len(members)
        penetration = members.mean()
        for line in held.columns:
            gap = max(view_penetration[line] - penetration[line], 0.0) * customers
            rows.append({by: group, "product_line": line, "customers": customers,
                         "holders": int(members[line].sum()),
                         "penetration": float(penetration[line]),
                         "view_penetration": float(view_penetration[line]),
                         "gap_customers": gap})  # fmt: skip
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out[out["gap_customers"] > 0]
    return (
        out.sort_values(["gap_customers", by], ascending=[False, True])
        .head(top)
        .reset_index(drop=True)
    )


def type_comparison(
    view: pd.DataFrame,
    held: pd.DataFrame | None = None,
    contacts: pd.DataFrame | None = None,
    persistency: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Individual vs organisational customers: ``customer_type``, ``customers``, ``share``,
    mean ``total_spend``, ``spend_12m`` and ``clv`` where the view has them, the share at high
    churn risk, mean ``products`` held, mean ``satisfaction`` of their contacts and, given a
    persistency table by ``customer_type`` (:func:`analytics.persistency.ratios_from_status`),
    ``persistency_<K>`` by count for each K it holds."""
    require_columns(view, ["customer_id", "customer_type"], "view")
    frame = view.copy()
    if held is not None:
        frame["products"] = held.sum(axis=1).reindex(frame["customer_id"]).to_numpy()
    if "churn_band" in frame:
        frame["high_risk"] = frame["churn_band"] == "high"
    aggregations = {"customers": ("customer_id", "size")}
    for column in ("total_spend", "spend_12m", "clv", "products", "high_risk"):
        if column in frame:
            aggregations[f"mean_{column}"] = (column, "mean")
    out = frame.groupby("customer_type", observed=True).agg(**aggregations).reset_index()
    out["share"] = out["customers"] / max(int(out["customers"].sum()), 1)
    if contacts is not None and len(contacts) and "customer_type" in contacts:
        satisfaction = contacts.groupby("customer_type")["satisfaction"].mean()
        out["mean_satisfaction"] = out["customer_type"].map(satisfaction)
    if persistency is not None and len(persistency):
        for k, rows in persistency.groupby("months"):
            ratio = rows.set_index("customer_type")["count_ratio"]
            out[f"persistency_{int(k)}"] = out["customer_type"].map(ratio)
    return out
