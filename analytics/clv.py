"""Customer lifetime value through ``lifetimes``: the only module that imports it.

* Purchase model: BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") or
  Pareto/NBD (Schmittlein, Morrison & Colombo 1987), fitted by ``lifetimes`` on the unique
  ``(frequency, recency, T)`` rows with their counts as weights, so the fit's cost depends on the
  number of distinct rows, not customers. Above :data:`MAX_FIT_ROWS` distinct rows, the rows of a
  seeded random sample of customers are fitted instead (:attr:`ClvResult.fit_customers` says how
  many), which bounds the fit's time at any customer count. The CDNOW sample and the
  20,000-customer demo fit every customer.
* Spend model: Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"), fitted on customers with
  frequency > 0 and monetary_value > 0 (a seeded sample above ``max_spend_customers``).
* CLV over ``horizon_months`` at an annual discount rate:
  ``sum_i (E[N(t_i)] - E[N(t_{i-1})]) * E[spend] / (1 + d)^i`` with monthly steps
  ``t_i = i * 30.4375 days`` and ``d = (1 + annual)^(1/12) - 1``.

A fit that fails (no convergence, too few repeat customers, no positive spend) never raises: the
result carries a status and a reason code with the numbers behind it (:class:`ClvResult`), which
the interface words. BG/NBD scoring uses the closed forms of :mod:`analytics.bgnbd`.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import sys
import threading
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import bgnbd
from analytics._validate import require_columns
from analytics.summary import UNIT_DAYS, unit_days

__all__ = [
    "MAX_FIT_ROWS",
    "MIN_REPEAT_CUSTOMERS",
    "MODELS",
    "ClvResult",
    "cdnow_summary",
    "ModelReading",
    "expected_purchases",
    "expected_spend",
    "fit_clv",
    "frequency_recency_matrix",
    "interpret",
    "lifetimes_reference_fit",
    "probability_alive",
    "lifetimes_reference_summary",
    "score_clv",
]

#: Purchase models: BG/NBD and Pareto/NBD.
MODELS = ("bgnbd", "pareto_nbd")
#: Fewest customers with a repeat purchase (and, for Gamma-Gamma, positive spend) to fit on.
MIN_REPEAT_CUSTOMERS = 20
#: Most distinct (frequency, recency, T) rows a purchase model is fitted on.
MAX_FIT_ROWS = 20_000
MONTH_DAYS = UNIT_DAYS["M"]

#: Penalties tried, in order, when a model does not converge unpenalised (lifetimes' advice). On
#: contractual data (installments at fixed intervals and amounts) the likelihood can be flattest
#: towards no heterogeneity, where the optimiser stops short; a tiny penalty keeps it finite.
FALLBACK_PENALIZERS = (1e-5, 1e-4, 1e-3)

#: ``ClvResult.status`` values and the reason codes that go with them.
STATUSES = ("ok", "no_spend_model", "rfm_only")
REASONS = (
    "few_repeat_customers",  # rfm_only: details repeat, needed
    "no_convergence",  # rfm_only: details error (exception type)
    "few_spend_customers",  # no_spend_model: details repeat, needed
    "spend_no_convergence",  # no_spend_model
    "spend_heavy_tail",  # no_spend_model: details q
)


@dataclass(frozen=True, eq=False)
class ClvResult:
    """Fitted models (or why not) plus the settings they were fitted with.

    ``status`` is ``"ok"``, ``"no_spend_model"`` (purchases modelled, spend taken as each
    customer's observed mean) or ``"rfm_only"`` (no model: CLV, P(alive) and expected purchases
    are missing and pages fall back to RFM and spend). ``reason`` is one of :data:`REASONS` (None
    when ok) and ``details`` holds the numbers behind it.
    """

    status: str
    model: str
    unit: str
    reason: str | None = None
    details: dict = field(default_factory=dict)
    purchase_params: dict[str, float] = field(default_factory=dict)
    spend_params: dict[str, float] = field(default_factory=dict)
    log_likelihood: float | None = None
    n_customers: int = 0
    n_repeat_customers: int = 0
    n_fit_rows: int = 0
    fit_customers: int = 0  # customers behind the purchase-model fit (all, or a seeded sample)
    spend_fit_customers: int = 0
    #: the L2 penalty each model was fitted with: 0 unless the unpenalised fit did not converge
    #: and a small one (:data:`FALLBACK_PENALIZERS`) was needed
    penalizer: float = 0.0
    spend_penalizer: float = 0.0
    purchase_model: object = field(default=None, repr=False)
    spend_model: object = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def has_purchase_model(self) -> bool:
        return self.purchase_model is not None

    @property
    def sampled(self) -> bool:
        """True when the purchase model saw a seeded sample rather than every customer."""
        return 0 < self.fit_customers < self.n_customers


class _QuietStdout:
    """``sys.stdout`` while fits run: what a quieted thread prints is dropped, every other
    thread's text goes through (a fit on a background thread must not swallow the rest)."""

    def __init__(self, real) -> None:
        self.real = real

    def write(self, text: str) -> int:
        return len(text) if getattr(_QUIET, "on", False) else self.real.write(text)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


