"""The one chain: transactions -> scored customer table, from one settings object.

The dashboard and the command line both call :func:`run`, so a number on screen and a number in an
exported file can never disagree. This module is the only definition of the stages, of the
settings each one reads, and of their defaults (:class:`Settings`). A caller that wants to keep
results between runs (the dashboard's cache) passes a ``memo``; the chain then asks it for each
stage under a key made of exactly the settings that stage (and the stages before it) reads, so a
changed threshold recomputes only what it touches:

==============  =====================================================  =========================
stage           settings it reads (plus those of the stages it uses)   output
==============  =====================================================  =========================
base            regions, merge_identities, as_of, unit, products       summary + attributes
models          model, horizon_months, discount_rate                   p_alive, clv, ...
segments        rfm_mode, rfm_bins, rfm_edges, rules                   r/f/m scores, segment
abc             abc_value, abc_cuts                                    ABC class
tiers           churn_cuts, tier_shares                                band, tier, premium at risk
clusters        k, cluster_features, random_state                      cluster
table           (all of the above)                                     the scored table
view            filters                                                the customers in view
==============  =====================================================  =========================
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from analytics import churn, clusters, pareto, rfm
from analytics._fast import member, positions
from analytics._forked import Job, inline
from analytics._validate import CodedError
from analytics.clv import MODELS, ClvResult, fit_clv, score_clv
from analytics.summary import UNIT_DAYS, summarise

__all__ = [
    "ATTRIBUTE_COLUMNS",
    "FILTER_COLUMNS",
    "SCORE_COLUMNS",
    "STAGES",
    "Memo",
    "ModelOutput",
    "Scored",
    "Settings",
    "abc_stage",
    "assemble",
    "attach",
    "base_stage",
    "kept",
    "cluster_stage",
    "in_scope",
    "merge_identities",
    "model_stage",
    "no_memo",
    "risk_stage",
    "run",
    "scope",
    "score_stage",
    "segment_stage",
    "tier_stage",
    "view_stage",
]

#: The columns every scored export starts with (the command line's file contract).
SCORE_COLUMNS = [
    "customer_id", "first_purchase", "last_purchase", "n_transactions", "frequency", "recency",
    "T", "monetary_value", "total_spend", "refunds", "days_since_last", "r_score", "f_score",
    "m_score", "segment", "abc_class", "p_alive", "churn_risk", "churn_band",
    "expected_purchases", "clv", "value_tier", "cluster", "spend_12m", "premium_at_risk",
]  # fmt: skip
#: Customer attributes carried into the scored table (from the customers table, or for
#: ``channel`` and ``product_line`` from the customer's first purchase when it has none).
ATTRIBUTE_COLUMNS = (
    "customer_type", "channel", "region", "city", "industry", "product_line", "agent_id",
)  # fmt: skip
#: Attributes that narrow the view of customers (the sidebar's filters).
FILTER_COLUMNS = ("customer_type", "channel", "region")
#: Transaction columns that become customer attributes when the customers table lacks them.
FIRST_PURCHASE_ATTRIBUTES = ("channel", "product_line")
RFM_MODES = ("quantile", "threshold", "mean")
ABC_VALUES = ("total_spend", "clv")


@dataclass(frozen=True)
class Settings:
    """Every tunable of the analysis and its default. Hashable, so it can key a cache.

    ``regions`` is the signed-in user's scope (分级管理): ``None`` for every region, else only the
    customers whose ``region`` is among them exist for the chain, before anything is computed.
    ``products`` keeps only those product lines' transactions (before the summary); ``filters``
    keeps the customers whose attribute is among the given values (after scoring: models are
    fitted on every customer). ``rfm_edges`` are the threshold-mode edges per dimension; a
    dimension left ``None`` uses :func:`analytics.rfm.suggest_edges`.
    """

    regions: tuple[str, ...] | None = None
    merge_identities: bool = False  # score customers sharing an id number or phone as one
    as_of: str | None = None
    unit: str = "D"
    products: tuple[str, ...] = ()
    rfm_mode: str = "quantile"  # quantile | threshold | mean (the eight-class preset)
    rfm_bins: int = 5
    rfm_edges: tuple[tuple[float, ...] | None, ...] | None = None
    rules: tuple[rfm.SegmentRule, ...] | None = None  # None: the preset for the mode and bins
    abc_value: str = "total_spend"  # or "clv"
    abc_cuts: tuple[float, float] = (0.8, 0.95)
    model: str = "bgnbd"
    horizon_months: int = 36
    discount_rate: float = 0.08  # annual
    churn_cuts: tuple[float, float] = (0.3, 0.6)
    tier_shares: tuple[float, float, float] = (0.1, 0.2, 0.3)
    k: int = 4
    cluster_features: tuple[str, ...] = clusters.BASE_FEATURES
    random_state: int = 0
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        if self.unit not in UNIT_DAYS:
            raise ValueError(f"unknown time unit {self.unit!r}; use one of {', '.join(UNIT_DAYS)}")
        if self.model not in MODELS:
            raise ValueError(f"unknown purchase model {self.model!r}; use {' or '.join(MODELS)}")
        if self.rfm_mode not in RFM_MODES:
            raise ValueError(f"unknown RFM mode {self.rfm_mode!r}; use {', '.join(RFM_MODES)}")
        if self.abc_value not in ABC_VALUES:
            raise ValueError(f"ABC value must be one of {', '.join(ABC_VALUES)}")

    @property
    def segment_rules(self) -> tuple[rfm.SegmentRule, ...]:
        """The rules in force: the user's, else the preset for the mode and bin count."""
        if self.rules is not None:
            return self.rules
        return self.preset_rules

    @property
    def preset_rules(self) -> tuple[rfm.SegmentRule, ...]:
        if self.rfm_mode == "mean":
            return rfm.EIGHT_CLASS_RULES
        return rfm.default_rules(self.rfm_bins)

    @property
    def score_bins(self) -> int:
        return 2 if self.rfm_mode == "mean" else self.rfm_bins

    @property
    def other_model(self) -> str:
        """The purchase model not chosen (to compare with)."""
        return next(m for m in MODELS if m != self.model)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    def key(self, stage: str) -> tuple:
        """``(stage, (setting, value), ...)``: the stage's name and every setting it depends on,
        its upstream stages' included. A cache key (the caller adds the data's fingerprint)."""
        names = _stage_fields(stage)
        return (stage, *((name, getattr(self, name)) for name in names))


