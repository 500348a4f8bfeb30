"""Churn bands, value at risk and value tiers by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.churn import action_list, churn_band, tier_summary, value_at_risk, value_tiers


def test_bands_at_the_cut_offs():
    risk = pd.Series([0.0, 0.2999, 0.3, 0.5999, 0.6, 1.0, np.nan])
    assert churn_band(risk).tolist() == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
        "unknown",
    ]
    assert churn_band(risk, (0.5, 0.9)).tolist()[:6] == [
        "low",
        "low",
        "low",
        "medium",
        "medium",
        "high",
    ]
    with pytest.raises(ValueError, match="cut-offs"):
        churn_band(risk, (0.7, 0.2))


def test_tiers_by_rank_with_ties_by_id():
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(10)], "clv": [10.0] * 10})
    tiers = value_tiers(frame)  # all tied: order is customer id
    assert tiers.tolist() == [
        "Platinum",
        "Gold",
        "Gold",
        "Silver",
        "Silver",
        "Silver",
        "Bronze",
        "Bronze",
        "Bronze",
        "Bronze",
    ]
    frame = pd.DataFrame({"customer_id": list("abcde"), "clv": [1.0, 5.0, np.nan, 3.0, 4.0]})
    assert value_tiers(frame, shares=(0.2, 0.2, 0.2)).tolist() == [
        "Bronze",
        "Platinum",
        "Bronze",
        "Silver",
        "Gold",
    ]


def test_value_at_risk_and_tier_summary_by_hand():
    scored = pd.DataFrame(
        {
            "customer_id": list("abcd"),
            "churn_risk": [0.1, 0.5, 0.9, 0.7],
            "clv": [100.0, 50.0, 30.0, 20.0],
        }
    )
    scored["churn_band"] = churn_band(scored["churn_risk"])
    scored["value_tier"] = value_tiers(scored, shares=(0.25, 0.25, 0.25))
    table = value_at_risk(scored).set_index("churn_band")
    assert table.loc["high", "customers"] == 2
    assert table.loc["high", "value"] == 50.0
    assert table.loc["high", "value_share"] == pytest.approx(0.25)
    assert table.loc["high", "expected_loss"] == pytest.approx(0.9 * 30 + 0.7 * 20)
    tiers = tier_summary(scored).set_index("value_tier")
    assert tiers["customers"].tolist() == [1, 1, 1, 1]
    assert tiers.loc["Platinum", "value_share"] == pytest.approx(0.5)
    actions = action_list(scored, tiers=("Silver", "Bronze"))
    assert actions["customer_id"].tolist() == ["c", "d"]  # 27 at risk before 14