_QUIET = threading.local()
_QUIET_LOCK = threading.Lock()
_QUIET_STATE: dict = {"users": 0}


@contextlib.contextmanager
def _quiet():
    """lifetimes prints the optimiser's output before raising and warns on the way: keep both
    off our stdout and log. Safe on several threads at once (the dashboard fits a second model
    in the background): stdout and the warning filters are swapped by the first thread in and
    restored by the last one out, whatever order they leave in (``redirect_stdout`` and
    ``catch_warnings`` each restore what they saw, which out of order leaves stdout pointing
    at a dead buffer for good)."""
    with _QUIET_LOCK:
        if _QUIET_STATE["users"] == 0:
            _QUIET_STATE["stdout"] = sys.stdout
            _QUIET_STATE["filters"] = warnings.filters[:]
            sys.stdout = _QuietStdout(sys.stdout)
            warnings.simplefilter("ignore")
        _QUIET_STATE["users"] += 1
    before = getattr(_QUIET, "on", False)
    _QUIET.on = True
    try:
        yield
    finally:
        _QUIET.on = before
        with _QUIET_LOCK:
            _QUIET_STATE["users"] -= 1
            if _QUIET_STATE["users"] == 0:
                if isinstance(sys.stdout, _QuietStdout):
                    sys.stdout = _QUIET_STATE["stdout"]
                warnings.filters[:] = _QUIET_STATE["filters"]
                getattr(warnings, "_filters_mutated", lambda: None)()  # as catch_warnings does


_IMPORT_LOCK = threading.Lock()


def _lifetimes():
    """lifetimes, imported without the SciPy wrappers of autograd it never uses.

    lifetimes' fitters import ``autograd.scipy.special`` only, but Python first runs the
    package's ``__init__``, which imports autograd's wrappers of ``scipy.stats``, ``signal``
    and ``integrate``, and with them ``scipy.stats`` itself: 0.84 s of lifetimes' 0.92 s of
    imports here (after pandas and scipy.optimize), 0.05 s without. So the package is registered
    without running its ``__init__``; any of its submodules still imports as usual when asked
    for (by name). The fitters' code is the same, so every fit is the same. Where lifetimes or
    ``autograd.scipy`` is imported already, nothing changes.

    Its Pareto/NBD module then evaluates the hypergeometric function once per distinct argument
    (:class:`_DistinctHypergeometric`): the same values, so the same fits."""
    with _IMPORT_LOCK:
        if "lifetimes" not in sys.modules and "autograd.scipy" not in sys.modules:
            import autograd

            spec = importlib.util.find_spec("autograd.scipy")
            if spec is not None and spec.submodule_search_locations is not None:
                package = importlib.util.module_from_spec(spec)  # its __init__ is not run
                sys.modules["autograd.scipy"] = package
                autograd.scipy = package
        import lifetimes
        from lifetimes.fitters import pareto_nbd_fitter

        if not isinstance(pareto_nbd_fitter.hyp2f1, _DistinctHypergeometric):
            pareto_nbd_fitter.hyp2f1 = _DistinctHypergeometric(pareto_nbd_fitter.hyp2f1)
    return lifetimes


