"""Churn risk bands, value at risk and value tiers (DESIGN.md, "Churn risk", "Value tiers").

Churn risk = 1 - P(alive), banded low / medium / high at tunable cut-offs (default 0.3, 0.6).
Value tiers rank customers by CLV: Platinum top 10%, Gold next 20%, Silver next 30%, Bronze rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics._validate import require_columns

__all__ = [
    "BANDS",
    "TIERS",
    "action_list",
    "churn_band",
    "churn_by",
    "tier_summary",
    "value_at_risk",
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
    band = np.select([np.isnan(risk), risk < low, risk < high], [UNKNOWN, "low", "medium"], "high")
    return pd.Series(band, index=churn_risk.index, name="churn_band", dtype="str")


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
    order = np.lexsort((frame["customer_id"].to_numpy(dtype=str), -values))
    bounds = np.ceil(np.cumsum(shares) * n - 1e-9).astype(np.int64)
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    tier_index = np.searchsorted(bounds, position, side="right")
    return pd.Series(
        np.array(TIERS, dtype=object)[tier_index], index=frame.index, name="value_tier", dtype="str"
    )


def value_at_risk(scored: pd.DataFrame, value: str = "clv") -> pd.DataFrame:
    """Per churn band: customers, share, value in the band, its share, and expected value lost.

    Expected value lost = sum of ``churn_risk * value`` (observed risk times value; not causal).
    Needs ``churn_band``, ``churn_risk`` and ``value``.
    """
    require_columns(scored, ["churn_band", "churn_risk", value], "value_at_risk")
    frame = scored.assign(_lost=scored["churn_risk"] * scored[value])
    table = frame.groupby("churn_band").agg(
        customers=("churn_band", "size"), value=(value, "sum"), expected_loss=("_lost", "sum")
    )
    present = [b for b in (*BANDS, UNKNOWN) if b in table.index or b in BANDS]
    table = table.reindex(present, fill_value=0)
    if UNKNOWN in table.index and table.loc[UNKNOWN, "customers"] == 0:
        table = table.drop(index=UNKNOWN)
    total = table["value"].sum()
    table.insert(1, "share", table["customers"] / max(len(scored), 1))
    table.insert(3, "value_share", table["value"] / total if total else 0.0)
    return table.rename_axis("churn_band").reset_index()


def churn_by(scored: pd.DataFrame, by: str, value: str = "clv") -> pd.DataFrame:
    """Per group of ``by``: customers, mean churn risk, high-risk share and value at high risk."""
    require_columns(scored, [by, "churn_risk", "churn_band", value], "churn_by")
    high = scored["churn_band"] == "high"
    frame = scored.assign(_high=high, _high_value=np.where(high, scored[value], 0.0))
    table = frame.groupby(by, observed=True).agg(
        customers=(by, "size"),
        mean_churn_risk=("churn_risk", "mean"),
        high_risk_share=("_high", "mean"),
        value_at_high_risk=("_high_value", "sum"),
    )
    return table.reset_index()


def tier_summary(scored: pd.DataFrame, value: str = "clv") -> pd.DataFrame:
    """Per value tier: customers, share, value, value share, mean value, mean churn risk."""
    require_columns(scored, ["value_tier", value], "tier_summary")
    extra = {"mean_churn_risk": ("churn_risk", "mean")} if "churn_risk" in scored else {}
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
    value: str = "clv",
    tiers: Sequence[str] = ("Platinum", "Gold"),
    bands: Sequence[str] = ("high",),
) -> pd.DataFrame:
    """Valuable customers at high risk, most value at risk first (``churn_risk * value``)."""
    require_columns(
        scored, ["customer_id", "value_tier", "churn_band", "churn_risk", value], "action_list"
    )
    chosen = scored[scored["value_tier"].isin(tiers) & scored["churn_band"].isin(bands)]
    return chosen.assign(value_at_risk=chosen["churn_risk"] * chosen[value]).sort_values(
        ["value_at_risk", "customer_id"], ascending=[False, True]
    )
