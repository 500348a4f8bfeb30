"""The policy book of the customers in view: persistency groups, contract retention (sBG) per
group with its projection, backtest and the residual premium value of the in-force book.

Builds on :mod:`analytics.persistency` (the persistency rule, which also gives policy-year
survival, K = 12t + 1) and :mod:`analytics.sbg` (the model). Pure: DataFrames in, DataFrames out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics._fast import positions, take_labels
from analytics._validate import CodedError
from analytics.persistency import PAYMENTS_PER_YEAR, survivors_from_status
from analytics.persistency import per_year as payments_per_year


def _sbg():
    """:mod:`analytics.sbg` (with scipy.optimize), imported when a model is fitted or used."""
    from analytics import sbg

    return sbg


__all__ = [
    "CUSTOMER_COLUMNS",
    "in_force",
    "policies_in_view",
    "residual_values",
    "retention_by",
    "retention_curves",
]

#: Customer attributes a policy is grouped by, taken from the scored table.
CUSTOMER_COLUMNS = ("customer_type", "segment", "value_tier", "region", "is_member")


def policies_in_view(
    policies: pd.DataFrame, view: pd.DataFrame, products: Sequence[str] = ()
) -> pd.DataFrame:
    """The policies of the customers in ``view`` (the scored table after the sidebar's filters),
    of the ``products`` lines when given, with each customer's :data:`CUSTOMER_COLUMNS` (text
    labels as categoricals: :func:`analytics._fast.take_labels`)."""
    columns = ["customer_id", *[c for c in CUSTOMER_COLUMNS if c in view]]
    customers = view[columns].drop_duplicates("customer_id")
    kept = policies
    if products and "product_line" in kept:
        kept = kept[kept["product_line"].isin(list(products))]
    own = [c for c in kept.columns if c not in columns or c == "customer_id"]
    # an inner join on the customer (numbered ids matched without hashing text)
    rows = positions(kept["customer_id"], customers["customer_id"])
    matched = rows >= 0
    # every policy matched (no filter): the columns are shared, not copied (a million policies)
    out = (kept[own] if matched.all() else kept.loc[matched, own]).reset_index(drop=True)
    for column in columns[1:]:  # a customer's labels repeated per policy: as codes
        out[column] = take_labels(customers[column], rows[matched])
    return out


def in_force(policies: pd.DataFrame, as_of) -> pd.DataFrame:
    """Regular-premium policies in force at ``as_of``: issued by then and not ended by then
    (in force now, or ended after ``as_of``). Adds ``annual_premium`` and ``renewals_n`` (the n
    of DERL: completed policy years + 1)."""
    as_of = pd.Timestamp(as_of).normalize()
    regular = policies[policies["payment_mode"].isin(list(PAYMENTS_PER_YEAR))]
    issue = pd.to_datetime(regular["issue_date"])
    ended = pd.to_datetime(regular.get("status_date", pd.Series(pd.NaT, index=regular.index)))
    status = regular.get("status", pd.Series("in_force", index=regular.index))
    alive = (issue <= as_of) & ((status == "in_force") | (ended > as_of))
    rows = regular[alive]
    issue = issue[alive]
    months = (as_of.year - issue.dt.year) * 12 + (as_of.month - issue.dt.month)
    months = months - (as_of.day < issue.dt.day)
    per_year = payments_per_year(rows["payment_mode"])
    return rows.assign(
        annual_premium=rows["installment_premium"].astype(float) * per_year,
        renewals_n=(months // 12 + 1).astype(int),
    )


def retention_by(status: pd.DataFrame, as_of, by: str | None = None) -> dict:
    """The sBG model per group (or for the whole book) fitted on policy-year survival from the
    persistency rule: ``{group: {"fit": SbgFit, "survivors": frame}}``. A group whose cohorts
    hold no observed renewal, or whose fit fails, maps to ``{"error": code}``."""
    survivors = survivors_from_status(status, as_of, by)
    groups = survivors.groupby(by, observed=True) if by else [("all", survivors)]
    out: dict = {}
    for group, frame in groups:
        label = group[0] if isinstance(group, tuple) else group
        if frame.empty:
            continue
        try:
            fitted = _sbg().fit_frame(frame[["cohort", "period", "survivors"]])
        except CodedError as exc:
            out[label] = {"error": exc.code, "survivors": frame}
            continue
        out[label] = {"fit": fitted, "survivors": frame}
    return out


def retention_curves(models: dict, horizon: int = 10) -> pd.DataFrame:
    """Actual and projected survival per group, periods 0..``horizon``: ``group, period,
    actual, projected``. ``actual`` chains the observed retention rates over the cohorts seen
    at each period (sum survivors at t / at t - 1 over those cohorts), empty where none is;
    ``projected`` is the fitted ``S(t)``."""
    rows = []
    for group, model in models.items():
        if "fit" not in model:
            continue
        frame = model["survivors"]
        wide = frame.pivot_table(index="cohort", columns="period", values="survivors")
        actual, level = {0: 1.0}, 1.0
        for period in range(1, int(wide.columns.max()) + 1):
            seen = wide[period].notna()
            if not seen.any():
                break
            before = wide.loc[seen, period - 1].sum()
            level *= wide.loc[seen, period].sum() / before if before else np.nan
            actual[period] = level
        fitted = model["fit"]
        projected = _sbg().survival(fitted.alpha, fitted.beta, np.arange(horizon + 1))
        for period in range(horizon + 1):
            rows.append({"group": group, "period": period, "actual": actual.get(period, np.nan),
                         "projected": float(projected[period])})  # fmt: skip
    return pd.DataFrame(rows, columns=["group", "period", "actual", "projected"])


def residual_values(
    policies: pd.DataFrame, models: dict, as_of, by: str | None, discount: float
) -> pd.DataFrame:
    """The residual premium value of the book in force at ``as_of``, per group: each policy's
    annualised premium x DERL(discount | a, b, n) under its group's fit (Fader & Hardie 2010).
    Columns: ``group, policies, annual_premium, alpha, beta, mean_derl, residual_value``; a
    group without a fit has no value (NaN)."""
    book = in_force(policies, as_of)
    keys = book[by] if by else pd.Series("all", index=book.index)
    rows = []
    for group, rows_of in book.groupby(keys, observed=True, sort=True):
        model = models.get(group, {})
        fitted = model.get("fit")
        premium = float(rows_of["annual_premium"].sum())
        if fitted is None:
            rows.append({"group": group, "policies": len(rows_of), "annual_premium": premium,
                         "alpha": np.nan, "beta": np.nan, "mean_derl": np.nan,
                         "residual_value": np.nan})  # fmt: skip
            continue
        # n takes a few values (policy years): DERL once per value, not once per policy
        renewals, where = np.unique(rows_of["renewals_n"].to_numpy(), return_inverse=True)
        derl = _sbg().derl(fitted.alpha, fitted.beta, renewals, discount)[where.ravel()]
        value = float((rows_of["annual_premium"].to_numpy() * derl).sum())
        rows.append({"group": group, "policies": len(rows_of), "annual_premium": premium,
                     "alpha": fitted.alpha, "beta": fitted.beta, "mean_derl": float(derl.mean()),
                     "residual_value": value})  # fmt: skip
    return pd.DataFrame(rows, columns=["group", "policies", "annual_premium", "alpha", "beta",
                                       "mean_derl", "residual_value"])  # fmt: skip
