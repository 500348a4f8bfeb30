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
