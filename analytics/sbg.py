"""Contract retention with the shifted-beta-geometric (sBG) model: pure numpy/scipy.

Each policyholder renews at the end of every period (a policy year) with a fixed chance
``1 - theta``; ``theta`` varies across policyholders as Beta(a, b). For a cohort that starts
together (Fader & Hardie 2007, "How to project customer retention", J. Interactive Marketing 21(1)):

* churn at renewal t = 1, 2, ...: ``P(T = t | a, b) = B(a+1, b+t-1) / B(a, b)``;
* survival ``S(t) = P(T > t) = B(a, b+t) / B(a, b)``, ``S(0) = 1``;
* retention rate ``r(t) = S(t) / S(t-1) = (b+t-1) / (a+b+t-1)``, which rises with t as the
  policyholders likely to lapse leave first.

The model is fitted by maximum likelihood on survivor counts ``n_0, n_1, ..., n_T``, as in the
paper: the ``n_{t-1} - n_t`` lost in period t contribute ``ln P(T = t)`` each, the ``n_T`` still
in force contribute ``ln S(T)`` (right-censored). Cohorts of different lengths (policies issued
in different years) share (a, b) and their log-likelihoods add. The likelihood depends on the
data only through the number lost at each t and the number censored at each T, so the fit
aggregates those first: its cost does not grow with the number of cohorts or policies.

Discounted expected residual lifetime (DERL) follows Fader & Hardie (2010), "Customer-base
valuation in a contractual setting: the perils of ignoring heterogeneity", Marketing Science 29(1),
eq. 6.

``alpha`` and ``beta`` here are the paper's a and b.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, hyp2f1

from analytics._validate import CodedError, require_columns

__all__ = [
    "SbgFit",
    "backtest",
    "churn_probability",
    "derl",
    "fit",
    "fit_frame",
    "log_likelihood",
    "project",
    "residual_value",
    "retention_rates",
    "survival",
]

#: box for (alpha, beta) during the fit; an estimate on its edge means the data hold no
#: heterogeneity to measure (constant retention, or nobody lapsing) and ``converged`` is False
PARAMETER_BOUNDS = (1e-4, 1e4)
#: the fixed starting point of every fit, a = b = 1 (a uniform spread of lapse chances)
START = (1.0, 1.0)
#: largest gradient of the per-policy log-likelihood in (ln a, ln b) accepted as an optimum
GRADIENT_TOLERANCE = 1e-6
#: survivor counts may carry rounding noise from upstream arithmetic, not real fractions
WHOLE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SbgFit:
    """A fitted sBG model: ``alpha`` and ``beta`` are the paper's a and b of the Beta spread of
    per-period lapse chances; ``log_likelihood`` is the summed log-likelihood of all cohorts
    (without a combinatorial constant, so it matches the paper); ``converged`` is False when the
    optimiser ended where the likelihood still slopes or on the edge of :data:`PARAMETER_BOUNDS`
    (nobody lapsing, everybody lapsing at the first renewal). With (nearly) constant retention the
    likelihood is flat along a / (a + b): the fit then converges to large, loosely determined a
    and b whose survival curve is still the right, almost geometric, one."""

    alpha: float
    beta: float
    log_likelihood: float
    n_cohorts: int
    converged: bool


# -- formulas ------------------------------------------------------------------------------------


def _check_params(alpha: float, beta: float) -> tuple[float, float]:
    alpha, beta = float(alpha), float(beta)
    if not (alpha > 0 and beta > 0 and np.isfinite(alpha) and np.isfinite(beta)):
        raise ValueError(f"alpha and beta must be positive and finite; got {alpha}, {beta}")
    return alpha, beta


def _as_float_or_array(values: np.ndarray, like) -> float | np.ndarray:
    """A float for a scalar input, an array of the input's shape otherwise."""
    return float(values) if np.ndim(like) == 0 else np.asarray(values, dtype=float)


def _whole_periods(periods, lowest: int, name: str) -> np.ndarray:
    values = np.asarray(periods, dtype=float)
    if np.any(~np.isfinite(values)) or np.any(values < lowest) or np.any(values % 1 != 0):
        raise ValueError(f"{name} must be whole numbers >= {lowest}; got {periods!r}")
    return values