class _DistinctHypergeometric:
    """SciPy's ``hyp2f1`` evaluated once per distinct (a, b, c, z) of a call.

    lifetimes fits Pareto/NBD by Nelder-Mead and evaluates the function twice per fitted row at
    every step (682 steps on the demo), while the rows share far fewer distinct arguments: the
    demo's 16,360 fitted rows hold 7,069 distinct (frequency, recency) and 12,791 (frequency, T)
    pairs. The function is elementwise, so each value is the one SciPy gives row by row, and the
    fit is the same to the last bit: the demo's fit took 14.6 s instead of 45.3 s (18 s with a
    sort on every call). The groupings found last are tried first: arguments equal to their
    grouping's gather are evaluated by it, a comparison instead of a sort (the rows' values
    change from step to step, but which rows are equal does not)."""

    #: Fewer arguments than this are passed straight on.
    MIN_SIZE = 256

    def __init__(self, function) -> None:
        self._function = function
        self._groupings: tuple = ()  # (first, inverse) pairs, the last found first

    def __call__(self, a, b, c, z):
        args = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
        if args[0].ndim != 1 or args[0].size < self.MIN_SIZE:
            return self._function(a, b, c, z)
        rows = np.stack(args, axis=1)
        for first, inverse in self._groupings:
            if len(inverse) == len(rows) and np.array_equal(rows[first][inverse], rows):
                break
        else:  # equal bytes, equal arguments (a NaN or a -0.0 only groups less)
            keys = rows.view(np.dtype((np.void, rows.itemsize * rows.shape[1]))).ravel()
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            self._groupings = ((first, inverse), *self._groupings[:3])
        distinct = rows[first]
        values = self._function(distinct[:, 0], distinct[:, 1], distinct[:, 2], distinct[:, 3])
        return values[inverse]


def preload() -> None:
    """Import lifetimes (:func:`_lifetimes`) ahead of the first fit, on a thread of the
    caller's choosing."""
    _lifetimes()


def cdnow_summary() -> pd.DataFrame:
    """lifetimes' bundled CDNOW summary with spend (2,357 customers; ``frequency``,
    ``recency``, ``T``, ``monetary_value`` in weeks): a small fit the fit worker makes first
    (:func:`analytics._worker.warm_up`)."""
    _lifetimes()
    from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

    return load_cdnow_summary_data_with_monetary_value()


class Fitted:
    """A fitted lifetimes model, kept so that it can be stored and read back cheaply.

    It behaves as the fitter itself (attributes and methods are the fitter's). Pickled, it is
    the fitter's class name and its plain fields (parameters, data, Hessian: pandas and numpy
    only); read back, lifetimes (with autograd and scipy.optimize) is
    imported only when a method of the fitter is first used, not to know the parameters. The
    two closures lifetimes sets on a fitter (``generate_new_data``, ``predict``) are unused here
    and left out.
    """

    _SKIP = ("generate_new_data", "predict")

    def __init__(self, fitter) -> None:
        self._kind = type(fitter).__name__
        self._fields = {k: v for k, v in vars(fitter).items() if k not in self._SKIP}
        self._fitter = fitter

    def __getstate__(self) -> dict:
        return {"kind": self._kind, "fields": self._fields}

    def __setstate__(self, state: dict) -> None:
        self._kind, self._fields, self._fitter = state["kind"], state["fields"], None

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("_kind", "_fields", "_fitter"):
            raise AttributeError(name)
        if name in self._fields:
            return self._fields[name]
        if self._fitter is None:
            kind = getattr(_lifetimes(), self._kind)
            fitter = kind.__new__(kind)
            fitter.__dict__.update(self._fields)
            self._fitter = fitter
        return getattr(self._fitter, name)

    def __repr__(self) -> str:
        return f"Fitted({self._kind})"


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


#: A stop for "precision loss" counts as converged where no log-parameter's gradient exceeds this.
PRECISION_LOSS_GRADIENT = 1e-4


@contextlib.contextmanager
def _to_precision(fitter, penalty: float):
    """A penalised fit of ``fitter`` accepts a stop for precision loss at a zero gradient
    (:func:`_fit_to_precision`); an unpenalised one stays lifetimes' own."""
    if penalty > 0:
        fitter._fit = functools.partial(_fit_to_precision, fitter)
    try:
        yield
    finally:
        vars(fitter).pop("_fit", None)  # a fitter keeps no function: it is pickled


