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

__all__ = [
    "member_activity",
    "members_vs_non_members",
    "tier_mix",
    "uptake_by",
    "uptake_by_month",
]


def uptake_by_month(scored: pd.DataFrame, as_of=None, start=None) -> pd.DataFrame:
    """Monthly uptake: ``month``, ``new_customers``, ``customers`` (cumulative), ``new_members``,
    ``members`` (cumulative), ``uptake`` = members / customers.

    ``scored`` needs ``first_purchase`` and ``enrolled_at`` (missing for non-members), as
    :func:`analytics.pipeline.attach` adds them. Enrolments after ``as_of`` (default: the table's
    as-of date, else its latest first purchase) do not count. Rows start at ``start``'s month
    (the programme's launch; default: the first purchase), counting everything before it.
    """
    require_columns(scored, ["first_purchase", "enrolled_at"], "uptake_by_month")
    if scored.empty:
        return pd.DataFrame(
            columns=["month", "new_customers", "customers", "new_members", "members", "uptake"]
        )
    as_of = pd.Timestamp(as_of or scored.attrs.get("as_of") or scored["first_purchase"].max())
    end = np.datetime64(as_of.date(), "D")
    enrolled = pd.to_datetime(scored["enrolled_at"]).dropna().to_numpy(dtype="datetime64[D]")
    enrolled = enrolled[enrolled <= end].astype("datetime64[M]")
    first = (
        pd.to_datetime(scored["first_purchase"])
        .to_numpy(dtype="datetime64[D]")
        .astype("datetime64[M]")
    )
    begin = first.min()
    if start is not None:
        begin = max(begin, np.datetime64(pd.Timestamp(start).date(), "M"))
    months = np.arange(begin, max(end.astype("datetime64[M]"), begin) + 1)
    # Month arithmetic on numpy datetime64[M] (pandas Periods are far slower at a million rows).
    # Everything before the first month counts in it: month 0 carries the earlier totals.
    customer_offsets = np.maximum((first - months[0]).astype(np.int64), 0)
    new_customers = np.bincount(customer_offsets, minlength=len(months))[: len(months)]
    offsets = np.maximum((enrolled - months[0]).astype(np.int64), 0)
    new_members = np.bincount(offsets, minlength=len(months))[: len(months)]
    table = pd.DataFrame(
        {
            "month": months.astype("datetime64[s]"),
            "new_customers": new_customers,
            "customers": np.cumsum(new_customers),
            "new_members": new_members,
            "members": np.cumsum(new_members),
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


def tier_mix(scored: pd.DataFrame) -> pd.DataFrame:
    """Members per programme tier (``loyalty_tier`` of members), as ``tier``, ``members``, ``share``."""
    require_columns(scored, ["is_member", "loyalty_tier"], "tier_mix")
    order = ["platinum", "gold", "silver", "bronze"]
    counts = scored.loc[scored["is_member"], "loyalty_tier"].astype(str).str.lower().value_counts()
    index = [t for t in order if t in counts.index] + [t for t in counts.index if t not in order]
    table = counts.reindex(index).rename("members").rename_axis("tier").reset_index()
    table["share"] = table["members"] / max(table["members"].sum(), 1)
    return table


def member_activity(
    scored: pd.DataFrame,
    interactions: pd.DataFrame | None = None,
    months: int = 12,
    as_of=None,
) -> pd.DataFrame:
    """Active vs inactive ("dead", 死会员) members: a member is inactive when they made no
    payment and no call-centre contact in the ``months`` calendar months up to ``as_of``.

    ``scored`` needs ``customer_id``, ``is_member`` and ``last_purchase``; ``interactions`` (if
    given) ``customer_id`` and ``contact_at``. Returns one row per state (``active``,
    ``inactive``) with ``members``, ``share`` and the mean ``spend_12m`` and ``clv`` where the
    table has them.
    """
    require_columns(scored, ["customer_id", "is_member", "last_purchase"], "member_activity")
    as_of = pd.Timestamp(as_of or scored.attrs.get("as_of") or scored["last_purchase"].max())
    since = as_of.normalize() - pd.DateOffset(months=int(months))
    members = scored[scored["is_member"].fillna(False).astype(bool)]
    paid = pd.to_datetime(members["last_purchase"]) > since
    contacted = pd.Series(False, index=members.index)
    if interactions is not None and len(interactions):
        when = pd.to_datetime(interactions["contact_at"]).dt.normalize()
        recent = interactions.loc[(when > since) & (when <= as_of.normalize()), "customer_id"]
        contacted = members["customer_id"].isin(recent)
    state = np.where(paid.to_numpy() | contacted.to_numpy(), "active", "inactive")
    frame = members.assign(state=state)
    values = {c: (c, "mean") for c in ("spend_12m", "clv") if c in frame}
    out = (
        frame.groupby("state")
        .agg(members=("customer_id", "size"), **{f"mean_{k}": v for k, v in values.items()})
        .reindex(["active", "inactive"], fill_value=0)
        .reset_index()
    )
    out["share"] = out["members"] / max(int(out["members"].sum()), 1)
    return out
