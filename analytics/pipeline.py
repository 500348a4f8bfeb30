"""The whole chain from one settings object: transactions -> scored customer table + aggregates.

The dashboard and the command line both call this module, so a number on screen and a number in an
exported file can never disagree. The chain is split into stages that depend on disjoint parts of
:class:`Settings`, so a caller (the UI's cache) recomputes only what a changed setting touches:

==============  =======================================================  ======================
stage           settings it reads                                        output
==============  =======================================================  ======================
base            as_of, unit                                              summary + attributes
models          model, horizon_months, discount_rate                     p_alive, clv, ...
segments        rfm_mode, rfm_bins, rfm_edges, rules                     r/f/m scores, segment
abc             abc_value, abc_cuts                                      ABC class
tiers           churn_cuts, tier_shares                                  churn band, value tier
clusters        k, cluster_features, random_state                        cluster
==============  =======================================================  ======================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from analytics import churn, clusters, loyalty, pareto, rfm
from analytics.clv import ClvResult, fit_clv, score_clv
from analytics.summary import summarise

__all__ = [
    "SCORE_COLUMNS",
    "Aggregates",
    "ModelOutput",
    "Scored",
    "Settings",
    "abc_stage",
    "aggregates",
    "assemble",
    "attach",
    "base_stage",
    "cluster_stage",
    "model_stage",
    "run",
    "score_stage",
    "segment_stage",
    "tier_stage",
]

#: The columns every scored export starts with (issue #3's file contract).
SCORE_COLUMNS = [
    "customer_id", "first_purchase", "last_purchase", "n_transactions", "frequency", "recency",
    "T", "monetary_value", "total_spend", "refunds", "days_since_last", "r_score", "f_score",
    "m_score", "segment", "abc_class", "p_alive", "churn_risk", "churn_band",
    "expected_purchases", "clv", "value_tier", "cluster",
]  # fmt: skip
ATTRIBUTE_COLUMNS = ("customer_type", "channel", "region", "city", "industry")


@dataclass(frozen=True)
class Settings:
    """Every tunable of the analysis. Hashable, so it can key a cache."""

    as_of: str | None = None
    unit: str = "D"
    rfm_mode: str = "quantile"  # quantile | threshold | mean (the eight-class preset)
    rfm_bins: int = 5
    rfm_edges: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]] | None = None
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

    @property
    def edges(self) -> dict[str, list[float]] | None:
        if self.rfm_edges is None:
            return None
        return {key: list(values) for key, values in zip("rfm", self.rfm_edges, strict=True)}

    @property
    def segment_rules(self) -> tuple[rfm.SegmentRule, ...]:
        if self.rules is not None:
            return self.rules
        if self.rfm_mode == "mean":
            return rfm.EIGHT_CLASS_RULES
        if self.rfm_bins == 5:
            return rfm.DEFAULT_RULES
        return rfm.scale_rules(rfm.DEFAULT_RULES, self.rfm_bins)

    @property
    def score_bins(self) -> int:
        return 2 if self.rfm_mode == "mean" else self.rfm_bins

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)


# --------------------------------------------------------------------------- stages


def base_stage(
    transactions: pd.DataFrame,
    settings: Settings,
    customers: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The summary plus customer attributes and loyalty membership (see :func:`attach`)."""
    summary = summarise(transactions, as_of=settings.as_of, unit=settings.unit)
    return attach(summary, customers, members)


