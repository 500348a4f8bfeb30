"""A scored table as a source (data/scored.py): its rows accounted for, its as-of date and unit
read back, and the chain run from it equal to the run that wrote it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import pipeline as P
from data.report import SourceError
from data.scored import load_scored, read_scored_folder, scored_sources


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The default engine's scored table of the CDNOW sample in weeks (a file the CLI wrote)."""
    from analytics.__main__ import main

    folder = tmp_path_factory.mktemp("scored")
    out = folder / "cdnow_weeks.parquet"
    assert main(["score", "cdnow-sample", "--unit", "W", "--out", str(out)]) == 0
    return out


def test_the_chain_from_a_scored_table_gives_that_table_back(written, capsys):
    capsys.readouterr()
    table = pd.read_parquet(written)
    data = load_scored(read_scored_folder(written), "cdnow_weeks")
    assert data.summary.attrs == {"as_of": "1998-06-30", "unit": "W"}
    assert not data.has_payments and data.transactions.empty
    again = P.run(None, P.Settings(unit="W"), summary=data.summary).view
    for column in ("customer_id", "frequency", "recency", "T", "segment", "abc_class",
                   "value_tier", "r_score", "m_score"):  # fmt: skip
        assert again[column].tolist() == table[column].tolist(), column
    np.testing.assert_allclose(again["clv"], table["clv"], rtol=1e-9)


def test_every_row_of_a_scored_table_is_used_a_duplicate_or_rejected(written):
    table = pd.read_parquet(written).head(6).copy()
    table.loc[1, "customer_id"] = None  # no id
    table.loc[2, "first_purchase"] = pd.NaT  # no date
    table.loc[3, "total_spend"] = np.inf  # not a number
    table = pd.concat([table, table.iloc[[0]]], ignore_index=True)  # customer 0 twice
    table.loc[6, "name"] = "personal"  # a personal column never reaches a report
    data = load_scored(table, "scores")
    report = data.report
    assert report.to_dict() == {
        "rows_read": 7, "rows_used": 3, "duplicates": 1, "conflicting_duplicates": 0,
        "rejected": {"missing_customer_id": 1, "bad_date": 1, "bad_number": 1},
    }  # fmt: skip
    assert report.rejected_rows[["source_row", "reason"]].values.tolist() == [
        [2, "missing_customer_id"], [3, "bad_date"], [4, "bad_number"],
    ]  # fmt: skip
    assert report.duplicate_rows["source_row"].tolist() == [7]
    assert report.duplicate_rows["reason"].tolist() == ["duplicate_customer"]
    assert "name" not in report.duplicate_rows and "name" not in data.summary


def test_membership_goes_back_to_a_members_table():
    summary = {
        "customer_id": ["a", "b", "c"], "first_purchase": ["2024-01-01"] * 3,
        "last_purchase": ["2024-03-01"] * 3, "n_transactions": [2, 2, 2], "frequency": [1, 1, 1],
        "recency": [60.0] * 3, "T": [91.0] * 3, "monetary_value": [5.0] * 3,
        "total_spend": [10.0] * 3, "refunds": [0.0] * 3, "days_since_last": [31] * 3,
        "spend_12m": [10.0] * 3, "enrolled_at": ["2024-02-01", None, "2024-02-02"],
        "loyalty_tier": ["gold", None, "silver"], "is_member": [True, False, True],
    }  # fmt: skip
    data = load_scored(pd.DataFrame(summary), "scores")
    assert data.summary.attrs == {"as_of": "2024-04-01", "unit": "D"}
    assert data.loyalty_members["customer_id"].tolist() == ["a", "c"]
    assert data.loyalty_members["tier"].tolist() == ["gold", "silver"]
    base = P.run(
        None, P.Settings(), None, data.loyalty_members, summary=data.summary, clustered=False
    ).table
    assert base["is_member"].tolist() == [True, False, True]


def test_payments_are_not_a_scored_table(tmp_path):
    payments = tmp_path / "payments.parquet"
    pd.DataFrame(
        {"customer_id": ["a"], "transaction_date": ["2024-01-01"], "amount": [1.0]}
    ).to_parquet(payments)
    with pytest.raises(SourceError, match="not a scored table: it lacks first_purchase"):
        read_scored_folder(payments)
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"PAR1 not really")
    with pytest.raises(SourceError) as error:
        read_scored_folder(garbage)
    assert error.value.code in ("unreadable", "not_scored")


def test_only_the_configured_folder_s_entries_are_offered(tmp_path, written):
    root = tmp_path / "scored"
    (root / "run_1").mkdir(parents=True)
    (root / "run_1" / "part-0.parquet").write_bytes(written.read_bytes())
    (root / "single.parquet").write_bytes(written.read_bytes())
    (root / "notes.txt").write_text("not a table")
    (root / ".hidden.parquet").write_bytes(b"")
    assert list(scored_sources(root)) == ["run_1", "single"]  # a file is named by its stem
    assert scored_sources(None) == {} and scored_sources(tmp_path / "missing") == {}


def test_an_unavailable_deployment_source_is_said_not_silently_replaced(
    demo_dir, tmp_path, monkeypatch
):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("VALUESCOPE_SCORED_DIR", str(tmp_path))
    monkeypatch.setenv("VALUESCOPE_SOURCE", "scored:last_night")  # no such table there
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    said = [w.value.replace("\\", "") for w in at.warning]  # as typed, markdown escaped
    assert any("scored:last_night is not available" in text for text in said), said
    assert next(m.value for m in at.metric if m.label == "Customers") == "20,000"  # the demo
