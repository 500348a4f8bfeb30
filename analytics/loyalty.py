"""Loyalty-programme uptake (DESIGN.md, "Loyalty uptake").

Uptake = members / customers. By month: customers acquired up to the month's end, members enrolled
up to then, and their ratio; by group (segment, value tier, channel, customer type); and members vs
non-members on spend, CLV, P(alive) and churn risk. The comparison is observed, not causal:
members may have been more valuable before they enrolled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics._validate import require_columns

__all__ = ["members_vs_non_members", "tier_mix", "uptake_by", "uptake_by_month"]


def uptake_by_month(summary: pd.DataFrame, members: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """Monthly uptake: ``month``, ``new_customers``, ``customers`` (cumulative), ``new_members``,
    ``members`` (cumulative), ``uptake`` = members / customers.

    ``summary`` needs ``customer_id`` and ``first_purchase``; ``members`` needs ``customer_id`` and
    ``enrolled_at``. Only members who are customers of ``summary`` count, and only enrolments on or
    before ``as_of`` (default: the summary's as-of date, else the latest first purchase).
    """
    require_columns(summary, ["customer_id", "first_purchase"], "uptake_by_month")
    require_columns(members, ["customer_id", "enrolled_at"], "uptake_by_month")
    if summary.empty:
        return pd.DataFrame(
            columns=["month", "new_customers", "customers", "new_members", "members", "uptake"]
        )
    as_of = pd.Timestamp(as_of or summary.attrs.get("as_of") or summary["first_purchase"].max())
    known = members[members["customer_id"].isin(summary["customer_id"])]
    enrolled = pd.to_datetime(known["enrolled_at"])
    enrolled = enrolled[enrolled <= as_of]
    first = pd.to_datetime(summary["first_purchase"])
    months = pd.period_range(first.min().to_period("M"), as_of.to_period("M"), freq="M")
    new_customers = first.dt.to_period("M").value_counts().reindex(months, fill_value=0)
    new_members = enrolled.dt.to_period("M").value_counts().reindex(months, fill_value=0)
    table = pd.DataFrame(
        {
            "month": months.to_timestamp(),
            "new_customers": new_customers.to_numpy(),
            "customers": new_customers.cumsum().to_numpy(),
            "new_members": new_members.to_numpy(),
            "members": new_members.cumsum().to_numpy(),
        }
    )
    table["uptake"] = table["members"] / table["customers"].where(table["customers"] > 0)
    return table


def uptake_by(scored: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group of ``by``: ``customers``, ``members``, ``uptake`` (needs ``is_member``)."""
    require_columns(scored, [by, "is_member"], "uptake_by")
    table = scored.groupby(by, observed=True).agg(
        customers=("is_member", "size"), members=("is_member", "sum")
    )
    table["uptake"] = table["members"] / table["customers"]
    return table.reset_index()


def members_vs_non_members(scored: pd.DataFrame) -> pd.DataFrame:
    """Members vs non-members: customers and mean spend, CLV, P(alive), churn risk (observed)."""
    require_columns(scored, ["is_member", "total_spend"], "members_vs_non_members")
    aggregations = {"customers": ("is_member", "size"), "mean_spend": ("total_spend", "mean")}
    for column in ("clv", "p_alive", "churn_risk"):
        if column in scored and scored[column].notna().any():
            aggregations[f"mean_{column}"] = (column, "mean")
    table = scored.groupby("is_member").agg(**aggregations).reindex([True, False])
    table = table.dropna(how="all")
    table.index = np.where(table.index, "member", "non-member")
    return table.rename_axis("group").reset_index()


def tier_mix(members: pd.DataFrame, customer_ids=None) -> pd.DataFrame:
    """Members per programme tier (``tier`` column), optionally restricted to ``customer_ids``."""
    require_columns(members, ["customer_id", "tier"], "tier_mix")
    if customer_ids is not None:
        members = members[members["customer_id"].isin(customer_ids)]
    order = ["platinum", "gold", "silver", "bronze"]
    counts = members["tier"].str.lower().value_counts()
    index = [t for t in order if t in counts.index] + [t for t in counts.index if t not in order]
    table = counts.reindex(index).rename("members").rename_axis("tier").reset_index()
    table["share"] = table["members"] / max(table["members"].sum(), 1)
    return table
