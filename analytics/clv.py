"""Customer lifetime value: BG/NBD (or Pareto/NBD) + Gamma-Gamma, the only module that imports
``lifetimes``.

* Purchase model: BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") or
  Pareto/NBD (Schmittlein, Morrison & Colombo 1987), fitted by ``lifetimes`` on the unique
  ``(frequency, recency, T)`` rows with their counts as weights, so the fit's cost depends on the
  number of distinct rows, not customers. Above ``max_fit_rows`` distinct rows, the rows of a
  seeded random sample of customers are fitted instead (:attr:`ClvResult.fit_customers` says how
  many), which bounds the fit's time at any customer count. The CDNOW sample and the
  20,000-customer demo fit every customer.
* Spend model: Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"), fitted on customers with
  frequency > 0 and monetary_value > 0 (a seeded sample above ``max_spend_customers``).
* CLV over ``horizon_months`` at an annual discount rate:
  ``sum_i (E[N(t_i)] - E[N(t_{i-1})]) * E[spend] / (1 + d)^i`` with monthly steps
  ``t_i = i * 30.4375 days`` and ``d = (1 + annual)^(1/12) - 1``.

A fit that fails (no convergence, too few repeat customers, no positive spend) never raises: the
result says why and what was done instead (:attr:`ClvResult.status`).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import betaln, gammaln, hyp2f1

from analytics._validate import require_columns
from analytics.summary import UNIT_DAYS, summarise

__all__ = [
    "BacktestResult",
    "ClvResult",
    "MIN_REPEAT_CUSTOMERS",
    "backtest",
    "bgnbd_log_likelihood",
    "expected_purchases_bgnbd",
    "frequency_recency_matrix",
    "lifetimes_reference_fit",
    "lifetimes_reference_summary",
    "fit_clv",
    "score_clv",
]

MIN_REPEAT_CUSTOMERS = 20
_MONTH_DAYS = 30.4375


@dataclass(frozen=True, eq=False)
class ClvResult:
    """Fitted models (or why not) plus the settings they were fitted with.

    ``status`` is ``"ok"``, ``"no_spend_model"`` (purchases modelled, spend taken as each
    customer's observed mean) or ``"rfm_only"`` (no model: CLV, P(alive) and expected purchases
    are missing and pages fall back to RFM and spend). ``message`` explains, in one sentence.
    """

    status: str
    message: str
    model: str
    unit: str
    purchase_params: dict[str, float] = field(default_factory=dict)
    spend_params: dict[str, float] = field(default_factory=dict)
    log_likelihood: float | None = None
    n_customers: int = 0
    n_repeat_customers: int = 0
    n_fit_rows: int = 0
    fit_customers: int = 0  # customers behind the purchase-model fit (all, or a seeded sample)
    purchase_model: object = field(default=None, repr=False)
    spend_model: object = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def has_purchase_model(self) -> bool:
        return self.purchase_model is not None


def _quiet():
    """lifetimes prints the optimiser's output before raising; keep it off our stdout."""
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    return stack


def _fit_rows(summary: pd.DataFrame, max_rows: int, random_state: int) -> tuple[pd.DataFrame, int]:
    """Distinct (frequency, recency, T) rows with counts as weights, at most ``max_rows``.

    Exact when the data has few enough distinct rows; otherwise the rows of a seeded random
    sample of customers, as large as the cap allows. Returns the rows and the number of customers
    behind them.
    """
    base = summary[["frequency", "recency", "T"]].astype(float)
    grouped = base.groupby(["frequency", "recency", "T"], sort=False).size()
    size = len(base)
    rng = np.random.default_rng(random_state)
    while len(grouped) > max_rows and size > 1:
        size = max(int(size * max_rows / len(grouped) * 0.98), 1)
        chosen = base.iloc[np.sort(rng.choice(len(base), size=size, replace=False))]
        grouped = chosen.groupby(["frequency", "recency", "T"], sort=False).size()
    return grouped.rename("weight").reset_index(), size


