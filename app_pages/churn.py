"""Churn risk: band cut-offs, risk distribution, risk by segment / tier / channel, value at risk,
and an action list of valuable customers at high risk."""

from __future__ import annotations

import streamlit as st

from analytics.churn import BANDS
from analytics.pipeline import SCORE_COLUMNS
from ui import charts
from ui.data import page_view
from ui.i18n import fmt_money, fmt_pct, name, names, t
from ui.widgets import (
    dimension_picker,
    download,
    empty_view_guard,
    file_name,
    paged_table,
    section,
    segment_download,
)


def main() -> None:
    st.title(t("page_churn"))
    st.slider(t("band_cuts"), 0.0, 1.0, step=0.05, key="churn_cuts")
    view = page_view()
    if empty_view_guard(view):
        return
    if not view.fit.has_purchase_model:
        st.warning(t("churn_unavailable", message=view.fit.message))
        return
    agg = view.agg
    if view.settings.model == "bgnbd":
        st.caption(t("bgnbd_one_timers"))
    bands = agg.churn_bands
    cells = st.columns(len(bands))
    for cell, (_, row) in zip(cells, bands.iterrows(), strict=True):
        cell.metric(
            f"{t('churn_risk')}: {name(row['churn_band'])}",
            fmt_pct(row["share"]),
            f"{t('value_at_risk')} {fmt_money(row['value'], view.currency)}",
            delta_color="off",
            delta_arrow="off",
        )
    left, right = st.columns(2)
    with left, section():
        st.plotly_chart(
            charts.histogram(
                agg.distribution("churn_risk", bins=20, clip_quantile=1.0),
                t("risk_distribution"),
                t("churn_risk"),
                t("customers"),
            ),
            key="churn_hist",
        )
    with right, section():
        st.plotly_chart(
            charts.bar(
                bands, "churn_band", "value", t("value_at_risk"), t("churn_risk"), name(agg.value_basis),
                labels=names(bands["churn_band"]), colors=[charts.BAND_COLORS[b] for b in bands["churn_band"]],
            ),
            key="churn_value",
        )  # fmt: skip
    with section():
        by, by_label = dimension_picker(
            view, t("risk_by"), "churn_by", ("channel", "customer_type", "region")
        )
        table = agg.churn_by(by).sort_values("mean_churn_risk", ascending=False)
        st.plotly_chart(
            charts.bar(
                table,
                by,
                "mean_churn_risk",
                f"{t('mean_churn_risk')} · {by_label}",
                by_label,
                t("mean_churn_risk"),
                labels=names(table[by]),
            ).update_yaxes(tickformat=".0%"),
            key="churn_by_chart",
        )
    with section():
        st.subheader(t("action_list"))
        actions = agg.action_list
        shown = actions[
            [
                "customer_id",
                "segment",
                "value_tier",
                "churn_risk",
                agg.value_basis,
                "value_at_risk",
                "days_since_last",
            ]
        ]
        paged_table(
            shown.assign(segment=names(shown["segment"]), value_tier=names(shown["value_tier"])),
            key="churn_actions",
            column_config={
                "churn_risk": st.column_config.ProgressColumn(
                    t("churn_risk"), min_value=0, max_value=1, format="percent"
                ),
                "clv": st.column_config.NumberColumn(t("clv_short"), format="%.0f"),
                "total_spend": st.column_config.NumberColumn(t("total_spend"), format="%.0f"),
                "value_at_risk": st.column_config.NumberColumn(t("value_at_risk"), format="%.0f"),
            },
        )
        as_of = view.table.attrs.get("as_of")
        download(
            actions,
            file_name("churn-actions", "high-risk", as_of),
            t("download_csv"),
            key="churn_actions_csv",
            enrich=view.with_clusters,
            columns=[*SCORE_COLUMNS, "value_at_risk"],
        )
        present = set(agg.churn_bands.loc[agg.churn_bands["customers"] > 0, "churn_band"])
        options = [b for b in BANDS if b in present]
        segment_download(
            lambda band: view.table if band is None else view.agg.rows("churn_band", band),
            options, names(options), "churn", as_of, SCORE_COLUMNS, key="churn_dl", select_label=t("download_band"), enrich=view.with_clusters,
        )  # fmt: skip


main()
