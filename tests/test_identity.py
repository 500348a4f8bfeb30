"""Duplicate identities: found by keyed hash, never shown; scored as one on request."""

from __future__ import annotations

import pandas as pd

from analytics.identity import canonical_ids, duplicate_identities, identity_summary
from analytics.pipeline import Settings, run

CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
        "id_number": ["110101199001011234", "110101 199001011234", None, "220202198505055678",
                      "330303197707077777", None],
        "phone": ["13800000001", "+86 138-0000-0009", "138 0000 0009", "13900000002", None, ""],
        "region": ["北京"] * 6,
    }
)  # fmt: skip


def test_people_under_several_ids_are_found_without_showing_a_value():
    groups = duplicate_identities(CUSTOMERS)
    # C1 and C2 share an id number (spaces aside); C2 and C3 share a phone (+86, dashes aside):
    # one person under three ids. C4, C5, C6 are alone.
    assert groups["customer_id"].tolist() == ["C1", "C2", "C3"]
    assert groups["identity"].tolist() == [1, 1, 1]
    assert groups["matched_on"].tolist() == ["id_number", "both", "phone"]
    text = groups.to_csv()
    assert "1234" not in text and "0009" not in text  # no personal value leaves
    assert identity_summary(groups) == {"identities": 1, "customers": 3, "extra_ids": 2}
    assert canonical_ids(groups) == {"C2": "C1", "C3": "C1"}


def test_hashes_are_keyed_so_results_do_not_depend_on_the_key():
    one = duplicate_identities(CUSTOMERS, key=b"a" * 32)
    two = duplicate_identities(CUSTOMERS, key=b"b" * 32)
    pd.testing.assert_frame_equal(one, two)


def test_scoring_duplicates_as_one_customer():
    tx = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4", "C4", "C5"],
            "transaction_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01",
                                                "2024-01-15", "2024-03-15", "2024-02-20"]),
            "amount": [100.0, 50.0, 25.0, 10.0, 10.0, 5.0],
        }
    )  # fmt: skip
    apart = run(tx, Settings(), CUSTOMERS, clustered=False).table.set_index("customer_id")
    merged = run(tx, Settings(merge_identities=True), CUSTOMERS, clustered=False).table
    merged = merged.set_index("customer_id")
    assert sorted(apart.index) == ["C1", "C2", "C3", "C4", "C5"]
    assert sorted(merged.index) == ["C1", "C4", "C5"]
    assert merged.loc["C1", "total_spend"] == 175.0  # 100 + 50 + 25
    assert merged.loc["C1", "n_transactions"] == 3
    assert merged.loc["C4", "total_spend"] == apart.loc["C4", "total_spend"]
