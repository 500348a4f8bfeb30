"""Closed-form BG/NBD, Pareto/NBD and Gamma-Gamma formulas: pure numpy/scipy, no lifetimes.

The adapter :mod:`analytics.clv` fits the models with ``lifetimes``; scoring a million customers,
the likelihood that checks the published CDNOW fit, and the plain-language reading of a fit use
the formulas here.

* BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way", equations 6 and 10.
* Pareto/NBD: Schmittlein, Morrison & Colombo (1987); survival of a new customer
  ``P(tau > t) = (beta / (beta + t))^s`` (Fader & Hardie 2005, "A note on deriving the Pareto/NBD
  model", eq. 3).
* Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM and CLV", equation 5.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

__all__ = [
    "bgnbd_log_likelihood",
    "bgnbd_odds",
    "bgnbd_p_alive",
    "bgnbd_expected_purchases",
    "bgnbd_cumulative_purchases",
    "bgnbd_cumulative_by_horizon",
    "distinct_pairs",
    "dropout_per_purchase",
    "gamma_gamma_conditional_spend",
    "gamma_gamma_mean",
    "pareto_active_after",
    "pareto_nbd_log_likelihood",
    "purchases_per_unit",
]


def bgnbd_log_likelihood(params: dict[str, float], x, t_x, T, weights=None) -> float:
    """Total BG/NBD log-likelihood (eq. 6 of Fader, Hardie & Lee 2005) in the data's time unit.

    ``ln L = ln Γ(r+x) - ln Γ(r) + r ln α + ln[ B(a,b+x)/B(a,b) (α+T)^-(r+x)
    + δ(x>0) B(a+1,b+x-1)/B(a,b) (α+t_x)^-(r+x) ]``; the CDNOW sample gives -9582.4.
    """
    from scipy.special import betaln, gammaln  # SciPy loads when a formula first needs it

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


def pareto_nbd_log_likelihood(params: dict[str, float], x, t_x, T, weights=None) -> float:
    """Total Pareto/NBD log-likelihood in the data's time unit (Fader & Hardie 2005, "A note on
    deriving the Pareto/NBD model", eq. 18-20).

    ``ln L = ln Γ(r+x) - ln Γ(r) + r ln α + s ln β + ln[ (α+T)^-(r+x) (β+T)^-s
    + s / (r+s+x) A0 ]``, where, with ``m = max(α, β)``, ``k = r+s+x`` and ``F(z) = 2F1(k, b;
    k+1; z)`` (``b = s+1`` when α ≥ β, else ``r+x``), ``A0 = F(|α-β| / (m+t_x)) (m+t_x)^-k
    - F(|α-β| / (m+T)) (m+T)^-k``. The published CDNOW fit (r, α, s, β = 0.553, 10.578, 0.606,
    11.669 in weeks) gives -9595.0. Computed in logs: lifetimes' own value is on its internally
    rescaled time axis and divided by the mean weight, so it is not this figure."""
    from scipy.special import gammaln, hyp2f1

    r, alpha, s, beta = (params[k] for k in ("r", "alpha", "s", "beta"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    k = r + s + x
    top, gap = max(alpha, beta), abs(alpha - beta)
    b = s + 1 if alpha >= beta else r + x
    log_first = np.log(hyp2f1(k, b, k + 1, gap / (top + t_x))) - k * np.log(top + t_x)
    log_second = np.log(hyp2f1(k, b, k + 1, gap / (top + T))) - k * np.log(top + T)
    with np.errstate(divide="ignore", invalid="ignore"):  # t_x = T: A0 = 0, its log -inf
        log_a0 = log_first + np.log1p(-np.exp(np.minimum(log_second - log_first, 0.0)))
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    survived = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    dropped = np.log(s) - np.log(k) + log_a0
    return float(np.sum(w * (common + np.logaddexp(survived, dropped))))


def bgnbd_odds(params: dict[str, float], x, t_x, T) -> np.ndarray:
    """``a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)`` for x > 0, else 0: the term
    that 1 / P(alive) and the denominator of E[Y(t)] share (eq. 10)."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return np.where(
            x > 0, np.exp(np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + log_ratio), 0.0
        )


