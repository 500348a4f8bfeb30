"""Churn risk: band cut-offs, the bands with their premium at risk, risk distribution, premium at
risk by segment / tier / channel / type / region, the models' agreement, and an action list of
valuable customers at high risk, most premium at risk first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.churn import BANDS
from ui import charts, state
from ui.auth import allowed
from ui.exports import download_pair, group_downloads
from ui.formats import fmt_int, fmt_money, fmt_pct
from ui.i18n import fit_reason, in_sentence, lang, name, names, t
from ui.view import page_view
from ui.widgets import (
    chart,
    customer_table,
    dimension_picker,
    empty_view_guard,
    model_agreement,
    section,
)


def band_range(band: str, cuts) -> str:
    low, high = (fmt_pct(c, 0) for c in cuts)
    return t(f"band_range_{band}", low=low, high=high)


def bands(view) -> None:
    table = view.agg.churn_bands
    currency, language = view.currency, lang()
    cells = st.columns(len(table))
    for cell, (_, row) in zip(cells, table.iterrows(), strict=True):
        band = row["churn_band"]
        cell.metric(
            t("band_metric", band=name(band)),
            t("band_metric_value", share=fmt_pct(row["share"])),
            t("band_metric_delta", premium=fmt_money(row["premium_at_risk"], currency, language)),
            delta_color="off",
            delta_arrow="off",
            help=t("band_metric_help", range=band_range(band, view.settings.churn_cuts)),
            border=True,
        )


def main() -> None:
    st.title(t("page_churn"))
    low, high, step = state.RANGES["churn_cuts"]
    st.slider(t("band_cuts"), low, high, step=step, key="churn_cuts", format="percent")
    view = page_view()
    if empty_view_guard(view):
        return
    if not view.fit.has_purchase_model:
        st.warning(t("churn_unavailable", reason=fit_reason(view.fit)))
        return
    agg = view.agg
    axes = charts.Axes(lang(), view.currency)
    with section():
        bands(view)
        model_agreement(view)
    if view.settings.model == "bgnbd":
        st.caption(t("read_one_timers"))
    left, right = st.columns(2)
    with left, section():
        chart(
            charts.histogram(agg.distribution("churn_risk", bins=20, clip_quantile=1.0),
                             t("risk_distribution"), t("churn_risk"), t("customers"), axes,
                             x_kind=charts.PERCENT),
            key="churn_hist",
        )  # fmt: skip
    with right, section():
        table = agg.churn_bands
        chart(
            charts.bar(table, "premium_at_risk", t("premium_by_band"), t("churn_band"),
                       t("premium_at_risk"), names(table["churn_band"]), axes, kind=charts.MONEY,
                       colors=[charts.BAND_COLORS[b] for b in table["churn_band"]], text=True),
            key="churn_premium",
        )  # fmt: skip
    with section():
        by, by_label = dimension_picker(
            view, t("risk_by"), "churn_by",
            extra=("channel", "customer_type", "region", "product_line", "agent_id"),
        )  # fmt: skip
        table = agg.churn_by(by).head(25)
        chart(
            charts.bar(table, "premium_at_risk", t("premium_at_risk_by", by=in_sentence(by_label)), by_label,
                       t("premium_at_risk"), names(table[by]), axes, kind=charts.MONEY,
                       horizontal=True),
            key="churn_by_chart",
        )  # fmt: skip
        currency, language = view.currency, lang()
        st.dataframe(
            pd.DataFrame(
                {
                    by_label: names(table[by]),
                    t("customers"): [fmt_int(v) for v in table["customers"]],
                    t("mean_churn_risk"): [fmt_pct(v) for v in table["mean_churn_risk"]],
                    t("high_risk_share"): [fmt_pct(v) for v in table["high_risk_share"]],
                    t("spend_12m_short"): [
                        fmt_money(v, currency, language) for v in table["spend_12m"]
                    ],
                    t("premium_at_risk_short"): [
                        fmt_money(v, currency, language) for v in table["premium_at_risk"]
                    ],
                    t("premium_at_risk_share"): [
                        fmt_pct(v) for v in table["premium_at_risk_share"]
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                t("premium_at_risk_share"): st.column_config.TextColumn(
                    help=t("premium_at_risk_share_help")
                )
            },
        )
    if not allowed("customer_rows"):  # viewers: aggregates only, no customer list computed
        return
    with section():
        st.subheader(t("action_list"))
        actions = agg.action_list
        customer_table(
            actions,
            "churn_actions",
            {"customer_id": "text", "segment": "name", "value_tier": "name",
             "churn_risk": "probability", "spend_12m": "money", "premium_at_risk": "money",
             "clv": "money", "days_since_last": "count"},
            currency=view.currency,
        )  # fmt: skip
        download_pair(
            lambda: agg.action_list,
            len(actions),
            t("what_actions"),
            ("churn-actions", "high-risk"),
            view.as_of,
            key="churn_actions_dl",
            enrich=view.with_clusters,
        )
        present = set(agg.churn_bands.loc[agg.churn_bands["customers"] > 0, "churn_band"])
        options = [b for b in BANDS if b in present]
        group_downloads(view, "churn_band", options, names(options), "what_band", "choose_band",
                        "churn", key="churn_dl", enrich=view.with_clusters)  # fmt: skip


main()
