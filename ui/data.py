"""Cached data access and pipeline stages for the pages (the only place that caches).

Every cache is ``st.cache_resource`` (no copy of large frames per rerun; results are never
mutated), bounded by ``max_entries`` (and ``ttl`` for databases), and keyed by the data's
fingerprint plus exactly the settings a stage reads (see :mod:`analytics.pipeline`). So moving a
threshold recomputes only the cheap stage it touches.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from analytics import pipeline as P
from analytics.rfm import suggest_edges
from data.demo import demo_path, ensure_demo, load_cdnow, load_demo
from data.load import Dataset, SourceError, load_database, load_file

log = logging.getLogger("valuescope")

# --------------------------------------------------------------------------- sources


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

    bar = st.progress(0.0, text=t("preparing_demo"))
    ensure_demo(
        progress=lambda fraction, text: bar.progress(fraction, text=f"{t('preparing_demo')} {text}")
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
        return _upload(
            digest, s.get("upload_name", "upload"), mapping, data
        ), f"upload:{digest}:{mapping}"
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


# --------------------------------------------------------------------------- stages


@st.cache_resource(max_entries=6, show_spinner=False)
def _base(fingerprint: str, as_of: str | None, unit: str, products: tuple, _data: Dataset):
    tx = _data.transactions
    if products and "product_line" in tx:
        tx = tx[tx["product_line"].isin(products)]
    if tx.empty:
        raise SourceError("no transactions match the product-line filter")
    settings = P.Settings(as_of=as_of, unit=unit)
    base = P.base_stage(tx, settings, _data.customers, _data.loyalty_members)
    monthly = P.monthly_spend(tx, _data.customers, as_of=base.attrs["as_of"])
    return base, monthly


@st.cache_resource(max_entries=6, show_spinner=False)
def _models(base_key: tuple, model: str, horizon: int, discount: float, _base: pd.DataFrame):
    return P.model_stage(
        _base, P.Settings(model=model, horizon_months=horizon, discount_rate=discount)
    )


@st.cache_resource(max_entries=12, show_spinner=False)
def _segments(base_key: tuple, mode: str, bins: int, edges, rules, _base: pd.DataFrame):
    return P.segment_stage(
        _base, P.Settings(rfm_mode=mode, rfm_bins=bins, rfm_edges=edges, rules=rules)
    )


@st.cache_resource(max_entries=12, show_spinner=False)
def _abc(model_key: tuple, value: str, cuts: tuple, _frame: pd.DataFrame):
    return P.abc_stage(_frame, P.Settings(abc_value=value, abc_cuts=cuts))


@st.cache_resource(max_entries=12, show_spinner=False)
def _tiers(model_key: tuple, cuts: tuple, shares: tuple, _frame: pd.DataFrame):
    return P.tier_stage(_frame, P.Settings(churn_cuts=cuts, tier_shares=shares))


@st.cache_resource(max_entries=8, show_spinner=False)
def _clusters(model_key: tuple, k: int, features: tuple, _frame: pd.DataFrame):
    return P.cluster_stage(_frame, P.Settings(k=k, cluster_features=features))


@st.cache_resource(max_entries=8, show_spinner=False)
def _suggest_k(model_key: tuple, features: tuple, _frame: pd.DataFrame):
    from analytics.clusters import suggest_k

    usable = [
        f for f in features if f in ("recency", "frequency", "monetary") or _frame[f].notna().all()
    ]
    return suggest_k(_frame, features=usable)


@st.cache_resource(max_entries=8, show_spinner=False)
def _with_models(model_key: tuple, _base: pd.DataFrame, _models: P.ModelOutput) -> pd.DataFrame:
    return pd.concat([_base, _models.scores], axis=1)


@st.cache_resource(max_entries=8, show_spinner=False)
def _assembled(full_key: tuple, _parts: tuple) -> pd.DataFrame:
    return P.assemble(*_parts)


@st.cache_resource(max_entries=8, show_spinner=False)
def _aggregates(
    full_key: tuple, filter_key: tuple, _table, _settings, _members, _monthly, _filters
):
    """One Aggregates per view: its tables are computed once, on first use, and kept."""
    return P.aggregates(_table, _settings, _members, _monthly, _filters)


@st.cache_resource(max_entries=4, show_spinner=False)
def _backtest(
    fingerprint: str, calibration_end: str, holdout_end: str, unit: str, model: str, _data: Dataset
):
    from analytics.clv import backtest

    return backtest(_data.transactions, calibration_end, holdout_end, unit=unit, model=model)


@st.cache_resource(max_entries=8, show_spinner=False)
def _matrix(model_key: tuple, horizon: float, _fit):
    from analytics.clv import frequency_recency_matrix

    return frequency_recency_matrix(_fit, horizon)


@st.cache_resource(max_entries=8, show_spinner=False)
def _suggested_edges(base_key: tuple, bins: int, _base: pd.DataFrame):
    return suggest_edges(_base, bins)


# --------------------------------------------------------------------------- the view


@dataclass
class View:
    """What a page needs: the scored, filtered table and its aggregates, plus context."""

    data: Dataset
    fingerprint: str
    settings: P.Settings
    table: pd.DataFrame  # filtered by the sidebar's customer filters
    full: pd.DataFrame  # every customer (the model was fitted on all of them)
    models: P.ModelOutput
    agg: P.Aggregates
    base_key: tuple
    model_key: tuple
    edges: tuple | None = None
    edge_error: str | None = None
    filters: dict = field(default_factory=dict)
    cluster_labels: dict = field(default_factory=dict)  # names the user gave clusters

    @property
    def currency(self) -> str | None:
        return self.data.currency

    @property
    def fit(self):
        return self.models.fit

    def matrix(self, horizon: float):
        return _matrix(self.model_key, horizon, self.models.fit)

    def backtest(self, calibration_end, holdout_end):
        return _backtest(
            self.fingerprint,
            str(calibration_end),
            str(holdout_end),
            self.settings.unit,
            self.settings.model,
            self.data,
        )

    def with_clusters(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` (of this view) with their K-means ``cluster`` and ``cluster_name``, computing
        the clustering if this view has not (used by exports from pages without clusters)."""
        from ui.i18n import name

        if len(rows) == 0 or (rows["cluster"] >= 0).all():
            return rows
        frame = _with_models(self.model_key, self.full, self.models)
        result = _clusters(self.model_key, self.settings.k, self.settings.cluster_features, frame)
        if result is None:
            return rows
        labels = result.labels.reindex(rows.index)
        # Runs when a download is clicked, outside the page's run: no session state here.
        named = {
            number: self.cluster_labels.get(number, name(default, "en"))
            for number, default in result.names.items()
        }
        return rows.assign(cluster=labels, cluster_name=labels.map(named))

    def suggest_k(self):
        frame = _with_models(self.model_key, self.full, self.models)
        return _suggest_k(self.model_key, self.settings.cluster_features, frame)

    def suggested_edges(self, bins: int):
        return _suggested_edges(self.base_key, bins, self.full)


