"""Satisfaction and the call centre on a hand-made book (figures worked out in the comments)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.service import (
    contacts_in_view,
    contacts_per_customer,
    lapse_after_complaint,
    satisfaction_by,
    satisfaction_trend,
    service_kpis,
)

VIEW = pd.DataFrame(
    {
        "customer_id": ["C1", "C2", "C3", "C4"],
        "segment": ["A", "B", "A", "B"],
        "value_tier": ["Gold", "Silver", "Gold", "Bronze"],
        "spend_12m": [100.0, 0.0, 50.0, 30.0],
    }
)
CONTACTS = pd.DataFrame(
    {
        "customer_id": ["C1", "C1", "C2", "C2", "C3", "C5", "C3"],
        "contact_at": pd.to_datetime(["2024-01-10 09:00", "2024-02-03 09:00", "2024-01-20 09:00",
                                      "2024-02-01 09:00", "2024-03-01 16:30", "2024-01-05 09:00",
                                      "2024-04-01 09:00"]),
        "contact_channel": ["phone", "wechat", "phone", "phone", "branch", "phone", "phone"],
        "reason": ["complaint", "policy_inquiry", "complaint", "surrender_request", "payment",
                   "complaint", "claim"],
        "satisfaction": [1, 5, 2, 3, 4, 1, 5],
    }
)  # fmt: skip
AS_OF = "2024-03-01"


@pytest.fixture
def contacts():
    # C5 is not in view; C3's contact of 2024-04-01 is after the as-of date, the one at 16:30 on
    # the as-of day counts
    return contacts_in_view(CONTACTS, VIEW, AS_OF)


def test_only_contacts_of_customers_in_view_up_to_the_as_of_date(contacts):
    assert sorted(contacts["customer_id"]) == ["C1", "C1", "C2", "C2", "C3"]
    assert set(contacts["segment"]) == {"A", "B"}


def test_contacts_carry_their_customer_s_labels_as_codes_with_the_merge_s_values(contacts):
    """Each contact's customer labels, as a left merge gives them (a label the view lacks
    stays missing), held as categoricals: a customer's segment is repeated per contact."""
    view = VIEW.iloc[[2, 0, 1, 3]].assign(segment=["A", None, "B", "B"])  # order, a missing label
    taken = contacts_in_view(CONTACTS, view)
    kept = CONTACTS[CONTACTS["customer_id"].isin(view["customer_id"])].reset_index(drop=True)
    merged = kept.merge(view[["customer_id", "segment", "value_tier"]], on="customer_id",
                        how="left")  # fmt: skip
    assert isinstance(taken["segment"].dtype, pd.CategoricalDtype)
    for column in ("segment", "value_tier"):
        assert taken[column].astype(object).where(taken[column].notna(), None).tolist() == (
            merged[column].astype(object).where(merged[column].notna(), None).tolist()
        )
    pd.testing.assert_frame_equal(taken[list(CONTACTS.columns)], kept)


def test_headline_figures(contacts):
    k = service_kpis(contacts, VIEW)
    assert (k["contacts"], k["customers_contacting"]) == (5, 3)
    assert k["mean_satisfaction"] == pytest.approx((1 + 5 + 2 + 3 + 4) / 5)
    assert k["dissatisfied_share"] == pytest.approx(2 / 5)  # ratings 1 and 2
    assert k["complaint_rate"] == pytest.approx(2 / 4)  # C1 and C2 of four customers
    assert k["surrender_request_rate"] == pytest.approx(1 / 4)
    assert k["contacts_per_customer"] == pytest.approx(5 / 4)


def test_satisfaction_by_reason_and_segment(contacts):
    reasons = satisfaction_by(contacts, "reason").set_index("reason")
    assert reasons.index[0] == "complaint"  # most contacts first
    assert reasons.loc["complaint", "contacts"] == 2
    assert reasons.loc["complaint", "mean_satisfaction"] == pytest.approx(1.5)
    assert reasons.loc["complaint", "dissatisfied_share"] == 1.0
    segments = satisfaction_by(contacts, "segment").set_index("segment")
    assert segments.loc["A", "mean_satisfaction"] == pytest.approx((1 + 5 + 4) / 3)
    assert segments.loc["B", "mean_satisfaction"] == pytest.approx(2.5)


def test_monthly_trend(contacts):
    trend = satisfaction_trend(contacts)
    assert trend["month"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]
    assert trend["contacts"].tolist() == [2, 2, 1]
    assert trend["mean_satisfaction"].tolist() == pytest.approx([1.5, 4.0, 4.0])
    assert trend["complaints"].tolist() == [2, 0, 0]


def test_contacts_per_customer(contacts):
    table = contacts_per_customer(contacts, VIEW)
    # C4 none, C3 one, C1 and C2 two each
    assert table["customers"].tolist() == [1, 1, 2, 0]
    assert table["share"].tolist() == pytest.approx([0.25, 0.25, 0.5, 0.0])


def test_lapse_after_a_complaint_is_observed_not_causal(contacts):
    table = lapse_after_complaint(contacts, VIEW).set_index("group")
    # complained: C1 (paid) and C2 (no payment in 12 months); no complaint: C3 and C4, both paid
    assert table.loc["complained", ["customers", "lapsed"]].tolist() == [2, 1]
    assert table.loc["complained", "lapse_rate"] == pytest.approx(0.5)
    assert table.loc["no_complaint", "lapse_rate"] == 0.0
