"""The data sources of a session: the bundled demos, an uploaded file, a named connection, a
database by URL.

Each source is loaded once and kept (``st.cache_resource``, bounded; databases also expire), and
is known by a fingerprint that keys every cached result computed from it.

Who may use what is checked here, on the server: only a steward or admin switches sources
(others always see the deployment's default, ``VALUESCOPE_SOURCE``: ``demo``, ``cdnow`` or
``connection:NAME``); only an admin reads a typed URL. A user bound to regions gets the source
scoped to those regions (:func:`analytics.pipeline.scope`) before any page sees it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics.pipeline import in_scope, scope
from data.demo import demo_path, ensure_demo, load_cdnow, load_demo
from data.load import Dataset, SourceError, load_database, load_file
from data.report import LoadReport

log = logging.getLogger("valuescope")


@st.cache_resource(max_entries=2, show_spinner=False)
def _demo(fingerprint: str) -> Dataset:
    """The demo (its database, or ``VALUESCOPE_DEMO_PARQUET``'s folder), read on first use: a
    restart whose pages come from persisted results (:mod:`ui.persist`) reads no table until
    one is needed; the facts the sidebar needs are kept beside those results. A Parquet
    folder's customers, policies and contacts are read when a page first asks for them."""
    from data.demo import demo_parts

    load, later, payments, columns = demo_parts()
    return _lazy(fingerprint, load, later, payments, columns)


def _served(data: Dataset) -> Dataset:
    """A loaded source as the dashboard keeps it: without the payments' transaction ids. The
    loader has set repeated ids aside (the load report keeps them), and no page shows one; at a
    million customers they are 200 MB of text."""
    if "transaction_id" not in data.transactions:
        return data
    from dataclasses import replace

    return replace(data, transactions=data.transactions.drop(columns="transaction_id"))


def _lazy(fingerprint: str, load, later=None, payments: int | None = None, columns=None) -> Dataset:
    from data.report import LazyDataset
    from ui import persist
    from ui.view import durable

    if not (durable(fingerprint) and persist.enabled()):
        return _served(load_demo() if later or columns else load())
    facts = persist.load(fingerprint, "facts")
    return LazyDataset(
        lambda: _served(load()),
        facts=None if facts is persist.MISSING else facts,
        on_facts=lambda found: persist.save(fingerprint, "facts", found),
        later=later,
        expected_payments=payments,
        later_columns=columns,
    )


@st.cache_resource(max_entries=2, show_spinner=False)
def _cdnow(which: str) -> Dataset:
    return _lazy(f"cdnow:{which}", lambda: load_cdnow(which))


@st.cache_resource(max_entries=3, show_spinner=False)
def _upload(
    digest: str,
    name: str,
    mapping: tuple,
    _data: bytes,
    policies: tuple = (),
    _policies_data: bytes | None = None,
) -> Dataset:
    """An uploaded transactions file, with an uploaded policies file when there is one
    (``policies``: its digest and name, keying the cache; ``_policies_data``: its bytes)."""
    from data.readers import read_file

    extra = {}
    if policies and _policies_data:
        extra["policies"] = read_file(_policies_data, name=policies[1])
    return _served(load_file(_data, name=name, mapping=dict(mapping), **extra))


@st.cache_resource(max_entries=3, ttl=900, show_spinner=False)
def _database(
    url: str, table: str, customers: str, loyalty: str, mapping: tuple, policies: str = ""
) -> Dataset:
    return _served(
        load_database(
            url,
            table,
            mapping=dict(mapping),
            customers_table=customers or None,
            loyalty_table=loyalty or None,
            policies_table=policies or None,
            name=table,
        )
    )


@st.cache_resource(max_entries=2, show_spinner=False)
def _scored(path: str, _stamp) -> Dataset:
    """A scored table (a Spark run's Parquet folder, say) under ``VALUESCOPE_SCORED_DIR``."""
    from data.scored import load_scored, read_scored_folder

    return load_scored(read_scored_folder(path), Path(path).name)


@st.cache_resource(max_entries=2, ttl=900, show_spinner=False)
def _scored_table(url: str, table: str) -> Dataset:
    """A scored table in a database (the Spark engine's output written back as a table)."""
    from data.database import read_table
    from data.scored import load_scored

    return load_scored(read_table(url, table), table)


def scored_choices() -> dict[str, Path]:
    """The scored tables the deployment offers (``VALUESCOPE_SCORED_DIR``), by name."""
    from data.scored import scored_sources

    return scored_sources(os.environ.get("VALUESCOPE_SCORED_DIR"))


def _stamp(path: Path) -> str:
    """Names, sizes and modification times of a file or a folder's files."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    parts = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def _folder_stamp(folder: str) -> str:
    """The Parquet files' names, sizes and modification times: a new file changes it."""
    files = sorted(Path(folder).glob("*.parquet"))
    parts = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


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


def named_connections() -> dict[str, dict]:
    """The database connections an admin configured as ``[connections.NAME]`` in
    ``.streamlit/secrets.toml``: either ``url = "..."`` or ``dialect``, ``driver``, ``host``,
    ``port``, ``database``, ``username``, ``password``; plus ValueScope's ``table`` (default
    ``transactions``), ``customers_table``, ``loyalty_table`` and ``policies_table``. The URLs
    stay on the server."""
    try:
        configured = st.secrets.get("connections", {})
        items = dict(configured).items()
    except Exception:  # noqa: BLE001 - no secrets file, or one that cannot be parsed
        return {}
    if not items:
        return {}  # (SQLAlchemy, behind the addresses, is not imported for nothing)
    from data.database import connection_url

    out = {}
    for key, config in items:
        try:
            config = dict(config)
            url = connection_url(config)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # a connection without a usable address is not offered
        out[str(key)] = {
            "url": str(url),
            "table": str(config.get("table") or "transactions"),
            "customers_table": str(config.get("customers_table") or ""),
            "loyalty_table": str(config.get("loyalty_table") or ""),
            "policies_table": str(config.get("policies_table") or ""),
            "scored_table": str(config.get("scored_table") or ""),
        }
    return out


def safe_target(url: str) -> str:
    """A database address without its credentials (for the audit log and messages)."""
    from data.database import safe_url

    return safe_url(url)


def default_source() -> str:
    """The source everyone sees unless a steward switches: ``VALUESCOPE_SOURCE``."""
    wanted = os.environ.get("VALUESCOPE_SOURCE", "demo").strip()
    if wanted in ("demo", "cdnow"):
        return wanted
    if wanted.startswith("connection:") and wanted.split(":", 1)[1] in named_connections():
        return wanted
    if wanted.startswith("scored:") and wanted.split(":", 1)[1] in scored_choices():
        return wanted
    if wanted not in _said_unavailable:  # once per process, not on every rerun
        _said_unavailable.add(wanted)
        log.warning("VALUESCOPE_SOURCE %r is not available; the demo is shown", wanted)
    return "demo"


_said_unavailable: set[str] = set()


def default_source_missing() -> str | None:
    """``VALUESCOPE_SOURCE`` when it names a source that is not available (the demo is shown
    instead), else None."""
    wanted = os.environ.get("VALUESCOPE_SOURCE", "demo").strip()
    return wanted if default_source() != wanted and wanted else None


def _connection(name: str) -> tuple[Dataset, str]:
    config = named_connections().get(name)
    if config is None:
        raise SourceError(f"no connection named {name!r}", code="no_connection", name=name)
    if config["scored_table"]:  # a scored table (e.g. the Spark engine's) instead of payments
        data = _scored_table(config["url"], config["scored_table"])
        digest = hashlib.sha1(repr((config["url"], config["scored_table"])).encode()).hexdigest()
        return data, "conn-scored:" + digest
    args = (config["url"], config["table"], config["customers_table"], config["loyalty_table"], (),
            config["policies_table"])  # fmt: skip
    data = _database(*args)
    return data, "conn:" + hashlib.sha1(repr(args).encode()).hexdigest()


def dataset() -> tuple[Dataset, str]:
    """The active source, scoped to the user's regions, and its fingerprint;
    :class:`SourceError` when it cannot be used."""
    from ui import auth

    user = auth.current_user()
    data, fingerprint = _unscoped(user)
    if not getattr(data, "facts_known", False):
        # the models will be fitted (a restart drawn from persisted results needs no model
        # library, and leaves the machine to the first page)
        from ui.view import cold_start

        cold_start(getattr(data, "expected_payments", None))
    regions = user.regions if user is not None else ()
    if regions is None:
        return data, fingerprint
    regions = tuple(regions)
    return _scoped(fingerprint, regions, data), f"{fingerprint}|regions:{'|'.join(regions)}"


@st.cache_resource(max_entries=8, show_spinner=False)
def _scoped(fingerprint: str, regions: tuple[str, ...], _data: Dataset) -> Dataset:
    """The source as a user bound to ``regions`` sees it: their customers' rows only, rejects
    and duplicates included (rows whose customer is unknown are out of every scope)."""
    from dataclasses import replace

    _data = _data.loaded()  # a scope is cut from the tables themselves

    if _data.summary is not None:  # a scored table carries each customer's region itself
        summary = _data.summary
        kept = summary["region"].isin(list(regions)) if "region" in summary else None
        if kept is None or not kept.any():
            raise SourceError(
                "no customer of the regions in scope has a transaction", code="empty_scope"
            )
        scoped = summary[kept.to_numpy()].reset_index(drop=True)
        scoped.attrs.update(summary.attrs)
        members = _data.loyalty_members
        if members is not None:
            members = members[members["customer_id"].isin(scoped["customer_id"])]
        return replace(_data, summary=scoped, loyalty_members=members,
                       report=_scoped_summary(_data.report, len(scoped)))  # fmt: skip
    tx, customers, members = scope(
        _data.transactions, _data.customers, _data.loyalty_members, regions
    )
    interactions = _data.interactions
    if interactions is not None:
        interactions = interactions[in_scope(interactions["customer_id"], _data.customers, regions)]
    policies = _data.policies
    if policies is not None:
        policies = policies[in_scope(policies["customer_id"], _data.customers, regions)]
    report = _scoped_load(_data.report, len(tx), _data.customers, regions)
    return replace(
        _data,
        transactions=tx,
        customers=customers,
        loyalty_members=members,
        interactions=interactions,
        policies=policies,
        report=report,
        policies_report=None
        if _data.policies_report is None or policies is None
        else _scoped_load(_data.policies_report, len(policies), _data.customers, regions),
    )


def _scoped_summary(report: LoadReport, used: int) -> LoadReport:
    """A scored table's report as a region-bound user sees it: their customers only (rejected
    rows have no readable region and belong to no scope)."""
    empty = report.rejected_rows.iloc[:0]
    return LoadReport(
        source=report.source, rows_read=used, rows_used=used, duplicates=0, rejected={},
        rejected_rows=empty, duplicate_rows=report.duplicate_rows.iloc[:0],
        column_mapping=dict(report.column_mapping),
    )  # fmt: skip


#: duplicate reasons that mean "same id, other values" (transactions, policies)
_CONFLICTING = ("conflicting_duplicate", "conflicting_policy")


def _scoped_load(
    report: LoadReport, used: int, customers: pd.DataFrame | None, regions: tuple[str, ...]
) -> LoadReport:
    """A table's load report as a region-bound user sees it: ``used`` rows of their scope, and
    only the rejected and duplicate rows of their regions' customers (found under the source's
    own header for the customer id); rows without a readable customer are in no region."""
    header = report.column_mapping.get("customer_id", "customer_id")

    def kept(rows: pd.DataFrame) -> pd.DataFrame:
        if header not in rows:
            return rows.iloc[:0]
        ids = rows[header].astype("str").str.strip()
        return rows[in_scope(ids, customers, regions)].reset_index(drop=True)

    rejected_rows, duplicate_rows = kept(report.rejected_rows), kept(report.duplicate_rows)
    counts = rejected_rows["reason"].value_counts().to_dict() if len(rejected_rows) else {}
    conflicting = (
        int(duplicate_rows["reason"].isin(_CONFLICTING).sum()) if len(duplicate_rows) else 0
    )
    return LoadReport(
        source=report.source,
        rows_read=used + len(rejected_rows) + len(duplicate_rows),
        rows_used=used,
        duplicates=len(duplicate_rows),
        rejected={k: int(v) for k, v in counts.items()},
        rejected_rows=rejected_rows,
        duplicate_rows=duplicate_rows,
        column_mapping=dict(report.column_mapping),
        currency=report.currency,
        conflicting_duplicates=conflicting,
    )


def _unscoped(user) -> tuple[Dataset, str]:
    from data.access import allows

    s = st.session_state
    source = s.get("source") or default_source()
    if not allows(user, "data_page"):
        source = default_source()  # only stewards and admins switch (checked here, not hidden)
    if source == "database" and not allows(user, "typed_url"):
        source = default_source()
    if source.startswith(("connection:", "scored:")) or source == "cdnow":
        return _open(source)
    if source == "upload" and s.get("upload_bytes"):
        data = s["upload_bytes"]
        digest = hashlib.sha1(data).hexdigest()
        mapping = tuple(sorted(s.get("upload_mapping", {}).items()))
        name = s.get("upload_name", "upload")
        policies = ()
        if s.get("upload_policies_bytes"):
            policies = (
                hashlib.sha1(s["upload_policies_bytes"]).hexdigest(),
                s.get("upload_policies_name", "policies"),
            )
        return (
            _upload(digest, name, mapping, data, policies, s.get("upload_policies_bytes")),
            f"upload:{digest}:{mapping}:{policies[:1]}",
        )
    if source == "database" and s.get("db_url"):
        args = (
            s["db_url"],
            s.get("db_table", "transactions"),
            s.get("db_customers", ""),
            s.get("db_loyalty", ""),
            (),
            s.get("db_policies", ""),
        )
        return _database(*args), "db:" + hashlib.sha1(repr(args).encode()).hexdigest()
    if not os.environ.get("VALUESCOPE_DEMO_PARQUET"):
        prepare_demo()
    return _open("demo")


def _open(source: str) -> tuple[Dataset, str]:
    """A source every session may be shown (a demo, a named connection, a scored table) and its
    fingerprint; no session is read (the demo database must exist)."""
    if source.startswith("connection:"):
        return _connection(source.split(":", 1)[1])
    if source.startswith("scored:"):
        path = scored_choices().get(source.split(":", 1)[1])
        if path is None:
            raise SourceError("no such scored table", code="not_found", name=source[7:])
        stamp = _stamp(path)
        return _scored(str(path), stamp), f"scored:{path}:{stamp}"
    if source == "cdnow":
        return _cdnow("master"), "cdnow:master"
    folder = os.environ.get("VALUESCOPE_DEMO_PARQUET")
    if folder:
        fingerprint = f"demo-parquet:{folder}:{_folder_stamp(folder)}"
        return _demo(fingerprint), fingerprint
    path = demo_path()
    fingerprint = f"demo:{path}:{path.stat().st_mtime}"
    return _demo(fingerprint), fingerprint


def default_dataset() -> tuple[Dataset, str] | None:
    """The deployment's default source (:func:`default_source`), unscoped, and its fingerprint,
    as a page without a session of its own would open it; ``None`` when only a page can open it
    (the demo database is generated on the first page, with its progress bar)."""
    source = default_source()
    if source == "demo" and not (os.environ.get("VALUESCOPE_DEMO_PARQUET") or demo_path().exists()):
        return None
    return _open(source)


@st.cache_resource(max_entries=4, show_spinner=False)
def _date_range(fingerprint: str, _data: Dataset) -> tuple:
    if _data.summary is not None:  # a scored table was scored at one as-of date: only that one
        as_of = pd.Timestamp(_data.summary.attrs["as_of"]).date()
        return as_of, as_of
    facts = _data.facts()
    return facts.first_date, facts.last_date


def date_range(data: Dataset, fingerprint: str) -> tuple:
    """The first and last transaction dates of a source."""
    return _date_range(fingerprint, data)


def product_lines(data: Dataset, fingerprint: str) -> list[str]:
    """Product lines the source's transactions carry (the product filter's choices)."""
    if data.summary is not None:
        return []
    return list(data.facts().product_lines)


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
