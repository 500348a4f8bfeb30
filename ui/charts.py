"""Plotly figure builders: tidy (already aggregated) frames in, ``go.Figure`` out.

Builders never aggregate and never receive one point per customer: pages pass tables from
:class:`analytics.aggregates.Aggregates` (binned, sampled or grouped). Titles, axis labels and
category names arrive translated; an :class:`Axes` value says how numbers read in the interface's
language: percentages on round ticks, money in 万 / 亿 (Chinese) or K / M (English) with the
currency's sign, months as dates in the language. Hover texts use the same formats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.formats import fmt_int, fmt_money, fmt_pct, money_ticks, percent_ticks

# Neighbouring colours are far apart (blue, orange, green, purple, teal ...), so a chart of four
# or five groups never puts two similar hues side by side.
PALETTE = [
    "#1f5fa8", "#e07b39", "#3a9d5d", "#7b5ea7", "#2aa1b3", "#c8423b", "#8c6d46", "#d16ba5",
    "#5f7c8a", "#b8a03a",
]  # fmt: skip
TIER_COLORS = {"Platinum": "#5b6b7a", "Gold": "#d4a017", "Silver": "#a8b2bd", "Bronze": "#b0703c"}
BAND_COLORS = {"low": "#3a9d5d", "medium": "#e0a030", "high": "#c8423b", "unknown": "#9aa5b1"}
ABC_COLORS = {"A": "#1f5fa8", "B": "#6f9fd8", "C": "#c5d5ea"}
MAX_POINTS = 10_000
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


@dataclass(frozen=True)
class Axes:
    """How values read: the interface's language and the data's currency."""

    language: str = "en"
    currency: str | None = None

    def money(self, value) -> str:
        return fmt_money(value, self.currency, self.language)

    @property
    def month_format(self) -> str:
        return "%Y年%-m月" if self.language == "zh" else "%b %Y"


# kinds of axis values
COUNT, MONEY, PERCENT, NUMBER = "count", "money", "percent", "number"


_TEMPLATE: list[go.layout.Template] = []


def _template() -> go.layout.Template:
    """plotly_white's layout (white plot, light grid, its colours), built once. The full
    template also styles every trace type plotly has; validating and copying it into each
    figure was a third of a chart's build time, which a threshold change pays per chart."""
    if not _TEMPLATE:
        import plotly.io as pio

        _TEMPLATE.append(go.layout.Template(layout=pio.templates["plotly_white"].layout))
    return _TEMPLATE[0]


def _layout(
    fig: go.Figure, title: str, x: str | None = None, y: str | None = None, height: int = 360
) -> go.Figure:
    # The title sits at the very top and the legend in its own row between it and the plot, so a
    # long title and a long legend never cover each other or the plot's top tick.
    fig.update_layout(
        title={
            "text": title,
            "x": 0.0,
            "xanchor": "left",
            "y": 0.98,
            "yanchor": "top",
            "yref": "container",
            "font": {"size": 16},
        },
        template=_template(),
        height=height,
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "xanchor": "left", "x": 0.0},
        font={"family": FONT},
        hoverlabel={"font": {"family": FONT}},
    )
    if x is not None:
        fig.update_xaxes(title_text=x)
    if y is not None:
        fig.update_yaxes(title_text=y)
    return fig


def _format(values, kind: str, axes: Axes) -> list[str]:
    if kind == MONEY:
        return [axes.money(v) for v in values]
    if kind == PERCENT:
        return [fmt_pct(v) for v in values]
    if kind == COUNT:
        return [fmt_int(v) for v in values]
    return [f"{v:,.2f}" if pd.notna(v) else "–" for v in values]