def bgnbd_p_alive(params: dict[str, float], x, t_x, T) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + odds); one-time buyers (x = 0) are alive with certainty."""
    return np.clip(1 / (1 + bgnbd_odds(params, x, t_x, T)), 0.0, 1.0)


def distinct_pairs(x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of the distinct (x, T) pairs and the pairs themselves."""
    x, T = np.asarray(x), np.asarray(T)
    xf = x.astype(float, copy=False)
    if len(x) and np.isfinite(xf).all() and (xf >= 0).all() and (xf == np.floor(xf)).all():
        # Whole repeat counts: one integer key per pair, T by its own (few) distinct values.
        t_codes, t_values = pd.factorize(T)
        if (t_codes >= 0).all():
            width = max(len(t_values), 1)
            codes, keys = pd.factorize(xf.astype(np.int64) * width + t_codes)
            return codes, (keys // width).astype(float), np.asarray(t_values, float)[keys % width]
    codes, uniques = pd.MultiIndex.from_arrays([x, T]).factorize()
    return (
        codes,
        uniques.get_level_values(0).to_numpy(float),
        uniques.get_level_values(1).to_numpy(float),
    )


def bgnbd_cumulative_purchases(params: dict[str, float], x, T, t) -> np.ndarray:
    """The numerator of E[Y(t)] (eq. 10), which depends on (x, T) only:
    ``(a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; z)]``."""
    from scipy.special import hyp2f1

    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    z = t / (alpha + T + t)
    hyper = hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyper)


#: Below this many evaluations (pairs x horizons) the horizons are computed on one thread.
THREADED_MIN = 1_000_000


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def bgnbd_cumulative_by_horizon(params: dict[str, float], x, T, horizons) -> np.ndarray:
    """:func:`bgnbd_cumulative_purchases` at each of ``horizons``: one row per horizon. The
    Gauss hypergeometric function is most of a scoring's time (a million customers' 100,000
    distinct pairs at 36 months: 0.6 s here) and SciPy evaluates it without holding the GIL,
    so a large scoring spreads the horizons over the machine's cores (at most 4); each row is
    the same computation either way."""
    horizons = list(horizons)
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)

    def one(t: float) -> np.ndarray:
        return bgnbd_cumulative_purchases(params, x, T, t)

    workers = min(4, _cores(), len(horizons))
    if workers < 2 or len(x) * len(horizons) < THREADED_MIN:
        rows = [one(t) for t in horizons]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="valuescope-clv") as pool:
            rows = list(pool.map(one, horizons))
    return np.vstack(rows) if rows else np.empty((0, len(x)))


def bgnbd_expected_purchases(params: dict[str, float], t: float, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T] of BG/NBD (eq. 10, Fader, Hardie & Lee 2005), vectorised.

    The hypergeometric part depends only on (x, T), so it is evaluated once per distinct pair.
    """
    codes, px, pT = distinct_pairs(x, T)
    numerator = bgnbd_cumulative_purchases(params, px, pT, t)[codes]
    return numerator / (1 + bgnbd_odds(params, x, t_x, T))


def purchases_per_unit(params: dict[str, float]) -> float:
    """Mean purchase rate of an active customer per time unit: ``r / alpha`` (the mean of the
    Gamma(r, alpha) rate distribution, in BG/NBD and Pareto/NBD alike)."""
    return float(params["r"] / params["alpha"])


def dropout_per_purchase(params: dict[str, float]) -> float:
    """BG/NBD: the mean chance that a customer becomes inactive right after a repeat purchase,
    ``a / (a + b)`` (the mean of the Beta(a, b) dropout distribution)."""
    return float(params["a"] / (params["a"] + params["b"]))


def pareto_active_after(params: dict[str, float], t: float) -> float:
    """Pareto/NBD: the chance that a new customer is still active ``t`` units after the first
    purchase, ``(beta / (beta + t))^s``."""
    return float((params["beta"] / (params["beta"] + t)) ** params["s"])


def gamma_gamma_mean(params: dict[str, float]) -> float:
    """The population mean spend per purchase ``v * p / (q - 1)`` (finite only for q > 1)."""
    p, q, v = (params[k] for k in ("p", "q", "v"))
    return float(v * p / (q - 1)) if q > 1 else float("nan")


def gamma_gamma_conditional_spend(params: dict[str, float], x, m) -> np.ndarray:
    """E[M | x, m_x] (eq. 5): ``(p x) / (p x + q - 1) * m_x + (q - 1) / (p x + q - 1) * mean``;
    customers without a repeat purchase (m = 0) get the population mean."""
    p, q = params["p"], params["q"]
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    population = gamma_gamma_mean(params)
    weight = (p * x) / (p * x + q - 1)
    return np.where(m > 0, weight * m + (1 - weight) * population, population)
