"""Plotly figure builders: tidy (already aggregated) frames in, ``go.Figure`` out.

Builders never aggregate and never receive one point per customer: pages pass tables from
:class:`analytics.pipeline.Aggregates` (binned, sampled or grouped). Titles and axis labels are
passed in already translated.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

PALETTE = [
    "#1f5fa8",
    "#e07b39",
    "#3a9d5d",
    "#c8423b",
    "#7b5ea7",
    "#8c6d46",
    "#d16ba5",
    "#5f7c8a",
    "#b8a03a",
    "#2aa1b3",
]
TIER_COLORS = {"Platinum": "#5b6b7a", "Gold": "#d4a017", "Silver": "#a8b2bd", "Bronze": "#b0703c"}
BAND_COLORS = {"low": "#3a9d5d", "medium": "#e0a030", "high": "#c8423b", "unknown": "#9aa5b1"}
ABC_COLORS = {"A": "#1f5fa8", "B": "#6f9fd8", "C": "#c5d5ea"}
MAX_POINTS = 10_000


def _layout(
    fig: go.Figure, title: str, x: str | None = None, y: str | None = None, height: int = 360
) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 16}},
        template="plotly_white",
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        font={"family": "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"},
    )
    if x is not None:
        fig.update_xaxes(title_text=x)
    if y is not None:
        fig.update_yaxes(title_text=y)
    return fig


def bar(
    frame: pd.DataFrame,
    x: str,
    y: str,
    title: str,
    x_label: str,
    y_label: str,
    labels: Sequence[str] | None = None,
    colors: Sequence[str] | None = None,
    horizontal: bool = False,
    text: Sequence[str] | None = None,
) -> go.Figure:
    """One bar per row; ``labels`` replace the raw category values (translated names)."""
    categories = list(labels) if labels is not None else frame[x].astype(str).tolist()
    values = frame[y].to_numpy()
    marker = {"color": list(colors)} if colors is not None else {"color": PALETTE[0]}
    trace = (
        go.Bar(
            y=categories, x=values, orientation="h", marker=marker, text=text, textposition="auto"
        )
        if horizontal
        else go.Bar(x=categories, y=values, marker=marker, text=text, textposition="auto")
    )
    fig = go.Figure(trace)
    if horizontal:
        fig.update_yaxes(autorange="reversed")
        return _layout(fig, title, y_label, x_label)
    return _layout(fig, title, x_label, y_label)


def grouped_bars(
    categories: Sequence[str],
    series: dict[str, Sequence[float]],
    title: str,
    x_label: str,
    y_label: str,
) -> go.Figure:
    fig = go.Figure(
        [
            go.Bar(
                name=name,
                x=list(categories),
                y=list(values),
                marker={"color": PALETTE[i % len(PALETTE)]},
            )
            for i, (name, values) in enumerate(series.items())
        ]
    )
    fig.update_layout(barmode="group")
    return _layout(fig, title, x_label, y_label)


def line(
    frame: pd.DataFrame,
    x: str,
    ys: dict[str, str],
    title: str,
    x_label: str,
    y_label: str,
    percent: bool = False,
) -> go.Figure:
    fig = go.Figure(
        [
            go.Scatter(
                x=frame[x],
                y=frame[column],
                name=name,
                mode="lines",
                line={"color": PALETTE[i % len(PALETTE)], "width": 2},
            )
            for i, (name, column) in enumerate(ys.items())
        ]
    )
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title, x_label, y_label)


def heatmap(
    grid: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    title: str,
    x_label: str,
    y_label: str,
    fmt: str = ",.0f",
) -> go.Figure:
    """A heat map from long format (one row per cell)."""
    pivot = grid.pivot(index=y, columns=x, values=value).sort_index()  # highest y on top
    fig = go.Figure(
        go.Heatmap(
            z=pivot.to_numpy(),
            x=[str(c) for c in pivot.columns],
            y=[str(i) for i in pivot.index],
            colorscale="Blues",
            texttemplate=("%{z:" + fmt + "}") if pivot.size <= 60 else None,
            hovertemplate=f"{x_label} %{{x}}<br>{y_label} %{{y}}<br>%{{z:{fmt}}}<extra></extra>",
        )
    )
    return _layout(fig, title, x_label, y_label)


def pareto(
    bars: pd.DataFrame,
    title: str,
    x_label: str,
    y_label: str,
    cumulative_label: str,
    a_cut: float,
    b_cut: float,
) -> go.Figure:
    """Sorted value bars (binned) with the cumulative share line on a second axis."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    colors = [
        ABC_COLORS.get(c, PALETTE[0]) for c in bars.get("abc_class", pd.Series(["A"] * len(bars)))
    ]
    fig.add_trace(
        go.Bar(x=bars["last_rank"], y=bars["value"], marker={"color": colors}, name=y_label),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=bars["last_rank"],
            y=bars["cumulative_share"],
            mode="lines",
            name=cumulative_label,
            line={"color": PALETTE[1], "width": 2},
        ),
        secondary_y=True,
    )
    for cut in (a_cut, b_cut):
        fig.add_hline(y=cut, line={"dash": "dot", "color": "#888"}, secondary_y=True)
    fig.update_yaxes(
        title_text=cumulative_label, tickformat=".0%", range=[0, 1.02], secondary_y=True
    )
    fig.update_yaxes(title_text=y_label, secondary_y=False)
    return _layout(fig, title, x_label)


