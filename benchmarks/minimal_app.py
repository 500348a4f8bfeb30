"""The reference a first page is measured against (issue "Speed"): a minimal Streamlit app that
shows six metrics and two plotly charts of 20,000 rows, and nothing else; its slider moves one
metric (the floor of a threshold change: Streamlit's round trip and the browser's redraw)."""

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

st.set_page_config(page_title="Minimal", layout="wide")
st.title("Overview")
rng = np.random.default_rng(0)
frame = pd.DataFrame(
    {
        "spend": rng.gamma(2.0, 500.0, 20_000),
        "risk": rng.random(20_000),
        "segment": rng.choice(list("ABCDE"), 20_000),
    }
)
cut = st.slider("Cut", 0.5, 0.95, 0.8, 0.01)  # the floor of a threshold change
columns = st.columns(6)
for column, (label, value) in zip(
    columns,
    [
        ("Customers", f"{len(frame):,}"),
        ("Spend", f"{frame['spend'].sum():,.0f}"),
        ("Mean spend", f"{frame['spend'].mean():,.0f}"),
        ("High risk", f"{(frame['risk'] > cut).mean():.1%}"),
        ("Segments", f"{frame['segment'].nunique()}"),
        ("Top segment", frame["segment"].mode()[0]),
    ],
    strict=True,
):
    column.metric(label, value)
left, right = st.columns(2)
left.plotly_chart(px.histogram(frame, x="spend", color="segment"), width="stretch")
right.plotly_chart(px.scatter(frame, x="spend", y="risk", color="segment"), width="stretch")
