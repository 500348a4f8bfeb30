"""Overview (managers): KPIs, value tiers, spend trend, segment mix, churn risk by tier."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.churn import TIERS
from ui import charts
from ui.data import page_view
from ui.i18n import basis_words, fmt_int, fmt_money, fmt_pct, name, names, t
from ui.widgets import empty_view_guard, section


def kpis(view) -> None:
    k = view.agg.kpis
    cells = st.columns(6)
    cells[0].metric(t("kpi_customers"), fmt_int(k["customers"]), border=True)
    cells[1].metric(
        t("kpi_active"),
        fmt_int(k["active_90"]),
        fmt_pct(k["active_90"] / max(k["customers"], 1)),
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    change = k["spend_change"]
    cells[2].metric(
        t("kpi_spend12"),
        fmt_money(k["spend_12m"], view.currency),
        None if change != change else f"{change * 100:+.1f}%",
        delta_description=t("kpi_vs_prior"),
        border=True,
    )
    cells[3].metric(t("kpi_mean_clv"), fmt_money(k["mean_clv"], view.currency), border=True)
    cells[4].metric(t("kpi_high_risk"), fmt_pct(k["high_risk_share"]), border=True)
    cells[5].metric(t("kpi_uptake"), fmt_pct(k["uptake"]), border=True)


def main() -> None:
    st.title(t("page_overview"))
    view = page_view()
    if empty_view_guard(view):
        return
    agg = view.agg
    with section():
        kpis(view)
    with section():
        statement = agg.concentration
        row = statement[statement["top_share"] == 0.2].iloc[0]
        st.caption(
            t(
                "concentration_line",
                top=fmt_pct(row["top_share"], 0),
                value=fmt_pct(row["value_share"], 0),
                basis=basis_words(agg.abc_basis),
            )
        )
    left, right = st.columns(2)
    with left, section():
        tiers = agg.tiers
        shares = {
            t("customer_share"): tiers["share"].tolist(),
            t("value_share"): tiers["value_share"].tolist(),
        }
        st.plotly_chart(
            charts.grouped_bars(
                names(tiers["value_tier"]), shares, t("tier_mix"), t("value_tier"), t("share")
            ).update_yaxes(tickformat=".0%"),
            key="overview_tiers",
        )
    with right, section():
        trend = agg.spend_trend
        st.plotly_chart(
            charts.line(
                trend, "month", {t("spend"): "spend"}, t("spend_trend"), t("month"), t("spend")
            ),
            key="overview_trend",
        )
    left, right = st.columns(2)
    with left, section():
        segments = agg.segments
        st.plotly_chart(
            charts.bar(
                segments,
                "segment",
                "customers",
                t("segment_mix"),
                t("segment"),
                t("customers"),
                labels=names(segments["segment"]),
                horizontal=True,
            ),
            key="overview_segments",
        )
    with right, section():
        if view.fit.has_purchase_model:
            mix = agg.churn_by("value_tier")
            st.plotly_chart(
                charts.bar(
                    mix.set_index("value_tier").reindex(list(TIERS)).reset_index(),
                    "value_tier", "mean_churn_risk", t("churn_by_tier"), t("value_tier"), t("mean_churn_risk"),
                    labels=names(TIERS), colors=[charts.TIER_COLORS[x] for x in TIERS],
                ).update_yaxes(tickformat=".0%"),
                key="overview_churn",
            )  # fmt: skip
        else:
            st.info(t("churn_unavailable", message=view.fit.message))
    with section():
        tiers = agg.tiers
        st.markdown(f"**{t('tier_table')}**")
        st.dataframe(
            pd.DataFrame(
                {
                    t("value_tier"): names(tiers["value_tier"]),
                    t("customers"): [fmt_int(v) for v in tiers["customers"]],
                    t("share"): [fmt_pct(v) for v in tiers["share"]],
                    name(agg.value_basis): [fmt_money(v, view.currency) for v in tiers["value"]],
                    t("value_share"): [fmt_pct(v) for v in tiers["value_share"]],
                    t("mean_churn_risk"): [
                        fmt_pct(v)
                        for v in tiers.get("mean_churn_risk", [float("nan")] * len(tiers))
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )


main()
