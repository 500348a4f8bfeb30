"""The tables the dashboard's pages draw, computed on demand for the customers in view.

Every table here is an aggregate (grouped, binned or sampled), so charts never receive one point
per customer. :class:`Aggregates` computes each table once, on first use, and keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from analytics import churn, clusters, loyalty, pareto, rfm, trend
from analytics.pipeline import Settings, value_basis

__all__ = ["Aggregates", "Headline"]


@dataclass(frozen=True)
class Headline:
    """What a dashboard's first page shows of a view, small enough to keep on disk: the number
    of customers, the headline figures, value concentration, tiers, segment mix, churn by tier
    and the spend trend (each as :class:`Aggregates` computes it)."""

    size: int
    kpis: dict
    concentration: pd.DataFrame
    abc_basis: str
    value_basis: str
    tiers: pd.DataFrame
    segments: pd.DataFrame
    spend_trend: pd.DataFrame
    churn_by_tier: pd.DataFrame | None


@dataclass(frozen=True, eq=False)
class Aggregates:
    """Aggregates of ``table`` (the scored customers in view).

    ``members`` is the loyalty members table (its earliest enrolment is the programme's launch);
    ``monthly`` comes from :func:`analytics.trend.monthly_spend` over every customer and is
    narrowed by ``settings.filters``.
    """

    table: pd.DataFrame = field(repr=False)
    settings: Settings = Settings()
    members: pd.DataFrame | None = field(default=None, repr=False)
    monthly: pd.DataFrame | None = field(default=None, repr=False)

    @cached_property
    def member_table(self) -> pd.DataFrame | None:
        """``members``, read when first asked for (``members`` may be a function reading it)."""
        return self.members() if callable(self.members) else self.members

    @property
    def value_basis(self) -> str:
        return value_basis(self.table, "clv")

    @property
    def abc_basis(self) -> str:
        return value_basis(self.table, self.settings.abc_value)

    @property
    def has_model(self) -> bool:
        return bool(self.table["churn_risk"].notna().any()) if len(self.table) else False

    def headline(self) -> Headline:
        """The view's :class:`Headline`."""
        return Headline(
            size=len(self.table),
            kpis=self.kpis,
            concentration=self.concentration,
            abc_basis=self.abc_basis,
            value_basis=self.value_basis,
            tiers=self.tiers,
            segments=self.segments,
            spend_trend=self.spend_trend,
            churn_by_tier=self.churn_by("value_tier") if self.has_model else None,
        )

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
        """Per churn band: customers, share, spend in the last 12 months, premium at risk."""
        return churn.band_summary(self.table)

    @cached_property
    def band_shares(self) -> dict[str, float]:
        return churn.band_shares(self.table["churn_risk"], self.settings.churn_cuts)

    @cached_property
    def tiers(self) -> pd.DataFrame:
        return churn.tier_summary(self.table, value=self.value_basis)

    def churn_by(self, by: str) -> pd.DataFrame:
        """Churn risk and premium at risk per group of ``by``, most premium at risk first."""
        return self._grouped("churn", by, lambda: churn.churn_by(self.table, by))

    def _grouped(self, kind: str, by: str, compute) -> pd.DataFrame:
        """Per-group tables, each computed once per view (pages ask again on every rerun)."""
        kept = self.__dict__.setdefault("_grouped_tables", {})
        if (kind, by) not in kept:
            kept[(kind, by)] = compute()
        return kept[(kind, by)]

    @cached_property
    def action_list(self) -> pd.DataFrame:
        return churn.action_list(self.table)

    @cached_property
    def clusters(self) -> pd.DataFrame:
        return clusters.cluster_profiles(self.table)

    @property
    def has_loyalty(self) -> bool:
        return "is_member" in self.table and self.member_table is not None

    @cached_property
    def spend_trend(self) -> pd.DataFrame:
        """``month``, ``spend``, ``refunds`` for the customers in view."""
        if self.monthly is None:
            return pd.DataFrame(columns=trend.MONTHLY_COLUMNS)
        return trend.filter_monthly(self.monthly, self.settings.filters)

    @property
    def as_of(self) -> pd.Timestamp:
        return pd.Timestamp(self.table.attrs.get("as_of") or pd.Timestamp.now().normalize())

    @cached_property
    def kpis(self) -> dict:
        """Headline numbers of the view (Overview page).

        ``spend_12m`` is the customers' spend in the 12 months before the as-of date (the basis of
        premium at risk); ``spend_change`` compares the last 12 calendar months with the 12 before.
        """
        table = self.table
        n = len(table)
        start = (
            self.monthly["month"].min() if self.monthly is not None and len(self.monthly) else None
        )
        _, _, change = trend.twelve_month_change(self.spend_trend, self.as_of, start)
        has_model = self.has_model
        return {
            "customers": n,
            "active_90": int((table["days_since_last"] <= 90).sum()),
            "spend_12m": float(table["spend_12m"].sum()),
            "spend_change": change,
            "mean_clv": float(table["clv"].mean()) if has_model else np.nan,
            "high_risk_share": float((table["churn_band"] == "high").mean())
            if n and has_model
            else np.nan,
            "premium_at_risk": float(table["premium_at_risk"].sum()) if has_model else np.nan,
            "uptake": float(table["is_member"].mean()) if n and "is_member" in table else np.nan,
        }

    def distribution(
        self, column: str, bins: int = 40, clip_quantile: float = 0.99
    ) -> pd.DataFrame:
        """Histogram ``left``, ``right``, ``customers`` of a column; the top tail above the
        ``clip_quantile`` is folded into the last bin so one outlier cannot flatten the chart."""
        return self._grouped(
            "distribution",
            (column, bins, clip_quantile),
            lambda: self._distribution(column, bins, clip_quantile),
        )

    def _distribution(self, column: str, bins: int, clip_quantile: float) -> pd.DataFrame:
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
        frame = pd.DataFrame({"left": edges[:-1], "right": edges[1:], "customers": counts})
        # the last bin also holds every value above it (the top tail): say where that starts
        frame.attrs["open_above"] = high if float(values.max()) > high else None
        frame.attrs["tail_share"] = float((values > high).mean())
        return frame

    def sample(self, n: int = 3000, random_state: int = 0) -> pd.DataFrame:
        """A seeded sample of the view, for scatter plots (never a million points)."""
        if len(self.table) <= n:
            return self.table
        return self.table.sample(n=n, random_state=random_state)

    def rows(self, column: str, value) -> pd.DataFrame:
        """The customers of the view whose ``column`` equals ``value`` (what a download holds)."""
        return self.table[self.table[column] == value]

    def count(self, column: str, value) -> int:
        """How many rows :meth:`rows` gives, without taking them."""
        return int((self.table[column] == value).sum())

    @property
    def launch(self) -> pd.Timestamp | None:
        """The loyalty programme's launch: its earliest enrolment."""
        if self.member_table is None or self.member_table.empty:
            return None
        return pd.Timestamp(pd.to_datetime(self.member_table["enrolled_at"]).min())

    @cached_property
    def uptake_by_month(self) -> pd.DataFrame:
        return loyalty.uptake_by_month(self.table, as_of=self.as_of, start=self.launch)

    def uptake_by(self, by: str) -> pd.DataFrame:
        return self._grouped("uptake", by, lambda: loyalty.uptake_by(self.table, by))

    @cached_property
    def members_vs_non_members(self) -> pd.DataFrame:
        return loyalty.members_vs_non_members(self.table)

    @cached_property
    def loyalty_tiers(self) -> pd.DataFrame:
        return loyalty.tier_mix(self.table)