def fit_clv(
    summary: pd.DataFrame,
    *,
    model: str = "bgnbd",
    penalizer: float = 0.0,
    max_fit_rows: int = 20_000,
    max_spend_customers: int = 20_000,
    weighted: bool = True,
    random_state: int = 0,
) -> ClvResult:
    """Fit the purchase model and Gamma-Gamma on a summary (``analytics.summarise``).

    Needs ``frequency``, ``recency``, ``T`` and ``monetary_value``. ``weighted=False`` fits on
    every customer row (the slow reference route, used to show both give the same parameters).
    """
    require_columns(summary, ["frequency", "recency", "T", "monetary_value"], "fit_clv")
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
    from lifetimes.utils import ConvergenceError

    unit = summary.attrs.get("unit", "D")
    n = len(summary)
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    base = {"model": model, "unit": unit, "n_customers": n, "n_repeat_customers": len(repeat)}
    if model not in ("bgnbd", "pareto_nbd"):
        raise ValueError(f"unknown purchase model {model!r}; use bgnbd or pareto_nbd")
    if (summary["frequency"] > 0).sum() < MIN_REPEAT_CUSTOMERS:
        return ClvResult(
            status="rfm_only",
            message=(
                f"only {int((summary['frequency'] > 0).sum())} customers bought more than once "
                f"(at least {MIN_REPEAT_CUSTOMERS} are needed to fit a purchase model); "
                "showing RFM and spend without CLV"
            ),
            **base,
        )
    if weighted:
        rows, fit_customers = _fit_rows(summary, max_fit_rows, random_state)
    else:
        rows = summary[["frequency", "recency", "T"]].assign(weight=1)
        fit_customers = n
    fitter = (
        BetaGeoFitter(penalizer_coef=penalizer)
        if model == "bgnbd"
        else ParetoNBDFitter(penalizer_coef=penalizer)
    )
    try:
        with _quiet():
            fitter.fit(
                rows["frequency"].to_numpy(),
                rows["recency"].to_numpy(),
                rows["T"].to_numpy(),
                weights=rows["weight"].to_numpy(),
            )
        params = {k: float(v) for k, v in fitter.params_.items()}
        if not all(np.isfinite(list(params.values()))):
            raise ConvergenceError("non-finite parameters")
    except (ConvergenceError, ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
        return ClvResult(
            status="rfm_only",
            message=(
                f"the {_model_name(model)} purchase model did not converge "
                f"({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}); "
                "showing RFM and spend without CLV"
            ),
            **base,
        )
    if model == "bgnbd":
        log_likelihood = bgnbd_log_likelihood(
            params, rows["frequency"], rows["recency"], rows["T"], rows["weight"]
        )
    else:  # lifetimes' own value, on its internally rescaled time axis
        log_likelihood = -float(fitter._negative_log_likelihood_) * float(rows["weight"].sum())
    fitted = {
        **base,
        "purchase_params": params,
        "log_likelihood": log_likelihood,
        "n_fit_rows": len(rows),
        "fit_customers": fit_customers,
        "purchase_model": fitter,
    }
    if len(repeat) < MIN_REPEAT_CUSTOMERS:
        return ClvResult(
            status="no_spend_model",
            message=(
                f"only {len(repeat)} repeat customers with positive spend: too few for the "
                "Gamma-Gamma spend model, so CLV uses each customer's observed mean spend"
            ),
            **fitted,
        )
    if len(repeat) > max_spend_customers:  # a seeded sample bounds the fit's cost
        repeat = repeat.sample(n=max_spend_customers, random_state=random_state)
    spend = GammaGammaFitter(penalizer_coef=penalizer)
    try:
        with _quiet():
            spend.fit(repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy())
        spend_params = {k: float(v) for k, v in spend.params_.items()}
        if not all(np.isfinite(list(spend_params.values()))):
            raise ConvergenceError("non-finite parameters")
    except (ConvergenceError, ValueError, FloatingPointError, np.linalg.LinAlgError):
        return ClvResult(
            status="no_spend_model",
            message=(
                "the Gamma-Gamma spend model did not converge, so CLV uses each customer's "
                "observed mean spend"
            ),
            **fitted,
        )
    if spend_params["q"] <= 1:
        # The population mean spend v * p / (q - 1) only exists for q > 1.
        return ClvResult(
            status="no_spend_model",
            message=(
                f"the Gamma-Gamma fit gave q = {spend_params['q']:.2f} <= 1 (spend too heavy-tailed "
                "for a finite average), so CLV uses each customer's observed mean spend"
            ),
            **fitted,
        )
    return ClvResult(
        status="ok",
        message=(
            f"{_model_name(model)} fitted on {fit_customers:,} customers ({len(rows):,} distinct "
            f"rows); Gamma-Gamma on {len(repeat):,} repeat customers"
        ),
        spend_params=spend_params,
        spend_model=spend,
        **fitted,
    )


def _model_name(model: str) -> str:
    return {"bgnbd": "BG/NBD", "pareto_nbd": "Pareto/NBD"}.get(model, model)


# --------------------------------------------------------------------------- BG/NBD formulas


def bgnbd_log_likelihood(params: dict[str, float], x, t_x, T, weights=None) -> float:
    """Total BG/NBD log-likelihood (eq. 6 of Fader, Hardie & Lee 2005) in the data's time unit.

    ``ln L = ln Γ(r+x) - ln Γ(r) + r ln α + ln[ B(a,b+x)/B(a,b) (α+T)^-(r+x)
    + δ(x>0) B(a+1,b+x-1)/B(a,b) (α+t_x)^-(r+x) ]``; the CDNOW sample gives -9582.4.
    """
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    survived = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    with np.errstate(invalid="ignore", divide="ignore"):
        dropped = np.where(
            x > 0,
            betaln(a + 1, np.maximum(b + x - 1, 1e-300))
            - betaln(a, b)
            - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return float(np.sum(w * (common + np.logaddexp(survived, dropped))))


def _bgnbd_terms(params: dict[str, float], x, t_x, T):
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    # Denominator of E[Y(t)] (eq. 10 of Fader, Hardie & Lee 2005); 1 / P(alive) shares it.
    log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        odds = np.where(
            x > 0, np.exp(np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + log_ratio), 0.0
        )
    return r, alpha, a, b, x, T, odds


def expected_purchases_bgnbd(params: dict[str, float], t: float, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T] of BG/NBD (eq. 10, Fader, Hardie & Lee 2005), vectorised.

    The hypergeometric part depends only on (x, T), so it is evaluated once per distinct pair.
    """
    r, alpha, a, b, x, T, odds = _bgnbd_terms(params, x, t_x, T)
    codes, px, pT = _pairs(x, T)
    return _bgnbd_numerator(r, alpha, a, b, px, pT, t)[codes] / (1 + odds)


def _pairs(x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of the distinct (x, T) pairs and the pairs themselves."""
    codes, uniques = pd.MultiIndex.from_arrays([x, T]).factorize()
    return (
        codes,
        uniques.get_level_values(0).to_numpy(float),
        uniques.get_level_values(1).to_numpy(float),
    )


def _bgnbd_numerator(r, alpha, a, b, x, T, t):
    """``(a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; z)]``."""
    z = t / (alpha + T + t)
    hyper = hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyper)


# --------------------------------------------------------------------------- scoring


def score_clv(
    summary: pd.DataFrame,
    fit: ClvResult,
    *,
    horizon_months: int = 36,
    annual_discount_rate: float = 0.08,
) -> pd.DataFrame:
    """P(alive), expected purchases and CLV over the horizon for every customer of ``summary``.

    Returns ``p_alive``, ``expected_purchases``, ``expected_spend`` and ``clv`` on the summary's
    index; all missing when ``fit.status == "rfm_only"``.
    """
    require_columns(summary, ["frequency", "recency", "T", "monetary_value"], "score_clv")
    if horizon_months < 1:
        raise ValueError("horizon_months must be at least 1")
    if not -0.99 < annual_discount_rate < 10:
        raise ValueError("annual_discount_rate must be a fraction such as 0.08")
    n = len(summary)
    out = pd.DataFrame(index=summary.index)
    if not fit.has_purchase_model or n == 0:
        for column in ("p_alive", "expected_purchases", "expected_spend", "clv"):
            out[column] = np.full(n, np.nan)
        return out
    unit_length = UNIT_DAYS[summary.attrs.get("unit", fit.unit)]
    step = _MONTH_DAYS / unit_length  # one month in the summary's unit
    monthly = (1 + annual_discount_rate) ** (1 / 12) - 1

    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    months = np.arange(1, horizon_months + 1)
    discount = (1 + monthly) ** -months
    spend = expected_spend(summary, fit)
    if fit.model == "bgnbd":
        # E[Y(t)] = A(x, T, t) / (1 + odds(x, t_x, T)): the costly A only per distinct (x, T).
        r, alpha, a, b, _, _, odds = _bgnbd_terms(fit.purchase_params, x, t_x, T)
        codes, px, pT = _pairs(x, T)
        cumulative = np.vstack([_bgnbd_numerator(r, alpha, a, b, px, pT, m * step) for m in months])
        increments = np.diff(np.vstack([np.zeros(len(px)), cumulative]), axis=0)
        scale = 1 / (1 + odds)
        out["p_alive"] = np.clip(scale, 0.0, 1.0)
        out["expected_purchases"] = cumulative[-1][codes] * scale
        out["expected_spend"] = spend
        out["clv"] = (discount @ increments)[codes] * scale * spend
        return out
    keys, inverse = np.unique(np.c_[x, t_x, T], axis=0, return_inverse=True)
    inverse = inverse.ravel()
    kx, kt, kT = keys.T
    model = fit.purchase_model
    with _quiet():
        p_alive = np.asarray(model.conditional_probability_alive(kx, kt, kT), dtype=float)
        cumulative = np.vstack(
            [
                np.asarray(
                    model.conditional_expected_number_of_purchases_up_to_time(m * step, kx, kt, kT),
                    dtype=float,
                )
                for m in months
            ]
        )
    increments = np.diff(np.vstack([np.zeros(len(kx)), cumulative]), axis=0)
    out["p_alive"] = np.clip(p_alive[inverse], 0.0, 1.0)
    out["expected_purchases"] = cumulative[-1][inverse]
    out["expected_spend"] = spend
    out["clv"] = (discount @ increments)[inverse] * spend
    return out


def expected_spend(summary: pd.DataFrame, fit: ClvResult) -> np.ndarray:
    """Gamma-Gamma conditional expected spend per purchase (eq. 5, Fader, Hardie & Lee 2005).

    ``(p * x) / (p * x + q - 1) * m_x + (q - 1) / (p * x + q - 1) * (v * p) / (q - 1)``; without
    a spend model, the observed mean spend per purchase day (first day included).
    """
    x = summary["frequency"].to_numpy(dtype=float)
    m = summary["monetary_value"].to_numpy(dtype=float)
    if fit.spend_params:
        p, q, v = (fit.spend_params[k] for k in ("p", "q", "v"))
        population = v * p / (q - 1)
        weight = (p * x) / (p * x + q - 1)
        return np.where(m > 0, weight * m + (1 - weight) * population, population)
    days = x + 1
    total = summary["total_spend"].to_numpy(dtype=float) if "total_spend" in summary else m * x
    return np.where(days > 0, total / days, 0.0)


# --------------------------------------------------------------------------- backtest


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

    Our own split on our own summary (lifetimes' ``calibration_and_holdout_data`` breaks on
    pandas 3). Actual holdout purchases are purchase days (amount >= 0) in
    ``(calibration_end, holdout_end]`` of customers who bought in the calibration period.
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
    length = (holdout_end - calibration_end).days / UNIT_DAYS[unit]
    if fit.has_purchase_model:
        if fit.model == "bgnbd":
            predicted = expected_purchases_bgnbd(
                fit.purchase_params,
                length,
                calibration["frequency"],
                calibration["recency"],
                calibration["T"],
            )
        else:
            with _quiet():
                predicted = np.asarray(
                    fit.purchase_model.conditional_expected_number_of_purchases_up_to_time(
                        length,
                        calibration["frequency"].to_numpy(),
                        calibration["recency"].to_numpy(),
                        calibration["T"].to_numpy(),
                    ),
                    dtype=float,
                )
    else:
        predicted = np.full(len(calibration), np.nan)
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
    deciles = _deciles(customers)
    return BacktestResult(
        fit=fit,
        calibration_end=calibration_end,
        holdout_end=holdout_end,
        holdout_length=length,
        actual_purchases=float(actual.sum()),
        predicted_purchases=float(np.nansum(predicted)),
        mae=float(np.mean(np.abs(actual - predicted))) if fit.has_purchase_model else float("nan"),
        customers=customers,
        by_frequency=by_frequency,
        deciles=deciles,
    )


def _deciles(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers ranked by prediction into ten equal groups (1 = highest predicted)."""
    if customers["predicted"].isna().all():
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


def frequency_recency_matrix(
    fit: ClvResult,
    horizon: float,
    max_frequency: int = 20,
    recency_steps: int = 12,
    T: float | None = None,
) -> pd.DataFrame:
    """Expected purchases over ``horizon`` and P(alive) for a customer of age ``T`` (default: the
    fit's longest history) at each frequency 0..max_frequency and recency 0..T (the classic
    frequency/recency matrices of Fader, Hardie & Lee 2005, Figures 4 and 5).

    Long format: ``frequency``, ``recency``, ``expected_purchases``, ``p_alive``.
    """
    if not fit.has_purchase_model:
        return pd.DataFrame(columns=["frequency", "recency", "expected_purchases", "p_alive"])
    data = getattr(fit.purchase_model, "data", None)
    age = float(T if T is not None else (data["T"].max() if data is not None else 1.0))
    frequency, recency = np.meshgrid(
        np.arange(max_frequency + 1), np.linspace(0, age, recency_steps + 1)
    )
    x, t_x = frequency.ravel().astype(float), recency.ravel()
    ages = np.full_like(t_x, age)
    if fit.model == "bgnbd":
        expected = expected_purchases_bgnbd(fit.purchase_params, horizon, x, t_x, ages)
        *_, odds = _bgnbd_terms(fit.purchase_params, x, t_x, ages)
        alive = 1 / (1 + odds)
    else:
        with _quiet():
            model = fit.purchase_model
            expected = np.asarray(
                model.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, ages),
                float,
            )
            alive = np.asarray(model.conditional_probability_alive(x, t_x, ages), float)
    return pd.DataFrame(
        {
            "frequency": x.astype(int),
            "recency": t_x,
            "expected_purchases": expected,
            "p_alive": alive,
        }
    )


# --------------------------------------------------------------------------- reference route


def lifetimes_reference_summary(
    transactions: pd.DataFrame, as_of=None, unit: str = "D"
) -> pd.DataFrame:
    """lifetimes' own ``summary_data_from_transaction_data`` (its daily periods, scaled to the
    unit): the plain route the weighted fit is compared with. Negative amounts are left out, as
    purchases are in :func:`analytics.summary.summarise`."""
    require_columns(
        transactions, ["customer_id", "transaction_date", "amount"], "lifetimes_reference_summary"
    )
    from lifetimes.utils import summary_data_from_transaction_data

    purchases = transactions.loc[
        transactions["amount"] >= 0, ["customer_id", "transaction_date", "amount"]
    ]
    with _quiet():
        return summary_data_from_transaction_data(
            purchases,
            "customer_id",
            "transaction_date",
            monetary_value_col="amount",
            observation_period_end=as_of,
            freq="D",
            freq_multiplier=UNIT_DAYS[unit],
        )


def lifetimes_reference_fit(summary: pd.DataFrame) -> tuple[dict[str, float], dict[str, float]]:
    """Unweighted BG/NBD and Gamma-Gamma fits, one row per customer (the plain lifetimes route).

    Returns the BG/NBD and the Gamma-Gamma parameters.
    """
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    with _quiet():
        purchase = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
        repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        spend = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    return dict(purchase.params_), dict(spend.params_)
