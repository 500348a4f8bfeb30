"""Shared fixtures. Files are written under ``tmp_path`` only; paths are found from ``__file__``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get(
    "VALUESCOPE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def missing_service(reason: str) -> None:
    """Skip locally when a service or browser is absent; in CI the same absence is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run this test, so it fails instead of skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to reach the server means "no server here"
        missing_service(f"no PostgreSQL server answers at {POSTGRES_URL}: {type(exc).__name__}")
    return POSTGRES_URL
