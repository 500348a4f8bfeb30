"""The view a page draws: :func:`analytics.pipeline.run` through a memo backed by Streamlit's cache.

The pipeline defines the stages, the settings each reads and the keys; this module only keeps
results (``st.cache_resource``: no copy of large frames per rerun, results are never mutated),
each stage in its own bounded cache, keyed by the source's fingerprint plus the stage's key. So a
moved threshold recomputes only the cheap stage it touches, and the dashboard's scored table is
``pipeline.run``'s, number for number.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
import streamlit as st

from analytics import pipeline as P
from analytics._validate import CodedError
from analytics.aggregates import Aggregates
from data.load import Dataset
from data.report import LazyDataset
from ui import sources, state

log = logging.getLogger("valuescope")


# One cache per kind of result, so each is bounded on its own (a million-customer table is large).
@st.cache_resource(max_entries=3, show_spinner=False)
def _keep_base(fingerprint: str, key: str, _compute: Callable[[], Any]):
    return _compute()


@st.cache_resource(max_entries=6, show_spinner=False)
def _keep_models(fingerprint: str, key: str, _compute: Callable[[], Any]):
    return _compute()


@st.cache_resource(max_entries=6, show_spinner=False)
def _keep_with_models(fingerprint: str, key: str, _compute: Callable[[], Any]):
    return _compute()


@st.cache_resource(max_entries=12, show_spinner=False)
def _keep_small(fingerprint: str, key: str, _compute: Callable[[], Any]):
    """Segments, classes, tiers and cluster results: a few columns each."""
    return _compute()


@st.cache_resource(max_entries=8, show_spinner=False)
def _keep_tables(fingerprint: str, key: str, _compute: Callable[[], Any]):
    """Scored tables (with and without clusters) and filtered views."""
    return _compute()


@st.cache_resource(max_entries=16, show_spinner=False)
def _keep_extras(fingerprint: str, key: str, _compute: Callable[[], Any]):
    """Derived results: the monthly trend, matrices, suggestions, backtests, filter options."""
    return _compute()


_CACHES = {
    "base": _keep_base,
    "models": _keep_models,
    "with_models": _keep_with_models,
    "segments": _keep_small,
    "abc": _keep_small,
    "tiers": _keep_small,
    "clusters": _keep_small,
    "table": _keep_tables,
    "clustered": _keep_tables,
    "view": _keep_tables,
}


#: Results worth keeping on disk across restarts (:mod:`ui.persist`): those that take a
#: moment at a million customers. Filtering a view or joining columns is quicker than reading.
PERSISTED = frozenset(
    {
        "base", "models", "segments", "abc", "tiers", "clusters", "table", "clustered",
        "monthly", "options", "persistency_13", "policies", "policy_status",
        "persistency_summary", "retention", "holdings", "contacts", "risk", "suggest_k",
        "comparison", "date_range", "product_lines", "fit", "size", "headline",
    }
)  # fmt: skip
#: Sources whose fingerprint changes whenever their data does (file sizes and times); a
#: database by URL can change behind the server's back, an upload is the session's own.
DURABLE_SOURCES = ("demo:", "demo-parquet:", "cdnow:", "scored:")  # files with their stamps


def durable(fingerprint: str) -> bool:
    return fingerprint.startswith(DURABLE_SOURCES)


def memo_for(fingerprint: str) -> P.Memo:
    """The memo hook :func:`analytics.pipeline.run` calls, filled with Streamlit's cache (and,
    for the expensive stages of a durable source, the disk cache of :mod:`ui.persist`)."""
    from ui import persist

    on_disk = durable(fingerprint) and persist.enabled()

    def memo(key: tuple, compute: Callable[[], Any]):
        keep = _CACHES.get(key[0], _keep_extras)
        text = repr(key)
        if not (on_disk and key[0] in PERSISTED):
            return keep(fingerprint, text, compute)

        def compute_or_read():
            value = persist.load(fingerprint, text)
            if value is persist.MISSING:
                value = compute()
                persist.save(fingerprint, text, value)
            return value

        return keep(fingerprint, text, compute_or_read)

    return memo


# --------------------------------------------------------------------------- the view


@dataclass
class View:
    """What a page needs: the scored customers in view, their aggregates, and the context."""

    data: Dataset
    fingerprint: str
    settings: P.Settings
    scored: P.Scored
    memo: P.Memo = field(repr=False)
    edge_errors: list[str] = field(default_factory=list)

    @property
    def table(self) -> pd.DataFrame:
        """The customers in view (the sidebar's filters applied)."""
        return self.scored.view

    @property
    def full(self) -> pd.DataFrame:
        """Every customer (the models are fitted on all of them)."""
        return self.scored.table

    @cached_property
    def fit(self):
        """The fitted models (kept on their own: a page that only asks what was fitted does not
        read every customer's scores)."""
        return self.memo(self._key("models", "fit"), lambda: self.scored.fit)

    @cached_property
    def size(self) -> int:
        """Customers in view."""
        return self.memo(self._key("view", "size"), lambda: len(self.table))

    def headline(self):
        """The view's headline figures (:class:`analytics.aggregates.Headline`), kept on disk:
        a restarted server draws the Overview from it without reading the scored table."""
        return self.memo(self._key("view", "headline"), lambda: self.agg.headline())

    @property
    def currency(self) -> str | None:
        return self.data.currency

    @property
    def as_of(self):
        return self.full.attrs.get("as_of")

    def _key(self, stage: str, *extra) -> tuple:
        return (extra[0], *self.settings.key(stage)[1:], *extra[1:])

    @cached_property
    def monthly(self) -> pd.DataFrame:
        from analytics.trend import monthly_spend

        def compute():
            # from the base stage (the same customers and attributes as the scored table), so
            # a cold start computes it while the models are fitted (:class:`_Then`)
            base = self.scored.base
            tx = P.product_transactions(self.data.transactions, self.settings.products)
            attributes = base[["customer_id", *[c for c in P.FILTER_COLUMNS if c in base]]]
            return monthly_spend(tx, attributes, as_of=base.attrs.get("as_of"),
                                 by=P.FILTER_COLUMNS)  # fmt: skip

        return self.memo(self._key("base", "monthly"), compute)

    @cached_property
    def holdings(self) -> pd.DataFrame:
        """Customer by product line held (the customer picture), kept per view."""
        from analytics.picture import holdings

        def compute():
            tx = P.product_transactions(self.data.transactions, self.settings.products)
            return holdings(tx, self.table, self.as_of)

        return self.memo(self._key("view", "holdings"), compute)

    @cached_property
    def policies(self) -> pd.DataFrame | None:
        """Policies of the customers in view (the product filter on the policy's line), with
        the customer's type, segment, value tier, region and membership; None without a
        policies table."""
        if self.data.rows("policies") is None or "policy_id" not in self.data.facts().columns:
            return None  # (the Data page says why when there is a policies table)
        from analytics.book import policies_in_view

        def compute():
            return policies_in_view(self.data.policies, self.table, self.settings.products)

        return self.memo(self._key("view", "policies"), compute)

    def keep(self, name, compute: Callable[[], Any]) -> Any:
        """A page's own derived result, kept per view (settings and filters) under ``name``."""
        return self.memo(self._key("view", name), compute)

    def contacts(self) -> pd.DataFrame | None:
        """Call-centre contacts of the customers in view up to the as-of date (kept per view);
        None without an interactions table."""
        from analytics.service import contacts_in_view

        interactions = self.data.interactions
        if interactions is None or interactions.empty:
            return None
        return self.memo(
            self._key("view", "contacts"),
            lambda: contacts_in_view(interactions, self.table, self.as_of),
        )

    def policy_status(
        self, columns: Sequence[str] = (), months: Sequence[int] | None = None
    ) -> pd.DataFrame:
        """Each policy in view at every K (13 ... 61, or only ``months``) at the as-of date (the
        persistency rule). The kept frame carries no policy column but the status's own (five
        copies of a million policies' text columns took 1.4 GB); ``columns`` are added from
        :attr:`policies` for the rows returned."""
        from analytics.persistency import MONTHS, policy_status, with_policy_columns

        policies = self.policies
        status = self.memo(
            self._key("view", "policy_status"),
            # a source's transactions come through the loader: their ids are distinct
            lambda: policy_status(
                policies, self.data.payments("policy_id"), MONTHS, until=self.as_of,
                ids_unique=True,
                columns=(),
            ),
        )  # fmt: skip
        if months is not None:
            status = status[status["months"].isin(list(months))]
        return with_policy_columns(status, policies, columns)

    def persistency_13(self) -> float:
        """The 13-month persistency (by count) of the policies in view: NaN without a cohort.
        From the view's policy status (:meth:`policy_status`), which the Persistency page and
        the prefetch use too: one pass over the payments, not two at once."""
        from analytics.persistency import ratios_from_status

        policies = self.policies

        def compute() -> float:
            if policies is None or policies.empty:
                return float("nan")
            table = ratios_from_status(self.policy_status(months=[13]), self.as_of)
            return float(table["count_ratio"].iloc[0]) if len(table) else float("nan")

        return self.memo(self._key("view", "persistency_13"), compute)

    def persistency_pending(self) -> bool:
        """True while a large book's 13-month persistency is still being computed: above
        :data:`LARGE_BOOK` policies it is computed on a background thread (about 5 s at a
        million customers), so the Overview does not wait for it."""
        if (self.data.rows("policies") or 0) <= LARGE_BOOK:
            return False
        key = (self.fingerprint, repr(self._key("view", "persistency_13")))
        if key in _persistency_done:
            return False
        with _prefetch_lock:
            if key in _persistency_started:
                return True
            _persistency_started.add(key)

        def work() -> None:
            from ui import persist

            # the page that asked is drawn first, charts included (a user going on to other
            # pages holds it back 10 s at most, then it runs between their pages)
            persist.wait_quiet(timeout=10.0, settle=persist.BROWSER_SECONDS)
            try:
                self.persistency_13()
            except Exception:  # noqa: BLE001 - the page computes (and reports) it in the open
                log.exception("the 13-month persistency could not be computed")
            finally:
                _persistency_done.add(key)

        threading.Thread(target=work, name="valuescope-persistency", daemon=True).start()
        return True

    def persistency_summary(self) -> dict:
        """What the Persistency page opens with, kept per view: the ratios of the whole book,
        the 13-month trend over 24 month-ends, the count triangle, the sBG model of the whole
        book with the residual value at 8%, and the agents' 13-month ratios."""
        from analytics import book
        from analytics import persistency as PE

        def compute() -> dict:
            status = self.policy_status()
            whole = self.retention(None)
            as_of = pd.Timestamp(self.as_of)
            dates = [PE.add_months([as_of], -i)[0] for i in range(23, -1, -1)]
            agents = self.policy_status(["agent_id"], months=[13])
            agents = agents[agents["agent_id"].notna()] if "agent_id" in agents else agents.iloc[:0]
            return {
                "ratios": PE.ratios_from_status(status, as_of),
                "trend": PE.trend_from_status(status, dates, 13),
                "triangle": PE.triangle_from_status(status, as_of, min_policies=20),
                "residual": book.residual_values(self.policies, whole, as_of, None, 0.08),
                "agents": PE.ratios_from_status(agents, as_of, "agent_id") if len(agents) else None,
            }

        return self.memo(self._key("view", "persistency_summary"), compute)

    def retention(self, by: str | None) -> dict:
        """The sBG models per ``by`` group, fitted on the view's policy-year survival."""
        from analytics.book import retention_by

        return self.memo(
            self._key("view", "retention", by),
            lambda: retention_by(self.policy_status([by] if by else []), self.as_of, by),
        )

    @cached_property
    def agg(self) -> Aggregates:
        clustered = self.scored.clusters is not None
        cluster_fields = self.settings.key("clusters")[1:] if clustered else ("no_clusters",)
        return self.memo(
            self._key("view", "aggregates", *cluster_fields),
            lambda: Aggregates(self.table, self.settings, _tables(self.data)[2], self.monthly),
        )

    def _other_key(self) -> tuple:
        return _risk_key(self.settings.with_(model=self.settings.other_model))

    def other_models(self) -> P.ModelOutput:
        """The purchase model not chosen, fitted on the same customers, with each customer's
        churn risk under it (to compare with)."""
        other = self.settings.with_(model=self.settings.other_model)
        base = self.scored.base
        # in the fit worker: this thread waits without holding the GIL the pages need
        result = self.memo(self._other_key(), lambda: _fit_job("risk", base, other).result())
        _fitted_other.add((self.fingerprint, self._other_key()))
        with _prefetch_lock:  # the last few, for a later choice of that model
            _compared_fits[(self.fingerprint, self._other_key())] = result.fit
            while len(_compared_fits) > _COMPARED_FITS_MAX:
                _compared_fits.pop(next(iter(_compared_fits)))
        return result

    def comparison(self) -> dict | None:
        """High-risk shares of the customers in view under both purchase models, and whether
        they disagree materially (:data:`analytics.churn.DISAGREEMENT`); None without a model."""
        from analytics.churn import band_shares, models_disagree

        if not self.fit.has_purchase_model or len(self.table) == 0:
            return None
        other = self.other_models()
        if not other.fit.has_purchase_model:
            return None

        def compute() -> dict:
            risk = other.scores["churn_risk"].reindex(self.table.index)
            shares = band_shares(self.table["churn_risk"], self.settings.churn_cuts)
            others = band_shares(risk, self.settings.churn_cuts)
            return {
                "model": self.settings.model,
                "other": self.settings.other_model,
                "shares": shares,
                "other_shares": others,
                "disagree": models_disagree(shares, others),
            }

        # kept per view and cut-offs: at a million customers the shares take a moment
        return self.memo(self._key("view", "comparison", *self.settings.key("tiers")[1:]), compute)

    def comparison_started(self) -> bool:
        key = (self.fingerprint, self._other_key())
        return key in _comparing or key in _fitted_other

    def comparison_ready(self) -> bool:
        """True once the other purchase model has been fitted (or has failed to fit)."""
        return (self.fingerprint, self._other_key()) in _fitted_other

    def cached_comparison(self) -> dict | None:
        """:meth:`comparison` only once the other model has been fitted: no page waits for it
        (:meth:`start_comparison` fits it in the background)."""
        if not self.comparison_ready():
            return None
        return self.comparison()

    def start_comparison(self) -> None:
        """Fit the other purchase model in a background thread, once, unless it is done."""
        key = (self.fingerprint, self._other_key())
        with _prefetch_lock:
            if key in _fitted_other or key in _comparing:
                return
            _comparing.add(key)

        def work() -> None:
            _background()
            try:
                self.other_models()
            except Exception:  # noqa: BLE001 - a comparison that cannot be made is left out
                log.exception("the other purchase model could not be fitted")
                _fitted_other.add(key)
            finally:
                _comparing.discard(key)

        threading.Thread(target=work, name="valuescope-compare", daemon=True).start()

    def backtest(self, calibration_end, holdout_end, model: str | None = None):
        from analytics.backtest import backtest

        model = model or self.settings.model
        products = self.settings.products
        return self.memo(
            (
                "backtest",
                products,
                str(calibration_end),
                str(holdout_end),
                self.settings.unit,
                model,
            ),
            lambda: backtest(
                P.product_transactions(self.data.transactions, products),
                calibration_end,
                holdout_end,
                unit=self.settings.unit,
                model=model,
            ),
        )

    def matrix(self, horizon: float):
        from analytics.clv import frequency_recency_matrix

        fit = self.fit
        return self.memo(
            self._key("models", "matrix", horizon), lambda: frequency_recency_matrix(fit, horizon)
        )

    def suggest_k(self):
        from analytics.clusters import suggest_k

        frame = self.memo(
            ("with_models", *self.settings.key("models")[1:]),
            lambda: pd.concat([self.scored.base, self.scored.models.scores], axis=1),
        )
        features = tuple(P.cluster_features(frame, self.settings))
        return self.memo(
            self._key("models", "suggest_k", features),
            lambda: suggest_k(frame, features=features),
        )

    def suggested_edges(self, bins: int) -> dict[str, list[float]]:
        from analytics.rfm import suggest_edges

        base = self.scored.base
        return self.memo(self._key("base", "edges", bins), lambda: suggest_edges(base, bins))

    def filter_options(self) -> dict[str, list[str]]:
        return filter_options(self.data, self.fingerprint, self.settings)

    def with_clusters(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` (of this view) with their K-means ``cluster`` and ``cluster_name``, running
        the clustering if this view has not (exports from pages without clusters)."""
        if len(rows) == 0 or (rows["cluster"] >= 0).all():
            return rows
        clustered = run_chain(self.data, self.settings, clustered=True, memo=self.memo)
        labels = clustered.table.loc[rows.index, ["cluster", "cluster_name"]]
        return rows.assign(cluster=labels["cluster"], cluster_name=labels["cluster_name"])


def scored_unit() -> str | None:
    """The time unit of the active source when it is a scored table (fixed by the run that
    wrote it), else None (the unit is the user's choice)."""
    try:
        data, _ = sources.dataset()
    except CodedError:
        return None
    return None if data.summary is None else data.summary.attrs.get("unit")


def run_chain(data: Dataset, settings: P.Settings, **options) -> P.Scored:
    """:func:`analytics.pipeline.run` on a source: from its payments, or from a scored table's
    per-customer summary (:mod:`data.scored`) as the push-down hands one over."""
    transactions, customers, members = _tables(data)
    options.setdefault("lazy", True)  # a kept scored table is all a page needs to open
    if options["lazy"]:
        options.setdefault("fit_job", _fit_job)  # the fit in a second process
    if data.summary is not None:
        return P.run(None, settings, customers, members, summary=data.summary, **options)
    return P.run(transactions, settings, customers, members, **options)


def _tables(data: Dataset) -> tuple:
    """The source's payments, customers and members as the chain takes them: the tables
    themselves, or (a :class:`data.report.LazyDataset` not yet read) functions that read them,
    so stages kept on disk are used without reading the source."""
    if not isinstance(data, LazyDataset):
        return data.transactions, data.customers, data.loyalty_members
    # the customers may be read after the payments' summary (data.demo.LATER_TABLES)
    customers, members = (lambda: data.customers), (lambda: data.loyalty_members)
    return (data.transactions if data.is_loaded else lambda: data.transactions), customers, members


def base_of(data: Dataset, settings: P.Settings, on_summary=None):
    """The chain's base stage of a source (what :func:`run_chain` computes first);
    ``on_summary`` as :func:`analytics.pipeline.base_stage` takes it."""
    if data.summary is not None:
        return P.attach(data.summary, data.customers, data.loyalty_members)
    _, customers, members = _tables(data)
    return P.base_stage(data.transactions, settings, customers, members, on_summary=on_summary)


#: Model fits the sidebar's base started (a cold start: :func:`fit_early`), by fingerprint and
#: models key, until the page's chain takes its job (:func:`_early_fit`); at most a few.
_early_fits: dict[tuple[str, str], Any] = {}
_EARLY_FITS_MAX = 2


def fit_early(fingerprint: str, settings: P.Settings, memo: P.Memo):
    """``on_summary`` for the base the sidebar computes first on a cold start: the model fit of
    a base the fit worker takes starts from the summary, as a lazy run's does, while the
    customers are read and attached; the page's chain then waits for that job instead of
    starting its own (the same fit of the same rows: a fit reads the summary's columns)."""

    def start(summary: pd.DataFrame) -> None:
        if len(summary) < FIT_WORKER_MIN or not _worker_allowed():
            return  # a small fit is made where the page asks for it
        key = (fingerprint, repr(settings.key("models")))
        try:
            with _prefetch_lock:
                if key in _early_fits:
                    return
            if P.kept(memo, settings.key("models")):
                return
            job = fit_worker().submit("models", summary, settings)
        except Exception:  # noqa: BLE001 - the page's chain fits as before, and says why
            log.warning("the early model fit could not start", exc_info=True)
            return
        with _prefetch_lock:
            _early_fits[key] = job
            while len(_early_fits) > _EARLY_FITS_MAX:  # a fit no page took: the oldest goes
                _early_fits.pop(next(iter(_early_fits)))

    return start


def _early_fit(fingerprint: str, stage: str, settings: P.Settings):
    """The job :func:`fit_early` started for this stage and settings, once (None if none)."""
    if stage != "models":
        return None
    with _prefetch_lock:
        return _early_fits.pop((fingerprint, repr(settings.key("models"))), None)


def filter_options(data: Dataset, fingerprint: str, settings: P.Settings) -> dict[str, list[str]]:
    """Values the sidebar's filters offer: customer attributes of the scored customers (the
    customers table's, or an upload's first-purchase channel), and the product lines."""
    out: dict[str, list[str]] = {}
    products = sources.product_lines(data, fingerprint)
    if products:
        out["f_product"] = products
    base_settings = settings.with_(products=())
    memo = memo_for(fingerprint)

    # On a cold start this base is the first stage computed: its fit starts from its summary
    # when the page will score the same customers (no product filter).
    on_summary = fit_early(fingerprint, settings, memo) if settings == base_settings else None

    def compute() -> dict[str, list[str]]:
        base = memo(base_settings.key("base"), lambda: base_of(data, base_settings, on_summary))
        options = {}
        for key, column in state.CUSTOMER_FILTER_KEYS.items():
            if column in base:
                values = base[column].dropna().astype(str).unique().tolist()
                if values:
                    options[key] = sorted(values)
        return options

    with contextlib.suppress(CodedError, ValueError):  # the page says why the source is unusable
        out.update(memo(("options", *base_settings.key("base")[1:]), compute))
    return out


def view(clustered: bool = False) -> View:
    """The scored view for the session's settings and filters (every stage from cache).

    K-means runs only for pages that show clusters (``clustered``); elsewhere the table's
    ``cluster`` is -1 and exports add the cluster columns when the download is clicked.
    """
    data, fingerprint = sources.dataset()
    return view_of(data, fingerprint, state.settings(), clustered, state.edge_errors())


def view_of(
    data: Dataset,
    fingerprint: str,
    settings: P.Settings,
    clustered: bool = False,
    edge_errors: Sequence[str] = (),
) -> View:
    """:func:`view` of a source and settings given (no session is read)."""
    if data.summary is not None:  # a scored table was scored in one time unit: that one
        settings = settings.with_(unit=data.summary.attrs.get("unit", settings.unit))
    memo = memo_for(fingerprint)
    made: list[View] = []

    def fit_job(stage: str, base: pd.DataFrame, chosen: P.Settings):
        job = _early_fit(fingerprint, stage, chosen)
        if job is None and stage == "models":
            job = _compared_fit(fingerprint, base, chosen)
        if job is None:
            job = _fit_job(stage, base, chosen)
        if made:  # the table is being computed: the spend trend too, before the fit is waited for
            return _Then(made[0], job)
        return job

    scored = run_chain(data, settings, clustered=clustered, memo=memo, fit_job=fit_job)
    made.append(
        View(
            data=data,
            fingerprint=fingerprint,
            settings=settings,
            scored=scored,
            memo=memo,
            edge_errors=list(edge_errors),
        )
    )
    return made[0]


class _Then:
    """A fit job whose waiter first computes the view's spend trend (the Overview needs both):
    on the page's own thread, after its segments and value classes, while the fit worker fits.
    (On a thread of its own, it was a third busy thread beside the fit on two cores: the 1M
    cold script alone took 7.07 / 5.97 / 6.37 / 5.21 s that way, 6.85 / 5.37 / 5.21 / 5.16 s
    this way, alternating.)"""

    def __init__(self, current: View, job) -> None:
        self._current, self._job = current, job

    def result(self):
        with contextlib.suppress(Exception):  # the page asks again, and says why
            self._current.monthly  # noqa: B018 - computed and kept
        return self._job.result()


def page_view(clustered: bool = False) -> View:
    """The view for a page, or a clear message (and a stop) when the source cannot be used."""
    from ui import auth
    from ui.i18n import describe_error, t
    from ui.widgets import show_error, stop_page

    auth.require("dashboards")  # no role, no data: nothing below is computed
    try:
        with st.spinner(t("computing")):
            current = view(clustered)
            current.size  # noqa: B018 - the chain runs (or is read) here, where errors are caught
    except CodedError as exc:
        log.info("source cannot be used: %s", exc)
        show_error(t("source_error", error=describe_error(exc)), exc)
        if auth.allowed("data_page"):  # only a role that has the Data page gets the link
            st.page_link("app_pages/data.py", label=t("page_data"), icon=":material/database:")
        stop_page()  # the sidebar's saved segments are drawn first
    st.session_state["_view_size"] = current.size
    st.session_state["_last_view"] = current
    return current


_warmed: list[str] = []  # the libraries warm_up has loaded (or is loading)
_fit_worker: list = []  # the process's analytics._worker.Worker, once started


def fit_worker():
    """This server's fit worker (:mod:`analytics._worker`): a second process for the model fits,
    so a fit runs beside the pages instead of taking turns with them under the GIL. Set
    ``VALUESCOPE_FIT_WORKER=0`` to fit in the server's own process."""
    with _prefetch_lock:
        if not _fit_worker:
            from analytics._worker import Worker

            _fit_worker.append(Worker())
        return _fit_worker[0]


#: Customers from which a fit goes to the fit worker: below, the fit takes well under a second
#: here, less than the worker's own start (a fresh interpreter importing lifetimes).
FIT_WORKER_MIN = 100_000


#: Payments from which a cold start expects a base of :data:`FIT_WORKER_MIN` customers (an
#: insurer's customer pays about ten premiums over the demo's years; a wrong guess only moves
#: where lifetimes is imported first).
FIT_WORKER_PAYMENTS = 1_000_000


def _worker_allowed() -> bool:
    return os.environ.get("VALUESCOPE_FIT_WORKER", "1") != "0"


def cold_start(payments: int | None) -> None:
    """Ready the model fit of a source read for the first time. A source known unread to hold
    :data:`FIT_WORKER_PAYMENTS` payments or more starts the fit worker at once: it imports
    lifetimes in its own process while this one reads the data, leaving this process's
    interpreter to the read (lifetimes' imports took about 2 s of it at a million customers).
    Otherwise lifetimes loads on a thread here (:func:`warm_up`), for a fit made here."""
    large = payments is not None and payments >= FIT_WORKER_PAYMENTS
    if not (large and _worker_allowed() and fit_worker().start()):
        warm_up(clustering=False)


def _risk_key(settings: P.Settings) -> tuple:
    """The memo key of ``settings.model``'s fit for a comparison (:meth:`View.other_models`)."""
    return ("risk", *settings.key("base")[1:], ("model", settings.model))


def _compared_fit(fingerprint: str, base: pd.DataFrame, settings: P.Settings):
    """A model stage scored with the fit a comparison already made of ``settings.model`` on the
    same base, or None. The comparison fits the same base with the same call, so the stage is
    the one a fit of its own gives; a marketer who has seen the Churn page's comparison and
    then chooses that model waits for the scoring only (on the demo, lifetimes' Pareto/NBD
    fit took 14.6 s)."""
    from analytics._forked import inline

    fit = _compared_fits.get((fingerprint, _risk_key(settings)))
    if fit is None:
        return None
    return inline(lambda: P.score_stage(base, fit, settings))


def _fit_job(stage: str, base: pd.DataFrame, settings: P.Settings):
    """Where a lazy run starts its model stage: the fit worker for a large base, else here."""
    if len(base) < FIT_WORKER_MIN or not _worker_allowed():
        from analytics._forked import inline

        return inline(lambda: (P.model_stage if stage == "models" else P.risk_stage)(
            base, settings))  # fmt: skip
    return fit_worker().submit(stage, base, settings)


def warm_up(clustering: bool = True) -> None:
    """Import the model libraries (lifetimes: about a second; with ``clustering``, scikit-learn
    too) on a background thread, once per server process and library: lifetimes while a cold
    start reads its data (a small base is fitted here), both for the pages that explain a model
    or cluster."""
    with _prefetch_lock:
        wanted = ("models", "clustering") if clustering else ("models",)
        missing = [name for name in wanted if name not in _warmed]
        if not missing:
            return
        _warmed.extend(missing)

        def imports() -> None:
            from analytics import clusters, clv

            with contextlib.suppress(Exception):
                for name in missing:
                    (clv.preload if name == "models" else clusters.preload)()

        threading.Thread(target=imports, name="valuescope-imports", daemon=True).start()


#: Policies above which the Overview's 13-month persistency is computed in the background.
LARGE_BOOK = 200_000
_persistency_started: set = set()
_persistency_done: set = set()
_prefetched: set = set()
_fitted_other: set = set()  # (fingerprint, key) of other-model fits already made
_comparing: set = set()  # (fingerprint, key) of other-model fits under way
_compared_fits: dict = {}  # (fingerprint, key) -> the other model's fit, for a later choice
_COMPARED_FITS_MAX = 8  # each holds lifetimes' fitter with its fitted rows (up to 20,000)
_prefetch_lock = threading.Lock()


def prefetch(current: View | None) -> None:
    """After a page is on screen, compute the Persistency page's opening figures, then the
    clustering and suggested k, in a background thread (once per key), so those pages and
    exports open without waiting. (The other purchase
    model, a heavier fit, is started by the pages that compare the two: :meth:`View.start_comparison`.)"""
    if current is None or not current.fit.has_purchase_model:
        return
    key = (current.fingerprint, repr(current.settings.key("clusters")), current._other_key())
    with _prefetch_lock:
        if key in _prefetched:
            return
        _prefetched.add(key)

    def work() -> None:
        # Let the browser finish drawing the page first: on two cores the prefetch would
        # otherwise compete with it. (Normal priority: a page may come to wait for this result,
        # and a low-priority thread would keep it waiting.)
        time.sleep(3.0)
        from ui import persist

        persist.wait_quiet()
        warm_up()  # the model libraries, for the pages that fit or explain a model
        with contextlib.suppress(Exception):  # a prefetch must never disturb the app
            # the Persistency page first (a few seconds at a million policies, a page managers
            # open early), then the clustering (longer, and only the Clusters page waits for it)
            if current.policies is not None and len(current.policies):
                current.persistency_summary()
                current.retention("channel")
        with contextlib.suppress(Exception):
            run_chain(current.data, current.settings, clustered=True, memo=current.memo)
            current.suggest_k()

    threading.Thread(target=work, name="valuescope-prefetch", daemon=True).start()


def _background() -> None:
    """Lower this thread's scheduling priority (Linux lets a thread have its own), so work no
    page waits for (the model comparison) yields the machine to the pages and the browser."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)