def value_axis(fig: go.Figure, which: str, values, kind: str, axes: Axes, secondary_y=None) -> None:
    """Round ticks for a value axis: money in the language's units, percentages without
    needless decimals, counts with thousands separators."""
    update = fig.update_xaxes if which == "x" else fig.update_yaxes
    extra = {} if secondary_y is None else {"secondary_y": secondary_y}
    if kind == MONEY:
        ticks, labels = money_ticks(values, axes.currency, axes.language)
        update(tickmode="array", tickvals=ticks, ticktext=labels, **extra)
    elif kind == PERCENT:
        ticks, labels = percent_ticks(values, cap=1.0)
        update(tickmode="array", tickvals=ticks, ticktext=labels, **extra)
    elif kind == COUNT:
        finite = np.asarray(values, dtype=float)
        finite = finite[np.isfinite(finite)]
        high = float(finite.max()) if len(finite) else 1.0
        ticks = count_ticks(high)
        update(tickmode="array", tickvals=ticks, ticktext=[fmt_int(v) for v in ticks],
               rangemode="tozero", **extra)  # fmt: skip


def count_ticks(high: float, target: int = 5) -> list[float]:
    """Whole-number ticks from 0 covering ``high`` (never 0, 1, 1, 2, 2 on a small count)."""
    from ui.formats import _nice_step

    step = max(1.0, _nice_step(max(high, 1.0), target))
    if step != int(step):
        step = float(np.ceil(step))
    top = float(np.ceil(max(high, 1.0) / step) * step)
    return list(np.arange(0, top + step / 2, step))


def bar(
    frame: pd.DataFrame,
    y: str,
    title: str,
    category_label: str,
    value_label: str,
    labels: Sequence[str],
    axes: Axes,
    kind: str = COUNT,
    colors: Sequence[str] | None = None,
    horizontal: bool = False,
    text: bool = False,
) -> go.Figure:
    """One bar per row of ``frame``, named by ``labels`` (translated), valued by ``y``."""
    categories = list(labels)
    values = frame[y].to_numpy(dtype=float)
    shown = _format(values, kind, axes)
    marker = {"color": list(colors)} if colors is not None else {"color": PALETTE[0]}
    common = {
        "marker": marker,
        "customdata": shown,
        "text": shown if text else None,
        "textposition": "auto" if text else None,
        "name": value_label,
    }
    if horizontal:
        trace = go.Bar(y=categories, x=values, orientation="h",
                       hovertemplate="%{y}: %{customdata}<extra></extra>", **common)  # fmt: skip
    else:
        trace = go.Bar(x=categories, y=values,
                       hovertemplate="%{x}: %{customdata}<extra></extra>", **common)  # fmt: skip
    fig = go.Figure(trace)
    if horizontal:
        fig.update_yaxes(autorange="reversed", type="category")
        value_axis(fig, "x", values, kind, axes)
        return _layout(fig, title, value_label, category_label)
    fig.update_xaxes(type="category")
    value_axis(fig, "y", values, kind, axes)
    return _layout(fig, title, category_label, value_label)


def grouped_bars(
    categories: Sequence[str],
    series: dict[str, Sequence[float]],
    title: str,
    x_label: str,
    y_label: str,
    axes: Axes,
    kind: str = NUMBER,
) -> go.Figure:
    fig = go.Figure(
        [
            go.Bar(
                name=name,
                x=list(categories),
                y=list(values),
                marker={"color": PALETTE[i % len(PALETTE)]},
                customdata=_format(values, kind, axes),
                # the trace name (escaped by safe_figure), never data inside the template
                hovertemplate="%{fullData.name} · %{x}: %{customdata}<extra></extra>",
            )
            for i, (name, values) in enumerate(series.items())
        ]
    )
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")
    every = np.concatenate([np.asarray(v, dtype=float) for v in series.values()]) if series else []
    value_axis(fig, "y", every, kind, axes)
    return _layout(fig, title, x_label, y_label)


