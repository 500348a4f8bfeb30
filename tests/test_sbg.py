"""sBG contract retention: hand-computed identities, the published fits of Fader & Hardie (2007),
DERL against its defining sum and Fader & Hardie (2010), joint cohorts, and the input rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.special import betaln, hyp2f1

from analytics._validate import CodedError
from analytics.sbg import (
    SbgFit,
    backtest,
    churn_probability,
    derl,
    fit,
    fit_frame,
    log_likelihood,
    project,
    residual_value,
    retention_rates,
    survival,
)

# Fader & Hardie (2007), Table 1: policies in force (of 1,000) at the start of years 0..12. The
# paper fits years 0..7, i.e. all eight counts n_0..n_7 (seven renewals): that slice reproduces
# its estimates to the printed precision, while n_0..n_6 gives a = 0.7175, b = 1.2080 for the
# regular segment (see test_the_published_fits_use_seven_renewals).
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
# years 8..12 of Table 1 (held out of the paper's fit), as transcribed in pymc-marketing's tests
REGULAR_LATER = [223, 207, 194, 183, 173]
HIGH_END_LATER = [468, 445, 427, 409, 394]


@pytest.fixture(scope="module")
def regular_fit() -> SbgFit:
    return fit(REGULAR)


# -- formulas on hand-computed values ------------------------------------------------------------


def test_uniform_spread_by_hand():
    # a = b = 1: S(t) = B(1, 1+t) / B(1, 1) = 1 / (t+1); r(t) = t / (t+1); P(T=t) = 1 / (t (t+1))
    t = np.arange(6)
    assert_allclose(survival(1, 1, t), 1 / (t + 1))
    assert_allclose(retention_rates(1, 1, t[1:]), t[1:] / (t[1:] + 1))
    assert_allclose(churn_probability(1, 1, t[1:]), 1 / (t[1:] * (t[1:] + 1)))
    assert churn_probability(1, 1, 1) == pytest.approx(0.5)
    assert isinstance(churn_probability(1, 1, 1), float)


def test_identities_between_the_formulas():
    alpha, beta, t = 2.0, 3.0, np.arange(1, 9)
    # a = 2, b = 3: S(1) = b / (a+b) = 3/5, S(2) = 3/5 * 4/6 = 2/5
    assert_allclose(survival(alpha, beta, [0, 1, 2]), [1.0, 0.6, 0.4])
    s = survival(alpha, beta, np.arange(9))
    assert_allclose(retention_rates(alpha, beta, t), s[1:] / s[:-1])
    assert_allclose(churn_probability(alpha, beta, t), s[:-1] - s[1:])
    assert_allclose(retention_rates(alpha, beta, t), (beta + t - 1) / (alpha + beta + t - 1))


@pytest.mark.parametrize("call", [lambda: survival(0, 1, [1]), lambda: survival(1, 1, [-1])])
def test_formulas_reject_impossible_arguments(call):
    with pytest.raises(ValueError):
        call()
    with pytest.raises(ValueError, match="whole numbers >= 1"):
        retention_rates(1, 1, [0])


# -- published fits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("survivors", "alpha", "beta", "log_lik"),
    [(REGULAR, 0.704, 1.182, -1680.3), (HIGH_END, 0.668, 3.806, -1611.2)],
    ids=["regular", "high_end"],
)
def test_reproduces_fader_hardie_2007(survivors, alpha, beta, log_lik):
    result = fit(survivors)
    assert result.converged and result.n_cohorts == 1
    assert_allclose([result.alpha, result.beta], [alpha, beta], atol=5e-4)
    assert result.log_likelihood == pytest.approx(log_lik, abs=0.05)
    assert log_likelihood(alpha, beta, survivors) == pytest.approx(log_lik, abs=0.05)


def test_the_published_fits_use_seven_renewals():
    shorter = fit(REGULAR[:7])
    assert abs(shorter.alpha - 0.704) > 0.01  # n_0..n_6 does not give the paper's numbers


def test_projection_of_the_regular_cohort_tracks_years_8_to_12(regular_fit):
    projected = project(regular_fit, 12)
    assert projected[0] == 1000 and np.all(np.diff(projected) < 0)
    assert_allclose(projected[: len(REGULAR)], 1000 * survival(0.7041, 1.1820, range(8)), rtol=1e-3)
    # no projected counts are printed in the paper; the held-out actuals bound them instead
    assert_allclose(projected[8:], REGULAR_LATER, rtol=0.025)
    assert_allclose(project(fit(HIGH_END), 12)[8:], HIGH_END_LATER, rtol=0.05)
    scaled = project(regular_fit, 3, start=241)
    assert_allclose(scaled, 241 * survival(0.7041, 1.1820, range(4)), rtol=1e-3)


# -- several cohorts -----------------------------------------------------------------------------


def test_the_same_cohort_twice_doubles_the_log_likelihood(regular_fit):
    twice = fit([REGULAR, REGULAR])
    assert twice.n_cohorts == 2 and twice.converged
    assert_allclose([twice.alpha, twice.beta], [regular_fit.alpha, regular_fit.beta], rtol=1e-6)
    assert twice.log_likelihood == pytest.approx(2 * regular_fit.log_likelihood, rel=1e-10)
    assert_allclose(
        [fit(np.array([REGULAR, REGULAR])).alpha, fit(np.array([REGULAR, REGULAR])).beta],
        [twice.alpha, twice.beta],
    )


def test_cohorts_of_different_lengths_add_their_log_likelihoods():
    # a triangle: the cohort started last has been observed for one renewal only
    triangle = [REGULAR, REGULAR[:5], REGULAR[:3], REGULAR[:2]]
    joint = fit(triangle)
    assert joint.converged and joint.n_cohorts == 4
    parts = sum(log_likelihood(joint.alpha, joint.beta, cohort) for cohort in triangle[:3])
    parts += 369 * np.log(churn_probability(joint.alpha, joint.beta, 1))
    parts += 631 * np.log(survival(joint.alpha, joint.beta, 1))
    assert joint.log_likelihood == pytest.approx(parts, rel=1e-10)
    # early periods weigh more in a triangle: the estimate lies between the fit on all seven
    # renewals and the fit on the first two
    full, early = fit(REGULAR), fit(REGULAR[:3])
    assert full.alpha < joint.alpha < early.alpha and full.beta < joint.beta < early.beta


def test_fit_frame_equals_fit_whatever_the_row_order():
    rows = [
        {"cohort": name, "period": period, "survivors": count}
        for name, counts in (("2019", REGULAR), ("2022", HIGH_END[:4]))
        for period, count in enumerate(counts)
    ]
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=0)
    before = frame.copy()
    assert fit_frame(frame) == fit([REGULAR, HIGH_END[:4]])
    pd.testing.assert_frame_equal(frame, before)  # inputs are never changed
    one = pd.DataFrame({"period": range(8), "survivors": REGULAR})
    assert fit_frame(one) == fit(REGULAR)


def test_fit_frame_names_missing_columns_and_gaps():
    with pytest.raises(ValueError, match="survivors"):
        fit_frame(pd.DataFrame({"period": [0, 1, 2]}))
    gap = pd.DataFrame({"cohort": "2020", "period": [0, 1, 3], "survivors": [10, 8, 7]})
    with pytest.raises(CodedError) as caught:
        fit_frame(gap)
    assert caught.value.code == "bad_periods" and caught.value.params["cohort"] == "2020"
    rising = pd.DataFrame({"cohort": "A", "period": [0, 1, 2], "survivors": [10, 8, 9]})
    with pytest.raises(CodedError) as caught:
        fit_frame(rising)
    assert caught.value.params == {"reason": "increasing", "cohort": "A", "period": 2}
    missing = pd.DataFrame({"period": [0, 1, 2], "survivors": pd.array([10, pd.NA, 7], "Int64")})
    with pytest.raises(CodedError) as caught:
        fit_frame(missing)
    assert caught.value.params["reason"] == "not_finite"


# -- DERL ----------------------------------------------------------------------------------------


def derl_by_sum(alpha, beta, n, discount, terms=3000) -> float:
    """sum_{t >= n} S(t) / S(n-1) / (1+d)^(t-n), straight from its definition."""
    t = np.arange(n, n + terms)
    log_ratio = betaln(alpha, beta + t) - betaln(alpha, beta + n - 1)
    return float(np.sum(np.exp(log_ratio) / (1 + discount) ** (t - n)))


@pytest.mark.parametrize(
    ("alpha", "beta"), [(0.704, 1.182), (0.668, 3.806), (3.8, 15.2), (0.2, 0.1), (5.0, 0.5)]
)
@pytest.mark.parametrize("discount", [0.03, 0.10, 0.25])
def test_derl_equals_the_discounted_sum_of_survival(alpha, beta, discount):
    renewals = np.array([1, 2, 5, 10])
    expected = [derl_by_sum(alpha, beta, int(n), discount) for n in renewals]
    assert_allclose(derl(alpha, beta, renewals, discount), expected, rtol=1e-9)


def test_derl_reproduces_fader_hardie_2010_table_3():
    # DERL at d = 10% for n = 1..5, as transcribed in pymc-marketing's tests; the paper's two
    # cases share a mean lapse chance of 0.2 with polarisation 0.05 (a = 3.8, b = 15.2) and 0.75
    # (printed as a = 0.067, b = 0.267, i.e. 1/15 and 4/15, which reproduce every digit)
    n = np.arange(1, 6)
    assert_allclose(derl(3.8, 15.2, n, 0.10), [3.31, 3.45, 3.59, 3.72, 3.84], atol=0.005)
    assert_allclose(derl(1 / 15, 4 / 15, n, 0.10), [7.68, 9.46, 9.86, 10.06, 10.19], atol=0.005)


def test_derl_conventions_and_vectorising():
    alpha, beta, d = 0.704, 1.182, 0.10
    # a new customer's discounted expected lifetime (F&H 2010's DEL) counts the first period too
    assert 1 + derl(alpha, beta, 1, d) / (1 + d) == pytest.approx(
        hyp2f1(1, beta, alpha + beta, 1 / (1 + d))
    )
    # undiscounted with a > 1: the expected number of renewals still to come, (b+n-1)/(a-1)
    assert derl(2.5, 1.5, 3, 0.0) == pytest.approx((1.5 + 2) / 1.5)
    assert isinstance(derl(alpha, beta, 2, d), float)
    assert derl(alpha, beta, [[1, 2], [3, 4]], d).shape == (2, 2)
    premiums = np.array([1200.0, 3000.0, 500.0])
    renewals = np.array([1, 4, 9])
    assert_allclose(
        residual_value(alpha, beta, renewals, premiums, d),
        premiums * derl(alpha, beta, renewals, d),
    )
    assert residual_value(alpha, beta, 1, 1000.0, d) == pytest.approx(
        1000 * derl(alpha, beta, 1, d)
    )
    with pytest.raises(ValueError, match="n must be whole"):
        derl(alpha, beta, 0, d)
    with pytest.raises(ValueError, match="discount"):
        derl(alpha, beta, 1, -0.1)


# -- backtest ------------------------------------------------------------------------------------


def test_backtest_fits_the_calibration_window_and_projects_the_rest():
    table = backtest(REGULAR, calibration_periods=4)
    assert list(table.columns) == ["period", "actual", "predicted", "holdout"]
    assert table["period"].tolist() == list(range(8))
    assert table["holdout"].tolist() == [False] * 5 + [True] * 3
    assert table["actual"].tolist() == REGULAR
    calibration = fit(REGULAR[:5])
    assert_allclose(table["predicted"], project(calibration, 7, start=1000))
    assert_allclose(backtest(REGULAR, 7)["predicted"], project(fit(REGULAR), 7))
    for bad in (1, 8, 2.5):
        with pytest.raises(CodedError) as caught:
            backtest(REGULAR, bad)
        assert caught.value.code == "bad_calibration"


# -- input rules, determinism, non-convergence ---------------------------------------------------


@pytest.mark.parametrize(
    ("survivors", "reason"),
    [
        ([1000, 631, 700, 382], "increasing"),
        ([], "empty"),
        ([REGULAR, []], "empty"),
        ([1000, 631, -3, 0], "negative"),
        ([1000, 631.5, 468], "not_whole"),
        ([1000, np.nan, 468], "not_finite"),
        ([0, 0, 0], "first_not_positive"),
        ([1000], "too_short"),
        ([1000, 631], "too_short"),  # one renewal cannot separate a from b
        ([[1000, 631], [900, 700]], "too_short"),
        (["1000", "x", "3"], "not_numeric"),
        ([REGULAR, 5], "mixed"),
        ([[[1000, 631], [468]], REGULAR], "mixed"),
        (pd.DataFrame({"period": [0], "survivors": [1]}), "frame"),
    ],
)
def test_bad_survivors_are_named(survivors, reason):
    with pytest.raises(CodedError) as caught:
        fit(survivors)
    assert caught.value.code == "bad_survivors"
    assert caught.value.params["reason"] == reason


def test_errors_name_the_cohort_and_period():
    with pytest.raises(CodedError, match="rise from 468 to 470 at period 3") as caught:
        fit([REGULAR, [1000, 631, 468, 470]], cohorts=["2018", "2019"])
    assert caught.value.params == {"reason": "increasing", "cohort": "2019", "period": 3}
    with pytest.raises(CodedError) as caught:
        fit([REGULAR], cohorts=["a", "b"])
    assert caught.value.code == "bad_cohorts"


def test_whole_floats_are_counts_and_the_fit_is_deterministic(regular_fit):
    counts = [float(c) + 1e-9 for c in REGULAR]
    kept = list(counts)
    assert fit(counts) == regular_fit == fit(np.array(REGULAR))
    assert counts == kept


def test_no_lapses_at_all_is_reported_as_not_converged():
    result = fit([1000, 1000, 1000])
    assert not result.converged
    assert survival(result.alpha, result.beta, 10) > 0.999


def test_the_retention_command_line_reproduces_the_published_fit(tmp_path):
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    survivors = [1000, 631, 468, 382, 326, 289, 262, 241]
    path = tmp_path / "survival.csv"
    pd.DataFrame({"period": range(8), "survivors": survivors}).to_csv(path, index=False)
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "retention", str(path), "--horizon", "10",
         "--calibration-periods", "4"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    # the calibration fit uses periods 0..4 only: not the published all-period values
    assert out["alpha"] != pytest.approx(0.704, abs=1e-3)
    full = subprocess.run(
        [sys.executable, "-m", "analytics", "retention", str(path), "--horizon", "10"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    result = json.loads(full.stdout)
    assert (round(result["alpha"], 3), round(result["beta"], 3)) == (0.704, 1.182)
    assert result["log_likelihood"] == pytest.approx(-1680.3, abs=0.05)
    assert len(result["projected_survivors"]) == 11 and result["projected_survivors"][0] == 1000
    assert result["retention_rates"][0] == pytest.approx(1.182 / (0.704 + 1.182), abs=1e-3)
    assert [row["holdout"] for row in out["backtest"]] == [False] * 5 + [True] * 3
    bad = subprocess.run(
        [sys.executable, "-m", "analytics", "retention", str(path), "--calibration-periods", "1"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