#: Each stage: the settings it reads and the stages it uses.
STAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "base": (("regions", "merge_identities", "as_of", "unit", "products"), ()),
    "models": (("model", "horizon_months", "discount_rate"), ("base",)),
    "segments": (("rfm_mode", "rfm_bins", "rfm_edges", "rules"), ("base",)),
    "abc": (("abc_value", "abc_cuts"), ("models",)),
    "tiers": (("churn_cuts", "tier_shares"), ("models",)),
    "clusters": (("k", "cluster_features", "random_state"), ("models",)),
    "table": ((), ("models", "segments", "abc", "tiers")),
    "view": (("filters",), ("table",)),
}


def _stage_fields(stage: str) -> tuple[str, ...]:
    own, upstream = STAGES[stage]
    names: list[str] = []
    for parent in upstream:
        names.extend(n for n in _stage_fields(parent) if n not in names)
    names.extend(n for n in own if n not in names)
    return tuple(names)


_SETTING_NAMES = {f.name for f in fields(Settings)}
assert {n for own, _ in STAGES.values() for n in own} <= _SETTING_NAMES

T = TypeVar("T")
#: ``memo(key, compute)`` returns a kept result for ``key`` or ``compute()``'s (and may keep it).
Memo = Callable[[tuple, Callable[[], Any]], Any]


def no_memo(key: tuple, compute: Callable[[], T]) -> T:
    """The default memo: compute every time (the command line runs each stage once)."""
    return compute()


# --------------------------------------------------------------------------- stages


