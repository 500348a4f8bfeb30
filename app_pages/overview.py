"""Overview (managers): headline figures, value tiers, spend trend, segment mix, churn by tier."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.churn import TIERS
from ui import charts
from ui.formats import fmt_int, fmt_money, fmt_pct
from ui.i18n import basis_words, lang, name, names, t
from ui.view import page_view
from ui.widgets import chart, empty_view_guard, model_agreement, section, tier_table


def kpis(view) -> None:
    k = view.headline().kpis
    language, currency, settings = lang(), view.currency, view.settings
    money = lambda v: fmt_money(v, currency, language)  # noqa: E731
    top = st.columns(4)
    top[0].metric(t("kpi_customers"), fmt_int(k["customers"]), help=t("kpi_customers_help"),
                  border=True)  # fmt: skip
    top[1].metric(
        t("kpi_active"),
        fmt_int(k["active_90"]),
        fmt_pct(k["active_90"] / max(k["customers"], 1)),
        delta_color="off",
        delta_arrow="off",
        help=t("kpi_active_help"),
        border=True,
    )
    change = k["spend_change"]
    top[2].metric(
        t("kpi_spend12"),
        money(k["spend_12m"]),
        None if pd.isna(change) else t("kpi_vs_prior", change=f"{change * 100:+.1f}%"),
        help=t("kpi_spend12_help"),
        border=True,
    )
    top[3].metric(
        t("kpi_premium_at_risk"),
        money(k["premium_at_risk"]),
        help=t("kpi_premium_at_risk_help"),
        border=True,
    )
    second = st.columns(4)
    second[0].metric(
        t("kpi_mean_clv"),
        money(k["mean_clv"]),
        help=t("kpi_mean_clv_help", horizon=settings.horizon_months,
               rate=fmt_pct(settings.discount_rate, 0), model=name(settings.model)),
        border=True,
    )  # fmt: skip
    second[1].metric(
        t("kpi_high_risk"),
        fmt_pct(k["high_risk_share"]),
        help=t(
            "kpi_high_risk_help", model=name(settings.model), cut=fmt_pct(settings.churn_cuts[1], 0)
        ),
        border=True,
    )
    second[2].metric(t("kpi_uptake"), fmt_pct(k["uptake"]), help=t("kpi_uptake_help"),
                     border=True)  # fmt: skip
    if view.data.rows("policies") is not None and view.persistency_pending():
        with second[3]:
            _persistency_when_ready(view)
    elif view.policies is not None:
        ratio = view.persistency_13()
        second[3].metric(t("kpi_persistency_13"), fmt_pct(ratio), help=t("kpi_persistency_13_help"),
                         border=True)  # fmt: skip


@st.fragment(run_every=2.0)
def _persistency_when_ready(view) -> None:
    """A large book's 13-month persistency, computed in the background: a placeholder that
    checks every 2 s and redraws the page once the figure is there."""
    if not view.persistency_pending():
        st.rerun()
    st.metric(t("kpi_persistency_13"), "…", help=t("kpi_persistency_13_pending"), border=True)


def main() -> None:
    st.title(t("page_overview"))
    view = page_view()
    if empty_view_guard(view):
        return
    agg = view.headline()  # kept on disk: a restart draws this page without the scored table
    axes = charts.Axes(lang(), view.currency)
    with section():
        kpis(view)
        model_agreement(view, start=False)
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
        chart(
            charts.grouped_bars(names(tiers["value_tier"]), shares, t("tier_mix"), t("value_tier"),
                                t("share"), axes, kind=charts.PERCENT),
            key="overview_tiers",
        )  # fmt: skip
    with right, section():
        if view.data.has_payments:
            chart(
                charts.month_line(agg.spend_trend, "month", {t("spend"): "spend"},
                                  t("spend_trend"), t("month"), t("spend"), axes),
                key="overview_trend",
            )  # fmt: skip
        else:
            st.markdown(f"**{t('spend_trend')}**")  # as a chart's title, not a heading
            st.info(t("scored_no_payments"))
    left, right = st.columns(2)
    with left, section():
        segments = agg.segments
        chart(
            charts.bar(segments, "customers", t("segment_mix"), t("segment"), t("customers"),
                       names(segments["segment"]), axes, horizontal=True),
            key="overview_segments",
        )  # fmt: skip
    with right, section():
        if view.fit.has_purchase_model and agg.churn_by_tier is not None:
            mix = agg.churn_by_tier.set_index("value_tier").reindex(list(TIERS))
            chart(
                charts.bar(mix.reset_index(), "mean_churn_risk", t("churn_by_tier"),
                           t("value_tier"), t("mean_churn_risk"), names(TIERS), axes,
                           kind=charts.PERCENT, colors=[charts.TIER_COLORS[x] for x in TIERS],
                           text=True),
                key="overview_churn",
            )  # fmt: skip
        else:
            from ui.i18n import fit_reason

            st.info(t("churn_unavailable", reason=fit_reason(view.fit)))
    with section():
        st.markdown(f"**{t('tier_table')}**")
        tier_table(view)


main()
