"""CLV and value tiers: model settings, the fit in plain words (parameters in an expander), a
backtest of both purchase models, expected-purchase and P(alive) matrices, CLV distribution,
tunable tier shares, tier table, top customers, downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from analytics.churn import TIERS
from analytics.clv import MODELS, interpret
from analytics.summary import UNIT_DAYS
from ui import charts, sources, state
from ui.auth import allowed
from ui.exports import download_pair, group_downloads
from ui.formats import fmt_int, fmt_money, fmt_number, fmt_pct
from ui.i18n import fit_reason, labeler, lang, name, namer, names, t
from ui.view import page_view, scored_unit
from ui.widgets import chart, customer_table, empty_view_guard, section, tier_table

#: Model parameters by their symbols in the papers.
SYMBOLS = {"alpha": "α", "beta": "β"}


def settings_row() -> None:
    cells = st.columns(4)
    fixed = scored_unit()  # a scored table keeps the unit it was scored in
    if fixed:
        st.session_state["unit"] = fixed
    cells[0].selectbox(t("unit"), list(UNIT_DAYS), format_func=labeler("unit_"), key="unit",
                       disabled=bool(fixed), help=t("unit_fixed") if fixed else None)  # fmt: skip
    low, high, step = state.RANGES["horizon"]
    cells[1].slider(t("horizon"), int(low), int(high), step=int(step), key="horizon")
    low, high, step = state.RANGES["discount"]
    cells[2].slider(t("discount"), low, high, step=step, key="discount", format="percent")
    cells[3].selectbox(t("model"), list(MODELS), format_func=namer(), key="model")


def fit_words(view) -> None:
    """What the fit says, in plain words; the parameters themselves sit in an expander."""
    fit = view.fit
    if fit.status == "rfm_only":
        st.warning(t("fit_rfm_only", reason=fit_reason(fit)))
        return
    if fit.status == "no_spend_model":
        st.warning(t("fit_no_spend", reason=fit_reason(fit)))
    reading = interpret(fit)
    lines = [t("read_purchases", rate=fmt_number(reading.purchases_per_year, 1))]
    if fit.model == "bgnbd":
        lines.append(t("read_dropout", drop=fmt_pct(reading.dropout_per_purchase)))
    else:
        lines.append(t("read_active_after_year", share=fmt_pct(reading.active_after_year)))
    if not pd.isna(reading.mean_spend):
        lines.append(
            t("read_mean_spend", spend=fmt_money(reading.mean_spend, view.currency, lang()))
        )
    st.markdown("\n".join(f"- {line}" for line in lines))
    if fit.model == "bgnbd":
        st.caption(t("read_one_timers"))
    if fit.sampled:
        st.caption(t("fit_sample_note", n=fmt_int(fit.fit_customers), rows=fmt_int(fit.n_fit_rows)))
    if fit.penalizer or fit.spend_penalizer:
        st.caption(t("fit_penalty_note", penalty=f"{max(fit.penalizer, fit.spend_penalizer):g}"))
    with st.expander(t("model_details")):
        rows = [(t("params_purchase", model=name(fit.model)) + f" · {SYMBOLS.get(k, k)}",
                 f"{v:.4f}") for k, v in fit.purchase_params.items()]  # fmt: skip
        if fit.log_likelihood is not None:
            rows.append((t("log_likelihood"), f"{fit.log_likelihood:,.1f}"))
        rows += [(t("params_spend") + f" · {SYMBOLS.get(k, k)}", f"{v:.4f}")
                 for k, v in fit.spend_params.items()]  # fmt: skip
        rows += [(t("fit_customers"), fmt_int(fit.fit_customers)),
                 (t("fit_rows"), fmt_int(fit.n_fit_rows))]  # fmt: skip
        st.dataframe(
            pd.DataFrame(rows, columns=[t("parameter"), t("estimate")]),
            hide_index=True,
            width="stretch",
        )


def backtest(view) -> None:
    """Both purchase models refitted on the calibration period, predicting the holdout."""
    st.caption(t("backtest_intro"))
    low, high = sources.date_range(view.data, view.fingerprint)
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
    # A backtest refits the models on the calibration period: run it on request, then keep it.
    request = (view.fingerprint, str(calibration), str(holdout), view.settings.unit,
               view.settings.products)  # fmt: skip
    if cells[2].button(t("run_backtest"), key="bt_go", type="primary"):
        st.session_state["bt_request"] = request
    if st.session_state.get("bt_request") != request:
        return
    results = {model: view.backtest(calibration, holdout, model) for model in MODELS}
    fitted = {m: r for m, r in results.items() if r.fit.has_purchase_model}
    if not fitted:
        first = next(iter(results.values()))
        st.warning(t("fit_rfm_only", reason=fit_reason(first.fit)))
        return
    table = pd.DataFrame(
        {
            t("backtest_model"): [name(m) for m in fitted],
            t("actual_total"): [fmt_int(r.actual_purchases) for r in fitted.values()],
            t("predicted_total"): [fmt_int(r.predicted_purchases) for r in fitted.values()],
            # lifetimes' Pareto/NBD can overflow for a few very frequent payers: no number then
            t("predicted_vs_actual"): [
                f"{r.predicted_purchases / max(r.actual_purchases, 1) - 1:+.1%}"
                if np.isfinite(r.predicted_purchases)
                else "–"
                for r in fitted.values()
            ],
            t("mae"): [f"{r.mae:.3f}" if np.isfinite(r.mae) else "–" for r in fitted.values()],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    best = min(fitted, key=lambda m: fitted[m].mae if np.isfinite(fitted[m].mae) else np.inf)
    if len(fitted) > 1:
        st.caption(t("backtest_better", model=name(best)))
    chosen = fitted.get(view.settings.model) or fitted[best]
    chosen_cells = st.columns(3)
    chosen_cells[0].metric(
        t("actual_total"), fmt_int(chosen.actual_purchases), help=t("help_backtest_actual"),
        border=True,
    )  # fmt: skip
    chosen_cells[1].metric(
        t("predicted_total"),
        fmt_int(chosen.predicted_purchases),
        f"{chosen.predicted_purchases / max(chosen.actual_purchases, 1) - 1:+.1%}",
        delta_color="off",
        delta_arrow="off",
        help=t("help_backtest_predicted"),
        border=True,
    )
    chosen_cells[2].metric(t("mae"), f"{chosen.mae:.3f}", help=t("help_mae"), border=True)
    axes = charts.Axes(lang(), view.currency)
    left, right = st.columns(2)
    by = chosen.by_frequency
    cap = chosen.frequency_cap
    categories = [f"{f}+" if f == cap else str(f) for f in by["frequency"]]
    series = {t("actual"): by["actual"]}
    for model, result in fitted.items():
        series[f"{t('predicted')} · {name(model)}"] = result.by_frequency["predicted"]
    chart(
        charts.grouped_bars(categories, series,
                            t("backtest_by_frequency"), t("calibration_frequency"),
                            t("mean_purchases"), axes),
        key="clv_backtest",
        container=left,
    )  # fmt: skip
    deciles = chosen.deciles
    chart(
        charts.grouped_bars(deciles["decile"].astype(str).tolist(),
                            {t("actual"): deciles["actual"], t("predicted"): deciles["predicted"]},
                            f"{t('deciles')} · {name(chosen.fit.model)}", t("decile"),
                            t("mean_purchases"), axes),
        key="clv_deciles",
        container=right,
    )  # fmt: skip


def main() -> None:
    st.title(t("page_clv"))
    settings_row()
    view = page_view()
    if empty_view_guard(view):
        return
    with section():
        fit_words(view)
    agg = view.agg
    axes = charts.Axes(lang(), view.currency)
    if view.fit.has_purchase_model:
        with st.expander(t("backtest")), section():
            if view.data.has_payments:
                backtest(view)
            else:
                st.info(t("scored_no_payments"))
        left, right = st.columns(2)
        unit = view.settings.unit
        horizon = view.settings.horizon_months * UNIT_DAYS["M"] / UNIT_DAYS[unit]
        with section():
            matrix = view.matrix(horizon)
            matrix = matrix.assign(recency=matrix["recency"].round(0).astype(int))
            recency_label = t("matrix_recency", unit=t(f"unit_word_{unit}"))
            chart(
                charts.heatmap(matrix, "frequency", "recency", "expected_purchases",
                               t("matrix_expected", months=view.settings.horizon_months),
                               t("matrix_frequency"), recency_label, axes, kind=charts.NUMBER),
                key="clv_matrix_expected",
                container=left,
            )  # fmt: skip
            chart(
                charts.heatmap(matrix, "frequency", "recency", "p_alive", t("matrix_alive"),
                               t("matrix_frequency"), recency_label, axes, kind=charts.PERCENT),
                key="clv_matrix_alive",
                container=right,
            )  # fmt: skip
        with section():
            bins = agg.distribution("clv")
            chart(
                charts.histogram(bins, t("clv_distribution"), t("clv_short"),
                                 t("customers"), axes, x_kind=charts.MONEY),
                key="clv_hist",
            )  # fmt: skip
            if bins.attrs.get("open_above") is not None:
                st.caption(
                    t("tail_note", value=fmt_money(bins.attrs["open_above"], view.currency, lang()),
                      share=fmt_pct(bins.attrs["tail_share"]))
                )  # fmt: skip
    else:
        st.info(t("clv_unavailable"))
    with section():
        st.markdown(f"**{t('tier_shares')}**")
        cells = st.columns(3)
        for cell, tier in zip(cells, ("platinum", "gold", "silver"), strict=True):
            low, high, step = state.RANGES[f"tier_{tier}"]
            cell.slider(
                name(tier.title()), low, high, step=step, key=f"tier_{tier}", format="percent"
            )
        tier_table(view)
    if not allowed("customer_rows"):  # viewers: aggregates only, no customer list computed
        return
    with section():
        st.subheader(t("top_customers"))
        top = view.table.nlargest(500, agg.value_basis)
        customer_table(
            top,
            "clv_top",
            {"customer_id": "text", "value_tier": "name", "segment": "name", "clv": "money",
             "expected_purchases": "number", "p_alive": "probability", "total_spend": "money"},
            currency=view.currency,
        )  # fmt: skip
        download_pair(lambda: top, len(top), t("what_top_clv"), ("clv", "top-500"), view.as_of,
                      key="clv_top_dl", enrich=view.with_clusters)  # fmt: skip
        group_downloads(view, "value_tier", list(TIERS), names(TIERS), "what_tier", "choose_tier",
                        "value-tier", key="clv_dl", enrich=view.with_clusters)  # fmt: skip


main()