def month_line(
    frame: pd.DataFrame,
    x: str,
    ys: dict[str, str],
    title: str,
    x_label: str,
    y_label: str,
    axes: Axes,
    kind: str = MONEY,
) -> go.Figure:
    """Lines over months: dates in the language, values in ``kind``'s format."""
    months = pd.to_datetime(frame[x]) if len(frame) else pd.Series(dtype="datetime64[s]")
    month_text = _months(months, axes)
    traces = []
    values_all = []
    for i, (name, column) in enumerate(ys.items()):
        values = frame[column].to_numpy(dtype=float)
        values_all.append(values)
        traces.append(
            go.Scatter(
                x=months, y=values, name=name, mode="lines",
                line={"color": PALETTE[i % len(PALETTE)], "width": 2},
                customdata=np.c_[month_text, _format(values, kind, axes)] if len(values) else None,
                hovertemplate="%{fullData.name} · %{customdata[0]}: %{customdata[1]}<extra></extra>",
            )
        )  # fmt: skip
    fig = go.Figure(traces)
    _month_axis(fig, months, axes)
    value_axis(fig, "y", np.concatenate(values_all) if values_all else [], kind, axes)
    return _layout(fig, title, x_label, y_label)


def group_lines(
    frame: pd.DataFrame,
    x: str,
    y: str,
    group: str | None,
    labels: dict,
    title: str,
    x_label: str,
    y_label: str,
    axes: Axes,
    kind: str = PERCENT,
    x_text: Callable[[object], str] = str,
) -> go.Figure:
    """One line with markers per group (``labels``: group value -> legend name) over ``x``."""
    traces = []
    groups = list(labels) if group else [None]
    for i, key in enumerate(groups):
        rows = frame if key is None else frame[frame[group] == key]
        values = rows[y].to_numpy(dtype=float)
        name = labels.get(key, y_label) if key is not None else y_label
        traces.append(
            go.Scatter(
                x=[x_text(v) for v in rows[x]], y=values, name=str(name), mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)], "width": 2},
                customdata=_format(values, kind, axes),
                # the trace name (escaped by safe_figure), never data inside the template
                hovertemplate="%{fullData.name} · %{x}: %{customdata}<extra></extra>",
            )
        )  # fmt: skip
    fig = go.Figure(traces)
    fig.update_xaxes(type="category")
    value_axis(fig, "y", frame[y].to_numpy(dtype=float) if len(frame) else [], kind, axes)
    return _layout(fig, title, x_label, y_label)


def retention(
    curves: pd.DataFrame,
    labels: dict,
    title: str,
    x_label: str,
    y_label: str,
    actual_word: str,
    projected_word: str,
    axes: Axes,
) -> go.Figure:
    """Actual survival (solid, markers) against the model's projection (dashed) per group: one
    legend entry per group (the line styles are the same for all), hovers naming the year."""
    traces = []
    for i, (key, name) in enumerate(labels.items()):
        rows = curves[curves["group"] == key]
        color = PALETTE[i % len(PALETTE)]
        for column, word, line, mode in (
            ("actual", actual_word, {"color": color, "width": 2}, "lines+markers"),
            ("projected", projected_word, {"color": color, "width": 2, "dash": "dash"}, "lines"),
        ):
            values = rows[column].to_numpy(dtype=float)
            traces.append(
                go.Scatter(
                    x=rows["period"], y=values, name=str(name), mode=mode, line=line,
                    legendgroup=f"group{i}", showlegend=column == "actual",
                    customdata=np.c_[[word] * len(values), _format(values, PERCENT, axes)]
                    if len(values) else None,
                    # the trace name (escaped by safe_figure), never data inside the template
                    hovertemplate=f"%{{fullData.name}} · %{{customdata[0]}}<br>{x_label}: "
                                  "%{x}<br>%{customdata[1]}<extra></extra>",
                )
            )  # fmt: skip
    fig = go.Figure(traces)
    last = int(curves["period"].max()) if len(curves) else 1
    fig.update_xaxes(tickmode="linear", tick0=0, dtick=1 if last <= 12 else 5,
                     range=[-0.3, last + 0.3])  # fmt: skip
    value_axis(fig, "y", curves["projected"].to_numpy(dtype=float), PERCENT, axes)
    return _layout(fig, title, x_label, y_label, height=420)


def _months(months: pd.Series, axes: Axes) -> list[str]:
    from ui.formats import fmt_month

    return [fmt_month(m, axes.language) for m in months]