def survival(alpha: float, beta: float, periods) -> np.ndarray:
    """``S(t) = B(a, b+t) / B(a, b)`` (Fader & Hardie 2007): the share of a cohort still in
    force after t renewals, for each t in ``periods`` (whole numbers >= 0; ``S(0) = 1``).

    Returns an array of the shape of ``periods``.
    """
    alpha, beta = _check_params(alpha, beta)
    t = _whole_periods(periods, 0, "periods")
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def retention_rates(alpha: float, beta: float, periods) -> np.ndarray:
    """``r(t) = S(t) / S(t-1) = (b+t-1) / (a+b+t-1)`` (Fader & Hardie 2007): the share of
    those in force after t-1 renewals who make renewal t, for each t in ``periods`` (whole numbers
    >= 1).

    Returns an array of the shape of ``periods``.
    """
    alpha, beta = _check_params(alpha, beta)
    t = _whole_periods(periods, 1, "periods")
    return (beta + t - 1) / (alpha + beta + t - 1)


def churn_probability(alpha: float, beta: float, t) -> float | np.ndarray:
    """``P(T = t) = B(a+1, b+t-1) / B(a, b)`` (Fader & Hardie 2007): the chance that a new
    policyholder lapses at renewal t (whole number >= 1), i.e. is lost in period t.

    A float for a scalar ``t``, else an array of its shape.
    """
    alpha, beta = _check_params(alpha, beta)
    periods = _whole_periods(t, 1, "t")
    return _as_float_or_array(
        np.exp(betaln(alpha + 1, beta + periods - 1) - betaln(alpha, beta)), t
    )


def project(fit: SbgFit, horizon: int, start: float = 1000) -> np.ndarray:
    """Expected survivors of a cohort of ``start`` policies at periods ``0, 1, ..., horizon``:
    ``start * S(t)`` under ``fit``. ``horizon`` is a whole number >= 0."""
    if int(horizon) != horizon or horizon < 0:
        raise ValueError(f"horizon must be a whole number >= 0; got {horizon!r}")
    return start * survival(fit.alpha, fit.beta, np.arange(int(horizon) + 1))


def derl(alpha: float, beta: float, n, discount) -> float | np.ndarray:
    """Discounted expected residual lifetime of a policy that has renewed ``n - 1`` times
    (Fader & Hardie 2010, eq. 6), vectorised over ``n`` (whole numbers >= 1) and ``discount``:

    ``DERL(d | a, b, n) = (b+n-1) / (a+b+n-1) * 2F1(1, b+n; a+b+n; 1/(1+d))``.

    Convention (checked against the direct sum in the tests): the policy is valued just before its
    n-th renewal decision, and DERL counts the expected renewals still to come, the coming one
    undiscounted and each later one discounted one period more,

    ``DERL = sum_{t >= n} S(t) / S(n-1) / (1+d)^(t-n)``;

    the premium already paid for the current period is not included. With ``n = 1`` (a new
    policy), ``1 + DERL / (1+d)`` is the discounted expected lifetime of a new customer,
    ``2F1(1, b; a+b; 1/(1+d))`` (F&H 2010, their DEL). ``discount`` is per period (per policy year
    here) and >= 0; with ``discount = 0`` the sum is ``(b+n-1)/(a-1)`` for a > 1 and infinite
    otherwise.

    A float when ``n`` and ``discount`` are scalars, else an array of their broadcast shape.
    """
    alpha, beta = _check_params(alpha, beta)
    renewals = _whole_periods(n, 1, "n")
    d = np.asarray(discount, dtype=float)
    if np.any(~np.isfinite(d)) or np.any(d < 0):
        raise ValueError(f"discount must be >= 0; got {discount!r}")
    value = (
        (beta + renewals - 1)
        / (alpha + beta + renewals - 1)
        * hyp2f1(1.0, beta + renewals, alpha + beta + renewals, 1 / (1 + d))
    )
    scalar = np.ndim(n) == 0 and np.ndim(discount) == 0
    return float(value) if scalar else np.asarray(value, dtype=float)


def residual_value(alpha: float, beta: float, n, annual_premium, discount) -> float | np.ndarray:
    """Expected present value of the premiums still to come from a policy that has renewed
    ``n - 1`` times: ``annual_premium * DERL(discount | alpha, beta, n)`` (Fader & Hardie 2010,
    E(RLV) = m * DERL), valued at the coming renewal date (see :func:`derl` for the convention).

    Vectorised: ``n``, ``annual_premium`` and ``discount`` broadcast against each other, so a
    column of policies' renewal counts and annualised premiums gives one value per policy.
    """
    value = np.asarray(annual_premium, dtype=float) * derl(alpha, beta, n, discount)
    scalar = all(np.ndim(v) == 0 for v in (n, annual_premium, discount))
    return float(value) if scalar else np.asarray(value, dtype=float)


