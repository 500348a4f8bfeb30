"""Churn risk bands, premium at risk and value tiers (DESIGN.md, "Churn risk", "Premium at risk",
"Value tiers").

Churn risk = 1 - P(alive), banded low / medium / high at tunable cut-offs (default 0.3, 0.6).
Premium at risk = churn risk x the customer's spend in the 12 months before the as-of date.
Value tiers rank customers by CLV: Platinum top 10%, Gold next 20%, Silver next 30%, Bronze rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics._fast import descending_order, labels_at
from analytics._validate import require_columns

__all__ = [
    "BANDS",
    "DISAGREEMENT",
    "TIERS",
    "action_list",
    "band_shares",
    "band_summary",
    "churn_band",
    "churn_by",
    "models_disagree",
    "premium_at_risk",
    "tier_summary",
    "value_tiers",
]

BANDS = ("low", "medium", "high")
TIERS = ("Platinum", "Gold", "Silver", "Bronze")
UNKNOWN = "unknown"


def _check_cuts(cuts: Sequence[float]) -> tuple[float, float]:
    low, high = (float(c) for c in cuts)
    if not 0 <= low < high <= 1:
        raise ValueError(f"churn cut-offs must satisfy 0 <= low < high <= 1, got {low}, {high}")
    return low, high


def churn_band(churn_risk: pd.Series, cuts: Sequence[float] = (0.3, 0.6)) -> pd.Series:
    """``low`` below the first cut-off, ``high`` at or above the second, else ``medium``.

    Missing risk (no purchase model) gives ``unknown``.
    """
    low, high = _check_cuts(cuts)
    risk = churn_risk.to_numpy(dtype=float)
    band = np.select([np.isnan(risk), risk < low, risk < high], [0, 1, 2], 3)
    names = labels_at([UNKNOWN, "low", "medium", "high"], band)
    return pd.Series(names, index=churn_risk.index, name="churn_band", dtype="str")


def value_tiers(
    frame: pd.DataFrame, value: str = "clv", shares: Sequence[float] = (0.1, 0.2, 0.3)
) -> pd.Series:
    """Tier per customer by ``value`` rank (descending, ties by ``customer_id``).

    ``shares`` are the Platinum, Gold and Silver shares of customers; Bronze is the rest. A
    customer at rank ``i`` (1-based) of ``n`` is Platinum while ``i <= ceil(share_1 * n)``, etc.
    """
    require_columns(frame, ["customer_id", value], "value_tiers")
    shares = [float(s) for s in shares]
    if len(shares) != 3 or any(s < 0 for s in shares) or sum(shares) > 1 + 1e-9:
        raise ValueError(
            f"tier shares must be three non-negative fractions summing to <= 1, got {shares}"
        )
    values = frame[value].to_numpy(dtype=float)
    values = np.where(np.isnan(values), -np.inf, values)
    n = len(values)
    order = descending_order(values, frame["customer_id"])
    bounds = np.ceil(np.cumsum(shares) * n - 1e-9).astype(np.int64)
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    tier_index = np.searchsorted(bounds, position, side="right")
    return pd.Series(
        labels_at(TIERS, tier_index), index=frame.index, name="value_tier", dtype="str"
    )


def premium_at_risk(scored: pd.DataFrame) -> pd.Series:
    """Per customer: ``churn_risk * spend_12m``, what the book is expected to lose next year if
    nothing is done (DESIGN.md "Premium at risk"). Missing risk (no purchase model) gives NaN."""
    require_columns(scored, ["churn_risk", "spend_12m"], "premium_at_risk")
    return (scored["churn_risk"] * scored["spend_12m"]).rename("premium_at_risk")


def _risk_table(scored: pd.DataFrame, by: str) -> pd.DataFrame:
    high = (scored["churn_band"] == "high").to_numpy()
    frame = pd.DataFrame(
        {
            by: scored[by].to_numpy(),
            "churn_risk": scored["churn_risk"].to_numpy(dtype=float),
            "high": high,
            "spend_12m": scored["spend_12m"].to_numpy(dtype=float),
            "premium_at_risk": scored["premium_at_risk"].to_numpy(dtype=float),
        }
    )
    table = frame.groupby(by, observed=True, sort=False).agg(
        customers=("high", "size"),
        mean_churn_risk=("churn_risk", "mean"),
        high_risk_share=("high", "mean"),
        spend_12m=("spend_12m", "sum"),
        premium_at_risk=("premium_at_risk", "sum"),
    )
    total = table["premium_at_risk"].sum()
    table.insert(1, "share", table["customers"] / max(len(scored), 1))
    table["premium_at_risk_share"] = table["premium_at_risk"] / total if total > 0 else 0.0
    return table


_RISK_COLUMNS = ["churn_risk", "churn_band", "spend_12m", "premium_at_risk"]


def band_summary(scored: pd.DataFrame) -> pd.DataFrame:
    """Per churn band (low, medium, high; ``unknown`` only when some customer has no risk):
    ``churn_band, customers, share, mean_churn_risk, high_risk_share, spend_12m,
    premium_at_risk, premium_at_risk_share``."""
    require_columns(scored, _RISK_COLUMNS, "band_summary")
    table = _risk_table(scored, "churn_band")
    order = [*BANDS, *([UNKNOWN] if UNKNOWN in table.index else [])]
    table = table.reindex(order)
    table[["customers"]] = table[["customers"]].fillna(0).astype(np.int64)
    table = table.fillna({"share": 0.0, "spend_12m": 0.0, "premium_at_risk": 0.0})
    table["premium_at_risk_share"] = table["premium_at_risk_share"].fillna(0.0)
    return table.rename_axis("churn_band").reset_index()


def churn_by(scored: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group of ``by`` (segment, value tier, channel ...), most premium at risk first:
    ``by, customers, share, mean_churn_risk, high_risk_share, spend_12m, premium_at_risk,
    premium_at_risk_share``."""
    require_columns(scored, [by, *_RISK_COLUMNS], "churn_by")
    table = _risk_table(scored, by).sort_values("premium_at_risk", ascending=False, kind="stable")
    return table.reset_index()


