"""CLV adapter: published CDNOW answers, weighted = unweighted, thin data, non-convergence."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_almost_equal

from analytics.backtest import backtest
from analytics.bgnbd import bgnbd_expected_purchases as expected_purchases_bgnbd
from analytics.bgnbd import bgnbd_log_likelihood
from analytics.clv import fit_clv, interpret, score_clv
from analytics.summary import summarise


@pytest.fixture(scope="module")
def cdnow_transactions() -> pd.DataFrame:
    from data.demo import load_cdnow

    return load_cdnow("sample").transactions


@pytest.fixture(scope="module")
def cdnow_summary(cdnow_transactions) -> pd.DataFrame:
    return summarise(cdnow_transactions, as_of="1997-09-30", unit="W")


@pytest.fixture(scope="module")
def cdnow_fit(cdnow_summary):
    return fit_clv(cdnow_summary)


def test_bgnbd_reproduces_fader_hardie_lee(cdnow_fit):
    assert cdnow_fit.status == "ok"
    params = cdnow_fit.purchase_params
    assert_array_almost_equal(
        [params["r"], params["alpha"], params["a"], params["b"]],
        [0.243, 4.414, 0.793, 2.426],
        decimal=3,
    )
    assert cdnow_fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)


def test_gamma_gamma_reproduces_published_values(cdnow_fit):
    spend = cdnow_fit.spend_params
    assert_array_almost_equal([spend["p"], spend["q"], spend["v"]], [6.25, 3.74, 15.44], decimal=2)
    assert cdnow_fit.n_repeat_customers == 946


def test_weighted_fit_equals_the_unweighted_fit(cdnow_summary, cdnow_fit):
    assert cdnow_fit.n_fit_rows < len(cdnow_summary) / 2  # the weighted fit really is smaller
    plain = fit_clv(cdnow_summary, weighted=False)
    assert plain.n_fit_rows == len(cdnow_summary)
    for key in ("r", "alpha", "a", "b"):
        assert cdnow_fit.purchase_params[key] == pytest.approx(plain.purchase_params[key], rel=1e-5)
    assert cdnow_fit.log_likelihood == pytest.approx(plain.log_likelihood, abs=1e-6)


def test_row_cap_fits_a_sample_close_to_the_full_fit():
    from data.sample import DemoConfig, generate

    summary = summarise(generate(DemoConfig(customers=20_000))["transactions"])
    exact = fit_clv(summary)
    assert exact.fit_customers == 20_000 and exact.n_fit_rows > 15_000
    capped = fit_clv(summary, max_fit_rows=8_000, max_spend_customers=8_000)
    assert capped.n_fit_rows <= 8_000
    assert 7_000 < capped.fit_customers < 10_000
    assert capped.sampled and not exact.sampled
    for key in ("r", "alpha"):
        assert capped.purchase_params[key] == pytest.approx(exact.purchase_params[key], rel=0.1)

    # on contractual payments a and b are weakly identified (a flat ridge of the likelihood);
    # what the business reads from them must hold: P(alive) and next year's purchases
    from analytics.clv import expected_purchases, probability_alive

    x, t_x, big_t = summary["frequency"], summary["recency"], summary["T"]
    for reading in (
        lambda fit: probability_alive(fit, x, t_x, big_t).mean(),
        lambda fit: expected_purchases(fit, 365.0, x, t_x, big_t).sum(),
    ):
        assert reading(capped) == pytest.approx(reading(exact), rel=0.05)

    # p, q and v trade off against each other (and q is near 1 on premiums, where the population
    # mean is unstable); each customer's expected spend per purchase is what must hold
    from analytics.clv import expected_spend

    assert expected_spend(summary, capped).mean() == pytest.approx(
        expected_spend(summary, exact).mean(), rel=0.1
    )
    again = fit_clv(summary, max_fit_rows=8_000, max_spend_customers=8_000)
    assert again.purchase_params == capped.purchase_params  # the sample is seeded


def test_our_expected_purchases_equal_lifetimes(cdnow_summary, cdnow_fit):
    s = cdnow_summary
    for t in (1.0, 39.0, 52.0):
        ours = expected_purchases_bgnbd(
            cdnow_fit.purchase_params, t, s["frequency"], s["recency"], s["T"]
        )
        theirs = cdnow_fit.purchase_model.conditional_expected_number_of_purchases_up_to_time(
            t, s["frequency"], s["recency"], s["T"]
        )
        assert_allclose(ours, np.asarray(theirs), rtol=1e-9)


def test_log_likelihood_formula_matches_published_parameters(cdnow_summary):
    s = cdnow_summary
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert bgnbd_log_likelihood(published, s["frequency"], s["recency"], s["T"]) == pytest.approx(
        -9582.4, abs=0.1
    )


def test_clv_is_discounted_monthly_expected_spend(cdnow_summary, cdnow_fit):
    scores = score_clv(cdnow_summary, cdnow_fit, horizon_months=3, annual_discount_rate=0.12)
    model = cdnow_fit.purchase_model
    s = cdnow_summary.iloc[:20]
    month = 30.4375 / 7
    cumulative = [
        np.asarray(
            model.conditional_expected_number_of_purchases_up_to_time(
                i * month, s["frequency"], s["recency"], s["T"]
            )
        )
        for i in range(4)
    ]
    d = 1.12 ** (1 / 12) - 1
    discounted = sum((cumulative[i] - cumulative[i - 1]) / (1 + d) ** i for i in range(1, 4))
    p, q, v = (cdnow_fit.spend_params[k] for k in "pqv")
    x, m = s["frequency"].to_numpy(), s["monetary_value"].to_numpy()
    spend = np.where(
        m > 0, (p * x * m + (q - 1) * v * p / (q - 1)) / (p * x + q - 1), v * p / (q - 1)
    )
    assert_allclose(scores["clv"].iloc[:20], discounted * spend, rtol=1e-9)
    assert_allclose(scores["expected_purchases"].iloc[:20], cumulative[3], rtol=1e-9)


def test_scoring_on_several_threads_gives_the_same_scores(cdnow_summary, cdnow_fit, monkeypatch):
    """A large scoring spreads its horizons over threads (bgnbd.THREADED_MIN): CDNOW's 2,357
    customers scored both ways agree to the bit, CLV and expected purchases included."""
    from analytics import bgnbd

    seen: set[str] = set()
    one = bgnbd.bgnbd_cumulative_purchases

    def noting(*args):
        seen.add(threading.current_thread().name)
        return one(*args)

    monkeypatch.setattr(bgnbd, "bgnbd_cumulative_purchases", noting)
    monkeypatch.setattr(bgnbd, "_cores", lambda: 2)
    serial = score_clv(cdnow_summary, cdnow_fit, horizon_months=24)
    assert seen == {threading.current_thread().name}  # 2,357 customers: one thread
    monkeypatch.setattr(bgnbd, "THREADED_MIN", 0)
    seen.clear()
    threaded = score_clv(cdnow_summary, cdnow_fit, horizon_months=24)
    assert seen and all(name.startswith("valuescope-clv") for name in seen)
    pd.testing.assert_frame_equal(threaded, serial, check_exact=True)


def test_longer_horizon_and_lower_discount_raise_clv(cdnow_summary, cdnow_fit):
    short = score_clv(cdnow_summary, cdnow_fit, horizon_months=12, annual_discount_rate=0.1)[
        "clv"
    ].sum()
    long = score_clv(cdnow_summary, cdnow_fit, horizon_months=24, annual_discount_rate=0.1)[
        "clv"
    ].sum()
    cheap = score_clv(cdnow_summary, cdnow_fit, horizon_months=12, annual_discount_rate=0.0)[
        "clv"
    ].sum()
    assert long > short and cheap > short


def test_backtest_known_holdout_total(cdnow_transactions):
    result = backtest(cdnow_transactions, "1997-09-30", "1998-06-30", unit="W")
    assert result.actual_purchases == 1882
    assert result.holdout_length == pytest.approx(273 / 7)
    assert 1500 < result.predicted_purchases < 2000
    assert 0 < result.mae < 2
    assert result.by_frequency["customers"].sum() == 2357
    assert result.deciles["customers"].sum() == 2357
    assert result.deciles["predicted"].is_monotonic_decreasing
    assert result.deciles["lift"].iloc[0] > 3


def test_backtest_counts_holdout_purchase_days_by_hand():
    rows = (
        [
            ("a", "2024-01-01", 10.0),
            ("a", "2024-01-05", 10.0),  # calibration: x = 1
            ("a", "2024-02-02", 5.0),
            ("a", "2024-02-02", 6.0),  # one holdout purchase day
            ("a", "2024-02-09", -3.0),  # a refund: not a purchase
            ("b", "2024-01-03", 20.0),
            ("b", "2024-03-01", 1.0),  # holdout day 2, after the end
            ("c", "2024-02-10", 9.0),  # first bought in the holdout: not in the backtest
        ]
        + [(f"r{i}", "2024-01-02", 1.0) for i in range(25)]
        + [(f"r{i}", "2024-01-20", 1.0) for i in range(25)]
    )  # enough repeat customers for a fit
    tx = pd.DataFrame(rows, columns=["customer_id", "transaction_date", "amount"])
    tx["transaction_date"] = pd.to_datetime(tx["transaction_date"])
    result = backtest(tx, "2024-01-31", "2024-02-29", unit="D")
    actual = result.customers.set_index("customer_id")["actual"]
    assert actual[["a", "b"]].tolist() == [1.0, 0.0]
    assert "c" not in actual.index and result.actual_purchases == 1.0
    assert result.holdout_length == 29.0
    assert result.by_frequency.set_index("frequency")["customers"].to_dict() == {0: 1, 1: 26}


def test_mean_absolute_error_and_decile_lift_by_hand():
    from analytics.backtest import decile_lift, mean_absolute_error

    assert mean_absolute_error([0, 2, 1], [0.5, 1.0, 1.5]) == pytest.approx(2 / 3)
    assert np.isnan(mean_absolute_error([1, 2], [np.nan, np.nan]))
    customers = pd.DataFrame(
        {
            "customer_id": [f"c{i:02d}" for i in range(20)],
            "predicted": [2.0] * 4 + [1.0] * 16,  # ties broken by id
            "actual": [3.0, 1.0, 0.0, 0.0] + [0.0] * 14 + [2.0, 2.0],
        }
    )
    table = decile_lift(customers)
    assert table["customers"].tolist() == [2] * 10
    assert table["actual"].tolist() == [2.0, 0.0] + [0.0] * 7 + [2.0]
    assert table["predicted"].tolist() == [2.0, 2.0] + [1.0] * 8
    assert table["lift"].iloc[0] == pytest.approx(2.0 / 0.4)  # mean actual 8 / 20 = 0.4


def test_too_few_repeat_customers_gives_rfm_only():
    summary = pd.DataFrame(
        {
            "frequency": [0] * 50 + [1] * 5,
            "recency": [0.0] * 50 + [3.0] * 5,
            "T": [10.0] * 55,
            "monetary_value": [0.0] * 50 + [5.0] * 5,
        }
    )
    fit = fit_clv(summary)
    assert fit.status == "rfm_only" and fit.reason == "few_repeat_customers"
    assert fit.details == {"repeat": 5, "needed": 20}
    scores = score_clv(summary, fit)
    assert scores["clv"].isna().all() and scores["p_alive"].isna().all()


def test_no_positive_spend_keeps_the_purchase_model(cdnow_summary):
    fit = fit_clv(cdnow_summary.assign(monetary_value=0.0))
    assert fit.status == "no_spend_model" and fit.has_purchase_model
    assert fit.reason == "few_spend_customers"


def test_non_convergence_becomes_an_explained_result(cdnow_summary, monkeypatch, capsys):
    import lifetimes
    from lifetimes.utils import ConvergenceError

    def fail(self, *args, **kwargs):
        print("optimiser noise")
        raise ConvergenceError("The model did not converge.")

    monkeypatch.setattr(lifetimes.BetaGeoFitter, "fit", fail)
    fit = fit_clv(cdnow_summary)
    assert fit.status == "rfm_only"
    assert fit.reason == "no_convergence" and fit.details == {"error": "ConvergenceError"}
    assert capsys.readouterr().out == ""  # lifetimes' printing does not leak


def test_a_fit_that_fails_unpenalised_is_retried_with_a_small_penalty(cdnow_summary, monkeypatch):
    import lifetimes
    from lifetimes.utils import ConvergenceError

    from analytics.clv import FALLBACK_PENALIZERS

    original = lifetimes.BetaGeoFitter.fit
    seen = []

    def flat_at_zero(self, *args, **kwargs):
        seen.append(self.penalizer_coef)
        if self.penalizer_coef == 0:
            raise ConvergenceError("The model did not converge.")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(lifetimes.BetaGeoFitter, "fit", flat_at_zero)
    fit = fit_clv(cdnow_summary)
    assert seen == [0.0, FALLBACK_PENALIZERS[0]]
    assert fit.has_purchase_model and fit.penalizer == FALLBACK_PENALIZERS[0]
    # a tiny penalty barely moves CDNOW's estimates (r = 0.243, alpha = 4.414 ... unpenalised)
    assert fit.purchase_params["r"] == pytest.approx(0.243, abs=0.01)
    monkeypatch.setattr(lifetimes.BetaGeoFitter, "fit", original)
    plain = fit_clv(cdnow_summary)
    assert plain.penalizer == 0 and plain.spend_penalizer == 0


@pytest.mark.parametrize("gradient", [0.0, 1.0])
def test_a_penalised_fit_stopped_by_precision_loss_counts_only_at_a_zero_gradient(
    cdnow_summary, monkeypatch, gradient
):
    """SciPy's BFGS may end a penalised fit at its optimum with "precision loss" (it did on
    the insurer demo on one processor and not on another); that fit is used, not thrown away
    for a larger penalty. A stop with a gradient left is still a failure."""
    import lifetimes
    import scipy.optimize
    from lifetimes.utils import ConvergenceError

    from analytics.clv import FALLBACK_PENALIZERS

    real_minimize, real_fit = scipy.optimize.minimize, lifetimes.BetaGeoFitter.fit

    def precision_loss(*args, **kwargs):
        out = real_minimize(*args, **kwargs)
        out.success, out.status, out.message = False, 2, "precision loss"
        out.jac = out.jac + gradient
        return out

    def flat_at_zero(self, *args, **kwargs):  # as on contractual data
        if self.penalizer_coef == 0:
            raise ConvergenceError("The model did not converge.")
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", precision_loss)
    monkeypatch.setattr(lifetimes.fitters, "minimize", precision_loss)  # lifetimes' own import
    monkeypatch.setattr(lifetimes.BetaGeoFitter, "fit", flat_at_zero)
    fit = fit_clv(cdnow_summary)
    if gradient:
        assert fit.status == "rfm_only" and fit.reason == "no_convergence"
        return
    assert fit.penalizer == FALLBACK_PENALIZERS[0]
    assert fit.purchase_params["r"] == pytest.approx(0.243, abs=0.01)
    # lifetimes' own unpenalised spend fit refuses the stop; the first penalty's is used
    assert fit.spend_penalizer == FALLBACK_PENALIZERS[0]
    assert "_fit" not in vars(fit.purchase_model._fitter)  # nothing left on the fitter


def test_pareto_nbd_alternative(cdnow_summary):
    fit = fit_clv(cdnow_summary, model="pareto_nbd")
    again = fit_clv(cdnow_summary, model="pareto_nbd")
    assert again.purchase_params == fit.purchase_params  # repeatable, unlike lifetimes' default
    assert fit.status == "ok" and set(fit.purchase_params) == {"r", "alpha", "s", "beta"}
    scores = score_clv(cdnow_summary, fit, horizon_months=12)
    one_timers = cdnow_summary["frequency"] == 0
    # unlike BG/NBD, Pareto/NBD lets one-time buyers be inactive
    assert (scores.loc[one_timers, "p_alive"] < 1).all()
    assert scores["clv"].notna().all()


def test_pareto_nbd_reproduces_the_published_cdnow_fit_and_log_likelihood(cdnow_summary):
    # Fader, Hardie & Lee (2005), "Counting your customers the easy way", Table 1: Pareto/NBD
    # on the CDNOW sample, r, alpha, s, beta = 0.553, 10.578, 0.606, 11.669, LL = -9595.0
    fit = fit_clv(cdnow_summary, model="pareto_nbd")
    expected = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    for key, value in expected.items():
        assert fit.purchase_params[key] == pytest.approx(value, abs=2e-3)
    # in weeks, the data's unit (lifetimes' own figure, on its rescaled axis, was -612,264)
    assert fit.log_likelihood == pytest.approx(-9595.0, abs=0.1)


@pytest.mark.parametrize(
    "params", [{"r": 0.5, "alpha": 12.0, "s": 0.7, "beta": 3.0},  # alpha >= beta
               {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7}],  # alpha < beta
)  # fmt: skip
def test_pareto_nbd_log_likelihood_matches_lifetimes_own_terms_on_both_branches(
    cdnow_summary, params
):
    from lifetimes import ParetoNBDFitter

    from analytics.bgnbd import pareto_nbd_log_likelihood

    s = cdnow_summary
    x, t_x, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    theirs = ParetoNBDFitter._conditional_log_likelihood(list(params.values()), x, t_x, T)
    assert pareto_nbd_log_likelihood(params, x, t_x, T) == pytest.approx(theirs.sum(), rel=1e-12)
    # distinct rows with counts as weights give the customers' total
    rows = s.groupby(["frequency", "recency", "T"]).size().rename("w").reset_index()
    weighted = pareto_nbd_log_likelihood(
        params, rows["frequency"], rows["recency"], rows["T"], rows["w"]
    )
    assert weighted == pytest.approx(theirs.sum(), rel=1e-12)


def test_the_hypergeometric_function_once_per_distinct_argument_gives_scipys_values():
    from scipy.special import hyp2f1

    from analytics.clv import _DistinctHypergeometric

    seen = []
    distinct = _DistinctHypergeometric(
        lambda *args: (seen.append(np.size(args[0])), hyp2f1(*args))[1]
    )
    rng = np.random.default_rng(7)
    x = rng.integers(0, 20, 5_000).astype(float)  # few distinct (x, t) pairs among 5,000 rows
    t = rng.integers(0, 30, 5_000).astype(float)
    for r, s_ in ((0.55, 0.61), (0.9, 1.3)):  # two steps: new values, the same equal rows
        a, z = r + s_ + x, 0.4 / (12.0 + t)
        ours = distinct(a, s_ + 1, a + 1.0, z)  # a scalar b is broadcast
        assert np.array_equal(ours, hyp2f1(a, s_ + 1, a + 1.0, z))  # to the bit
    assert seen[0] <= 20 * 30 and seen[1] == seen[0] and len(distinct._groupings) == 1
    # the same length with other equal rows: the kept grouping is checked, not trusted
    shuffled = rng.permutation(z)
    assert np.array_equal(distinct(a, 2.0, a + 1, shuffled), hyp2f1(a, 2.0, a + 1, shuffled))
    z_nan = z.copy()
    z_nan[::7] = np.nan
    assert np.array_equal(distinct(a, 2.0, a + 1, z_nan), hyp2f1(a, 2.0, a + 1, z_nan),
                          equal_nan=True)  # fmt: skip
    assert distinct(1.0, 2.0, 3.0, 0.5) == hyp2f1(1.0, 2.0, 3.0, 0.5)  # scalars pass through


def test_pareto_nbd_fit_is_the_same_with_the_hypergeometric_function_per_distinct_argument(
    cdnow_summary, monkeypatch
):
    from lifetimes.fitters import pareto_nbd_fitter

    from analytics.clv import _DistinctHypergeometric

    fast = fit_clv(cdnow_summary, model="pareto_nbd")
    assert isinstance(pareto_nbd_fitter.hyp2f1, _DistinctHypergeometric)
    assert fast.n_fit_rows > _DistinctHypergeometric.MIN_SIZE  # it was used
    monkeypatch.setattr(_DistinctHypergeometric, "MIN_SIZE", 10**12)  # SciPy's, row by row
    plain = fit_clv(cdnow_summary, model="pareto_nbd")
    assert fast.purchase_params == plain.purchase_params
    assert fast.log_likelihood == plain.log_likelihood
    assert fast.spend_params == plain.spend_params


def test_lifetimes_plain_route_agrees_on_cdnow(cdnow_transactions, cdnow_summary, cdnow_fit):
    from analytics.clv import lifetimes_reference_fit, lifetimes_reference_summary

    theirs = lifetimes_reference_summary(cdnow_transactions, as_of="1997-09-30", unit="W")
    ours = cdnow_summary.set_index("customer_id")
    assert len(theirs) == len(ours)
    assert (
        theirs["frequency"].sort_index().to_numpy() == ours["frequency"].sort_index().to_numpy()
    ).all()
    purchase, spend = lifetimes_reference_fit(theirs)
    for key in ("r", "alpha", "a", "b"):
        assert purchase[key] == pytest.approx(cdnow_fit.purchase_params[key], rel=1e-4)
    for key in ("p", "q", "v"):
        assert spend[key] == pytest.approx(cdnow_fit.spend_params[key], rel=1e-3)


def test_interpretation_in_plain_numbers(cdnow_fit):
    reading = interpret(cdnow_fit)
    # r / alpha = 0.243 / 4.414 purchases a week while active, 52.18 weeks a year
    assert reading.purchases_per_year == pytest.approx(0.243 / 4.414 * 365.25 / 7, rel=2e-3)
    assert reading.dropout_per_purchase == pytest.approx(0.793 / (0.793 + 2.426), rel=2e-3)
    # the Gamma-Gamma mean v p / (q - 1) = 15.44 * 6.25 / 2.74
    assert reading.mean_spend == pytest.approx(15.44 * 6.25 / 2.74, rel=2e-3)
    assert np.isnan(reading.active_after_year)


def test_pareto_nbd_reading_gives_survival_after_a_year(cdnow_summary):
    fit = fit_clv(cdnow_summary, model="pareto_nbd")
    reading = interpret(fit)
    from scipy import integrate, stats

    s, beta = fit.purchase_params["s"], fit.purchase_params["beta"]
    weeks = 365.25 / 7
    # an independent route: a customer's dropout rate mu ~ Gamma(s, beta), lifetime ~ Exp(mu);
    # P(still active after a year) = E[exp(-mu * year)], integrated numerically
    density = stats.gamma(a=s, scale=1 / beta).pdf
    expected, _ = integrate.quad(lambda mu: np.exp(-mu * weeks) * density(mu), 0, np.inf)
    assert reading.active_after_year == pytest.approx(expected, rel=1e-6)
    assert 0 < reading.active_after_year < 1 and np.isnan(reading.dropout_per_purchase)


@pytest.mark.parametrize("model", ["bgnbd", "pareto_nbd"])
def test_probability_alive_alone_equals_the_full_scoring(cdnow_summary, model):
    from analytics.clv import probability_alive

    fit = fit_clv(cdnow_summary, model=model)
    s = cdnow_summary
    alone = probability_alive(fit, s["frequency"], s["recency"], s["T"])
    assert_allclose(alone, score_clv(s, fit, horizon_months=1)["p_alive"], rtol=1e-12)
    theirs = fit.purchase_model.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
    assert_allclose(alone, np.clip(np.asarray(theirs, dtype=float), 0, 1), rtol=1e-9)


def test_quiet_fits_on_two_threads_leave_stdout_and_warnings_as_they_were(monkeypatch):
    """The dashboard fits the other purchase model on a background thread: quieting one fit
    must not swallow what other threads print, nor leave stdout on a dead buffer when the two
    fits finish in the other order than they began."""
    import io
    import sys
    import threading
    import warnings

    from analytics.clv import _quiet

    real = io.StringIO()
    monkeypatch.setattr(sys, "stdout", real)
    filters = warnings.filters[:]
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with _quiet():
            first_in.set()
            print("first fit's optimiser noise")
            second_in.wait(5)
        first_out.set()  # leaves while the second is still inside

    def second() -> None:
        first_in.wait(5)
        with _quiet():
            second_in.set()
            first_out.wait(5)
            print("second fit's optimiser noise")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    second_in.wait(5)
    print("a page's own line")  # the main thread is not quieted
    for thread in threads:
        thread.join(5)
    print("after both")
    assert sys.stdout is real
    assert real.getvalue() == "a page's own line\nafter both\n"
    assert warnings.filters == filters


_LEAN_IMPORT = """
import json, pickle, sys
from analytics import clv
clv.preload()
loaded = {name: name in sys.modules for name in ("lifetimes", "scipy.stats", "autograd.scipy.stats")}
fit = clv.fit_clv(clv.cdnow_summary())
model = pickle.loads(pickle.dumps(fit.purchase_model))  # read back: lifetimes' own method again
expected = float(model.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86))
import autograd.scipy.stats  # a submodule still imports when asked for
print(json.dumps({"loaded": loaded, "purchase": fit.purchase_params, "spend": fit.spend_params,
                  "expected": expected, "norm": float(autograd.scipy.stats.norm.cdf(0.0))}))
