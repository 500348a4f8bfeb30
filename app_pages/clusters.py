"""Clusters (K-means): features, k with the suggested k and the silhouette / inertia chart,
cluster profiles, a sampled 2-D view, editable cluster names, downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.pipeline import SCORE_COLUMNS
from ui import charts
from ui.data import page_view
from ui.i18n import fmt_money, fmt_pct, labeler, name, t
from ui.state import cluster_names
from ui.widgets import empty_view_guard, section, segment_download

FEATURES = ["recency", "frequency", "monetary", "clv", "p_alive"]


def main() -> None:
    st.title(t("page_clusters"))
    left, right = st.columns([2, 1])
    left.multiselect(
        t("features"), FEATURES, format_func=labeler("feature_"), key="cluster_features"
    )
    right.slider(t("k"), 2, 10, key="k")
    if not st.session_state["cluster_features"]:
        st.session_state["cluster_features"] = ["recency", "frequency", "monetary"]
    view = page_view(with_clusters=True)
    if empty_view_guard(view):
        return
    agg = view.agg
    custom = cluster_names()

    def label(number: int, default: str) -> str:
        return custom.get(int(number), name(default))

    with section():
        suggested, table = view.suggest_k()
        st.caption(t("suggested_k", k=suggested))
        st.plotly_chart(
            charts.silhouette_inertia(
                table,
                suggested,
                f"{t('silhouette')} / {t('inertia')}",
                t("k"),
                t("silhouette"),
                t("inertia"),
            ),
            key="clusters_k",
        )
    profiles = agg.clusters
    with section():
        st.subheader(t("profiles"))
        shown = pd.DataFrame(
            {
                t("cluster"): [
                    label(c, n)
                    for c, n in zip(profiles["cluster"], profiles["cluster_name"], strict=True)
                ],
                t("customers"): profiles["customers"],
                t("share"): [fmt_pct(v) for v in profiles["share"]],
                t("days_since_last"): profiles["mean_days_since_last"].round(0),
                t("frequency"): profiles["mean_frequency"].round(2),
                t("mean_spend"): [fmt_money(v, view.currency) for v in profiles["mean_spend"]],
            }
        )
        if "mean_clv" in profiles:
            shown[t("mean_clv")] = [fmt_money(v, view.currency) for v in profiles["mean_clv"]]
        st.dataframe(shown, hide_index=True, width="stretch")
    with section():
        st.markdown(f"**{t('cluster_names')}**")
        names_table = pd.DataFrame(
            {
                "cluster": profiles["cluster"],
                "name": [
                    label(c, n)
                    for c, n in zip(profiles["cluster"], profiles["cluster_name"], strict=True)
                ],
            }
        )
        edited = st.data_editor(
            names_table, key=f"cluster_name_editor_{view.settings.k}", hide_index=True, disabled=["cluster"],
            column_config={"cluster": st.column_config.NumberColumn(t("cluster")), "name": st.column_config.TextColumn(t("cluster"))},
        )  # fmt: skip
        text = ";".join(
            f"{int(c)}={str(n).strip()}"
            for c, n in zip(edited["cluster"], edited["name"], strict=True)
            if str(n).strip()
        )
        defaults = ";".join(
            f"{int(c)}={name(n)}"
            for c, n in zip(profiles["cluster"], profiles["cluster_name"], strict=True)
        )
        if text != defaults and text != st.session_state.get("cluster_names"):
            st.session_state["cluster_names"] = text
            st.rerun()
    with section():
        sample = agg.sample(3000)
        labels = {
            int(c): label(c, n)
            for c, n in zip(profiles["cluster"], profiles["cluster_name"], strict=True)
        }
        st.plotly_chart(
            charts.scatter(
                sample.assign(purchase_days=sample["frequency"] + 1, spend=sample["total_spend"].clip(lower=1)),
                "purchase_days", "spend", "cluster", labels, t("scatter"), t("purchase_days"), t("total_spend"),
            ),
            key="clusters_scatter",
        )  # fmt: skip
    with section():
        options = profiles["cluster"].tolist()
        segment_download(
            lambda c: view.table.assign(cluster_name=view.table["cluster"].map(labels))
            if c is None
            else agg.rows("cluster", c).assign(cluster_name=labels.get(int(c), "")),
            options, [labels[int(c)] for c in options], "cluster", view.table.attrs.get("as_of"), SCORE_COLUMNS,
            key="clusters_dl", select_label=t("download_cluster"),
        )  # fmt: skip


main()