def band_shares(churn_risk: pd.Series, cuts: Sequence[float] = (0.3, 0.6)) -> dict[str, float]:
    """Share of customers in each band (low, medium, high) of a churn-risk column."""
    bands = churn_band(churn_risk, cuts)
    n = max(int(churn_risk.notna().sum()), 1)
    return {band: float((bands == band).sum() / n) for band in BANDS}


#: Two purchase models "disagree materially" when the share of customers at high risk (the
#: headline figure) differs by this much or more between them.
DISAGREEMENT = 0.10


def models_disagree(
    shares: dict[str, float],
    other: dict[str, float],
    threshold: float = DISAGREEMENT,
    bands: Sequence[str] = ("high",),
) -> bool:
    """True when the share of a band in ``bands`` differs by at least ``threshold`` between two
    models' :func:`band_shares`."""
    return any(abs(shares[b] - other[b]) >= threshold for b in bands)


def tier_summary(scored: pd.DataFrame, value: str = "clv") -> pd.DataFrame:
    """Per value tier: customers, share, value, value share, mean value, and (when scored) mean
    churn risk and premium at risk."""
    require_columns(scored, ["value_tier", value], "tier_summary")
    extra = {}
    if "churn_risk" in scored:
        extra["mean_churn_risk"] = ("churn_risk", "mean")
    if "premium_at_risk" in scored:
        extra["premium_at_risk"] = ("premium_at_risk", "sum")
    table = (
        scored.groupby("value_tier")
        .agg(
            customers=("value_tier", "size"),
            value=(value, "sum"),
            mean_value=(value, "mean"),
            **extra,
        )
        .reindex(list(TIERS), fill_value=0)
    )
    total = table["value"].sum()
    table.insert(1, "share", table["customers"] / max(len(scored), 1))
    table.insert(3, "value_share", table["value"] / total if total else 0.0)
    return table.rename_axis("value_tier").reset_index()


def action_list(
    scored: pd.DataFrame,
    tiers: Sequence[str] = ("Platinum", "Gold"),
    bands: Sequence[str] = ("high",),
) -> pd.DataFrame:
    """Valuable customers (``tiers``) at high risk (``bands``), most premium at risk first (ties
    by customer id)."""
    require_columns(
        scored,
        ["customer_id", "value_tier", "churn_band", "premium_at_risk"],
        "action_list",
    )
    chosen = scored[scored["value_tier"].isin(tiers) & scored["churn_band"].isin(bands)]
    order = descending_order(chosen["premium_at_risk"].to_numpy(float), chosen["customer_id"])
    return chosen.iloc[order]