def _fit_to_precision(fitter, args, initial_params, params_size, disp, tol=1e-7, bounds=None,
                      **options):  # fmt: skip
    """lifetimes' own optimisation (``BaseFitter._fit``: BFGS on the log-parameters from 0.1,
    autograd's gradient and Hessian), except that a stop for precision loss at a point where the
    gradient is zero counts as converged, as it is. Used for penalised fits only.

    Gamma-Gamma on regular premiums (one amount per policy, paid again and again) has its
    likelihood's supremum far out on a ridge towards no heterogeneity (``p`` and ``v`` large, the
    mean spend fixed): unpenalised, BFGS walks up the ridge until float precision stops it, at
    an arbitrary point, so that fit must keep failing. A small penalty gives the likelihood a
    finite optimum, but BFGS may still end there with ``precision loss`` (a gradient of 1e-7):
    lifetimes then raised, whether it did depended on the processor's rounding, and the next,
    larger penalty pulled ``q`` below 1 (no spend model) on one machine but not on another.
    """
    from autograd import hessian, value_and_grad
    from lifetimes.utils import ConvergenceError
    from scipy.optimize import minimize

    start = 0.1 * np.ones(params_size) if initial_params is None else initial_params
    output = minimize(
        value_and_grad(fitter._negative_log_likelihood), jac=True, method=None, tol=tol,
        x0=start, args=args, options={"disp": disp, **options}, bounds=bounds,
    )  # fmt: skip
    flat = output.status == 2 and np.all(np.abs(output.jac) < PRECISION_LOSS_GRADIENT)
    if not (output.success or flat) or not np.all(np.isfinite(output.x)):
        raise ConvergenceError(f"no convergence: {output.message}")
    return output.x, output.fun, hessian(fitter._negative_log_likelihood)(output.x, *args)