def base_stage(
    transactions: pd.DataFrame,
    settings: Settings,
    customers: pd.DataFrame | Callable[[], pd.DataFrame | None] | None = None,
    members: pd.DataFrame | Callable[[], pd.DataFrame | None] | None = None,
    on_summary: Callable[[pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """The summary plus customer attributes and loyalty membership (see :func:`attach`).

    Only the ``settings.products`` product lines' transactions count, when given.
    ``on_summary`` is called with the summary before the attributes are attached (a lazy run
    starts its model fit there: a fit reads the summary's columns only).

    ``customers`` and ``members`` may be functions that read them. With no regional scope and
    no merged identities, nothing before the summary needs them: they are read after
    ``on_summary``, while a fit it started runs. The summary then derives every first-purchase
    attribute and drops those the customers table turns out to have, which gives the frame
    that deriving only the missing ones gives.
    """
    if settings.regions is not None or settings.merge_identities:
        customers, members = _read(customers), _read(members)
    if settings.regions is not None:
        transactions, customers, members = scope(transactions, customers, members, settings.regions)
    if settings.merge_identities:
        transactions, customers, members = merge_identities(transactions, customers, members)
    transactions = product_transactions(transactions, settings.products)
    unread = callable(customers)
    have = _columns(customers) if not unread else set()
    derived = [c for c in FIRST_PURCHASE_ATTRIBUTES if c in transactions.columns and c not in have]
    summary = summarise(
        transactions, as_of=settings.as_of, unit=settings.unit, first_purchase=derived
    )
    if on_summary is not None:
        on_summary(summary)
    customers, members = _read(customers), _read(members)
    if unread and (dropped := [c for c in derived if c in _columns(customers)]):
        summary = summary.drop(columns=dropped)
    return attach(summary, customers, members)


def _columns(customers: pd.DataFrame | None) -> set:
    """The columns of a customers table with rows (an empty one gives no attribute)."""
    return set(customers.columns) if customers is not None and len(customers) else set()


def in_scope(customer_ids: pd.Series, customers: pd.DataFrame | None, regions) -> np.ndarray:
    """Which of ``customer_ids`` belong to a customer whose ``region`` is in ``regions``
    (every one when ``regions`` is ``None``; none without a customers table with regions)."""
    if regions is None:
        return np.ones(len(customer_ids), dtype=bool)
    if customers is None or "region" not in customers or not regions:
        return np.zeros(len(customer_ids), dtype=bool)
    kept = customers.loc[customers["region"].isin(list(regions)), "customer_id"]
    return member(customer_ids, kept)


def scope(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None,
    members: pd.DataFrame | None,
    regions,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """Transactions, customers and members of the customers in ``regions`` only; a
    :class:`CodedError` (``empty_scope``) when no transaction is left."""
    if regions is None:
        return transactions, customers, members
    tx = transactions[in_scope(transactions["customer_id"], customers, regions)]
    if tx.empty and len(transactions):
        raise CodedError(
            "no customer of the regions in scope has a transaction", code="empty_scope"
        )
    if customers is not None:
        customers = customers[in_scope(customers["customer_id"], customers, regions)]
    if members is not None:
        members = members[in_scope(members["customer_id"], customers, regions)]
    return tx, customers, members


def merge_identities(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None,
    members: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """Every customer id of one person (a shared id number or phone,
    :mod:`analytics.identity`) replaced by the smallest of them, so they are scored as one
    customer; the customers and members tables keep that id's row."""
    from analytics.identity import canonical_ids, duplicate_identities

    if customers is None:
        return transactions, customers, members
    mapping = canonical_ids(duplicate_identities(customers))
    if not mapping:
        return transactions, customers, members
    tx = transactions.assign(customer_id=transactions["customer_id"].replace(mapping))
    customers = customers[~customers["customer_id"].isin(list(mapping))]
    if members is not None:
        members = members.assign(customer_id=members["customer_id"].replace(mapping))
        members = members.sort_values("enrolled_at").drop_duplicates("customer_id")
    return tx, customers, members


def product_transactions(transactions: pd.DataFrame, products: tuple[str, ...]) -> pd.DataFrame:
    """The transactions of the given product lines (all when ``products`` is empty); a
    ``ValueError`` when that leaves none."""
    if not products:
        return transactions
    if "product_line" in transactions:
        chosen = transactions[transactions["product_line"].isin(products)]
    else:
        chosen = transactions.iloc[:0]
    if chosen.empty:
        raise CodedError("no transactions match the product-line filter", code="no_product_rows")
    return chosen


def attach(
    summary: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add customer attributes (:data:`ATTRIBUTE_COLUMNS` the customers table has) and loyalty
    membership (``is_member``, ``enrolled_at``, ``loyalty_tier``; enrolments after the as-of date
    do not count) to a summary."""
    attrs = dict(summary.attrs)
    frame = summary.reset_index(drop=True)
    if customers is not None and len(customers):
        keep = [c for c in ATTRIBUTE_COLUMNS if c in customers.columns]
        frame = frame.drop(columns=[c for c in keep if c in frame.columns])
        # A left join on the first row of each customer id (numbered ids without hashing).
        rows = positions(frame["customer_id"], customers["customer_id"])
        for column in keep:
            frame[column] = _take(customers[column], rows)
    if members is not None:
        enrolled = members[["customer_id", "enrolled_at", *(["tier"] if "tier" in members else [])]]
        enrolled = enrolled.drop_duplicates("customer_id").rename(columns={"tier": "loyalty_tier"})
        as_of = pd.Timestamp(attrs.get("as_of", pd.Timestamp.max))
        enrolled = enrolled[pd.to_datetime(enrolled["enrolled_at"]) <= as_of]
        rows = positions(frame["customer_id"], enrolled["customer_id"])
        for column in enrolled.columns[1:]:
            frame[column] = _take(enrolled[column], rows)
        frame["is_member"] = frame["enrolled_at"].notna()
    frame.attrs.update(attrs)
    return frame


def _take(values: pd.Series, rows: np.ndarray) -> pd.Series:
    """``values`` at ``rows``, missing where a row is -1 (integers become floats, as a left
    merge makes them)."""
    return pd.Series(values.array.take(rows, allow_fill=True), copy=False).array


@dataclass(frozen=True, eq=False)
class ModelOutput:
    fit: ClvResult
    scores: pd.DataFrame = field(
        repr=False
    )  # p_alive, churn_risk, expected_purchases, expected_spend, clv


def model_stage(base: pd.DataFrame, settings: Settings) -> ModelOutput:
    """Fit BG/NBD (or Pareto/NBD) + Gamma-Gamma and score every customer."""
    return score_stage(base, fit_clv(base, model=settings.model), settings)


def risk_stage(base: pd.DataFrame, settings: Settings) -> ModelOutput:
    """Fit ``settings.model`` and give each customer's ``p_alive`` and ``churn_risk`` only (no
    CLV): what comparing two purchase models needs, at a fraction of the scoring's cost."""
    from analytics.clv import probability_alive

    fit = fit_clv(base, model=settings.model)
    alive = probability_alive(fit, base["frequency"], base["recency"], base["T"])
    scores = pd.DataFrame({"p_alive": alive, "churn_risk": 1 - alive}, index=base.index)
    return ModelOutput(fit=fit, scores=scores)


def score_stage(base: pd.DataFrame, fit: ClvResult, settings: Settings) -> ModelOutput:
    """P(alive), churn risk, expected purchases and CLV of every customer under ``fit``."""
    scores = score_clv(
        base,
        fit,
        horizon_months=settings.horizon_months,
        annual_discount_rate=settings.discount_rate,
    )
    scores.insert(1, "churn_risk", 1 - scores["p_alive"])
    return ModelOutput(fit=fit, scores=scores)


def rfm_edges(base: pd.DataFrame, settings: Settings) -> dict[str, list[float]] | None:
    """Threshold-mode edges per dimension: the settings' own, else the data's suggestion."""
    if settings.rfm_mode != "threshold":
        return None
    given = settings.rfm_edges or (None, None, None)
    if all(given):
        return {key: list(values) for key, values in zip("rfm", given, strict=True)}
    suggested = rfm.suggest_edges(base, settings.rfm_bins)
    return {
        key: list(values) if values else suggested[key]
        for key, values in zip("rfm", given, strict=True)
    }


def segment_stage(base: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """``r_score``, ``f_score``, ``m_score`` and ``segment``."""
    scores = rfm.rfm_scores(
        base, mode=settings.rfm_mode, bins=settings.rfm_bins, edges=rfm_edges(base, settings)
    )
    scores["segment"] = rfm.assign_segments(scores, settings.segment_rules)
    return scores


def value_basis(frame: pd.DataFrame, wanted: str) -> str:
    """CLV when asked for and available, else spend (a model that did not fit has no CLV)."""
    if wanted == "clv" and "clv" in frame and frame["clv"].notna().any():
        return "clv"
    return "total_spend"


def abc_stage(frame: pd.DataFrame, settings: Settings) -> pareto.AbcResult:
    value = value_basis(frame, settings.abc_value)
    return pareto.abc_classes(
        frame, value=value, a_cut=settings.abc_cuts[0], b_cut=settings.abc_cuts[1]
    )


def tier_stage(frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """``churn_band``, ``value_tier`` (by CLV, or by spend without a purchase model) and
    ``premium_at_risk`` (churn risk x spend in the last 12 months)."""
    value = value_basis(frame, "clv")
    risk = frame["churn_risk"] if "churn_risk" in frame else pd.Series(np.nan, index=frame.index)
    return pd.DataFrame(
        {
            "churn_band": churn.churn_band(risk, settings.churn_cuts),
            "value_tier": churn.value_tiers(frame, value=value, shares=settings.tier_shares),
            "premium_at_risk": (risk * frame["spend_12m"]).to_numpy(),
        },
        index=frame.index,
    )


def cluster_features(frame: pd.DataFrame, settings: Settings) -> list[str]:
    """The chosen features that can be used: optional ones (CLV, P(alive)) only with values."""
    return [
        f
        for f in settings.cluster_features
        if f in clusters.BASE_FEATURES or (f in frame and frame[f].notna().all())
    ]


def cluster_stage(frame: pd.DataFrame, settings: Settings) -> clusters.ClusterResult | None:
    """K-means on the chosen features; optional features without values are left out."""
    features = cluster_features(frame, settings)
    if len(frame) < 2 or not features:
        return None
    return clusters.cluster_customers(
        frame, k=settings.k, features=features, random_state=settings.random_state
    )


def assemble(
    base: pd.DataFrame,
    models: ModelOutput,
    segments: pd.DataFrame,
    abc: pareto.AbcResult,
    tiers: pd.DataFrame,
) -> pd.DataFrame:
    """The scored customer table: :data:`SCORE_COLUMNS` first, then attributes and extras.

    ``cluster`` is -1 (and ``cluster_name`` empty) until :func:`with_clusters` adds them.
    """
    frame = pd.concat([base, models.scores, segments, tiers], axis=1)
    frame["abc_class"] = abc.classes
    frame["value_rank"] = abc.rank
    frame["cluster"] = -1
    frame["cluster_name"] = ""
    extras = [c for c in frame.columns if c not in SCORE_COLUMNS]
    frame = frame[[*SCORE_COLUMNS, *extras]]
    frame.attrs.update(base.attrs)
    return frame


def with_clusters(table: pd.DataFrame, result: clusters.ClusterResult | None) -> pd.DataFrame:
    """``table`` with each customer's K-means ``cluster`` and ``cluster_name`` (word codes)."""
    if result is None:
        return table
    codes = {number: clusters.name_code(words) for number, words in result.names.items()}
    labels = result.labels.reindex(table.index)
    # ``.array``: the mapped text stays Arrow text (through NumPy objects it is re-encoded).
    out = table.assign(cluster=labels.to_numpy(), cluster_name=labels.map(codes).array)
    out.attrs.update(table.attrs)
    return out


def view_stage(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The customers whose attributes pass ``settings.filters`` (every customer without any)."""
    mask = np.ones(len(table), dtype=bool)
    for column, allowed in settings.filters:
        if allowed and column in table:
            mask &= table[column].isin(allowed).to_numpy()
    if mask.all():
        return table
    view = table[mask]
    view.attrs.update(table.attrs)
    return view


class Scored:
    """Everything :func:`run` computed: ``table`` has every customer, ``view`` those the
    settings' filters keep; ``base``, ``models`` and ``clusters`` are the stages behind them
    (each taken from the memo, or computed, when first asked for)."""

    def __init__(self, settings: Settings, table, view, base, models, clusters) -> None:
        self.settings = settings
        self._stages = {"table": table, "view": view, "base": base, "models": models,
                        "clusters": clusters}  # fmt: skip

    def _stage(self, name: str):
        value = self._stages[name]
        if isinstance(value, _Later):
            value = self._stages[name] = value()
        return value

    table = property(lambda self: self._stage("table"))
    view = property(lambda self: self._stage("view"))
    base = property(lambda self: self._stage("base"))
    models = property(lambda self: self._stage("models"))
    clusters = property(lambda self: self._stage("clusters"))

    @property
    def fit(self) -> ClvResult:
        return self.models.fit


class _Later:
    """A stage asked of the memo only when something needs it (once)."""

    def __init__(self, ask: Callable[[], Any]) -> None:
        self._ask, self._value, self._done = ask, None, False
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            if not self._done:
                self._value, self._done = self._ask(), True
                self._ask = None
            return self._value


def _read(table):
    """A table, or a function that reads one, as a table."""
    return table() if callable(table) else table


def run(
    transactions: pd.DataFrame | None,
    settings: Settings = Settings(),
    customers: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
    *,
    summary: pd.DataFrame | None = None,
    clustered: bool = True,
    memo: Memo = no_memo,
    background: Callable[[Callable[[], ModelOutput]], Job[ModelOutput]] = inline,
    lazy: bool = False,
    fit_job: Callable[[str, pd.DataFrame, Settings], Job[ModelOutput]] | None = None,
) -> Scored:
    """Run every stage in order, from transactions or from a ready summary (push-down).

    ``transactions``, ``customers`` and ``members`` may also be functions that read them: they
    are called only if a stage has to be computed (the memo may hold it already).

    ``memo(key, compute)`` is asked for each stage with :meth:`Settings.key` (the dashboard
    fills it with Streamlit's cache, adding the data's fingerprint); by default every stage is
    computed. ``clustered=False`` skips K-means (``cluster`` stays -1). ``background`` starts
    the model stage (:func:`analytics._forked.forked` in a second process, for the command
    line; by default it is computed in place). ``lazy`` asks the memo for a stage only when
    something needs it (the dashboard: a kept scored table is all a page needs to open).
    ``fit_job(stage, base, settings)`` (lazy runs) starts the model stage elsewhere (the
    dashboard's :class:`analytics._worker.Worker`) when the scored table must be computed and
    the models are not kept, so segments are scored while the models are fitted.
    """
    if lazy:
        return _run_lazily(transactions, settings, customers, members, summary, clustered, memo,
                           fit_job)  # fmt: skip
    if summary is not None:
        base = memo(settings.key("base"), lambda: _pushed(summary, customers, members, settings))
    elif transactions is not None:
        base = memo(
            settings.key("base"),
            lambda: base_stage(_read(transactions), settings, _read(customers), _read(members)),
        )
    else:
        raise ValueError("run needs transactions or a summary")
    # The fit may run in a second process (``background``) while this one scores segments and,
    # when the features need no model, clusters.
    models_job = background(
        lambda: memo(settings.key("models"), lambda: model_stage(base, settings))
    )
    segments = memo(settings.key("segments"), lambda: segment_stage(base, settings))
    cluster_result = None
    early = clustered and set(settings.cluster_features) <= set(clusters.BASE_FEATURES)
    if early:  # K-means on the summary's own columns: the same result as on the scored table
        cluster_result = memo(settings.key("clusters"), lambda: cluster_stage(base, settings))
    models = models_job.result()
    with_models = memo(
        ("with_models", *settings.key("models")[1:]),
        lambda: pd.concat([base, models.scores], axis=1),
    )
    abc = memo(settings.key("abc"), lambda: abc_stage(with_models, settings))
    tiers = memo(settings.key("tiers"), lambda: tier_stage(with_models, settings))
    table = memo(settings.key("table"), lambda: assemble(base, models, segments, abc, tiers))
    view_key = ("view", *settings.key("view")[1:])
    if clustered:
        if not early:
            cluster_result = memo(
                settings.key("clusters"), lambda: cluster_stage(with_models, settings)
            )
        unclustered = table
        cluster_fields = settings.key("clusters")[1:]
        table = memo(
            ("clustered", *settings.key("table")[1:], *cluster_fields),
            lambda: with_clusters(unclustered, cluster_result),
        )
        view_key = (*view_key, *cluster_fields)
    scored = table
    view = memo(view_key, lambda: view_stage(scored, settings))
    return Scored(
        settings=settings,
        table=table,
        view=view,
        base=base,
        models=models,
        clusters=cluster_result,
    )


def _pushed(summary, customers, members, settings: Settings) -> pd.DataFrame:
    """The base stage from a ready summary (push-down, scored table): attributes attached,
    narrowed to the settings' regions."""
    table = attach(summary, _read(customers), _read(members))
    if settings.regions is None:
        return table
    kept = table[in_scope(table["customer_id"], _read(customers), settings.regions)]
    kept.attrs.update(table.attrs)
    return kept


class _NotKept(Exception):
    """Raised by :func:`kept`'s probe: the memo has to compute the stage."""


def _not_kept():
    raise _NotKept


def kept(memo: Memo, key: tuple) -> bool:
    """Whether ``memo`` holds ``key`` already (asked with a computation that refuses)."""
    try:
        memo(key, _not_kept)
    except _NotKept:
        return False
    return True


def _run_lazily(
    transactions, settings, customers, members, summary, clustered, memo, fit_job=None
) -> Scored:
    """:func:`run` asking the memo for a stage only when a later one has to be computed: with
    the scored table kept (in memory or on disk), the view is drawn from it alone."""
    if summary is not None:
        base = _Later(
            lambda: memo(
                settings.key("base"), lambda: _pushed(summary, customers, members, settings)
            )
        )
    elif transactions is not None:
        base = _Later(lambda: memo(settings.key("base"), lambda: base_stage(
            _read(transactions), settings, customers, members, on_summary=early)))  # fmt: skip
    else:
        raise ValueError("run needs transactions or a summary")
    started: dict = {}

    def start_models(frame: pd.DataFrame | None = None) -> None:
        """The table is being computed: the model stage, unless kept, starts now (elsewhere),
        from ``frame`` (the summary, which holds every column a fit reads) or the base."""
        if started.get("asked"):
            return
        started["asked"] = True
        if fit_job is not None and not kept(memo, settings.key("models")):
            started["job"] = fit_job("models", base() if frame is None else frame, settings)

    def early(summary: pd.DataFrame) -> None:
        """The base's summary is there: a table being computed starts its fit now, while the
        customers' attributes are attached. A fit that fails here is made again, and fails
        where it did before, in :func:`model_result`."""
        if started.get("want"):
            try:
                start_models(summary)
            except Exception:  # noqa: BLE001 - raised again by the model stage itself
                started.pop("job", None)

    def model_result() -> ModelOutput:
        job = started.pop("job", None)
        return job.result() if job is not None else model_stage(base(), settings)

    models = _Later(lambda: memo(settings.key("models"), model_result))
    segments = _Later(
        lambda: memo(settings.key("segments"), lambda: segment_stage(base(), settings))
    )
    with_models = _Later(
        lambda: memo(
            ("with_models", *settings.key("models")[1:]),
            lambda: pd.concat([base(), models().scores], axis=1),
        )
    )
    # ABC on spend (the default) reads only the base: classed while the models are fitted.
    spend_abc = settings.abc_value != "clv"
    abc = _Later(lambda: memo(settings.key("abc"), lambda: abc_stage(
        base() if spend_abc else with_models(), settings)))  # fmt: skip
    tiers = _Later(lambda: memo(settings.key("tiers"), lambda: tier_stage(with_models(), settings)))

    def assembled() -> pd.DataFrame:
        started["want"] = True
        base()  # computed here, it starts the fit from its summary (early)
        start_models()  # else from the kept base
        kept = base(), segments(), abc() if spend_abc else None  # while the models are fitted
        return assemble(kept[0], models(), kept[1], abc(), tiers())

    table = _Later(lambda: memo(settings.key("table"), assembled))
    cluster_result = _Later(lambda: None)
    view_key = ("view", *settings.key("view")[1:])
    if clustered:
        early = set(settings.cluster_features) <= set(clusters.BASE_FEATURES)
        cluster_result = _Later(lambda: memo(settings.key("clusters"), lambda: cluster_stage(
            base() if early else with_models(), settings)))  # fmt: skip
        unclustered, cluster_fields = table, settings.key("clusters")[1:]
        table = _Later(
            lambda: memo(
                ("clustered", *settings.key("table")[1:], *cluster_fields),
                lambda: with_clusters(unclustered(), cluster_result()),
            )
        )
        view_key = (*view_key, *cluster_fields)
    view = _Later(lambda: memo(view_key, lambda: view_stage(table(), settings)))
    return Scored(settings, table, view, base, models, cluster_result)


def settings_from(values: Mapping[str, Any]) -> Settings:
    """Settings from a mapping of field names (unknown names are a ``ValueError``)."""
    unknown = set(values) - _SETTING_NAMES
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    return Settings(**values)
