"""Loyalty uptake by month and by group, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.loyalty import members_vs_non_members, tier_mix, uptake_by, uptake_by_month
from analytics.pipeline import attach

SUMMARY = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d"],
        "first_purchase": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-10", "2024-03-01"]),
        "total_spend": [100.0, 50.0, 10.0, 40.0],
        "channel": ["agency", "online", "agency", "online"],
    }
)
MEMBERS = pd.DataFrame(
    {
        "customer_id": ["a", "c", "d", "zz"],
        "enrolled_at": pd.to_datetime(["2024-02-02", "2024-03-15", "2024-05-01", "2024-02-01"]),
        "tier": ["Gold", "bronze", "bronze", "gold"],
    }
)


def test_uptake_by_month_by_hand():
    scored = attach(SUMMARY, members=MEMBERS)  # zz is no customer, so it is not attached
    table = uptake_by_month(scored, as_of="2024-03-31")
    assert table["month"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]
    assert table["customers"].tolist() == [2, 3, 4]
    assert table["new_members"].tolist() == [
        0,
        1,
        1,
    ]  # d enrolls after the as-of date; zz is no customer
    assert table["members"].tolist() == [0, 1, 2]
    assert table["uptake"].tolist() == pytest.approx([0.0, 1 / 3, 0.5])


def test_uptake_over_time_starts_at_the_launch():
    scored = attach(SUMMARY, members=MEMBERS)
    table = uptake_by_month(scored, as_of="2024-03-31", start="2024-02-02")
    # January's two customers are counted in February, the launch month
    assert table["month"].dt.strftime("%Y-%m").tolist() == ["2024-02", "2024-03"]
    assert table["customers"].tolist() == [3, 4]
    assert table["members"].tolist() == [1, 2]
    assert table["uptake"].tolist() == pytest.approx([1 / 3, 0.5])


def test_uptake_by_group_and_members_vs_others():
    scored = SUMMARY.assign(is_member=[True, False, True, False], clv=[10.0, 2.0, 4.0, np.nan])
    table = uptake_by(scored, "channel").set_index("channel")
    assert table.loc["agency", "uptake"] == 1.0 and table.loc["online", "uptake"] == 0.0
    compare = members_vs_non_members(scored).set_index("group")
    assert compare.loc["member", "mean_spend"] == 55.0
    assert compare.loc["non-member", "mean_clv"] == 2.0


def test_tier_mix_normalises_case():
    table = tier_mix(attach(SUMMARY, members=MEMBERS))
    assert table.set_index("tier")["members"].to_dict() == {"gold": 1, "bronze": 2}
    assert table["share"].sum() == pytest.approx(1.0)


def test_active_and_inactive_members_by_payment_or_contact():
    import pandas as pd

    from analytics.loyalty import member_activity

    scored = pd.DataFrame(
        {
            "customer_id": ["M1", "M2", "M3", "M4", "N1"],
            "is_member": [True, True, True, True, False],
            "last_purchase": pd.to_datetime(
                ["2024-11-01", "2023-06-01", "2023-06-01", "2023-12-01", "2020-01-01"]
            ),
            "spend_12m": [500.0, 0.0, 0.0, 0.0, 0.0],
        }
    )
    contacts = pd.DataFrame(
        {"customer_id": ["M2", "M3"],
         "contact_at": pd.to_datetime(["2024-05-01 10:00", "2023-10-01 10:00"])}
    )  # fmt: skip
    # as of 2024-12-01, 12 months back to 2023-12-01 (exclusive): M1 paid, M2 called in time;
    # M3 called too early; M4 paid exactly on 2023-12-01, which is not after it -> inactive
    table = member_activity(scored, contacts, months=12, as_of="2024-12-01").set_index("state")
    assert table["members"].to_dict() == {"active": 2, "inactive": 2}
    assert table.loc["active", "mean_spend_12m"] == 250.0
    assert table["share"].tolist() == [0.5, 0.5]
    six = member_activity(scored, contacts, months=6, as_of="2024-12-01").set_index("state")
    assert six["members"].to_dict() == {"active": 1, "inactive": 3}  # M2's call is 7 months old
