"""Premiums and refunds per calendar month, pre-grouped by customer attributes.

A view filtered by customer type, channel or region then sums a few thousand rows instead of every
transaction (the Overview's spend trend and its year-on-year change).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics._fast import positions, sorted_factorize
from analytics._validate import as_datetimes, require_columns

__all__ = ["MONTHLY_COLUMNS", "filter_monthly", "monthly_spend", "twelve_month_change"]

MONTHLY_COLUMNS = ["month", "spend", "refunds"]

#: Payments taken at a time by :func:`monthly_spend`.
_STEP = 1 << 20


def monthly_spend(
    transactions: pd.DataFrame,
    attributes: pd.DataFrame | None = None,
    as_of=None,
    by: Sequence[str] = ("customer_type", "channel", "region"),
) -> pd.DataFrame:
    """Premiums (``spend``, amount >= 0) and ``refunds`` per month and customer group, up to
    ``as_of``; ``by`` columns come from ``attributes`` (one row per ``customer_id``) when it has
    them. Customers without a row there form their own group (missing value).

    Grouping is integer arithmetic: customer ids are factorised once and each attribute is looked
    up per distinct customer, not per transaction (10M rows in a couple of seconds).
    """
    require_columns(transactions, ["customer_id", "transaction_date", "amount"], "monthly_spend")
    dates = as_datetimes(transactions["transaction_date"])
    if isinstance(dates.dtype, pd.DatetimeTZDtype):  # days counted in UTC, as NumPy counts them
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    instants = dates.to_numpy()
    amounts = transactions["amount"].to_numpy(dtype=float)
    if not len(instants) or dates.isna().all():
        return pd.DataFrame(columns=MONTHLY_COLUMNS)
    low, high = (
        int(np.datetime64(d.date(), "D").astype(np.int64)) for d in (dates.min(), dates.max())
    )
    if as_of is not None:
        high = min(high, int(np.datetime64(pd.Timestamp(as_of).date(), "D").astype(np.int64)))
    if high < low:  # every payment after the as-of date
        return pd.DataFrame(columns=MONTHLY_COLUMNS)
    # each day's month from a table of the few thousand days spanned (NumPy's calendar
    # conversion per row took a second at 10M payments)
    month_of = np.arange(low, high + 1).astype("datetime64[D]").astype("datetime64[M]")
    month_of = month_of.astype(np.int64)
    first = int(month_of[0])
    levels: list[tuple[str, np.ndarray]] = []
    groups = 1
    per_customer = codes = None
    if attributes is not None:
        # numbered ids of one width without hashing text (analytics._fast)
        codes, uniques = sorted_factorize(transactions["customer_id"])
        rows = positions(pd.Series(uniques), attributes["customer_id"])
        # each customer's group (its attributes' codes combined), then one lookup per payment
        per_customer = np.zeros(len(uniques), dtype=np.int64)
        for column in by:
            if column not in attributes:
                continue
            values = pd.Series(attributes[column].array.take(rows, allow_fill=True))
            value_codes, value_names = pd.factorize(values, use_na_sentinel=False)
            per_customer = per_customer * len(value_names) + value_codes
            groups *= len(value_names)
            levels.append((column, np.asarray(value_names, dtype=object)))
    month_key = (month_of - first) * groups
    size = (int(month_of[-1]) - first + 1) * groups
    spend, refunds = np.zeros(size), np.zeros(size)
    counts = np.zeros(size, dtype=np.int64)
    # a million payments at a time: whole-column temporaries were half a gigabyte at 10M
    for start in range(0, len(instants), _STEP):
        part = slice(start, start + _STEP)
        days = instants[part].astype("datetime64[D]").view(np.int64)
        amount = amounts[part]
        kept = (days >= low) & (days <= high)  # up to as_of (a missing date: never)
        group = per_customer[codes[part]] if per_customer is not None else None
        if not kept.all():
            days, amount = days[kept], amount[kept]
            group = group[kept] if group is not None else None
        key = month_key[days - low]
        if group is not None:
            key += group
        positive = amount >= 0
        spend += np.bincount(key, weights=np.where(positive, amount, 0.0), minlength=size)
        refunds += np.bincount(key, weights=np.where(positive, 0.0, amount), minlength=size)
        counts += np.bincount(key, minlength=size)
    present = np.flatnonzero(counts)
    out = {}
    rest = present
    for column, names in reversed(levels):
        out[column] = names[rest % len(names)]
        rest = rest // len(names)
    frame = pd.DataFrame({"month": (np.datetime64(first, "M") + rest).astype("datetime64[s]")})
    for column, _ in levels:
        frame[column] = out[column]
    frame["spend"] = spend[present]
    frame["refunds"] = refunds[present]
    return frame


def filter_monthly(monthly: pd.DataFrame, filters) -> pd.DataFrame:
    """``month, spend, refunds`` summed over the groups that pass ``filters`` (pairs of column and
    allowed values, as in :class:`analytics.pipeline.Settings`)."""
    frame = monthly
    for column, allowed in filters:
        if allowed and column in frame:
            frame = frame[frame[column].isin(allowed)]
    if frame.empty:
        return pd.DataFrame(columns=MONTHLY_COLUMNS)
    return frame.groupby("month")[["spend", "refunds"]].sum().reset_index()


def twelve_month_change(trend: pd.DataFrame, as_of, data_start=None) -> tuple[float, float, float]:
    """Spend in the 12 calendar months up to ``as_of``'s month, in the 12 before, and the change.

    The change is NaN when the earlier year had no spend, or when the data (starting at
    ``data_start``, default the trend's first month) does not cover the whole earlier year: a
    year half-observed is no base for a comparison.
    """
    if trend.empty:
        return 0.0, 0.0, float("nan")
    month = pd.to_datetime(trend["month"])
    this_month = pd.Timestamp(as_of).to_period("M").to_timestamp()
    start = pd.Timestamp(data_start if data_start is not None else month.min())
    covered = start.to_period("M").to_timestamp() <= this_month - pd.DateOffset(months=23)
    last12 = (month > this_month - pd.DateOffset(months=12)) & (month <= this_month)
    prior12 = (month > this_month - pd.DateOffset(months=24)) & (
        month <= this_month - pd.DateOffset(months=12)
    )
    recent, prior = (
        float(trend.loc[last12, "spend"].sum()),
        float(trend.loc[prior12, "spend"].sum()),
    )
    return recent, prior, (recent / prior - 1) if prior > 0 and covered else float("nan")
