"""Loyalty programme: uptake since the launch and by group, members vs non-members, members by
programme tier."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.loyalty import member_activity
from ui import charts
from ui.formats import fmt_int, fmt_money, fmt_pct
from ui.i18n import lang, names, programme_tier, t
from ui.view import page_view
from ui.widgets import chart, dimension_picker, empty_view_guard, section


def activity(view) -> None:
    """Active vs inactive ("dead") members: no payment and no contact in the chosen months."""
    st.subheader(t("member_activity"), anchor=False)
    months = st.slider(t("inactive_after"), 3, 36, 12, step=3, key="loyalty_inactive_months")
    table = member_activity(view.table, view.data.interactions, months, view.as_of)
    table = table.set_index("state")
    currency, language = view.currency, lang()
    cells = st.columns(2)
    for cell, state in zip(cells, ("active", "inactive"), strict=True):
        cell.metric(
            t(f"members_{state}"),
            fmt_int(table.loc[state, "members"]),
            fmt_pct(table.loc[state, "share"]),
            delta_color="off",
            delta_arrow="off",
            help=t(f"members_{state}_help", months=months),
            border=True,
        )
    if "mean_spend_12m" in table:
        st.caption(
            t("inactive_spend", active=fmt_money(table.loc["active", "mean_spend_12m"], currency,
                                                 language),
              inactive=fmt_money(table.loc["inactive", "mean_spend_12m"], currency, language))
        )  # fmt: skip


def member_persistency(view) -> dict | None:
    """13-month persistency (by count) of members' and non-members' policies (and 25-month):
    ``{k: {"member": ratio, "non-member": ratio}}``; None without policies."""
    from analytics.persistency import ratios_from_status

    if view.policies is None or view.policies.empty or "is_member" not in view.policies:
        return None
    status = view.policy_status(["is_member"], months=[13, 25])
    table = ratios_from_status(status, view.as_of, "is_member")
    out: dict = {}
    for _, row in table.iterrows():
        group = "member" if row["is_member"] else "non-member"
        out.setdefault(int(row["months"]), {})[group] = row["count_ratio"]
    return out


def main() -> None:
    st.title(t("page_loyalty"))
    view = page_view()
    if empty_view_guard(view):
        return
    agg = view.agg
    if not agg.has_loyalty:
        st.info(t("no_loyalty"))
        return
    axes = charts.Axes(lang(), view.currency)
    with section():
        chart(
            charts.dual_months(agg.uptake_by_month, "month", "new_members", t("new_members"),
                               "uptake", t("uptake"), t("uptake_over_time"), t("month"), axes),
            key="loyalty_trend",
        )  # fmt: skip
    with section():
        by, by_label = dimension_picker(view, t("uptake_by"), "loyalty_by")
        table = agg.uptake_by(by).sort_values("uptake", ascending=False).head(25)
        chart(
            charts.bar(table, "uptake", f"{t('uptake')} · {by_label}", by_label, t("uptake"),
                       names(table[by]), axes, kind=charts.PERCENT, text=True),
            key="loyalty_by_chart",
        )  # fmt: skip
    left, right = st.container(), st.container()  # the comparison needs the full width
    with left, section():
        st.subheader(t("members_vs"))
        compare = agg.members_vs_non_members
        currency, language = view.currency, lang()
        display = {
            t("group"): names(compare["group"]),
            t("customers"): [fmt_int(v) for v in compare["customers"]],
            t("mean_spend"): [fmt_money(v, currency, language) for v in compare["mean_spend"]],
        }
        if "mean_clv" in compare:
            display[t("mean_clv")] = [fmt_money(v, currency, language) for v in compare["mean_clv"]]
        if "mean_p_alive" in compare:
            display[t("mean_p_alive")] = [fmt_pct(v) for v in compare["mean_p_alive"]]
        if "mean_churn_risk" in compare:
            display[t("mean_churn_risk")] = [fmt_pct(v) for v in compare["mean_churn_risk"]]
        persisting = member_persistency(view)
        if persisting is not None:
            for k in (13,):
                column = persisting.get(k, {})
                display[t("persistency_k", k=k)] = [fmt_pct(column.get(g)) for g in
                                                    compare["group"]]  # fmt: skip
        st.dataframe(pd.DataFrame(display), hide_index=True, width="stretch")
        if persisting is not None:
            st.caption(t("member_persistency_note"))
    with section():
        activity(view)
    with right, section():
        tiers = agg.loyalty_tiers
        chart(
            charts.bar(tiers, "members", t("programme_tiers"), t("programme_tier"), t("members"),
                       [programme_tier(x) for x in tiers["tier"]], axes, text=True),
            key="loyalty_tiers",
        )  # fmt: skip


main()