FILTER_COLUMNS = {"f_type": "customer_type", "f_channel": "channel", "f_region": "region"}


def _edges(base_key, base) -> tuple[tuple | None, str | None]:
    from ui.state import parse_edges

    s = st.session_state
    if s.get("rfm_mode") != "threshold":
        return None, None
    bins = int(s.get("rfm_bins", 5))
    suggested = _suggested_edges(base_key, bins, base)
    edges, error = [], None
    for key in "rfm":
        try:
            parsed = parse_edges(s.get(f"edges_{key}", ""), bins)
        except ValueError as exc:
            parsed, error = None, f"{key.upper()}: {exc}"
        edges.append(parsed or tuple(suggested[key]))
    return tuple(edges), error


def view(with_clusters: bool = False) -> View:
    """Build (from cache) the scored view for the session's settings and filters.

    K-means runs only for pages that show clusters (``with_clusters``); elsewhere the table's
    ``cluster`` is -1 and exports add the cluster columns when the download is clicked.
    """
    from ui.state import cluster_names
    from ui.state import settings as session_settings

    data, fingerprint = dataset()
    s = st.session_state
    raw_settings = session_settings()
    products = tuple(sorted(s.get("f_product") or []))
    base, monthly = _base(fingerprint, raw_settings.as_of, raw_settings.unit, products, data)
    base_key = (fingerprint, raw_settings.as_of, raw_settings.unit, products)
    edges, edge_error = _edges(base_key, base)
    settings = raw_settings.with_(rfm_edges=edges)

    model_key = (*base_key, settings.model, settings.horizon_months, settings.discount_rate)
    models = _models(
        base_key, settings.model, settings.horizon_months, settings.discount_rate, base
    )
    frame = _with_models(model_key, base, models)
    segments = _segments(
        base_key, settings.rfm_mode, settings.rfm_bins, edges, settings.rules, base
    )
    abc = _abc(model_key, settings.abc_value, settings.abc_cuts, frame)
    tiers = _tiers(model_key, settings.churn_cuts, settings.tier_shares, frame)
    clusters = (
        _clusters(model_key, settings.k, settings.cluster_features, frame)
        if with_clusters
        else None
    )
    full_key = (
        model_key, settings.rfm_mode, settings.rfm_bins, edges, settings.rules, settings.abc_value,
        settings.abc_cuts, settings.churn_cuts, settings.tier_shares,
        (settings.k, settings.cluster_features) if with_clusters else None,
    )  # fmt: skip
    full = _assembled(full_key, (base, models, segments, abc, tiers, clusters))

    filters = {
        column: list(s.get(key) or []) for key, column in FILTER_COLUMNS.items() if column in full
    }
    mask = np.ones(len(full), dtype=bool)
    for column, allowed in filters.items():
        if allowed:
            mask &= full[column].isin(allowed).to_numpy()
    table = full if mask.all() else full[mask]
    if products:
        filters["product_line"] = list(products)
    customer_filters = {k: v for k, v in filters.items() if k != "product_line"}
    filter_key = tuple(sorted((k, tuple(v)) for k, v in customer_filters.items()))
    agg = _aggregates(
        full_key, filter_key, table, settings, data.loyalty_members, monthly, customer_filters
    )
    return View(
        data=data, fingerprint=fingerprint, settings=settings, table=table, full=full, models=models, agg=agg,
        base_key=base_key, model_key=model_key, edges=edges, edge_error=edge_error, filters=filters,
        cluster_labels=cluster_names(),
    )  # fmt: skip


