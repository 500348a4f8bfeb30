"""Clusters (K-means): features, k with the suggested k and the silhouette / inertia chart,
cluster profiles, a sampled 2-D view, editable cluster names, downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.clusters import BASE_FEATURES, OPTIONAL_FEATURES
from ui import charts, state
from ui.exports import group_downloads
from ui.formats import fmt_int, fmt_money, fmt_pct
from ui.i18n import labeler, lang, name, t
from ui.state import cluster_names
from ui.view import page_view
from ui.widgets import chart, empty_view_guard, section

FEATURES = [*BASE_FEATURES, *OPTIONAL_FEATURES]


def main() -> None:
    st.title(t("page_clusters"))
    left, right = st.columns([2, 1])
    left.multiselect(
        t("features"), FEATURES, format_func=labeler("feature_"), key="cluster_features"
    )
    low, high, step = state.RANGES["k"]
    right.slider(t("k"), int(low), int(high), step=int(step), key="k")
    if not st.session_state["cluster_features"]:
        st.session_state["cluster_features"] = list(BASE_FEATURES)
    view = page_view(clustered=True)
    if empty_view_guard(view):
        return
    agg = view.agg
    axes = charts.Axes(lang(), view.currency)
    custom = cluster_names()
    profiles = agg.clusters
    labels = {
        int(c): custom.get(int(c), name(code))
        for c, code in zip(profiles["cluster"], profiles["cluster_name"], strict=True)
    }
    with section():
        suggested, table = view.suggest_k()
        st.caption(t("suggested_k", k=suggested))
        chart(
            charts.silhouette_inertia(table, suggested, f"{t('silhouette')} / {t('inertia')}",
                                      t("k"), t("silhouette"), t("inertia")),
            key="clusters_k",
        )  # fmt: skip
    with section():
        st.subheader(t("profiles"))
        currency, language = view.currency, lang()
        shown = pd.DataFrame(
            {
                t("cluster_number"): profiles["cluster"].astype(int),
                t("cluster"): [labels[int(c)] for c in profiles["cluster"]],
                t("customers"): [fmt_int(v) for v in profiles["customers"]],
                t("share"): [fmt_pct(v) for v in profiles["share"]],
                t("mean_days_since_last"): [fmt_int(v) for v in profiles["mean_days_since_last"]],
                t("mean_frequency"): profiles["mean_frequency"].round(2),
                t("mean_spend"): [fmt_money(v, currency, language) for v in profiles["mean_spend"]],
            }
        )
        if "mean_clv" in profiles:
            shown[t("mean_clv")] = [fmt_money(v, currency, language) for v in profiles["mean_clv"]]
        st.dataframe(shown, hide_index=True, width="stretch")
    with section():
        st.markdown(f"**{t('cluster_names')}**")
        number, label = t("cluster_number"), t("cluster_name")
        names_table = pd.DataFrame(
            {number: profiles["cluster"].astype(int),
             label: [labels[int(c)] for c in profiles["cluster"]]}
        )  # fmt: skip
        edited = st.data_editor(
            names_table,
            key=f"cluster_name_editor_{view.settings.k}_{language}",
            hide_index=True,
            disabled=[number],
            column_config={label: st.column_config.TextColumn(max_chars=60)},
        )
        defaults = {int(c): name(code) for c, code in zip(profiles["cluster"],
                                                          profiles["cluster_name"], strict=True)}  # fmt: skip
        text = ";".join(
            f"{int(c)}={str(n).strip().replace(';', ',').replace('=', '-')}"
            for c, n in zip(edited[number], edited[label], strict=True)
            if str(n).strip() and str(n).strip() != defaults.get(int(c))
        )
        if text != st.session_state.get("cluster_names", ""):
            st.session_state["cluster_names"] = text
            st.rerun()
    with section():
        sample = agg.sample(3000)
        chart(
            charts.scatter(
                sample.assign(purchase_days=sample["frequency"] + 1, spend=sample["total_spend"].clip(lower=1)),
                "purchase_days", "spend", "cluster", labels, t("scatter"), t("purchase_days"),
                t("total_spend"), axes,
            ),
            key="clusters_scatter",
        )  # fmt: skip
    with section():
        options = profiles["cluster"].astype(int).tolist()
        group_downloads(view, "cluster", options, [labels[c] for c in options], "what_cluster",
                        "choose_cluster", "cluster", key="clusters_dl",
                        cluster_labels=custom)  # fmt: skip


main()
