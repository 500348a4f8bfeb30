"""The policies table: every row used, a duplicate, or rejected with its reason."""

from __future__ import annotations

import pandas as pd
import pytest

from data.load import SourceError
from data.policies import load_policies


def test_every_row_is_accounted_for_with_its_reason():
    raw = pd.DataFrame(
        {
            "保单号": ["P1", "P2", "", "P4", "P5", "P6", "P7", "P1", "P9", "P10", "P11"],
            "客户编号": ["C1", "C2", "C3", None, "C5", "C6", "C7", "C1", "C9", "C10", "C11"],
            "投保日期": ["2023-01-05", "2023/2/1", "2023-01-01", "2023-01-01", "not a date",
                     "2023-01-01", "2023-01-01", "2023-01-05", "2023-01-01", "2023-01-01",
                     "2023-01-01"],
            "缴费方式": ["年缴", "monthly", "annual", "annual", "annual", "weekly", "季缴",
                     "年缴", "趸缴", "annual", "annual"],
            "期缴保费": ["1,200", "100", "1", "1", "1", "1", "300", "1,200", "50000", "-5", "9"],
            "保单状态": ["有效", "lapsed", "有效", "有效", "有效", "有效", "满期", "有效", "退保",
                     "有效", "frozen"],
            "状态日期": [None, "2024-03-01", None, None, None, None, "2025-01-01", None, "x",
                     None, None],
            "手机": ["13800000000"] * 11,
        }
    )  # fmt: skip
    clean, report = load_policies(raw)
    assert report.rows_read == 11
    assert report.rows_used + report.duplicates + sum(report.rejected.values()) == 11
    assert clean["policy_id"].tolist() == ["P1", "P2", "P7"]
    assert clean["payment_mode"].tolist() == ["annual", "monthly", "quarterly"]
    assert clean["status"].tolist() == ["in_force", "lapsed", "matured"]
    assert clean["installment_premium"].tolist() == [1200.0, 100.0, 300.0]
    assert report.duplicates == 1 and report.duplicate_rows["source_row"].tolist() == [8]
    assert report.rejected == {
        "missing_policy_id": 1, "missing_customer_id": 1, "bad_date": 2, "bad_amount": 1,
        "bad_payment_mode": 1, "bad_status": 1,
    }  # fmt: skip
    by_row = dict(zip(report.rejected_rows["source_row"], report.rejected_rows["reason"],
                      strict=True))  # fmt: skip
    # rows counted from the first below the header, as the payments' report counts them
    assert by_row == {3: "missing_policy_id", 4: "missing_customer_id", 5: "bad_date",
                      6: "bad_payment_mode", 9: "bad_date", 10: "bad_amount",
                      11: "bad_status"}  # fmt: skip
    assert "手机" not in report.rejected_rows and "手机" not in report.duplicate_rows


def test_a_duplicate_whose_first_copy_was_rejected_keeps_the_valid_one():
    raw = pd.DataFrame({"policy_id": ["P1", "P1"], "customer_id": ["C1", "C1"],
                        "issue_date": ["bad", "2023-01-01"], "payment_mode": ["annual"] * 2,
                        "installment_premium": [10, 10]})  # fmt: skip
    clean, report = load_policies(raw)
    assert clean["policy_id"].tolist() == ["P1"] and report.duplicates == 0
    assert report.rejected == {"bad_date": 1}
    assert clean["status"].tolist() == ["in_force"]  # no status column: in force


def test_a_table_without_the_required_columns_is_one_error():
    with pytest.raises(SourceError) as caught:
        load_policies(pd.DataFrame({"policy_id": ["P1"], "foo": [1]}))
    assert caught.value.code == "policies_missing_columns"
    assert caught.value.params["missing"] == [
        "customer_id", "issue_date", "payment_mode", "installment_premium",
    ]  # fmt: skip


def test_duplicates_say_whether_they_conflict_and_blank_attributes_are_missing():
    raw = pd.DataFrame(
        {
            "policy_id": ["P1", "P1", "P1", "P2", "P3"],
            "customer_id": ["C1", "C1", "C1", "C2", "C3"],
            "issue_date": ["2023-01-01"] * 5,
            "payment_mode": ["annual"] * 5,
            "installment_premium": ["100", "100", "99999", "0", "50"],
            "agent_id": [" A1 ", "A1", "A1", "A2", "   "],
            "reason": ["x", "y", "z", "w", "v"],  # a source column named like ours
        }
    )
    clean, report = load_policies(raw)
    assert clean["policy_id"].tolist() == ["P1", "P3"]
    assert clean["agent_id"].tolist()[0] == "A1" and pd.isna(clean["agent_id"].iloc[1])
    assert report.rejected == {"bad_amount": 1}  # a zero premium
    rows = report.duplicate_rows
    assert rows.columns[:3].tolist() == ["source_row", "reason", "kept_row"]
    assert rows["reason"].tolist() == ["duplicate_policy", "conflicting_policy"]
    assert rows["kept_row"].tolist() == [1, 1] and rows["source_row"].tolist() == [2, 3]
    assert rows["reason_source"].tolist() == ["y", "z"]  # the source's own column kept
    assert report.conflicting_duplicates == 1
    assert report.rejected_rows.columns[:2].tolist() == ["source_row", "reason"]