def lorenz(
    curve: pd.DataFrame, gini: float, title: str, x_label: str, y_label: str, equality_label: str
) -> go.Figure:
    fig = go.Figure(
        [
            go.Scatter(
                x=[0, 1],
                y=[0, 1],
                mode="lines",
                name=equality_label,
                line={"dash": "dash", "color": "#999"},
            ),
            go.Scatter(
                x=curve["customer_share"],
                y=curve["value_share"],
                mode="lines",
                name=f"Gini {gini:.3f}",
                fill="tonexty",
                line={"color": PALETTE[0], "width": 2},
            ),
        ]
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return _layout(fig, title, x_label, y_label)


def histogram(
    bins: pd.DataFrame, title: str, x_label: str, y_label: str, color: str | None = None
) -> go.Figure:
    """Pre-binned histogram (``left``, ``right``, ``customers``)."""
    centers = (bins["left"] + bins["right"]) / 2
    widths = bins["right"] - bins["left"]
    fig = go.Figure(
        go.Bar(x=centers, y=bins["customers"], width=widths, marker={"color": color or PALETTE[0]})
    )
    fig.update_layout(bargap=0.02)
    return _layout(fig, title, x_label, y_label)


def scatter(
    sample: pd.DataFrame,
    x: str,
    y: str,
    group: str,
    group_labels: dict,
    title: str,
    x_label: str,
    y_label: str,
    log: bool = True,
) -> go.Figure:
    """A sampled scatter, one trace per group (never more than :data:`MAX_POINTS` points)."""
    sample = sample.iloc[:MAX_POINTS]
    fig = go.Figure()
    for i, (key, part) in enumerate(sample.groupby(group, sort=True)):
        fig.add_trace(
            go.Scatter(  # SVG: a few thousand points draw fast without a GPU, unlike WebGL
                x=part[x], y=part[y], mode="markers", name=group_labels.get(key, str(key)),
                marker={"size": 5, "opacity": 0.6, "color": PALETTE[i % len(PALETTE)]},
            )
        )  # fmt: skip
    if log:
        fig.update_xaxes(type="log")
        fig.update_yaxes(type="log")
    return _layout(fig, title, x_label, y_label, height=420)


def dual_line(
    frame: pd.DataFrame,
    x: str,
    bars: str,
    bar_label: str,
    line_col: str,
    line_label: str,
    title: str,
    x_label: str,
) -> go.Figure:
    """Bars (counts) with a line (a share) on a second axis: uptake over time."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(x=frame[x], y=frame[bars], name=bar_label, marker={"color": "#c5d5ea"}),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=frame[x],
            y=frame[line_col],
            name=line_label,
            mode="lines",
            line={"color": PALETTE[0], "width": 2},
        ),
        secondary_y=True,
    )
    fig.update_yaxes(title_text=bar_label, secondary_y=False)
    fig.update_yaxes(title_text=line_label, tickformat=".0%", secondary_y=True, rangemode="tozero")
    return _layout(fig, title, x_label)


def silhouette_inertia(
    table: pd.DataFrame,
    suggested: int,
    title: str,
    k_label: str,
    silhouette_label: str,
    inertia_label: str,
) -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Scatter(
            x=table["k"],
            y=table["silhouette"],
            name=silhouette_label,
            mode="lines+markers",
            line={"color": PALETTE[0]},
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=table["k"],
            y=table["inertia"],
            name=inertia_label,
            mode="lines+markers",
            line={"color": PALETTE[1], "dash": "dot"},
        ),
        secondary_y=True,
    )
    fig.add_vline(x=suggested, line={"dash": "dash", "color": "#888"})
    fig.update_yaxes(title_text=silhouette_label, secondary_y=False)
    fig.update_yaxes(title_text=inertia_label, secondary_y=True)
    return _layout(fig, title, k_label)


def history(
    frame: pd.DataFrame, title: str, x_label: str, y_label: str, kind_labels: dict
) -> go.Figure:
    """One customer's payments over time, coloured by transaction type."""
    fig = go.Figure()
    kinds = (
        frame["transaction_type"].astype(str)
        if "transaction_type" in frame
        else pd.Series(["payment"] * len(frame), index=frame.index)
    )
    for i, kind in enumerate(pd.unique(kinds)):
        part = frame[kinds == kind]
        fig.add_trace(
            go.Bar(
                x=part["transaction_date"],
                y=part["amount"],
                name=kind_labels.get(kind, kind),
                marker={"color": PALETTE[i % len(PALETTE)]},
            )
        )
    return _layout(fig, title, x_label, y_label, height=320)
