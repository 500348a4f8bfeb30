"""ABC (Pareto) value classes, Lorenz curve, Gini coefficient and concentration statements.

DESIGN.md, "ABC classes": rank customers by a value, descending, ties by ``customer_id``;
A = the smallest top group whose share of the total reaches the A cut-off (default 80%), B up to
the B cut-off (default 95%), C the rest and every value <= 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics._fast import descending_order, labels_at
from analytics._validate import require_columns

__all__ = [
    "AbcResult",
    "abc_classes",
    "abc_summary",
    "concentration",
    "gini",
    "lorenz_curve",
    "pareto_points",
]


@dataclass(frozen=True, eq=False)
class AbcResult:
    """Class per customer plus the cut-offs that produced it."""

    classes: pd.Series  # "A" / "B" / "C" on the input's index
    rank: pd.Series  # 1 = most valuable
    cumulative_share: pd.Series  # share of the positive total up to and including the customer
    a_cut: float
    b_cut: float


def _order(values: np.ndarray, ids: pd.Series) -> np.ndarray:
    """Descending by value, ties by customer id ascending."""
    return descending_order(values, ids)


def abc_classes(
    frame: pd.DataFrame, value: str = "total_spend", a_cut: float = 0.8, b_cut: float = 0.95
) -> AbcResult:
    """ABC class for each row of ``frame`` (needs ``customer_id`` and the ``value`` column)."""
    require_columns(frame, ["customer_id", value], "abc_classes")
    if not 0 < a_cut <= b_cut <= 1:
        raise ValueError(f"need 0 < A cut-off <= B cut-off <= 1, got {a_cut} and {b_cut}")
    values = frame[value].to_numpy(dtype=float)
    values = np.where(np.isfinite(values), values, 0.0)
    order = _order(values, frame["customer_id"])
    sorted_values = values[order]
    positive = np.clip(sorted_values, 0, None)
    total = positive.sum()
    cumulative = np.cumsum(positive) / total if total > 0 else np.zeros(len(values))
    before = np.r_[0.0, cumulative[:-1]]
    # Tolerance: a share that reaches a cut-off up to float rounding counts as reaching it.
    eps = 1e-12
    classes_sorted = np.where(
        sorted_values <= 0,
        2,
        np.where(before < a_cut - eps, 0, np.where(before < b_cut - eps, 1, 2)),
    )
    class_index = np.empty(len(values), dtype=np.int64)
    class_index[order] = classes_sorted
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(1, len(values) + 1)
    share = np.empty(len(values))
    share[order] = cumulative
    return AbcResult(
        classes=pd.Series(
            labels_at("ABC", class_index), index=frame.index, name="abc_class", dtype="str"
        ),
        rank=pd.Series(rank, index=frame.index, name="value_rank"),
        cumulative_share=pd.Series(share, index=frame.index, name="cumulative_share"),
        a_cut=a_cut,
        b_cut=b_cut,
    )


def abc_summary(
    frame: pd.DataFrame, classes: pd.Series, value: str = "total_spend"
) -> pd.DataFrame:
    """Per class: customers, customer share, value, value share (classes A, B, C always present)."""
    values = frame[value].to_numpy(dtype=float)
    table = (
        pd.DataFrame({"abc_class": classes.to_numpy(), "value": values})
        .groupby("abc_class")
        .agg(customers=("value", "size"), value=("value", "sum"))
        .reindex(["A", "B", "C"], fill_value=0)
    )
    table["customer_share"] = table["customers"] / max(len(values), 1)
    positive = np.clip(values, 0, None).sum()
    table["value_share"] = table["value"] / positive if positive > 0 else 0.0
    return table.reset_index()[["abc_class", "customers", "customer_share", "value", "value_share"]]


def lorenz_curve(values, max_points: int = 1001) -> pd.DataFrame:
    """Lorenz curve points ``customer_share``, ``value_share`` (ascending values, negatives as 0).

    Starts at (0, 0) and ends at (1, 1); at most ``max_points`` points, evenly spaced in
    customers, so a chart never receives one point per customer.
    """
    x = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    n = len(x)
    if n == 0 or x.sum() == 0:
        grid = np.linspace(0, 1, min(max_points, max(n, 1) + 1))
        return pd.DataFrame({"customer_share": grid, "value_share": grid})
    cumulative = np.r_[0.0, np.cumsum(x) / x.sum()]
    positions = np.unique(np.linspace(0, n, min(max_points, n + 1)).round().astype(np.int64))
    return pd.DataFrame({"customer_share": positions / n, "value_share": cumulative[positions]})


def gini(values) -> float:
    """Gini coefficient of non-negative values (negatives count as 0): 0 = equal, -> 1 = one has all.

    ``G = 2 * sum(i * x_(i)) / (n * sum(x)) - (n + 1) / n`` with ``x`` sorted ascending, ``i``
    from 1 (the sample Gini, as in Deaton 1997).
    """
    x = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float(2 * (i * x).sum() / (n * total) - (n + 1) / n)


def concentration(
    values, top_shares: Sequence[float] = (0.01, 0.05, 0.1, 0.2, 0.5)
) -> pd.DataFrame:
    """ "The top x% of customers bring y% of value": ``top_share``, ``customers``, ``value_share``."""
    x = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))[::-1]
    total = x.sum()
    rows = []
    for share in top_shares:
        count = int(np.ceil(share * len(x)))
        rows.append(
            {
                "top_share": share,
                "customers": count,
                "value_share": float(x[:count].sum() / total) if total > 0 else 0.0,
            }
        )
    return pd.DataFrame(rows)


def pareto_points(
    frame: pd.DataFrame, value: str = "total_spend", max_bars: int = 200
) -> pd.DataFrame:
    """Bars for a Pareto chart: customers sorted by value, binned into at most ``max_bars`` groups.

    Columns: ``first_rank``, ``last_rank``, ``customers``, ``value`` (sum in the bin),
    ``cumulative_share`` (of the positive total, at the bin's end), ``abc_class`` of the bin's
    last customer when the frame has ``abc_class``.
    """
    require_columns(frame, ["customer_id", value], "pareto_points")
    values = frame[value].to_numpy(dtype=float)
    order = _order(values, frame["customer_id"])
    sorted_values = values[order]
    n = len(values)
    if n == 0:
        return pd.DataFrame(
            columns=["first_rank", "last_rank", "customers", "value", "cumulative_share"]
        )
    edges = np.unique(np.linspace(0, n, min(max_bars, n) + 1).round().astype(np.int64))
    starts, ends = edges[:-1], edges[1:]
    sums = np.add.reduceat(sorted_values, starts)
    positive = np.clip(sorted_values, 0, None)
    cumulative = np.cumsum(positive)
    total = cumulative[-1] if cumulative[-1] > 0 else 1.0
    out = pd.DataFrame(
        {
            "first_rank": starts + 1,
            "last_rank": ends,
            "customers": ends - starts,
            "value": sums,
            "cumulative_share": cumulative[ends - 1] / total,
        }
    )
    if "abc_class" in frame:
        out["abc_class"] = frame["abc_class"].to_numpy()[order][ends - 1]
    return out