def _month_axis(fig: go.Figure, months: pd.Series, axes: Axes, **extra) -> None:
    """Month ticks in the language: at most about eight, on round month steps."""
    if len(months) == 0:
        return
    first, last = months.min(), months.max()
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    step = next((s for s in (1, 2, 3, 6, 12, 24) if span / s <= 8), 36)
    start = pd.Timestamp(first.year, ((first.month - 1) // step) * step + 1 if step < 12 else 1, 1)
    ticks = pd.date_range(start, last, freq=f"{step}MS")
    fig.update_xaxes(
        tickmode="array", tickvals=list(ticks), ticktext=_months(pd.Series(ticks), axes), **extra
    )


def heatmap(
    grid: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    title: str,
    x_label: str,
    y_label: str,
    axes: Axes,
    kind: str = COUNT,
) -> go.Figure:
    """A heat map from long format (one row per cell); cell texts and hovers in ``kind``'s
    format."""
    pivot = grid.pivot(index=y, columns=x, values=value).sort_index()  # highest y on top
    z = pivot.to_numpy(dtype=float)
    shown = np.array([_format(row, kind, axes) for row in z]) if z.size else z
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(c) for c in pivot.columns],
            y=[str(i) for i in pivot.index],
            colorscale="Blues",
            text=shown if pivot.size <= 130 else None,
            texttemplate="%{text}" if pivot.size <= 130 else None,
            customdata=shown,
            hovertemplate=f"{x_label}: %{{x}}<br>{y_label}: %{{y}}<br>%{{customdata}}<extra></extra>",
            colorbar=_colorbar(z, kind, axes),
        )
    )  # fmt: skip
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return _layout(fig, title, x_label, y_label)


def _colorbar(z: np.ndarray, kind: str, axes: Axes) -> dict | None:
    finite = z[np.isfinite(z)] if z.size else z
    if not finite.size:
        return None
    if kind == MONEY:
        ticks, labels = money_ticks(finite, axes.currency, axes.language)
    elif kind == PERCENT:
        ticks, labels = percent_ticks(finite, cap=1.0)
    elif kind == COUNT:
        ticks = count_ticks(float(finite.max()))
        labels = [fmt_int(v) for v in ticks]
    else:
        return {"tickformat": ",.1f"}
    return {"tickmode": "array", "tickvals": ticks, "ticktext": labels}


