"""Shared fixtures. Files are written under ``tmp_path`` only; paths are found from ``__file__``."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Hypothesis keeps caches in a folder (by default .hypothesis/ here, written while collecting);
# tests write under the temporary folder only.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "valuescope-hypothesis")
)
# The disk cache of expensive stages (ui.persist) would let one test read what another kept, even
# after a test clears Streamlit's caches or patches a stage; tests that test it turn it on.
os.environ.setdefault("VALUESCOPE_CACHE", "0")
POSTGRES_URL = os.environ.get(
    "VALUESCOPE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def markdown_cells(text: str) -> list[list[str]]:
    """The cells of a Markdown table (:func:`ui.widgets.static_table`), each as it reads
    (escapes removed)."""
    return [
        [c.strip().replace("\\", "") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        for line in text.splitlines()
    ]


def missing_service(reason: str) -> None:
    """Skip locally when a service or browser is absent; in CI the same absence is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run this test, so it fails instead of skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url():
    """A URL whose search_path is a schema of this test run only, so concurrent runs against
    the shared server never see each other's tables; the schema is dropped afterwards."""
    import uuid
    from urllib.parse import quote

    import sqlalchemy as sa

    schema = f"valuescope_test_{uuid.uuid4().hex[:12]}"
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))  # a generated identifier
    except Exception as exc:  # any failure to reach the server means "no server here"
        missing_service(f"no PostgreSQL server answers at {POSTGRES_URL}: {type(exc).__name__}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """A demo database generated once per test session under a temporary folder; the app and
    the loaders find it through VALUESCOPE_DATA_DIR, so tests never write into the repository."""
    folder = tmp_path_factory.mktemp("demo")
    previous = os.environ.get("VALUESCOPE_DATA_DIR")
    os.environ["VALUESCOPE_DATA_DIR"] = str(folder)
    from data.demo import ensure_demo

    ensure_demo()
    yield folder
    if previous is None:
        os.environ.pop("VALUESCOPE_DATA_DIR", None)
    else:
        os.environ["VALUESCOPE_DATA_DIR"] = previous