# -- input checks --------------------------------------------------------------------------------


def _bad(message: str, reason: str, **params) -> CodedError:
    return CodedError(message, code="bad_survivors", reason=reason, **params)


def _split_cohorts(survivors) -> list:
    """One sequence of counts -> one cohort; a sequence (or 2-D array) of sequences -> several."""
    if isinstance(survivors, pd.DataFrame):
        raise _bad("survivors is a table: use fit_frame", reason="frame")
    if isinstance(survivors, str | bytes):
        raise _bad("survivors must be numbers, not text", reason="not_numeric", cohort=0)
    if isinstance(survivors, np.ndarray) and survivors.ndim == 2:
        return list(survivors)
    try:
        items = list(survivors)
    except TypeError:
        raise _bad(
            f"survivors must be a sequence of counts; got {type(survivors).__name__}",
            reason="not_numeric",
            cohort=0,
        ) from None
    if not items:
        raise _bad("no survivor counts", reason="empty", cohort=0)
    try:
        depths = {np.ndim(item) for item in items}
    except ValueError:  # a ragged sequence nested one level too deep
        depths = {-1}
    if depths == {0}:
        return [items]
    if depths == {1}:
        return items
    raise _bad(
        "survivors must be one sequence of counts or a sequence of such sequences",
        reason="mixed",
    )


def _check_cohort(values, label) -> np.ndarray:
    """The counts of one cohort as floats, or a ``bad_survivors`` error naming the broken rule."""
    try:
        counts = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise _bad(
            f"cohort {label}: survivor counts must be numbers", reason="not_numeric", cohort=label
        ) from None
    if counts.ndim != 1 or counts.size == 0:
        raise _bad(f"cohort {label}: no survivor counts", reason="empty", cohort=label)
    if not np.all(np.isfinite(counts)):
        period = int(np.flatnonzero(~np.isfinite(counts))[0])
        raise _bad(
            f"cohort {label}: survivor count at period {period} is missing",
            reason="not_finite",
            cohort=label,
            period=period,
        )
    if np.any(counts < 0):
        period = int(np.flatnonzero(counts < 0)[0])
        raise _bad(
            f"cohort {label}: survivor count at period {period} is negative ({counts[period]:g})",
            reason="negative",
            cohort=label,
            period=period,
            value=float(counts[period]),
        )
    rounded = np.round(counts)
    if np.any(np.abs(counts - rounded) > WHOLE_TOLERANCE):
        period = int(np.flatnonzero(np.abs(counts - rounded) > WHOLE_TOLERANCE)[0])
        raise _bad(
            f"cohort {label}: survivor count at period {period} is not a whole number "
            f"({counts[period]:g})",
            reason="not_whole",
            cohort=label,
            period=period,
            value=float(counts[period]),
        )
    if rounded[0] <= 0:
        raise _bad(
            f"cohort {label}: the cohort must start with at least one policy",
            reason="first_not_positive",
            cohort=label,
        )
    rises = np.flatnonzero(np.diff(rounded) > 0)
    if rises.size:
        period = int(rises[0]) + 1
        raise _bad(
            f"cohort {label}: survivors rise from {rounded[period - 1]:g} to {rounded[period]:g} "
            f"at period {period}; a cohort can only shrink",
            reason="increasing",
            cohort=label,
            period=period,
        )
    if rounded.size < 2:
        raise _bad(
            f"cohort {label}: needs the count at period 0 and at least one renewal",
            reason="too_short",
            cohort=label,
            periods=int(rounded.size) - 1,
        )
    return rounded


def _cohorts(survivors, cohorts) -> list[np.ndarray]:
    raw = _split_cohorts(survivors)
    if cohorts is None:
        labels = list(range(len(raw)))
    else:
        labels = list(cohorts)
        if len(labels) != len(raw):
            raise CodedError(
                f"{len(labels)} cohort labels for {len(raw)} cohorts",
                code="bad_cohorts",
                labels=len(labels),
                cohorts=len(raw),
            )
    checked = [_check_cohort(values, label) for values, label in zip(raw, labels, strict=True)]
    longest = max(len(counts) for counts in checked) - 1
    if longest < 2:
        # one renewal identifies only the mean lapse chance a / (a + b), not its spread
        raise _bad(
            "at least one cohort must be observed for 2 renewals or more",
            reason="too_short",
            periods=longest,
        )
    return checked