def pareto(
    bars: pd.DataFrame,
    title: str,
    x_label: str,
    y_label: str,
    cumulative_label: str,
    a_cut: float,
    b_cut: float,
    axes: Axes,
) -> go.Figure:
    """Sorted value bars with the cumulative share line on a second axis. Each bar is the
    value of a group of customers in rank order (``first_rank``..``last_rank``); ``y_label``
    should say so."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    classes = bars["abc_class"] if "abc_class" in bars else pd.Series(["A"] * len(bars))
    colors = [ABC_COLORS.get(c, PALETTE[0]) for c in classes]
    values = bars["value"].to_numpy(dtype=float)
    fig.add_trace(
        go.Bar(
            x=bars["last_rank"], y=values, marker={"color": colors}, name=y_label,
            customdata=np.c_[_format(values, MONEY, axes), classes.astype(str),
                             [f"{a:,}–{b:,}" for a, b in zip(bars["first_rank"], bars["last_rank"], strict=True)]],
            hovertemplate=f"{x_label}: %{{customdata[2]}}<br>{y_label}: %{{customdata[0]}} (%{{customdata[1]}})<extra></extra>",
        ),
        secondary_y=False,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=bars["last_rank"], y=bars["cumulative_share"], mode="lines", name=cumulative_label,
            line={"color": PALETTE[1], "width": 2},
            customdata=_format(bars["cumulative_share"], PERCENT, axes),
            hovertemplate=f"{x_label} ≤ %{{x:,}}<br>{cumulative_label}: %{{customdata}}<extra></extra>",
        ),
        secondary_y=True,
    )  # fmt: skip
    for cut in (a_cut, b_cut):
        fig.add_hline(y=cut, line={"dash": "dot", "color": "#888"}, secondary_y=True)
    ticks, labels = percent_ticks([0, 1], cap=1.0)
    fig.update_yaxes(title_text=cumulative_label, tickmode="array", tickvals=ticks,
                     ticktext=labels, range=[0, 1.02], secondary_y=True)  # fmt: skip
    fig.update_yaxes(title_text=y_label, secondary_y=False)
    value_axis(fig, "y", values, MONEY, axes, secondary_y=False)
    fig.update_xaxes(tickformat=",d")
    return _layout(fig, title, x_label)


def lorenz(
    curve: pd.DataFrame,
    gini: float,
    title: str,
    x_label: str,
    y_label: str,
    equality_label: str,
    gini_label: str,
) -> go.Figure:
    ticks, labels = percent_ticks([0, 1], cap=1.0)
    fig = go.Figure(
        [
            go.Scatter(
                x=[0, 1], y=[0, 1], mode="lines", name=equality_label,
                line={"dash": "dash", "color": "#999"}, hoverinfo="skip",
            ),
            go.Scatter(
                x=curve["customer_share"], y=curve["value_share"], mode="lines",
                name=f"{gini_label} {gini:.3f}", fill="tonexty",
                line={"color": PALETTE[0], "width": 2},
                customdata=np.c_[_format(curve["customer_share"], PERCENT, Axes()),
                                 _format(curve["value_share"], PERCENT, Axes())],
                hovertemplate=f"{x_label}: %{{customdata[0]}}<br>{y_label}: %{{customdata[1]}}<extra></extra>",
            ),
        ]
    )  # fmt: skip
    # A little room past 100%: a tick label on the plot's right edge would overflow and is hidden.
    fig.update_xaxes(tickmode="array", tickvals=ticks, ticktext=labels, range=[0, 1.03])
    fig.update_yaxes(tickmode="array", tickvals=ticks, ticktext=labels, range=[0, 1.02])
    return _layout(fig, title, x_label, y_label)


def histogram(
    bins: pd.DataFrame,
    title: str,
    x_label: str,
    y_label: str,
    axes: Axes,
    x_kind: str = NUMBER,
    color: str | None = None,
) -> go.Figure:
    """Pre-binned histogram (``left``, ``right``, ``customers``); the x axis in ``x_kind``."""
    centers = (bins["left"] + bins["right"]) / 2
    widths = bins["right"] - bins["left"]
    left = _format(bins["left"], x_kind, axes)
    right = _format(bins["right"], x_kind, axes)
    if bins.attrs.get("open_above") is not None and len(right):
        right[-1] = "∞"  # the last bin holds the whole top tail
    counts = _format(bins["customers"], COUNT, axes)
    fig = go.Figure(
        go.Bar(
            x=centers, y=bins["customers"], width=widths,
            marker={"color": color or PALETTE[0]},
            customdata=np.c_[left, right, counts] if len(bins) else None,
            hovertemplate="%{customdata[0]} – %{customdata[1]}: %{customdata[2]}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(bargap=0.02)
    edges = (
        np.r_[bins["left"].to_numpy(dtype=float), bins["right"].to_numpy(dtype=float)[-1:]]
        if len(bins)
        else []
    )
    value_axis(fig, "x", edges, x_kind, axes)
    value_axis(fig, "y", bins["customers"], COUNT, axes)
    if x_kind == PERCENT:
        fig.update_xaxes(range=[-0.02, 1.02])  # room for the 0% and 100% labels at the ends
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
    axes: Axes,
) -> go.Figure:
    """A sampled scatter on log axes, one trace per group (at most :data:`MAX_POINTS` points)."""
    sample = sample.iloc[:MAX_POINTS]
    fig = go.Figure()
    for i, (key, part) in enumerate(sample.groupby(group, sort=True)):
        fig.add_trace(
            go.Scatter(  # SVG: a few thousand points draw fast without a GPU, unlike WebGL
                x=part[x], y=part[y], mode="markers", name=group_labels.get(key, str(key)),
                marker={"size": 5, "opacity": 0.6, "color": PALETTE[i % len(PALETTE)]},
                customdata=_format(part[y], MONEY, axes),
                hovertemplate=f"{x_label}: %{{x:,}}<br>{y_label}: %{{customdata}}<extra>%{{fullData.name}}</extra>",
            )
        )  # fmt: skip
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    if len(sample):
        top = float(np.log10(max(sample[y].max(), 10)))
        ticks = [10**p for p in range(0, int(np.ceil(top)) + 1)]
        labels = [fmt_money(v, axes.currency, axes.language, trim=True) for v in ticks]
        fig.update_yaxes(tickmode="array", tickvals=ticks, ticktext=labels)
        counts = [v for v in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if v <= sample[x].max() * 2]
        fig.update_xaxes(tickmode="array", tickvals=counts, ticktext=[f"{v:,}" for v in counts])
    return _layout(fig, title, x_label, y_label, height=420)


def dual_months(
    frame: pd.DataFrame,
    x: str,
    bars: str,
    bar_label: str,
    line_col: str,
    line_label: str,
    title: str,
    x_label: str,
    axes: Axes,
) -> go.Figure:
    """Bars (counts) with a line (a share) on a second axis over months: uptake over time."""
    months = pd.to_datetime(frame[x]) if len(frame) else pd.Series(dtype="datetime64[s]")
    month_text = _months(months, axes)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=months, y=frame[bars], name=bar_label, marker={"color": "#c5d5ea"},
            customdata=np.c_[month_text, _format(frame[bars], COUNT, axes)] if len(frame) else None,
            hovertemplate=f"{bar_label} · %{{customdata[0]}}: %{{customdata[1]}}<extra></extra>",
        ),
        secondary_y=False,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=months, y=frame[line_col], name=line_label, mode="lines",
            line={"color": PALETTE[0], "width": 2},
            customdata=np.c_[month_text, _format(frame[line_col], PERCENT, axes)] if len(frame) else None,
            hovertemplate=f"{line_label} · %{{customdata[0]}}: %{{customdata[1]}}<extra></extra>",
        ),
        secondary_y=True,
    )  # fmt: skip
    _month_axis(fig, months, axes)
    fig.update_yaxes(title_text=bar_label, tickformat=",d", secondary_y=False)
    ticks, labels = percent_ticks(frame[line_col] if len(frame) else [0, 1], cap=1.0)
    fig.update_yaxes(title_text=line_label, tickmode="array", tickvals=ticks, ticktext=labels,
                     range=[0, max(ticks) if ticks else 1], secondary_y=True)  # fmt: skip
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
            x=table["k"], y=table["silhouette"], name=silhouette_label, mode="lines+markers",
            line={"color": PALETTE[0]},
            hovertemplate=f"k = %{{x}}<br>{silhouette_label}: %{{y:.3f}}<extra></extra>",
        ),
        secondary_y=False,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=table["k"], y=table["inertia"], name=inertia_label, mode="lines+markers",
            line={"color": PALETTE[1], "dash": "dot"},
            hovertemplate=f"k = %{{x}}<br>{inertia_label}: %{{y:,.0f}}<extra></extra>",
        ),
        secondary_y=True,
    )  # fmt: skip
    fig.add_vline(x=suggested, line={"dash": "dash", "color": "#888"})
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(title_text=silhouette_label, secondary_y=False)
    fig.update_yaxes(title_text=inertia_label, tickformat=",.0f", secondary_y=True)
    return _layout(fig, title, k_label)


def payments(
    frame: pd.DataFrame,
    title: str,
    x_label: str,
    y_label: str,
    kind_labels: dict,
    axes: Axes,
    until=None,
    until_label: str = "",
) -> go.Figure:
    """One customer's payments as a timeline: a marker per payment at its amount, on a stem
    from zero, coloured by transaction type; hover shows the date and the amount. The time axis
    runs to ``until`` (the as-of date, marked), so a long silence since the last payment shows."""
    fig = go.Figure()
    kinds = (
        frame["transaction_type"].astype(str)
        if "transaction_type" in frame
        else pd.Series(["payment"] * len(frame), index=frame.index)
    )
    dates = pd.to_datetime(frame["transaction_date"])
    from ui.formats import fmt_date

    for i, kind in enumerate(pd.unique(kinds)):
        part = kinds == kind
        when = dates[part]
        amount = frame.loc[part, "amount"].to_numpy(dtype=float)
        color = PALETTE[i % len(PALETTE)]
        stems_x = np.repeat(when.to_numpy(), 3)
        stems_y = np.c_[np.zeros(len(amount)), amount, np.full(len(amount), np.nan)].ravel()
        fig.add_trace(
            go.Scatter(x=stems_x, y=stems_y, mode="lines", line={"color": color, "width": 1.5},
                       hoverinfo="skip", showlegend=False, legendgroup=str(kind))
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=when, y=amount, mode="markers", name=kind_labels.get(kind, kind),
                legendgroup=str(kind), marker={"size": 9, "color": color},
                customdata=np.c_[[fmt_date(d, axes.language) for d in when], _format(amount, MONEY, axes)],
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra>%{fullData.name}</extra>",
            )
        )  # fmt: skip
    fig.add_hline(y=0, line={"color": "#888", "width": 1})
    if until is not None:
        end = pd.Timestamp(until)
        fig.add_vline(x=end, line={"dash": "dot", "color": "#888"})
        fig.add_annotation(x=end, y=1, yref="paper", text=until_label, showarrow=False,
                           xanchor="right", yanchor="bottom", font={"size": 11, "color": "#666"})  # fmt: skip
        dates = pd.concat([dates, pd.Series([end])], ignore_index=True)
    _month_axis(fig, dates, axes)
    value_axis(fig, "y", frame["amount"] if len(frame) else [0], MONEY, axes)
    return _layout(fig, title, x_label, y_label, height=340)


# --------------------------------------------------------------------------- safety

_TRACE_TEXT = ("x", "y", "text", "labels", "ids", "parents", "hovertext", "name", "customdata")


def _escape(value):
    """``&``, ``<`` and ``>`` as entities: plotly shows them as typed, and a value can no longer
    open a tag (``<a href>``, ``<b>`` ...) in a title, tick, legend or hover."""
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if isinstance(value, (list, tuple, np.ndarray, pd.Series, pd.Index)):
        values = list(value)
        if any(isinstance(v, str) for v in values) or any(
            isinstance(v, (list, tuple, np.ndarray)) for v in values
        ):
            return [_escape(v) for v in values]
        return value
    return value


def safe_figure(fig: go.Figure) -> go.Figure:
    """The figure with every data-borne string escaped (categories, names, ticks, hovers).
    Data values come from files and databases, and user-given names (clusters, rules) from the
    interface: none may become markup. The builders' own templates (``<br>``, ``<extra>``) are
    left alone; they are not data."""
    for trace in fig.data:
        for attr in _TRACE_TEXT:
            if attr in trace and trace[attr] is not None:
                trace[attr] = _escape(trace[attr])
    for axis in [k for k in fig.layout if k.startswith(("xaxis", "yaxis"))]:
        ticks = fig.layout[axis].ticktext
        if ticks is not None:
            fig.layout[axis].ticktext = _escape(ticks)
    return fig


def warm() -> None:
    """Build, escape and serialise one figure of each kind the first page draws, and throw
    them away: plotly's first figure loads its validators and our template (about 0.4 s of a
    restart's first page here), which :mod:`ui.startup` pays before a browser asks."""
    import plotly.io as pio

    axes = Axes()
    months = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"]), "v": [1.0, 2.0]})
    figures = [
        grouped_bars(["a", "b"], {"x": [1.0, 2.0]}, "", "", "", axes, kind=MONEY),
        month_line(months, "month", {"v": "v"}, "", "", "", axes),
        bar(months, "v", "", "", "", ["a", "b"], axes, kind=PERCENT),
    ]
    for fig in figures:
        pio.to_json(safe_figure(fig), validate=False)
