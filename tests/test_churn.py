"""Churn bands, value at risk and value tiers by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.churn import (
    action_list,
    band_shares,
    band_summary,
    churn_band,
    churn_by,
    models_disagree,
    premium_at_risk,
    tier_summary,
    value_tiers,
)


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


def toy_scored() -> pd.DataFrame:
    scored = pd.DataFrame(
        {
            "customer_id": list("abcd"),
            "churn_risk": [0.1, 0.5, 0.9, 0.7],
            "clv": [100.0, 50.0, 30.0, 20.0],
            "spend_12m": [1000.0, 200.0, 10.0, 300.0],
            "channel": ["agency", "online", "agency", "online"],
        }
    )
    scored["churn_band"] = churn_band(scored["churn_risk"])
    scored["value_tier"] = value_tiers(scored, shares=(0.25, 0.25, 0.25))
    scored["premium_at_risk"] = premium_at_risk(scored)
    return scored


def test_premium_at_risk_by_band_and_group_by_hand():
    scored = toy_scored()
    assert scored["premium_at_risk"].tolist() == pytest.approx([100.0, 100.0, 9.0, 210.0])
    bands = band_summary(scored).set_index("churn_band")
    assert bands.index.tolist() == ["low", "medium", "high"]  # no empty "unknown" band
    assert bands["customers"].tolist() == [1, 1, 2]
    assert bands.loc["high", "premium_at_risk"] == pytest.approx(219.0)
    # the low band holds the most CLV, but the least premium at risk is not low's: it is 100
    assert bands.loc["low", "premium_at_risk"] == pytest.approx(100.0)
    assert bands["premium_at_risk_share"].sum() == pytest.approx(1.0)
    by = churn_by(scored, "channel")
    assert by["channel"].tolist() == ["online", "agency"]  # most premium at risk first
    assert by["premium_at_risk"].tolist() == pytest.approx([310.0, 109.0])
    assert by["high_risk_share"].tolist() == pytest.approx([0.5, 0.5])


def test_unknown_band_only_when_some_risk_is_missing():
    scored = toy_scored()
    scored.loc[0, "churn_risk"] = np.nan
    scored["churn_band"] = churn_band(scored["churn_risk"])
    scored["premium_at_risk"] = premium_at_risk(scored)
    bands = band_summary(scored).set_index("churn_band")
    assert bands.index.tolist() == ["low", "medium", "high", "unknown"]
    assert bands.loc["low", "customers"] == 0 and bands.loc["unknown", "customers"] == 1


def test_tier_summary_and_action_list_by_hand():
    scored = toy_scored()
    tiers = tier_summary(scored).set_index("value_tier")
    assert tiers["customers"].tolist() == [1, 1, 1, 1]
    assert tiers.loc["Platinum", "value_share"] == pytest.approx(0.5)
    assert tiers.loc["Bronze", "premium_at_risk"] == pytest.approx(210.0)
    actions = action_list(scored, tiers=("Silver", "Bronze"))
    assert actions["customer_id"].tolist() == ["d", "c"]  # 210 at risk before 9


def test_band_shares_and_model_disagreement():
    risk = pd.Series([0.1, 0.2, 0.5, 0.7, 0.9])
    assert band_shares(risk) == pytest.approx({"low": 0.4, "medium": 0.2, "high": 0.4})
    close = {"low": 0.25, "medium": 0.3, "high": 0.45}  # 5 points apart on high risk
    far = {"low": 0.35, "medium": 0.1, "high": 0.55}  # 15 points apart
    assert not models_disagree(band_shares(risk), close)
    assert models_disagree(band_shares(risk), far)
    assert models_disagree(band_shares(risk), close, bands=("low",))  # 15 points apart on low
