"""ABC / Pareto: value basis, A and B cut-offs, Pareto chart, Lorenz curve with Gini, class
table and downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import charts, persist, state
from ui.exports import group_downloads
from ui.formats import fmt_int, fmt_money, fmt_pct
from ui.i18n import basis_words, lang, name, namer, t
from ui.view import page_view
from ui.widgets import chart, empty_view_guard, section, static_table


def _keep_order() -> None:
    """B's cut-off stays above A's, so class B is never empty by construction."""
    s = st.session_state
    step = state.RANGES["abc_b"][2]
    if s["abc_b"] <= s["abc_a"]:
        s["abc_b"] = round(min(s["abc_a"] + step, state.RANGES["abc_b"][1]), 2)


def main() -> None:
    st.title(t("page_abc"))
    _body()


@st.fragment
def _body() -> None:
    """The cut-offs and everything they move: a moved slider reruns this part of the page only
    (not the sidebar, the sign-in check and the navigation), and the link follows. Background
    work waits while it is drawn, as for a whole page."""
    with persist.drawing():
        _cut_offs()


def _cut_offs() -> None:
    left, middle, right = st.columns(3)
    left.radio(
        t("abc_basis"),
        ["total_spend", "clv"],
        format_func=namer(),
        key="abc_value",
        horizontal=True,
    )
    for cell, key, label in ((middle, "abc_a", "a_cut"), (right, "abc_b", "b_cut")):
        low, high, step = state.RANGES[key]
        cell.slider(
            t(label), low, high, step=step, key=key, on_change=_keep_order, format="percent"
        )
    view = page_view()
    if empty_view_guard(view):
        return
    agg = view.agg
    axes = charts.Axes(lang(), view.currency)
    if st.session_state["abc_value"] == "clv" and agg.abc_basis != "clv":
        st.info(t("clv_unavailable"))
    basis = name(agg.abc_basis)
    words = basis_words(agg.abc_basis)
    with section():
        table = agg.abc
        cells = st.columns(4)
        for cell, (_, row) in zip(cells, table.iterrows(), strict=False):
            cls = row["abc_class"]
            cell.metric(
                t("abc_metric", cls=cls),
                fmt_pct(row["customer_share"]),
                t("abc_metric_delta", share=fmt_pct(row["value_share"]), basis=words),
                delta_color="off",
                delta_arrow="off",
                help=t("abc_metric_help", cls=cls, basis=words),
                border=True,
            )
        cells[3].metric(t("gini"), f"{agg.gini:.3f}", help=t("gini_help"), border=True)
    left, right = st.columns([3, 2])
    with left, section():
        bars = agg.pareto_bars
        group = int(bars["customers"].max()) if len(bars) else 1
        bar_label = basis if group == 1 else t("pareto_bar_value", basis=basis, n=fmt_int(group))
        chart(
            lambda: charts.pareto(bars, t("pareto_chart"), t("customers_ranked"), bar_label,
                                  t("cumulative_share"), *view.settings.abc_cuts, axes),
            key="abc_pareto",
            kept=(view.fingerprint, view.settings, "pareto", axes),
        )  # fmt: skip
    with right, section():
        # the curve does not depend on the cut-offs: kept across them
        uncut = view.settings.with_(abc_cuts=state.DEFAULTS.abc_cuts)
        chart(
            lambda: charts.lorenz(agg.lorenz, agg.gini, t("lorenz"), t("customer_share"),
                                  t("value_share"), t("equality"), t("gini")),
            key="abc_lorenz",
            kept=(view.fingerprint, uncut, "lorenz"),
        )  # fmt: skip
    with section():
        table = agg.abc
        currency, language = view.currency, lang()
        static_table(  # three rows to read (the browser draws no data grid on every cut-off)
            pd.DataFrame(
                {
                    t("abc_class"): table["abc_class"],
                    t("customers"): [fmt_int(v) for v in table["customers"]],
                    t("customer_share"): [fmt_pct(v) for v in table["customer_share"]],
                    basis: [fmt_money(v, currency, language) for v in table["value"]],
                    t("value_share"): [fmt_pct(v) for v in table["value_share"]],
                }
            )
        )
        for _, row in agg.concentration.iterrows():
            st.caption(
                t(
                    "concentration_line",
                    top=fmt_pct(row["top_share"], 0),
                    value=fmt_pct(row["value_share"]),
                    basis=words,
                )
            )
        classes = ["A", "B", "C"]
        group_downloads(view, "abc_class", classes, classes, "what_class", "choose_class", "abc",
                        key="abc_dl", enrich=view.with_clusters)  # fmt: skip
    state.sync_url()


main()
