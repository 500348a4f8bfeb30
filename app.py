"""ValueScope entry point: page config, session state, sidebar (source, as-of date, filters,
language) and grouped navigation. Pages live in ``pages/``; run with ``streamlit run app.py``."""

from __future__ import annotations

import logging

import streamlit as st

from data.load import SourceError
from ui import data as ui_data
from ui import state
from ui.i18n import LANGUAGES, fmt_int, labeler, namer, t

st.set_page_config(page_title="ValueScope", page_icon=":material/insights:", layout="wide")
logging.basicConfig(level=logging.INFO)
state.init()
state.keep_widget_state()


def _reset_view_for_new_source() -> None:
    for key in (
        "as_of",
        "f_type",
        "f_channel",
        "f_region",
        "f_product",
        "edges_r",
        "edges_f",
        "edges_m",
        "cluster_names",
    ):
        st.session_state[key] = state.KEYS[key].default


def sidebar() -> None:
    with st.sidebar:
        st.markdown(f"### {t('app_title')}")
        st.caption(t("app_subtitle"))
        st.radio(
            t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True
        )
        sources = ["demo", "cdnow"]
        if st.session_state.get("upload_bytes"):
            sources.append("upload")
        if st.session_state.get("db_url"):
            sources.append("database")
        if st.session_state.get("source") not in sources:
            st.session_state["source"] = "demo"
        st.selectbox(
            t("data_source"),
            sources,
            format_func=labeler("source_"),
            key="source",
            on_change=_reset_view_for_new_source,
        )
        try:
            dataset, fingerprint = ui_data.dataset()
        except SourceError as exc:
            st.error(t("source_error", error=str(exc)))
            return
        low, high = ui_data.date_range(dataset, fingerprint)
        current = st.session_state.get("as_of")
        if current is None or not low <= current <= high:
            st.session_state["as_of"] = high
        st.date_input(t("as_of"), min_value=low, max_value=high, key="as_of", format="YYYY-MM-DD")
        st.session_state["_as_of_latest"] = high

        options = ui_data.filter_options(dataset, fingerprint)
        if options:
            st.markdown(f"**{t('filters')}**")
        labels = {
            "f_type": "customer_type",
            "f_channel": "channel",
            "f_region": "region",
            "f_product": "product_line",
        }
        for key, label in labels.items():
            if key in options:
                st.session_state[key] = [
                    v for v in st.session_state.get(key) or [] if v in options[key]
                ]
                st.multiselect(
                    t(label), options[key], format_func=namer(), key=key, placeholder=t("all")
                )
        st.session_state["_dataset_name"] = dataset.name


def navigation():
    pages = {
        t("group_dashboards"): [
            st.Page(
                "app_pages/overview.py",
                title=t("page_overview"),
                icon=":material/dashboard:",
                url_path="overview",
                default=True,
            ),
            st.Page(
                "app_pages/churn.py",
                title=t("page_churn"),
                icon=":material/trending_down:",
                url_path="churn",
            ),
            st.Page(
                "app_pages/loyalty.py",
                title=t("page_loyalty"),
                icon=":material/loyalty:",
                url_path="loyalty",
            ),
        ],
        t("group_analysis"): [
            st.Page(
                "app_pages/rfm.py", title=t("page_rfm"), icon=":material/grid_view:", url_path="rfm"
            ),
            st.Page(
                "app_pages/abc.py", title=t("page_abc"), icon=":material/bar_chart:", url_path="abc"
            ),
            st.Page(
                "app_pages/clv.py", title=t("page_clv"), icon=":material/savings:", url_path="clv"
            ),
            st.Page(
                "app_pages/clusters.py",
                title=t("page_clusters"),
                icon=":material/bubble_chart:",
                url_path="clusters",
            ),
        ],
        t("group_customers"): [
            st.Page(
                "app_pages/lookup.py",
                title=t("page_lookup"),
                icon=":material/person_search:",
                url_path="lookup",
            ),
            st.Page(
                "app_pages/data.py",
                title=t("page_data"),
                icon=":material/database:",
                url_path="data",
            ),
        ],
    }
    return st.navigation(pages)


ui_data.prepare_demo()
sidebar()
page = navigation()
page.run()
state.sync_url()
ui_data.prefetch_clusters(st.session_state.get("_last_view"))
if "_view_size" in st.session_state:
    st.sidebar.caption(t("customers_in_view", n=fmt_int(st.session_state["_view_size"])))
