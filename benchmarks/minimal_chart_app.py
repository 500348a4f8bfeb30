"""The floor of a threshold change that redraws a chart (issue "Speed"): a minimal Streamlit app
whose slider moves one metric and one plotly chart that follows it (200 bars coloured by the cut,
and the cut as a line), as the ABC page's Pareto chart follows its cut-offs. Streamlit gives a
changed chart a new element id, so the browser draws it anew each time; this app pays that too."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Minimal chart", layout="wide")
st.title("Overview")
rng = np.random.default_rng(0)
values = np.sort(rng.gamma(2.0, 500.0, 20_000))[::-1]
bars = np.add.reduceat(values, np.linspace(0, len(values), 201).astype(int)[:-1])
share = np.cumsum(bars) / bars.sum()
cut = st.slider("Cut", 0.5, 0.95, 0.8, 0.01)
st.metric("High risk", f"{(share <= cut).mean():.1%}")
figure = go.Figure(
    [
        go.Bar(y=bars, marker={"color": np.where(share <= cut, "#1f5fa8", "#9ab")}),
        go.Scatter(y=share * bars.max(), mode="lines"),
    ]
)
figure.add_hline(y=cut * bars.max(), line={"dash": "dot"})
st.plotly_chart(figure, width="stretch")
