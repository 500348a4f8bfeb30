"""Hostile database URLs: reading never creates a file, never lists other tables or columns,
never echoes credentials."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from data.database import safe_url
from data.load import SourceError, load_database


def _people_db(path):
    engine = sa.create_engine(f"sqlite:///{path}")
    pd.DataFrame(
        {"customer_id": ["1"], "transaction_date": ["2024-01-01"], "amount": [1.0]}
    ).to_sql("payments", engine, index=False)
    pd.DataFrame({"id_number": ["110101199001011234"], "phone": ["13800000000"]}).to_sql(
        "secret_people", engine, index=False
    )
    engine.dispose()


def test_a_sqlite_url_to_a_missing_file_creates_nothing(tmp_path):
    target = tmp_path / "made_by_attacker.sqlite"
    with pytest.raises(SourceError) as caught:
        load_database(f"sqlite:///{target}", "transactions")
    assert caught.value.code == "bad_url"
    assert not target.exists()
    memory = "sqlite://"
    with pytest.raises(SourceError):
        load_database(memory, "transactions")


def test_reading_opens_sqlite_read_only(tmp_path):
    path = tmp_path / "db.sqlite"
    _people_db(path)
    before = path.read_bytes()
    data = load_database(f"sqlite:///{path}", "payments")
    assert data.report.rows_used == 1
    assert path.read_bytes() == before
    assert not (tmp_path / "db.sqlite-journal").exists()


def test_errors_name_no_other_table_nor_column(tmp_path):
    path = tmp_path / "db.sqlite"
    _people_db(path)
    with pytest.raises(SourceError) as caught:
        load_database(f"sqlite:///{path}", "nope")
    text = f"{caught.value} {caught.value.params}"
    for secret in ("secret_people", "payments", "id_number", "phone"):
        assert secret not in text


def test_credentials_never_echoed(postgres_url):
    url = sa.make_url(postgres_url).set(username="mallory", password="hunter2-secret")
    url = url.render_as_string(hide_password=False)
    assert "hunter2-secret" not in safe_url(url) and "mallory" not in safe_url(url)
    with pytest.raises(SourceError) as caught:
        load_database(url, "transactions")
    text = f"{caught.value} {caught.value.params}"
    assert "hunter2-secret" not in text
    assert "mallory" not in text
