"""Chart builders: the traces, titles, axes and hover texts they draw, on hand-made frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from ui import charts

ZH = charts.Axes("zh", "CNY")
EN = charts.Axes("en", "USD")


def test_bar_labels_values_and_money_axis_in_chinese():
    frame = pd.DataFrame({"band": ["low", "high"], "premium": [15_600_000.0, 1_200.0]})
    fig = charts.bar(frame, "premium", "风险保费", "风险等级", "保费", ["低", "高"], ZH,
                     kind=charts.MONEY, text=True)  # fmt: skip
    assert isinstance(fig, go.Figure) and len(fig.data) == 1
    trace = fig.data[0]
    assert list(trace.x) == ["低", "高"] and list(trace.y) == [15_600_000.0, 1_200.0]
    assert list(trace.text) == ["¥1,560万", "¥1,200"]
    assert fig.layout.title.text == "风险保费"
    assert fig.layout.xaxis.title.text == "风险等级" and fig.layout.yaxis.title.text == "保费"
    assert list(fig.layout.yaxis.ticktext) == ["¥0", "¥500万", "¥1,000万", "¥1,500万", "¥2,000万"]
    assert "%{customdata}" in trace.hovertemplate


def test_horizontal_bar_puts_values_on_x():
    frame = pd.DataFrame({"customers": [3, 10]})
    fig = charts.bar(frame, "customers", "Segments", "Segment", "Customers", ["A", "B"], EN,
                     horizontal=True)  # fmt: skip
    assert fig.data[0].orientation == "h" and list(fig.data[0].y) == ["A", "B"]
    assert fig.layout.xaxis.title.text == "Customers"
    assert fig.layout.yaxis.autorange == "reversed"


def test_percent_axis_has_round_ticks():
    frame = pd.DataFrame({"risk": [0.12, 0.58]})
    fig = charts.bar(frame, "risk", "Risk", "Tier", "Mean churn risk", ["Gold", "Bronze"], EN,
                     kind=charts.PERCENT)  # fmt: skip
    assert list(fig.layout.yaxis.ticktext) == ["0%", "20%", "40%", "60%"]
    assert list(fig.data[0].customdata) == ["12.0%", "58.0%"]


def test_month_line_labels_months_in_the_language():
    trend = pd.DataFrame(
        {"month": pd.date_range("2024-01-01", periods=6, freq="MS"), "spend": np.arange(6) * 1e5}
    )
    fig = charts.month_line(trend, "month", {"消费金额": "spend"}, "月度消费", "月份", "金额", ZH)
    assert fig.data[0].name == "消费金额" and len(fig.data[0].x) == 6
    assert list(fig.layout.xaxis.ticktext)[:2] == ["2024年1月", "2024年2月"]
    assert (
        fig.data[0].customdata[1][0] == "2024年2月" and fig.data[0].customdata[1][1] == "¥10.00万"
    )
    english = charts.month_line(trend, "month", {"Spend": "spend"}, "Spend", "Month", "", EN)
    assert list(english.layout.xaxis.ticktext)[0] == "Jan 2024"


def test_grouped_bars_one_trace_per_series():
    fig = charts.grouped_bars(["Gold", "Silver"], {"Customers": [0.1, 0.2], "Value": [0.6, 0.2]},
                              "Mix", "Tier", "Share", EN, kind=charts.PERCENT)  # fmt: skip
    assert [t.name for t in fig.data] == ["Customers", "Value"]
    assert fig.layout.barmode == "group" and fig.layout.yaxis.ticktext[-1] == "60%"


def test_histogram_uses_bin_centres_and_widths():
    bins = pd.DataFrame({"left": [0.0, 0.5], "right": [0.5, 1.0], "customers": [7, 3]})
    fig = charts.histogram(bins, "Risk", "Churn risk", "Customers", EN, x_kind=charts.PERCENT)
    assert list(fig.data[0].x) == [0.25, 0.75] and list(fig.data[0].width) == [0.5, 0.5]
    assert fig.data[0].customdata[0].tolist() == ["0.0%", "50.0%", "7"]


def test_heatmap_pivots_long_data_with_highest_row_on_top():
    grid = pd.DataFrame({"f": [1, 2, 1, 2], "r": [1, 1, 2, 2], "n": [1, 2, 3, 4]})
    fig = charts.heatmap(grid, "f", "r", "n", "R x F", "F", "R", EN)
    z = np.asarray(fig.data[0].z)
    assert z.tolist() == [[1, 2], [3, 4]] and list(fig.data[0].y) == ["1", "2"]
    assert fig.data[0].text[1][1] == "4"


def test_pareto_and_lorenz_draw_cut_offs_and_gini():
    bars = pd.DataFrame(
        {"first_rank": [1, 2], "last_rank": [1, 2], "value": [80.0, 20.0],
         "cumulative_share": [0.8, 1.0], "abc_class": ["A", "B"]}
    )  # fmt: skip
    fig = charts.pareto(bars, "Pareto", "Customers", "Spend", "Cumulative", 0.8, 0.95, EN)
    assert [t.type for t in fig.data] == ["bar", "scatter"]
    assert {round(s.y0, 2) for s in fig.layout.shapes} == {0.8, 0.95}
    curve = pd.DataFrame({"customer_share": [0, 0.5, 1], "value_share": [0, 0.2, 1]})
    lorenz = charts.lorenz(curve, 0.4, "Lorenz", "Customers", "Value", "Equality", "Gini")
    assert lorenz.data[1].name == "Gini 0.400" and lorenz.data[0].name == "Equality"
    for axis in (lorenz.layout.xaxis, lorenz.layout.yaxis):  # 100% labelled, inside the plot
        assert "100%" in axis.ticktext and axis.range[1] > max(axis.tickvals)


def test_payment_timeline_has_a_marker_and_a_stem_per_payment():
    frame = pd.DataFrame(
        {
            "transaction_date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-01"]),
            "amount": [1200.0, 1200.0, -300.0],
            "transaction_type": ["new_policy", "renewal", "refund"],
        }
    )
    fig = charts.payments(frame, "缴费记录", "日期", "金额", {"refund": "退费"}, ZH)
    markers = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in markers] == ["new_policy", "renewal", "退费"]
    assert markers[2].customdata[0].tolist() == ["2024年3月1日", "-¥300"]
    stems = [t for t in fig.data if t.mode == "lines"]
    assert len(stems) == 3 and list(stems[2].y)[:2] == [0.0, -300.0]


@pytest.mark.parametrize("n", [0, 5_000, 20_000])
def test_scatter_never_exceeds_the_point_cap(n):
    rng = np.random.default_rng(0)
    sample = pd.DataFrame(
        {"x": rng.integers(1, 9, n), "y": rng.uniform(1, 1e5, n), "g": rng.integers(0, 3, n)}
    )
    fig = charts.scatter(sample, "x", "y", "g", {0: "zero"}, "S", "X", "Y", EN)
    assert sum(len(t.x) for t in fig.data) == min(n, charts.MAX_POINTS)
    if n:
        assert fig.data[0].name == "zero" and fig.layout.yaxis.type == "log"
