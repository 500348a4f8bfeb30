"""ABC classes, Lorenz curve, Gini and concentration on hand-computed data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics.pareto import (
    abc_classes,
    abc_summary,
    concentration,
    gini,
    lorenz_curve,
    pareto_points,
)

VALUES = pd.DataFrame(
    {"customer_id": list("gfedcba"), "total_spend": [-3.0, 0.0, 5.0, 5.0, 10.0, 30.0, 50.0]}
)


def classes(frame, **kwargs) -> dict[str, str]:
    result = abc_classes(frame, **kwargs)
    return dict(zip(frame["customer_id"], result.classes, strict=True))


def test_abc_by_hand_with_boundaries_ties_and_non_positive_values():
    # sorted: a 50, b 30 (a+b reach exactly 80%), c 10 (90%), d 5 (95%), e 5, f 0, g -3
    assert classes(VALUES) == {"a": "A", "b": "A", "c": "B", "d": "B", "e": "C", "f": "C", "g": "C"}


def test_ties_are_broken_by_customer_id():
    swapped = VALUES.assign(customer_id=VALUES["customer_id"].replace({"d": "z"}))
    result = classes(swapped)
    assert result["e"] == "B" and result["z"] == "C"  # e now sorts before z


def test_cut_offs_move_the_classes():
    assert classes(VALUES, a_cut=0.5, b_cut=0.9) == {
        "a": "A", "b": "B", "c": "B", "d": "C", "e": "C", "f": "C", "g": "C",
    }  # fmt: skip
    assert classes(VALUES, a_cut=0.81)["c"] == "A"  # 80% does not reach 81%: c joins A
    with pytest.raises(ValueError, match="A cut-off <= B cut-off"):
        abc_classes(VALUES, a_cut=0.9, b_cut=0.8)


def test_all_zero_values_are_class_c():
    zeros = pd.DataFrame({"customer_id": ["a", "b"], "total_spend": [0.0, 0.0]})
    assert classes(zeros) == {"a": "C", "b": "C"}


def test_abc_summary_shares():
    result = abc_classes(VALUES)
    table = abc_summary(VALUES, result.classes).set_index("abc_class")
    assert table["customers"].tolist() == [2, 2, 3]
    assert_allclose(table["value_share"], [0.8, 0.15, 0.02])  # C: 5 + 0 - 3 of 100 positive


def test_gini_known_values():
    assert gini([7, 7, 7, 7]) == 0.0
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (n - 1) / n
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert gini([]) == 0.0


def test_lorenz_curve_endpoints_and_sampling():
    curve = lorenz_curve([1, 2, 3, 4])
    assert_allclose(curve["customer_share"], [0, 0.25, 0.5, 0.75, 1])
    assert_allclose(curve["value_share"], [0, 0.1, 0.3, 0.6, 1])
    big = lorenz_curve(np.arange(100_000), max_points=500)
    assert len(big) <= 500
    assert big.iloc[0].tolist() == [0, 0] and big.iloc[-1].tolist() == [1, 1]


def test_concentration_statement_numbers():
    table = concentration(np.r_[np.full(10, 91.0), np.ones(90)], top_shares=(0.1,))
    assert table.iloc[0]["customers"] == 10
    assert table.iloc[0]["value_share"] == pytest.approx(910 / 1000)


def test_pareto_points_are_binned():
    frame = pd.DataFrame(
        {"customer_id": [f"c{i:05d}" for i in range(10_000)], "total_spend": np.arange(10_000.0)}
    )
    bars = pareto_points(frame, max_bars=100)
    assert len(bars) == 100 and bars["customers"].sum() == 10_000
    assert bars["value"].sum() == pytest.approx(frame["total_spend"].sum())
    assert bars["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert bars["value"].is_monotonic_decreasing