def fit_clv(
    summary: pd.DataFrame,
    *,
    model: str = "bgnbd",
    penalizer: float = 0.0,
    max_fit_rows: int = MAX_FIT_ROWS,
    max_spend_customers: int = MAX_FIT_ROWS,
    weighted: bool = True,
    random_state: int = 0,
) -> ClvResult:
    """Fit the purchase model and Gamma-Gamma on a summary (``analytics.summarise``).

    Needs ``frequency``, ``recency``, ``T`` and ``monetary_value``. ``weighted=False`` fits on
    every customer row (the slow reference route, used to show both give the same parameters).
    """
    require_columns(summary, ["frequency", "recency", "T", "monetary_value"], "fit_clv")
    if model not in MODELS:
        raise ValueError(f"unknown purchase model {model!r}; use bgnbd or pareto_nbd")
    _lifetimes()
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
    from lifetimes.utils import ConvergenceError

    unit = summary.attrs.get("unit", "D")
    n = len(summary)
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    base = {"model": model, "unit": unit, "n_customers": n, "n_repeat_customers": len(repeat)}
    repeaters = int((summary["frequency"] > 0).sum())
    if repeaters < MIN_REPEAT_CUSTOMERS:
        return ClvResult(
            status="rfm_only",
            reason="few_repeat_customers",
            details={"repeat": repeaters, "needed": MIN_REPEAT_CUSTOMERS},
            **base,
        )
    if weighted:
        rows, fit_customers = _fit_rows(summary, max_fit_rows, random_state)
    else:
        rows = summary[["frequency", "recency", "T"]].assign(weight=1)
        fit_customers = n
    # lifetimes' Pareto/NBD starts from a random draw of numpy's global generator, so two fits
    # of the same data differ; its draw's centre as a fixed start makes the fit repeatable.
    start = {"initial_params": np.ones(4)} if model == "pareto_nbd" else {}
    tries = (penalizer, *FALLBACK_PENALIZERS) if penalizer == 0 else (penalizer,)
    failure: Exception | None = None
    for used in tries:
        fitter = (
            BetaGeoFitter(penalizer_coef=used)
            if model == "bgnbd"
            else ParetoNBDFitter(penalizer_coef=used)
        )
        try:
            with _quiet(), _to_precision(fitter, used if model == "bgnbd" else 0):
                fitter.fit(
                    rows["frequency"].to_numpy(),
                    rows["recency"].to_numpy(),
                    rows["T"].to_numpy(),
                    weights=rows["weight"].to_numpy(),
                    **start,
                )
            params = {k: float(v) for k, v in fitter.params_.items()}
            if not all(np.isfinite(list(params.values()))):
                raise ConvergenceError("non-finite parameters")
        except (ConvergenceError, ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
            failure = exc
            continue
        failure = None
        break
    if failure is not None:
        return ClvResult(
            status="rfm_only",
            reason="no_convergence",
            details={"error": type(failure).__name__},
            **base,
        )
    # in the data's time unit, on the rows fitted (lifetimes' Pareto/NBD value is on its own
    # rescaled time axis and divided by the mean weight: not comparable, so not used)
    log_likelihood = (
        bgnbd.bgnbd_log_likelihood if model == "bgnbd" else bgnbd.pareto_nbd_log_likelihood
    )(params, rows["frequency"], rows["recency"], rows["T"], rows["weight"])
    fitted = {
        **base,
        "purchase_params": params,
        "log_likelihood": log_likelihood,
        "n_fit_rows": len(rows),
        "fit_customers": fit_customers,
        "purchase_model": Fitted(fitter),
        "penalizer": used,
    }
    if len(repeat) < MIN_REPEAT_CUSTOMERS:
        return ClvResult(
            status="no_spend_model",
            reason="few_spend_customers",
            details={"repeat": len(repeat), "needed": MIN_REPEAT_CUSTOMERS},
            **fitted,
        )
    if len(repeat) > max_spend_customers:  # a seeded sample bounds the fit's cost
        repeat = repeat.sample(n=max_spend_customers, random_state=random_state)
    spend, spend_params = None, {}
    for spend_used in (penalizer, *FALLBACK_PENALIZERS) if penalizer == 0 else (penalizer,):
        spend = GammaGammaFitter(penalizer_coef=spend_used)
        try:
            with _quiet(), _to_precision(spend, spend_used):
                spend.fit(repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy())
            spend_params = {k: float(v) for k, v in spend.params_.items()}
            if not all(np.isfinite(list(spend_params.values()))):
                raise ConvergenceError("non-finite parameters")
        except (ConvergenceError, ValueError, FloatingPointError, np.linalg.LinAlgError):
            spend_params = {}
            continue
        break
    if not spend_params:
        return ClvResult(status="no_spend_model", reason="spend_no_convergence", **fitted)
    if spend_params["q"] <= 1:
        # The population mean spend v * p / (q - 1) only exists for q > 1.
        return ClvResult(
            status="no_spend_model",
            reason="spend_heavy_tail",
            details={"q": spend_params["q"]},
            **fitted,
        )
    return ClvResult(
        status="ok",
        spend_params=spend_params,
        spend_model=Fitted(spend),
        spend_fit_customers=len(repeat),
        spend_penalizer=spend_used,
        **fitted,
    )


# --------------------------------------------------------------------------- reading a fit


@dataclass(frozen=True)
class ModelReading:
    """A fit in plain numbers (:func:`interpret`); missing figures are NaN.

    * ``purchases_per_year``: mean purchase rate of an active customer, per year;
    * ``dropout_per_purchase`` (BG/NBD): mean chance of becoming inactive after a repeat purchase;
    * ``active_after_year`` (Pareto/NBD): chance a new customer is still active a year later;
    * ``mean_spend``: population mean spend per purchase (Gamma-Gamma).
    """

    model: str
    purchases_per_year: float = float("nan")
    dropout_per_purchase: float = float("nan")
    active_after_year: float = float("nan")
    mean_spend: float = float("nan")


def interpret(fit: ClvResult) -> ModelReading:
    """What a fit says about customers, in the units a manager reads (per year, per purchase)."""
    if not fit.has_purchase_model:
        return ModelReading(model=fit.model)
    per_year = 12 * MONTH_DAYS / unit_days(fit.unit)  # time units in a year
    params = fit.purchase_params
    reading = {"purchases_per_year": bgnbd.purchases_per_unit(params) * per_year}
    if fit.model == "bgnbd":
        reading["dropout_per_purchase"] = bgnbd.dropout_per_purchase(params)
    else:
        reading["active_after_year"] = bgnbd.pareto_active_after(params, per_year)
    if fit.spend_params:
        reading["mean_spend"] = bgnbd.gamma_gamma_mean(fit.spend_params)
    return ModelReading(model=fit.model, **reading)


# --------------------------------------------------------------------------- scoring


def expected_purchases(fit: ClvResult, t: float, x, t_x, T) -> np.ndarray:
    """E[purchases in the next ``t`` units | x, t_x, T] under the fitted model (NaN without one)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if not fit.has_purchase_model:
        return np.full(len(x), np.nan)
    if fit.model == "bgnbd":
        return bgnbd.bgnbd_expected_purchases(fit.purchase_params, t, x, t_x, T)
    with _quiet():
        return np.asarray(
            fit.purchase_model.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T),
            dtype=float,
        )


def probability_alive(fit: ClvResult, x, t_x, T) -> np.ndarray:
    """P(alive | x, t_x, T) under the fitted model (NaN without one); lifetimes' Pareto/NBD is
    asked once per distinct (x, t_x, T)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if not fit.has_purchase_model:
        return np.full(len(x), np.nan)
    if fit.model == "bgnbd":
        return bgnbd.bgnbd_p_alive(fit.purchase_params, x, t_x, T)
    keys, inverse = np.unique(np.c_[x, t_x, T], axis=0, return_inverse=True)
    with _quiet():
        alive = fit.purchase_model.conditional_probability_alive(*keys.T)
    return np.clip(np.asarray(alive, dtype=float), 0.0, 1.0)[inverse.ravel()]


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
    step = MONTH_DAYS / unit_days(summary.attrs.get("unit", fit.unit))  # a month in the unit
    monthly = (1 + annual_discount_rate) ** (1 / 12) - 1

    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    months = np.arange(1, horizon_months + 1)
    discount = (1 + monthly) ** -months
    spend = expected_spend(summary, fit)
    if fit.model == "bgnbd":
        # E[Y(t)] = A(x, T, t) / (1 + odds(x, t_x, T)): the costly A only per distinct (x, T).
        params = fit.purchase_params
        codes, px, pT = bgnbd.distinct_pairs(x, T)
        cumulative = bgnbd.bgnbd_cumulative_by_horizon(params, px, pT, months * step)
        increments = np.diff(np.vstack([np.zeros(len(px)), cumulative]), axis=0)
        scale = 1 / (1 + bgnbd.bgnbd_odds(params, x, t_x, T))
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
    cumulative = np.vstack([expected_purchases(fit, m * step, kx, kt, kT) for m in months])
    increments = np.diff(np.vstack([np.zeros(len(kx)), cumulative]), axis=0)
    out["p_alive"] = np.clip(p_alive[inverse], 0.0, 1.0)
    out["expected_purchases"] = cumulative[-1][inverse]
    out["expected_spend"] = spend
    out["clv"] = (discount @ increments)[inverse] * spend
    return out


def expected_spend(summary: pd.DataFrame, fit: ClvResult) -> np.ndarray:
    """Gamma-Gamma conditional expected spend per purchase (:func:`bgnbd.gamma_gamma_conditional_spend`);
    without a spend model, the observed mean spend per purchase day (first day included)."""
    x = summary["frequency"].to_numpy(dtype=float)
    m = summary["monetary_value"].to_numpy(dtype=float)
    if fit.spend_params:
        return bgnbd.gamma_gamma_conditional_spend(fit.spend_params, x, m)
    days = x + 1
    total = summary["total_spend"].to_numpy(dtype=float) if "total_spend" in summary else m * x
    return np.where(days > 0, total / days, 0.0)


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
    expected = expected_purchases(fit, horizon, x, t_x, ages)
    if fit.model == "bgnbd":
        alive = bgnbd.bgnbd_p_alive(fit.purchase_params, x, t_x, ages)
    else:
        with _quiet():
            alive = np.asarray(
                fit.purchase_model.conditional_probability_alive(x, t_x, ages), float
            )
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


def lifetimes_reference_fit(
    summary: pd.DataFrame, penalizer: float = 0.0, spend_penalizer: float = 0.0
) -> tuple[dict[str, float], dict[str, float]]:
    """Unweighted BG/NBD and Gamma-Gamma fits, one row per customer (the plain lifetimes route),
    with lifetimes' L2 penalties (:data:`FALLBACK_PENALIZERS`: data on which the unpenalised fit
    does not converge needs the same penalty on both routes).

    Returns the BG/NBD and the Gamma-Gamma parameters.
    """
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    with _quiet():
        purchase = BetaGeoFitter(penalizer_coef=penalizer).fit(
            summary["frequency"], summary["recency"], summary["T"]
        )
        repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        spend = GammaGammaFitter(penalizer_coef=spend_penalizer).fit(
            repeat["frequency"], repeat["monetary_value"]
        )
    return dict(purchase.params_), dict(spend.params_)
