"""The data sources of a session: the bundled demos, an uploaded file, a database by URL.

Each source is loaded once and kept (``st.cache_resource``, bounded; databases also expire), and
is known by a fingerprint that keys every cached result computed from it.
"""

from __future__ import annotations

import hashlib
import os

import pandas as pd
import streamlit as st

from data.demo import demo_path, ensure_demo, load_cdnow, load_demo
from data.load import Dataset, SourceError, load_database, load_file


@st.cache_resource(max_entries=2, show_spinner=False)
def _demo(path: str, _mtime: float) -> Dataset:
    return load_demo()


@st.cache_resource(max_entries=2, show_spinner=False)
def _cdnow(which: str) -> Dataset:
    return load_cdnow(which)


@st.cache_resource(max_entries=3, show_spinner=False)
def _upload(digest: str, name: str, mapping: tuple, _data: bytes) -> Dataset:
    return load_file(_data, name=name, mapping=dict(mapping))


@st.cache_resource(max_entries=3, ttl=900, show_spinner=False)
def _database(url: str, table: str, customers: str, loyalty: str, mapping: tuple) -> Dataset:
    return load_database(
        url,
        table,
        mapping=dict(mapping),
        customers_table=customers or None,
        loyalty_table=loyalty or None,
        name=table,
    )


def prepare_demo() -> None:
    """Generate the demo database on the very first start, with a visible progress bar."""
    if demo_path().exists() or os.environ.get("VALUESCOPE_DEMO_PARQUET"):
        return
    from ui.i18n import t

    steps = {0.05: "demo_generating", 0.5: "demo_writing", 1.0: "demo_ready"}
    bar = st.progress(0.0, text=t("preparing_demo"))
    ensure_demo(
        progress=lambda fraction, _text: bar.progress(
            fraction, text=f"{t('preparing_demo')} {t(steps.get(fraction, 'demo_generating'))}"
        )
    )
    bar.empty()


def dataset() -> tuple[Dataset, str]:
    """The active source and its fingerprint; :class:`SourceError` when it cannot be used."""
    s = st.session_state
    source = s.get("source", "demo")
    if source == "cdnow":
        return _cdnow("master"), "cdnow:master"
    if source == "upload" and s.get("upload_bytes"):
        data = s["upload_bytes"]
        digest = hashlib.sha1(data).hexdigest()
        mapping = tuple(sorted(s.get("upload_mapping", {}).items()))
        name = s.get("upload_name", "upload")
        return _upload(digest, name, mapping, data), f"upload:{digest}:{mapping}"
    if source == "database" and s.get("db_url"):
        args = (
            s["db_url"],
            s.get("db_table", "transactions"),
            s.get("db_customers", ""),
            s.get("db_loyalty", ""),
            (),
        )
        return _database(*args), "db:" + hashlib.sha1(repr(args).encode()).hexdigest()
    folder = os.environ.get("VALUESCOPE_DEMO_PARQUET")
    if folder:
        return _demo(folder, 0.0), f"demo-parquet:{folder}"
    prepare_demo()
    path = demo_path()
    return _demo(str(path), path.stat().st_mtime), f"demo:{path}:{path.stat().st_mtime}"


@st.cache_resource(max_entries=4, show_spinner=False)
def _date_range(fingerprint: str, _data: Dataset) -> tuple:
    dates = _data.transactions["transaction_date"]
    return dates.min().date(), dates.max().date()


def date_range(data: Dataset, fingerprint: str) -> tuple:
    """The first and last transaction dates of a source."""
    return _date_range(fingerprint, data)


@st.cache_resource(max_entries=4, show_spinner=False)
def _product_lines(fingerprint: str, _data: Dataset) -> list[str]:
    tx = _data.transactions
    if "product_line" not in tx:
        return []
    return sorted(tx["product_line"].dropna().astype(str).unique().tolist())


def product_lines(data: Dataset, fingerprint: str) -> list[str]:
    """Product lines the source's transactions carry (the product filter's choices)."""
    return _product_lines(fingerprint, data)


def customer_history(data: Dataset, customer_id: str) -> pd.DataFrame:
    """One customer's transactions, oldest first."""
    tx = data.transactions
    return tx[tx["customer_id"] == customer_id].sort_values("transaction_date")


def customer_record(data: Dataset, customer_id: str) -> dict | None:
    """One customer's row of the customers table, where the source has one."""
    if data.customers is None:
        return None
    rows = data.customers[data.customers["customer_id"] == customer_id]
    return None if rows.empty else rows.iloc[0].to_dict()


def customer_contacts(customer_id: str) -> pd.DataFrame | None:
    """Call-centre contacts of one customer, where the source has them (the insurer demo)."""
    if st.session_state.get("source", "demo") != "demo":
        return None
    from data.demo import demo_contacts

    try:
        return demo_contacts(customer_id)
    except SourceError:
        return None
