"""CLV and value tiers: model settings, fit status in plain words, backtest, expected-purchase and
P(alive) matrices, CLV distribution, tunable tier shares, tier table, top customers, downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.churn import TIERS
from analytics.pipeline import SCORE_COLUMNS
from ui import charts
from ui.data import date_range, page_view
from ui.i18n import fmt_int, fmt_money, fmt_pct, labeler, name, namer, names, t
from ui.widgets import (
    download,
    empty_view_guard,
    file_name,
    paged_table,
    section,
    segment_download,
)


def settings_row() -> None:
    cells = st.columns(4)
    cells[0].selectbox(t("unit"), ["D", "W", "M"], format_func=labeler("unit_"), key="unit")
    cells[1].slider(t("horizon"), 6, 120, step=6, key="horizon")
    cells[2].slider(t("discount"), 0.0, 0.20, step=0.01, key="discount", format="%.2f")
    cells[3].selectbox(t("model"), ["bgnbd", "pareto_nbd"], format_func=namer(), key="model")


def fit_words(view) -> None:
    fit = view.fit
    if fit.status == "rfm_only":
        st.warning(t("fit_rfm_only", message=fit.message))
        return
    if fit.status == "no_spend_model":
        st.warning(t("fit_no_spend", message=fit.message))
    else:
        st.success(t("fit_ok"))
    p = fit.purchase_params
    per_year = 365.25 / {"D": 1.0, "W": 7.0, "M": 30.4375}[fit.unit]
    if fit.model == "bgnbd":
        st.markdown(
            t(
                "bgnbd_words",
                rate=f"{p['r'] / p['alpha'] * per_year:.1f}",
                drop=fmt_pct(p["a"] / (p["a"] + p["b"])),
                **p,
            )
        )
        st.caption(t("bgnbd_one_timers"))
    else:
        st.markdown(t("pareto_words", **p))
    if fit.spend_params:
        g = fit.spend_params
        st.markdown(
            t("gg_words", spend=fmt_money(g["v"] * g["p"] / (g["q"] - 1), view.currency), **g)
        )
    if fit.fit_customers and fit.fit_customers < fit.n_customers:
        st.caption(t("fit_sample_note", n=fmt_int(fit.fit_customers), rows=fmt_int(fit.n_fit_rows)))


def backtest(view) -> None:
    low, high = date_range(view.data, view.fingerprint)
    span = (high - low).days
    default_cal = low + pd.Timedelta(days=int(span * 0.6))
    cells = st.columns(3)
    calibration = cells[0].date_input(
        t("calibration_end"), value=default_cal, min_value=low, max_value=high, key="bt_cal"
    )
    holdout = cells[1].date_input(
        t("holdout_end"), value=high, min_value=low, max_value=high, key="bt_hold"
    )
    if holdout <= calibration:
        st.warning(t("holdout_after_calibration"))
        return
    # A backtest refits the model on the calibration period: run it on request, then keep it.
    request = (
        view.fingerprint,
        str(calibration),
        str(holdout),
        view.settings.unit,
        view.settings.model,
    )
    if cells[2].button(t("run_backtest"), key="bt_go", type="primary"):
        st.session_state["bt_request"] = request
    if st.session_state.get("bt_request") != request:
        return
    result = view.backtest(calibration, holdout)
    if not result.fit.has_purchase_model:
        st.warning(t("fit_rfm_only", message=result.fit.message))
        return
    cells = st.columns(3)
    cells[0].metric(t("actual_total"), fmt_int(result.actual_purchases))
    cells[1].metric(
        t("predicted_total"),
        fmt_int(result.predicted_purchases),
        f"{result.predicted_purchases / max(result.actual_purchases, 1) - 1:+.1%}",
        delta_color="off",
        delta_arrow="off",
    )
    cells[2].metric(t("mae"), f"{result.mae:.3f}")
    left, right = st.columns(2)
    by = result.by_frequency
    left.plotly_chart(
        charts.grouped_bars(
            by["frequency"].astype(str).tolist(),
            {t("actual"): by["actual"], t("predicted"): by["predicted"]},
            t("backtest_by_frequency"),
            t("calibration_frequency"),
            t("mean_purchases"),
        ),
        key="clv_backtest",
    )
    deciles = result.deciles
    right.plotly_chart(
        charts.grouped_bars(
            deciles["decile"].astype(str).tolist(),
            {t("actual"): deciles["actual"], t("predicted"): deciles["predicted"]},
            t("deciles"),
            t("decile"),
            t("mean_purchases"),
        ),
        key="clv_deciles",
    )


def main() -> None:
    st.title(t("page_clv"))
    settings_row()
    view = page_view()
    if empty_view_guard(view):
        return
    with section():
        fit_words(view)
    agg = view.agg
    if view.fit.has_purchase_model:
        with st.expander(t("backtest")), section():
            backtest(view)
        left, right = st.columns(2)
        horizon = (
            view.settings.horizon_months
            * 30.4375
            / {"D": 1, "W": 7, "M": 30.4375}[view.settings.unit]
        )
        with section():
            matrix = view.matrix(horizon)
            matrix = matrix.assign(recency=matrix["recency"].round(0).astype(int))
            left.plotly_chart(
                charts.heatmap(
                    matrix,
                    "frequency",
                    "recency",
                    "expected_purchases",
                    t("matrix_expected"),
                    t("frequency"),
                    t("recency"),
                    fmt=".1f",
                ),
                key="clv_matrix_expected",
            )
            right.plotly_chart(
                charts.heatmap(
                    matrix,
                    "frequency",
                    "recency",
                    "p_alive",
                    t("matrix_alive"),
                    t("frequency"),
                    t("recency"),
                    fmt=".0%",
                ),
                key="clv_matrix_alive",
            )
        with section():
            st.plotly_chart(
                charts.histogram(
                    agg.distribution("clv"), t("clv_distribution"), t("clv_short"), t("customers")
                ),
                key="clv_hist",
            )
    else:
        st.info(t("clv_unavailable"))
    with section():
        st.markdown(f"**{t('tier_shares')}**")
        cells = st.columns(3)
        cells[0].slider(name("Platinum"), 0.01, 0.5, step=0.01, key="tier_platinum")
        cells[1].slider(name("Gold"), 0.0, 0.5, step=0.01, key="tier_gold")
        cells[2].slider(name("Silver"), 0.0, 0.6, step=0.01, key="tier_silver")
        tiers = agg.tiers
        st.dataframe(
            pd.DataFrame(
                {
                    t("value_tier"): names(tiers["value_tier"]),
                    t("customers"): tiers["customers"],
                    t("share"): [fmt_pct(v) for v in tiers["share"]],
                    name(agg.value_basis): [fmt_money(v, view.currency) for v in tiers["value"]],
                    t("value_share"): [fmt_pct(v) for v in tiers["value_share"]],
                    t("mean_churn_risk"): [
                        fmt_pct(v)
                        for v in tiers.get(
                            "mean_churn_risk", pd.Series([float("nan")] * len(tiers))
                        )
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    with section():
        st.subheader(t("top_customers"))
        top = view.table.nlargest(500, agg.value_basis)
        shown = top[
            [
                "customer_id",
                "value_tier",
                "segment",
                "clv",
                "expected_purchases",
                "p_alive",
                "total_spend",
            ]
        ]
        paged_table(
            shown.assign(value_tier=names(shown["value_tier"]), segment=names(shown["segment"])),
            key="clv_top",
            column_config={
                "clv": st.column_config.NumberColumn(t("clv_short"), format="%.0f"),
                "p_alive": st.column_config.ProgressColumn(
                    t("p_alive"), min_value=0, max_value=1, format="percent"
                ),
                "total_spend": st.column_config.NumberColumn(t("total_spend"), format="%.0f"),
                "expected_purchases": st.column_config.NumberColumn(
                    t("expected_purchases"), format="%.2f"
                ),
            },
        )
        as_of = view.table.attrs.get("as_of")
        download(
            top,
            file_name("clv", "top-500", as_of),
            t("download_csv"),
            key="clv_top_csv",
            enrich=view.with_clusters,
            columns=SCORE_COLUMNS,
        )
        segment_download(
            lambda tier: view.table if tier is None else agg.rows("value_tier", tier),
            list(TIERS), names(TIERS), "value-tier", as_of, SCORE_COLUMNS, key="clv_dl", select_label=t("download_tier"), enrich=view.with_clusters,
        )  # fmt: skip


main()