# -- likelihood and fit --------------------------------------------------------------------------


def _tallies(cohorts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``lost[t]``: policies lost in period t over all cohorts; ``censored[T]``: policies still in
    force at the end of a cohort observed for T periods. Index 0 is unused in ``lost``."""
    longest = max(len(counts) for counts in cohorts)
    lost = np.zeros(longest)
    censored = np.zeros(longest)
    for counts in cohorts:
        lost[1 : len(counts)] += counts[:-1] - counts[1:]
        censored[len(counts) - 1] += counts[-1]
    return lost, censored


def _log_likelihood_and_gradient(
    alpha: float, beta: float, lost: np.ndarray, censored: np.ndarray
) -> tuple[float, np.ndarray]:
    """The log-likelihood summed over the tallies, with its gradient in (alpha, beta):
    ``d/da ln B(x, y) = psi(x) - psi(x+y)`` and ``d/db ln B(x, y) = psi(y) - psi(x+y)``."""
    t = np.arange(len(lost), dtype=float)
    lost_t, lost_n = t[1:], lost[1:]
    log_beta_ab = betaln(alpha, beta)
    log_churn = betaln(alpha + 1, beta + lost_t - 1) - log_beta_ab
    log_survive = betaln(alpha, beta + t) - log_beta_ab
    value = float(lost_n @ log_churn + censored @ log_survive)

    psi_ab = digamma(alpha + beta)
    churn_da = digamma(alpha + 1) - digamma(alpha + beta + lost_t) - digamma(alpha) + psi_ab
    churn_db = digamma(beta + lost_t - 1) - digamma(alpha + beta + lost_t) - digamma(beta) + psi_ab
    survive_da = psi_ab - digamma(alpha + beta + t)
    survive_db = digamma(beta + t) - digamma(alpha + beta + t) - digamma(beta) + psi_ab
    gradient = np.array(
        [lost_n @ churn_da + censored @ survive_da, lost_n @ churn_db + censored @ survive_db]
    )
    return value, gradient


def log_likelihood(alpha: float, beta: float, survivors, cohorts=None) -> float:
    """The sBG log-likelihood (Fader & Hardie 2007) of survivor counts, summed over
    cohorts; ``survivors`` as in :func:`fit`. The paper's regular segment gives -1680.3 at
    a = 0.704, b = 1.182."""
    alpha, beta = _check_params(alpha, beta)
    lost, censored = _tallies(_cohorts(survivors, cohorts))
    return _log_likelihood_and_gradient(alpha, beta, lost, censored)[0]


def _fit_tallies(lost: np.ndarray, censored: np.ndarray, n_cohorts: int) -> SbgFit:
    # per-policy scale keeps the optimiser's tolerances meaningful from 100 to 10^8 policies
    policies = float(lost.sum() + censored.sum())

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        alpha, beta = np.exp(log_params)
        value, gradient = _log_likelihood_and_gradient(alpha, beta, lost, censored)
        # chain rule for the log parameterisation: d/d(ln a) = a * d/da
        return -value / policies, -gradient * np.exp(log_params) / policies

    low, high = np.log(PARAMETER_BOUNDS)
    result = minimize(
        objective,
        np.log(START),
        jac=True,
        method="L-BFGS-B",
        bounds=[(low, high), (low, high)],
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000},
    )
    alpha, beta = (float(v) for v in np.exp(result.x))
    on_edge = bool(np.any(result.x <= low + 1e-3) or np.any(result.x >= high - 1e-3))
    # L-BFGS-B may end with a failed line search once it sits at the optimum to the last digit,
    # so convergence is judged by the gradient at the point it returns
    flat = bool(np.all(np.abs(objective(result.x)[1]) < GRADIENT_TOLERANCE))
    value = _log_likelihood_and_gradient(alpha, beta, lost, censored)[0]
    return SbgFit(
        alpha=alpha,
        beta=beta,
        log_likelihood=value,
        n_cohorts=n_cohorts,
        converged=flat and not on_edge,
    )


def fit(survivors, cohorts: Sequence | None = None) -> SbgFit:
    """Maximum-likelihood sBG fit (Fader & Hardie 2007) to survivor counts.

    Parameters
    ----------
    survivors
        Either one cohort's policies in force at periods 0, 1, ..., T (``n_0 .. n_T``), or a
        sequence of such sequences (or a 2-D array, one row per cohort), one per cohort, of any
        lengths. Each cohort's counts must be whole numbers >= 0, start above 0, never rise and
        cover period 0 and at least one renewal; at least one cohort must cover two renewals.
    cohorts
        Optional labels, one per cohort, used to name a cohort in errors; by default a cohort
        is named by its position (from 0).

    Returns
    -------
    SbgFit
        From the fixed start a = b = 1, optimised over (ln a, ln b) within
        :data:`PARAMETER_BOUNDS`, so the same data always give the same fit.

    Raises
    ------
    CodedError
        ``bad_survivors`` with ``reason`` (``empty``, ``not_numeric``, ``not_finite``,
        ``negative``, ``not_whole``, ``first_not_positive``, ``increasing``, ``too_short``,
        ``mixed``, ``frame``) and, where it applies, ``cohort`` and ``period``; ``bad_cohorts``
        when the labels do not match the cohorts.
    """
    checked = _cohorts(survivors, cohorts)
    lost, censored = _tallies(checked)
    return _fit_tallies(lost, censored, n_cohorts=len(checked))


def fit_frame(frame: pd.DataFrame) -> SbgFit:
    """:func:`fit` on a table of survivor counts.

    Needs columns ``period`` (0, 1, 2, ... within each cohort, every period present) and
    ``survivors`` (policies in force at that period); an optional ``cohort`` column holds several
    cohorts, each starting at period 0 (without it the whole table is one cohort). Row order does
    not matter; the frame is not changed.

    Raises ``ValueError`` naming missing columns, :class:`CodedError` ``bad_periods`` when a
    cohort's periods are not 0, 1, ..., T, and the errors of :func:`fit`.
    """
    require_columns(frame, ["period", "survivors"], "sbg.fit_frame")
    if "cohort" in frame.columns:
        groups = list(frame.groupby("cohort", sort=True, dropna=False))
    else:
        groups = [(0, frame)]
    if not groups:
        raise _bad("no survivor counts", reason="empty", cohort=0)
    labels, series = [], []
    for label, rows in groups:
        periods = pd.to_numeric(rows["period"], errors="coerce").to_numpy(dtype=float)
        order = np.argsort(periods, kind="stable")
        if not np.array_equal(periods[order], np.arange(len(rows))):
            raise CodedError(
                f"cohort {label}: periods must be 0, 1, 2, ... without gaps or repeats",
                code="bad_periods",
                cohort=label,
            )
        labels.append(label)
        counts = rows["survivors"]
        if pd.api.types.is_numeric_dtype(counts):  # nullable integers: <NA> becomes NaN
            counts = counts.to_numpy(dtype=float, na_value=np.nan)
        series.append(np.asarray(counts)[order])
    return fit(series, cohorts=labels)


def backtest(survivors, calibration_periods: int) -> pd.DataFrame:
    """Fit one cohort's first ``calibration_periods`` renewals and project all its periods.

    ``survivors`` is one cohort's counts ``n_0 .. n_T``; the fit uses
    ``n_0 .. n_{calibration_periods}`` (so 2 <= ``calibration_periods`` <= T).

    Returns a frame with columns ``period`` (0 .. T), ``actual`` (the counts), ``predicted``
    (``n_0 * S(t)`` under the calibration fit) and ``holdout`` (True for periods after the
    calibration window).
    """
    (counts,) = _cohorts([survivors], None)
    last = len(counts) - 1
    if int(calibration_periods) != calibration_periods or not 2 <= calibration_periods <= last:
        raise CodedError(
            f"calibration periods must be a whole number from 2 to {last}; got "
            f"{calibration_periods!r}",
            code="bad_calibration",
            calibration_periods=calibration_periods,
            periods=last,
        )
    calibration = fit(counts[: int(calibration_periods) + 1])
    periods = np.arange(last + 1)
    return pd.DataFrame(
        {
            "period": periods,
            "actual": counts,
            "predicted": project(calibration, last, start=counts[0]),
            "holdout": periods > calibration_periods,
        }
    )
