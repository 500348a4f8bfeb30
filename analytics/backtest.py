"""Backtest of the purchase model: fit on a calibration period, predict the holdout.

Our own split on our own summary (lifetimes' ``calibration_and_holdout_data`` breaks on pandas 3).
Actual holdout purchases are purchase days (amount >= 0) in ``(calibration_end, holdout_end]``
of customers who bought in the calibration period, counted as in :func:`analytics.summarise`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics._validate import require_columns
from analytics.clv import ClvResult, expected_purchases, fit_clv
from analytics.summary import summarise, unit_days

__all__ = ["BacktestResult", "backtest", "decile_lift", "mean_absolute_error"]


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Calibration fit vs holdout: totals, MAE per customer, by-frequency table, decile lift."""

    fit: ClvResult
    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp
    holdout_length: float  # in the summary unit
    actual_purchases: float
    predicted_purchases: float
    mae: float
    frequency_cap: int  # by_frequency's last row holds every customer at or above it
    customers: pd.DataFrame = field(repr=False)  # per customer: frequency, actual, predicted
    by_frequency: pd.DataFrame = field(repr=False)
    deciles: pd.DataFrame = field(repr=False)


def backtest(
    transactions: pd.DataFrame,
    calibration_end,
    holdout_end,
    *,
    unit: str = "W",
    model: str = "bgnbd",
    max_frequency: int = 7,
) -> BacktestResult:
    """Fit on purchases up to ``calibration_end``; predict repeat purchases up to ``holdout_end``.

    Needs ``customer_id``, ``transaction_date``, ``amount``. ``by_frequency`` groups customers by
    calibration frequency (capped at ``max_frequency``): ``frequency, customers, actual,
    predicted`` (means per customer); ``deciles`` is :func:`decile_lift`.
    """
    require_columns(transactions, ["customer_id", "transaction_date", "amount"], "backtest")
    calibration_end = pd.Timestamp(calibration_end).normalize()
    holdout_end = pd.Timestamp(holdout_end).normalize()
    if holdout_end <= calibration_end:
        raise ValueError("the holdout must end after the calibration period")
    calibration = summarise(transactions, as_of=calibration_end, unit=unit)
    if calibration.empty:
        raise ValueError("no purchases in the calibration period")
    dates = pd.to_datetime(transactions["transaction_date"]).dt.normalize()
    in_holdout = (dates > calibration_end) & (dates <= holdout_end) & (transactions["amount"] >= 0)
    holdout = (
        pd.DataFrame(
            {"customer_id": transactions["customer_id"][in_holdout], "day": dates[in_holdout]}
        )
        .drop_duplicates()
        .groupby("customer_id")
        .size()
    )
    actual = holdout.reindex(calibration["customer_id"]).fillna(0).to_numpy(dtype=float)
    fit = fit_clv(calibration, model=model)
    length = (holdout_end - calibration_end).days / unit_days(unit)
    predicted = expected_purchases(
        fit, length, calibration["frequency"], calibration["recency"], calibration["T"]
    )
    customers = pd.DataFrame(
        {
            "customer_id": calibration["customer_id"],
            "frequency": calibration["frequency"],
            "actual": actual,
            "predicted": predicted,
        }
    )
    capped = customers["frequency"].clip(upper=max_frequency)
    by_frequency = (
        customers.assign(frequency=capped)
        .groupby("frequency")
        .agg(
            customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
        )
        .reset_index()
    )
    return BacktestResult(
        fit=fit,
        calibration_end=calibration_end,
        holdout_end=holdout_end,
        holdout_length=length,
        actual_purchases=float(actual.sum()),
        predicted_purchases=float(np.nansum(predicted)),
        mae=mean_absolute_error(actual, predicted),
        frequency_cap=max_frequency,
        customers=customers,
        by_frequency=by_frequency,
        deciles=decile_lift(customers),
    )


def mean_absolute_error(actual, predicted) -> float:
    """Mean over customers of |actual - predicted| holdout purchases (NaN without predictions)."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    if len(actual) == 0 or np.isnan(predicted).all():
        return float("nan")
    return float(np.mean(np.abs(actual - predicted)))


def decile_lift(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers ranked by prediction (ties by id) into ten equal groups, 1 = highest predicted:
    ``decile, customers, actual, predicted, lift`` (lift = the decile's mean actual over the
    overall mean actual). Needs ``customer_id``, ``actual``, ``predicted``."""
    require_columns(customers, ["customer_id", "actual", "predicted"], "decile_lift")
    if customers.empty or customers["predicted"].isna().all():
        return pd.DataFrame(columns=["decile", "customers", "actual", "predicted", "lift"])
    order = np.lexsort(
        (customers["customer_id"].to_numpy(dtype=str), -customers["predicted"].to_numpy())
    )
    decile = np.empty(len(customers), dtype=np.int64)
    decile[order] = np.arange(len(customers)) * 10 // len(customers) + 1
    table = (
        customers.assign(decile=decile)
        .groupby("decile")
        .agg(
            customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
        )
        .reset_index()
    )
    overall = customers["actual"].mean()
    table["lift"] = table["actual"] / overall if overall > 0 else np.nan
    return table
