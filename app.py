"""ValueScope entry point: page config, demo data on first start, navigation."""

from __future__ import annotations

import streamlit as st

from data.demo import demo_path, ensure_demo

st.set_page_config(page_title="ValueScope", page_icon=":bar_chart:", layout="wide")


def _prepare_demo() -> None:
    if demo_path().exists():
        return
    bar = st.progress(0.0, text="Preparing the insurer demo database (first start only)...")
    ensure_demo(progress=lambda fraction, text: bar.progress(fraction, text=text))
    bar.empty()


_prepare_demo()
st.title("ValueScope")
st.caption("Customer value analytics · 客户价值分析")
st.info("The insurer demo database is ready. Dashboards arrive with the dashboard issue.")