"""


def test_lifetimes_loads_without_scipy_stats_and_fits_the_published_cdnow_parameters():
    """lifetimes is imported without autograd's scipy.stats wrappers (most of its import time),
    in a fresh process as the dashboard's and the command line's: the fits are lifetimes' own
    and reproduce the published CDNOW figures (Fader, Hardie & Lee 2005)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", _LEAN_IMPORT], cwd=root, capture_output=True, text=True,
        timeout=300, env={**os.environ, "PYTHONPATH": str(root)}, check=True,
    )  # fmt: skip
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["loaded"] == {"lifetimes": True, "scipy.stats": False,
                               "autograd.scipy.stats": False}  # fmt: skip
    purchase, spend = found["purchase"], found["spend"]
    assert_array_almost_equal(
        [purchase["r"], purchase["alpha"], purchase["a"], purchase["b"]],
        [0.243, 4.414, 0.793, 2.426],
        decimal=3,
    )
    assert_array_almost_equal([spend["p"], spend["q"], spend["v"]], [6.25, 3.74, 15.44], decimal=2)
    # the paper's worked example: a customer with x = 2, t_x = 30.43, T = 38.86 weeks is
    # expected to buy 1.226 times in the next 39 weeks (by lifetimes' own method, read back)
    assert found["expected"] == pytest.approx(1.226, abs=1e-3)
    assert found["norm"] == pytest.approx(0.5)
