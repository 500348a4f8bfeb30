"""ABC / Pareto: value basis, A and B cut-offs, Pareto chart, Lorenz curve with Gini, class
table and downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.pipeline import SCORE_COLUMNS
from ui import charts
from ui.data import page_view
from ui.i18n import basis_words, fmt_money, fmt_pct, name, namer, t
from ui.widgets import empty_view_guard, section, segment_download


def _keep_order() -> None:
    s = st.session_state
    if s["abc_b"] < s["abc_a"]:
        s["abc_b"] = s["abc_a"]


def main() -> None:
    st.title(t("page_abc"))
    left, middle, right = st.columns(3)
    left.radio(
        t("abc_basis"),
        ["total_spend", "clv"],
        format_func=namer(),
        key="abc_value",
        horizontal=True,
    )
    middle.slider(t("a_cut"), 0.50, 0.95, step=0.01, key="abc_a", on_change=_keep_order)
    right.slider(t("b_cut"), 0.60, 0.99, step=0.01, key="abc_b", on_change=_keep_order)
    view = page_view()
    if empty_view_guard(view):
        return
    agg = view.agg
    if st.session_state["abc_value"] == "clv" and agg.abc_basis != "clv":
        st.info(t("clv_unavailable"))
    basis = name(agg.abc_basis)
    with section():
        table = agg.abc
        cells = st.columns(4)
        for cell, (_, row) in zip(cells, table.iterrows(), strict=False):
            cell.metric(
                f"{t('abc_class')} {row['abc_class']}",
                f"{fmt_pct(row['customer_share'])} {t('customers')}",
                f"{fmt_pct(row['value_share'])} {basis}",
                delta_color="off",
                delta_arrow="off",
            )
        cells[3].metric(t("gini"), f"{agg.gini:.3f}")
    left, right = st.columns([3, 2])
    with left, section():
        st.plotly_chart(
            charts.pareto(
                agg.pareto_bars,
                t("pareto_chart"),
                t("customers_ranked"),
                basis,
                t("cumulative_share"),
                *view.settings.abc_cuts,
            ),
            key="abc_pareto",
        )
    with right, section():
        st.plotly_chart(
            charts.lorenz(
                agg.lorenz,
                agg.gini,
                t("lorenz"),
                t("customer_share"),
                t("value_share"),
                t("equality"),
            ),
            key="abc_lorenz",
        )
    with section():
        table = agg.abc
        st.dataframe(
            pd.DataFrame(
                {
                    t("abc_class"): table["abc_class"],
                    t("customers"): table["customers"],
                    t("customer_share"): [fmt_pct(v) for v in table["customer_share"]],
                    basis: [fmt_money(v, view.currency) for v in table["value"]],
                    t("value_share"): [fmt_pct(v) for v in table["value_share"]],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        for _, row in agg.concentration.iterrows():
            st.caption(
                t(
                    "concentration_line",
                    top=fmt_pct(row["top_share"], 0),
                    value=fmt_pct(row["value_share"]),
                    basis=basis_words(agg.abc_basis),
                )
            )
        segment_download(
            lambda cls: view.table if cls is None else agg.rows("abc_class", cls),
            ["A", "B", "C"], ["A", "B", "C"], "abc", view.table.attrs.get("as_of"), SCORE_COLUMNS,
            key="abc_dl", select_label=t("download_class"), enrich=view.with_clusters,
        )  # fmt: skip


main()
