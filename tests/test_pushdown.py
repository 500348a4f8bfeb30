"""The SQL push-down equals analytics.summary on SQLite, DuckDB and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.summary import summarise
from data.load import SourceError
from data.pushdown import pushdown_summary
from data.sample import DemoConfig, generate, write


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    tx = generate(DemoConfig(customers=1500, random_state=3))["transactions"]
    # A customer with several rows on one day, a refund-only customer and a refund on a purchase day.
    extra = pd.DataFrame(
        {
            "transaction_id": ["X1", "X2", "X3", "X4", "X5"],
            "customer_id": ["Z1", "Z1", "Z1", "Z2", "Z1"],
            "transaction_date": pd.to_datetime(
                ["2025-01-01", "2025-01-01", "2025-02-01", "2025-01-05", "2025-02-01"]
            ),
            "amount": [10.25, 5.5, 7.0, -3.0, -2.0],
        }
    )
    return pd.concat([tx, extra], ignore_index=True)


def assert_same(pushed: pd.DataFrame, local: pd.DataFrame) -> None:
    assert pushed["customer_id"].tolist() == local["customer_id"].tolist()
    for column in local.columns[1:]:
        if local[column].dtype.kind == "f":
            np.testing.assert_allclose(pushed[column], local[column], rtol=1e-9, atol=1e-9)
        else:
            assert (pushed[column] == local[column]).all(), column


def check_parity(url: str, transactions: pd.DataFrame) -> None:
    write({"transactions": transactions}, url)
    for unit in ("D", "W", "M"):
        for as_of in (None, "2025-06-30"):
            assert_same(
                pushdown_summary(url, unit=unit, as_of=as_of),
                summarise(transactions, as_of=as_of, unit=unit),
            )


def test_sqlite_parity(tmp_path, transactions):
    check_parity(f"sqlite:///{tmp_path / 'p.sqlite'}", transactions)


def test_duckdb_parity(tmp_path, transactions):
    check_parity(f"duckdb:///{tmp_path / 'p.duckdb'}", transactions)


@pytest.mark.postgres
def test_postgres_parity(postgres_url, transactions):
    check_parity(postgres_url, transactions)


def test_renamed_columns_and_a_missing_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    pd.DataFrame(
        {
            "cust": ["a", "a", "b"],
            "paid_on": ["2024-01-01", "2024-01-11", "2024-01-05"],
            "premium": [1.0, 2.0, 3.0],
        }
    ).to_sql("pay", engine, index=False)
    engine.dispose()
    s = pushdown_summary(
        url,
        "pay",
        columns={"customer_id": "cust", "transaction_date": "paid_on", "amount": "premium"},
    )
    assert s["frequency"].tolist() == [1, 0]
    assert s["T"].tolist() == [10.0, 6.0]
    with pytest.raises(SourceError, match="push-down summary failed"):
        pushdown_summary(url, "missing")


def test_an_as_of_date_before_the_table_is_one_clear_error(tmp_path, transactions):
    url = f"sqlite:///{tmp_path / 'early.sqlite'}"
    write({"transactions": transactions}, url)
    first = transactions["transaction_date"].min().date().isoformat()
    with pytest.raises(SourceError) as info:
        pushdown_summary(url, as_of="1990-01-01")
    assert info.value.code == "as_of_before_data"
    assert info.value.params == {"as_of": "1990-01-01", "first": first}


# transaction_id, customer_id, transaction_date, amount; comments give the loader's verdict
PAYMENTS = [
    ("T1", "a", "2024-03-10", 100.0),  # 1 used: the first T1 in the table ...
    ("T2", "a", "2024-01-05", 50.0),  # 2 used
    ("T1", "a", "2024-02-01", 100.0),  # 3 ... not this earlier-dated copy: a conflicting duplicate
    ("T3", "b", "2024-02-02", 30.0),  # 4 used
    ("T3", "b", "2024-02-02", 30.0),  # 5 duplicate
    ("T4", None, "2024-02-03", 20.0),  # 6 rejected: no customer, so ...
    ("T4", "c", "2024-02-04", 20.0),  # 7 ... this copy is used
    ("T5", "c", "2024-02-05", None),  # 8 rejected: no amount
    (None, "c", "2024-02-06", 5.0),  # 9 used: no id, no duplicate
    (None, "c", "2024-02-06", 5.0),  # 10 used
    ("T6", "d", "2024-02-07", 70.0),  # 11 used
    ("T6", "e", "2024-02-07", 70.0),  # 12 conflicting duplicate: another customer
    ("T7", "  ", "2024-02-08", 1.0),  # 13 rejected: a blank customer id is no id
]


def check_duplicate_parity(url: str) -> None:
    import sqlalchemy as sa

    from data.load import load_database
    from data.pushdown import pushdown_load_report

    frame = pd.DataFrame(
        PAYMENTS, columns=["transaction_id", "customer_id", "transaction_date", "amount"]
    ).astype({"transaction_date": "datetime64[s]"})
    engine = sa.create_engine(url)
    frame.to_sql("payments", engine, index=False, if_exists="replace")  # no key: ids repeat
    engine.dispose()

    local = load_database(url, "payments")
    assert local.report.to_dict() == {
        "rows_read": 13,
        "rows_used": 7,
        "duplicates": 3,
        "conflicting_duplicates": 2,
        "rejected": {"missing_customer_id": 2, "bad_amount": 1},
    }
    assert pushdown_load_report(url, "payments") == local.report.to_dict()
    for as_of in (None, "2024-02-29"):
        pushed = pushdown_summary(url, "payments", as_of=as_of)
        assert_same(pushed, summarise(local.transactions, as_of=as_of))
    latest = pushdown_summary(url, "payments").set_index("customer_id")
    assert latest.loc["a", "last_purchase"] == pd.Timestamp("2024-03-10")
    assert latest.loc["a", "total_spend"] == 150.0
    assert latest.loc["c", "total_spend"] == 30.0  # T4's valid copy and both id-less rows
    assert latest.loc["d", "total_spend"] == 70.0 and "e" not in latest.index


def test_duplicates_parity_sqlite(tmp_path):
    check_duplicate_parity(f"sqlite:///{tmp_path / 'dups.sqlite'}")


def test_duplicates_parity_duckdb(tmp_path):
    check_duplicate_parity(f"duckdb:///{tmp_path / 'dups.duckdb'}")


@pytest.mark.postgres
def test_duplicates_parity_postgres(postgres_url):
    check_duplicate_parity(postgres_url)