def filter_options(data: Dataset, fingerprint: str) -> dict[str, list[str]]:
    return _filter_options(fingerprint, data)


def date_range(data: Dataset, fingerprint: str) -> tuple:
    return _date_range(fingerprint, data)


@st.cache_resource(max_entries=4, show_spinner=False)
def _filter_options(fingerprint: str, _data: Dataset) -> dict[str, list[str]]:
    """Values offered by the sidebar filters for this source (computed once per source)."""
    data = _data
    out: dict[str, list[str]] = {}
    customers = data.customers
    if customers is not None:
        for key, column in FILTER_COLUMNS.items():
            if column in customers:
                out[key] = sorted(customers[column].dropna().astype(str).unique().tolist())
    if "product_line" in data.transactions:
        out["f_product"] = sorted(
            data.transactions["product_line"].dropna().astype(str).unique().tolist()
        )
    return out


@st.cache_resource(max_entries=4, show_spinner=False)
def _date_range(fingerprint: str, _data: Dataset) -> tuple:
    dates = _data.transactions["transaction_date"]
    return dates.min().date(), dates.max().date()


def customer_history(data: Dataset, customer_id: str) -> pd.DataFrame:
    tx = data.transactions
    return tx[tx["customer_id"] == customer_id].sort_values("transaction_date")


def customer_record(data: Dataset, customer_id: str) -> dict | None:
    if data.customers is None:
        return None
    rows = data.customers[data.customers["customer_id"] == customer_id]
    return None if rows.empty else rows.iloc[0].to_dict()


_prefetched: set = set()


def prefetch_clusters(current: View | None) -> None:
    """After a page is on screen, compute the view's clustering and suggested k in a background
    thread (once per model and k), so the Clusters page opens without waiting for K-means."""
    if current is None:
        return
    key = (current.model_key, current.settings.k, current.settings.cluster_features)
    if key in _prefetched:
        return
    _prefetched.add(key)

    def work() -> None:
        # Let the browser finish drawing the page first: on two cores the prefetch would
        # otherwise compete with it.
        time.sleep(3.0)
        with contextlib.suppress(Exception):  # a prefetch must never disturb the app
            frame = _with_models(current.model_key, current.full, current.models)
            _clusters(
                current.model_key, current.settings.k, current.settings.cluster_features, frame
            )
            _suggest_k(current.model_key, current.settings.cluster_features, frame)

    threading.Thread(target=work, name="valuescope-prefetch", daemon=True).start()


def page_view(with_clusters: bool = False) -> View:
    """The view for a page, or a clear message (and a stop) when the source cannot be used."""
    from ui.i18n import t

    try:
        with st.spinner(t("computing")):
            current = view(with_clusters)
    except SourceError as exc:
        st.error(t("source_error", error=str(exc)))
        st.page_link("app_pages/data.py", label=t("page_data"), icon=":material/database:")
        st.stop()
    st.session_state["_view_size"] = len(current.table)
    st.session_state["_last_view"] = current
    return current


def customer_contacts(customer_id: str) -> pd.DataFrame | None:
    """Call-centre contacts of one customer, where the source has them (the insurer demo)."""
    if st.session_state.get("source", "demo") != "demo":
        return None
    from data.demo import demo_contacts

    try:
        return demo_contacts(customer_id)
    except SourceError:
        return None
