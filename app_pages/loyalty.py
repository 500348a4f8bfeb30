"""Loyalty programme: uptake over time and by group, members vs non-members, tier mix."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import charts
from ui.data import page_view
from ui.i18n import fmt_money, fmt_pct, name, names, t
from ui.widgets import dimension_picker, empty_view_guard, section


def main() -> None:
    st.title(t("page_loyalty"))
    view = page_view()
    if empty_view_guard(view):
        return
    agg = view.agg
    if not agg.has_loyalty:
        st.info(t("no_loyalty"))
        return
    with section():
        monthly = agg.uptake_by_month
        st.plotly_chart(
            charts.dual_line(
                monthly,
                "month",
                "new_members",
                t("new_members"),
                "uptake",
                t("uptake"),
                t("uptake_over_time"),
                t("month"),
            ),
            key="loyalty_trend",
        )
    with section():
        by, by_label = dimension_picker(
            view, t("uptake_by"), "loyalty_by", ("channel", "customer_type")
        )
        table = agg.uptake_by(by).sort_values("uptake", ascending=False)
        st.plotly_chart(
            charts.bar(
                table,
                by,
                "uptake",
                f"{t('uptake')} · {by_label}",
                by_label,
                t("uptake"),
                labels=names(table[by]),
                text=[fmt_pct(v) for v in table["uptake"]],
            ).update_yaxes(tickformat=".0%"),
            key="loyalty_by_chart",
        )
    left, right = st.columns(2)
    with left, section():
        st.subheader(t("members_vs"))
        compare = agg.members_vs_non_members
        display = {
            t("customers"): [f"{v:,}" for v in compare["customers"]],
            t("mean_spend"): [fmt_money(v, view.currency) for v in compare["mean_spend"]],
        }
        for column, key in (
            ("mean_clv", "mean_clv"),
            ("mean_p_alive", "p_alive"),
            ("mean_churn_risk", "mean_churn_risk"),
        ):
            if column in compare:
                values = compare[column]
                display[t(key)] = [
                    fmt_money(v, view.currency) if column == "mean_clv" else fmt_pct(v)
                    for v in values
                ]
        st.dataframe(pd.DataFrame(display, index=names(compare["group"])), width="stretch")
    with right, section():
        tiers = agg.loyalty_tiers
        st.plotly_chart(
            charts.bar(
                tiers,
                "tier",
                "members",
                t("programme_tiers"),
                t("value_tier"),
                t("members"),
                labels=[name(x) for x in tiers["tier"]],
            ),
            key="loyalty_tiers",
        )


main()