def attach(
    summary: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add customer attributes (``customer_type, channel, region, city, industry``) and loyalty
    membership (``is_member``, ``enrolled_at``, ``loyalty_tier``; enrolments after the as-of date
    do not count) to a summary."""
    attrs = dict(summary.attrs)
    frame = summary
    if customers is not None and len(customers):
        keep = ["customer_id", *[c for c in ATTRIBUTE_COLUMNS if c in customers.columns]]
        frame = frame.merge(
            customers[keep].drop_duplicates("customer_id"), on="customer_id", how="left"
        )
    if members is not None:
        enrolled = members[["customer_id", "enrolled_at", *(["tier"] if "tier" in members else [])]]
        enrolled = enrolled.drop_duplicates("customer_id").rename(columns={"tier": "loyalty_tier"})
        as_of = attrs.get("as_of", pd.Timestamp.max)
        enrolled = enrolled[pd.to_datetime(enrolled["enrolled_at"]) <= as_of]
        frame = frame.merge(enrolled, on="customer_id", how="left")
        frame["is_member"] = frame["enrolled_at"].notna()
    frame.attrs.update(attrs)
    return frame


@dataclass(frozen=True, eq=False)
class ModelOutput:
    fit: ClvResult
    scores: pd.DataFrame = field(
        repr=False
    )  # p_alive, churn_risk, expected_purchases, expected_spend, clv


def model_stage(base: pd.DataFrame, settings: Settings) -> ModelOutput:
    """Fit BG/NBD (or Pareto/NBD) + Gamma-Gamma and score every customer."""
    return score_stage(base, fit_clv(base, model=settings.model), settings)


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


def segment_stage(base: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """``r_score``, ``f_score``, ``m_score`` and ``segment``."""
    scores = rfm.rfm_scores(
        base, mode=settings.rfm_mode, bins=settings.rfm_bins, edges=settings.edges
    )
    scores["segment"] = rfm.assign_segments(scores, settings.segment_rules)
    return scores


def _value_basis(frame: pd.DataFrame, wanted: str) -> str:
    """CLV when asked for and available, else spend (a model that did not fit has no CLV)."""
    if wanted == "clv" and "clv" in frame and frame["clv"].notna().any():
        return "clv"
    return "total_spend"


def abc_stage(frame: pd.DataFrame, settings: Settings) -> pareto.AbcResult:
    value = _value_basis(frame, settings.abc_value)
    return pareto.abc_classes(
        frame, value=value, a_cut=settings.abc_cuts[0], b_cut=settings.abc_cuts[1]
    )


def tier_stage(frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """``churn_band`` and ``value_tier`` (by CLV, or by spend without a purchase model)."""
    value = _value_basis(frame, "clv")
    risk = frame["churn_risk"] if "churn_risk" in frame else pd.Series(np.nan, index=frame.index)
    return pd.DataFrame(
        {
            "churn_band": churn.churn_band(risk, settings.churn_cuts),
            "value_tier": churn.value_tiers(frame, value=value, shares=settings.tier_shares),
        },
        index=frame.index,
    )


def cluster_stage(frame: pd.DataFrame, settings: Settings) -> clusters.ClusterResult | None:
    """K-means on the chosen features; optional features without values are left out."""
    features = [
        f
        for f in settings.cluster_features
        if f in clusters.BASE_FEATURES or (f in frame and frame[f].notna().all())
    ]
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
    cluster_result: clusters.ClusterResult | None,
) -> pd.DataFrame:
    """The scored customer table: :data:`SCORE_COLUMNS` first, then attributes and extras."""
    frame = pd.concat([base, models.scores, segments, tiers], axis=1)
    frame["abc_class"] = abc.classes
    frame["value_rank"] = abc.rank
    if cluster_result is not None:
        frame["cluster"] = cluster_result.labels
        frame["cluster_name"] = frame["cluster"].map(cluster_result.names).astype("str")
    else:
        frame["cluster"] = -1
        frame["cluster_name"] = ""
    extras = [c for c in frame.columns if c not in SCORE_COLUMNS]
    frame = frame[[*SCORE_COLUMNS, *extras]]
    frame.attrs.update(base.attrs)
    return frame


@dataclass(frozen=True, eq=False)
class Scored:
    """Everything :func:`run` computed."""

    settings: Settings
    table: pd.DataFrame = field(repr=False)
    models: ModelOutput = field(repr=False)
    clusters: clusters.ClusterResult | None = field(repr=False)

    @property
    def fit(self) -> ClvResult:
        return self.models.fit


def run(
    transactions: pd.DataFrame | None,
    settings: Settings = Settings(),
    customers: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
    *,
    summary: pd.DataFrame | None = None,
    with_clusters: bool = True,
) -> Scored:
    """Run every stage in order, from transactions or from a ready summary (push-down)."""
    if summary is not None:
        base = attach(summary, customers, members)
    elif transactions is not None:
        base = base_stage(transactions, settings, customers, members)
    else:
        raise ValueError("run needs transactions or a summary")
    models = model_stage(base, settings)
    with_models = pd.concat([base, models.scores], axis=1)
    segments = segment_stage(base, settings)
    abc = abc_stage(with_models, settings)
    tiers = tier_stage(with_models, settings)
    cluster_result = cluster_stage(with_models, settings) if with_clusters else None
    table = assemble(base, models, segments, abc, tiers, cluster_result)
    return Scored(settings=settings, table=table, models=models, clusters=cluster_result)


# --------------------------------------------------------------------------- aggregates


@dataclass(frozen=True, eq=False)
class Aggregates:
    """The tables every page needs, computed on demand for a (possibly filtered) scored table."""

    table: pd.DataFrame = field(repr=False)
    settings: Settings = Settings()
    members: pd.DataFrame | None = field(default=None, repr=False)
    monthly: pd.DataFrame | None = field(default=None, repr=False)  # from monthly_spend
    filters: dict = field(default_factory=dict)  # column -> allowed values, applied to monthly

    @property
    def value_basis(self) -> str:
        return _value_basis(self.table, "clv")

    @property
    def abc_basis(self) -> str:
        return _value_basis(self.table, self.settings.abc_value)

    @cached_property
    def rule_check(self) -> rfm.RuleCheck:
        return rfm.check_rules(self.settings.segment_rules, self.settings.score_bins)

    @cached_property
    def segments(self) -> pd.DataFrame:
        order = [r.name for r in self.settings.segment_rules] + [rfm.UNCLASSIFIED]
        return rfm.segment_summary(self.table, order=order)

    @cached_property
    def rf_grid(self) -> pd.DataFrame:
        """Customers and mean spend per (r_score, f_score) cell."""
        return (
            self.table.groupby(["r_score", "f_score"])
            .agg(customers=("customer_id", "size"), mean_spend=("total_spend", "mean"))
            .reset_index()
        )

    @cached_property
    def abc(self) -> pd.DataFrame:
        return pareto.abc_summary(self.table, self.table["abc_class"], value=self.abc_basis)

    @cached_property
    def lorenz(self) -> pd.DataFrame:
        return pareto.lorenz_curve(self.table[self.abc_basis])

    @cached_property
    def gini(self) -> float:
        return pareto.gini(self.table[self.abc_basis])

    @cached_property
    def concentration(self) -> pd.DataFrame:
        return pareto.concentration(self.table[self.abc_basis])

    @cached_property
    def pareto_bars(self) -> pd.DataFrame:
        return pareto.pareto_points(self.table, value=self.abc_basis)

    @cached_property
    def churn_bands(self) -> pd.DataFrame:
        return churn.value_at_risk(self.table, value=self.value_basis)

    @cached_property
    def tiers(self) -> pd.DataFrame:
        return churn.tier_summary(self.table, value=self.value_basis)

    def churn_by(self, by: str) -> pd.DataFrame:
        return churn.churn_by(self.table, by, value=self.value_basis)

    @cached_property
    def action_list(self) -> pd.DataFrame:
        return churn.action_list(self.table, value=self.value_basis)

    @cached_property
    def clusters(self) -> pd.DataFrame:
        return clusters.cluster_profiles(self.table)

    @property
    def has_loyalty(self) -> bool:
        return "is_member" in self.table and self.members is not None

    @cached_property
    def spend_trend(self) -> pd.DataFrame:
        """``month``, ``spend``, ``refunds`` for the filtered view."""
        if self.monthly is None:
            return pd.DataFrame(columns=["month", "spend", "refunds"])
        frame = self.monthly
        for column, allowed in self.filters.items():
            if column in frame and allowed:
                frame = frame[frame[column].isin(allowed)]
        return frame.groupby("month")[["spend", "refunds"]].sum().reset_index()

    @cached_property
    def kpis(self) -> dict:
        """Headline numbers of the view (Overview page)."""
        table = self.table
        n = len(table)
        as_of = pd.Timestamp(table.attrs.get("as_of", pd.Timestamp.now()))
        trend = self.spend_trend
        month = pd.to_datetime(trend["month"])
        this_month = as_of.to_period("M").to_timestamp()
        last12 = (month > this_month - pd.DateOffset(months=12)) & (month <= this_month)
        prior12 = (month > this_month - pd.DateOffset(months=24)) & (
            month <= this_month - pd.DateOffset(months=12)
        )
        spend12 = float(trend.loc[last12, "spend"].sum())
        spend_prior = float(trend.loc[prior12, "spend"].sum())
        has_clv = table["clv"].notna().any()
        return {
            "customers": n,
            "active_90": int((table["days_since_last"] <= 90).sum()),
            "spend_12m": spend12,
            "spend_prior_12m": spend_prior,
            "spend_change": (spend12 / spend_prior - 1) if spend_prior > 0 else np.nan,
            "mean_clv": float(table["clv"].mean()) if has_clv else np.nan,
            "high_risk_share": float((table["churn_band"] == "high").mean())
            if n and has_clv
            else np.nan,
            "uptake": float(table["is_member"].mean()) if n and "is_member" in table else np.nan,
        }

    def distribution(
        self, column: str, bins: int = 40, clip_quantile: float = 0.99
    ) -> pd.DataFrame:
        """Histogram ``left``, ``right``, ``customers`` of a column; the top tail above the
        ``clip_quantile`` is folded into the last bin so one outlier cannot flatten the chart."""
        values = self.table[column].dropna().to_numpy(dtype=float)
        if len(values) == 0:
            return pd.DataFrame(columns=["left", "right", "customers"])
        high = (
            float(np.quantile(values, clip_quantile)) if clip_quantile < 1 else float(values.max())
        )
        low = float(values.min())
        if high <= low:
            high = low + 1.0
        counts, edges = np.histogram(np.clip(values, low, high), bins=bins, range=(low, high))
        return pd.DataFrame({"left": edges[:-1], "right": edges[1:], "customers": counts})

    def sample(self, n: int = 3000, random_state: int = 0) -> pd.DataFrame:
        """A seeded sample of the view, for scatter plots (never a million points)."""
        if len(self.table) <= n:
            return self.table
        return self.table.sample(n=n, random_state=random_state)

    def rows(self, column: str, value) -> pd.DataFrame:
        """The customers of the view whose ``column`` equals ``value`` (what a download holds)."""
        return self.table[self.table[column] == value]

    @cached_property
    def uptake_by_month(self) -> pd.DataFrame:
        return loyalty.uptake_by_month(self.table, as_of=self.table.attrs.get("as_of"))

    def uptake_by(self, by: str) -> pd.DataFrame:
        return loyalty.uptake_by(self.table, by)

    @cached_property
    def members_vs_non_members(self) -> pd.DataFrame:
        return loyalty.members_vs_non_members(self.table)

    @cached_property
    def loyalty_tiers(self) -> pd.DataFrame:
        return loyalty.tier_mix(self.table)


def aggregates(
    table: pd.DataFrame,
    settings: Settings,
    members: pd.DataFrame | None = None,
    monthly: pd.DataFrame | None = None,
    filters: dict | None = None,
) -> Aggregates:
    return Aggregates(
        table=table, settings=settings, members=members, monthly=monthly, filters=filters or {}
    )


# --------------------------------------------------------------------------- trends and views


def monthly_spend(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    as_of=None,
    by: Sequence[str] = ("customer_type", "channel", "region"),
) -> pd.DataFrame:
    """Premiums (``spend``, amount >= 0) and ``refunds`` per month and customer group, up to
    ``as_of``; ``by`` columns come from ``customers`` when it has them. Pre-grouped so a view
    filtered by those attributes sums a few thousand rows instead of every transaction.

    Grouping is integer arithmetic: customer ids are factorised once and each attribute is looked
    up per distinct customer, not per transaction (10M rows in a couple of seconds).
    """
    days = pd.to_datetime(transactions["transaction_date"]).to_numpy(dtype="datetime64[D]")
    keep = (
        days <= np.datetime64(pd.Timestamp(as_of).date(), "D")
        if as_of is not None
        else np.ones(len(days), bool)
    )
    months = days[keep].astype("datetime64[M]")
    amount = transactions["amount"].to_numpy(dtype=float)[keep]
    if len(months) == 0:
        return pd.DataFrame(columns=["month", "spend", "refunds"])
    first = months.min()
    key = (months - first).astype(np.int64)
    size = int(key.max()) + 1
    levels: list[tuple[str, np.ndarray]] = []
    if customers is not None:
        codes, uniques = pd.factorize(transactions["customer_id"])  # Arrow strings: fast
        codes = codes[keep]
        lookup = customers.drop_duplicates("customer_id").set_index("customer_id")
        for column in by:
            if column not in lookup:
                continue
            values = lookup[column].reindex(uniques)
            value_codes, value_names = pd.factorize(values, use_na_sentinel=False)
            key = key * len(value_names) + value_codes[codes]
            size *= len(value_names)
            levels.append((column, np.asarray(value_names, dtype=object)))
    spend = np.bincount(key, weights=np.where(amount >= 0, amount, 0.0), minlength=size)
    refunds = np.bincount(key, weights=np.where(amount < 0, amount, 0.0), minlength=size)
    present = np.flatnonzero(np.bincount(key, minlength=size))
    out = {}
    rest = present
    for column, names in reversed(levels):
        out[column] = names[rest % len(names)]
        rest = rest // len(names)
    frame = pd.DataFrame({"month": (first + rest).astype("datetime64[s]")})
    for column, _ in levels:
        frame[column] = out[column]
    frame["spend"] = spend[present]
    frame["refunds"] = refunds[present]
    return frame
