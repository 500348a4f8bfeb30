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

from analytics._fast import kept_factorization, positions
from analytics._validate import require_columns

#: Payments taken at a time by :func:`holdings`.
_STEP = 1 << 20

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
    # rows of the view and codes of the lines, as integers: no text is hashed per payment.
    # When the summary's customer codes of these payments are kept (sorted_factorize), only
    # the distinct customers are looked up in the view; payments are then taken a million at a
    # time (whole-column temporaries were 0.2 GB at ten million payments). Other payments (a
    # product filter's) are matched whole, without evicting the kept codes. A categorical's own
    # one-byte codes are used as they are.
    kept_codes = kept_factorization(transactions["customer_id"])
    if kept_codes is not None:
        customer_codes = kept_codes[0]
        row_of = positions(pd.Series(kept_codes[1]), view["customer_id"])  # of each customer
    else:
        customer_codes = positions(transactions["customer_id"], view["customer_id"])
        row_of = None  # the codes are the view's rows already
    if isinstance(lines.dtype, pd.CategoricalDtype):
        codes, names = lines.cat.codes.to_numpy(), lines.cat.categories
    else:
        codes, names = pd.factorize(lines, sort=True)
    held_any = np.zeros((len(view), len(names)), dtype=bool)
    for start in range(0, len(keep), _STEP):
        part = slice(start, start + _STEP)
        rows = customer_codes[part]
        if row_of is not None:
            known = rows >= 0
            rows = np.where(known, row_of[np.where(known, rows, 0)], -1) if len(row_of) else rows
        chosen = keep[part] & (rows >= 0)
        held_any[rows[chosen], codes[part][chosen]] = True
    used = np.flatnonzero(held_any.any(axis=0))  # crosstab's columns
    held = held_any[:, used] if len(used) < len(names) else held_any
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
    # each held customer's group as a code (no copy of the view, no group-by of the matrix:
    # those took 160 MB at a million customers), then one tally per group and product line
    found = positions(pd.Series(held.index), view["customer_id"])
    codes, groups = pd.factorize(pd.Series(view[by].array.take(found, allow_fill=True)), sort=True)
    matrix = held.to_numpy(dtype=bool)
    view_penetration = matrix.mean(axis=0) if len(matrix) else np.full(matrix.shape[1], np.nan)
    grouped = codes >= 0
    codes = codes[grouped]
    sizes = np.bincount(codes, minlength=len(groups))
    holders = np.stack(
        [np.bincount(codes, weights=matrix[grouped, j], minlength=len(groups))
         for j in range(matrix.shape[1])], axis=1,
    ) if matrix.shape[1] else np.zeros((len(groups), 0))  # fmt: skip
    rows = []
    for g, group in enumerate(groups):
        customers = int(sizes[g])
        if not customers:
            continue
        for j, line in enumerate(held.columns):
            penetration = holders[g, j] / customers
            gap = max(view_penetration[j] - penetration, 0.0) * customers
            rows.append({by: group, "product_line": line, "customers": customers,
                         "holders": int(holders[g, j]), "penetration": float(penetration),
                         "view_penetration": float(view_penetration[j]),
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
    # Only the columns compared: a copy of the whole view was the Customer picture page's
    # largest allocation at 1M customers (370 MB).
    used = ["customer_id", "customer_type", "total_spend", "spend_12m", "clv", "churn_band"]
    frame = view[[c for c in used if c in view]]
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
