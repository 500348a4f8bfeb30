"""The policy book of a view (analytics.book): hand-worked toy books."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import book, sbg
from analytics.persistency import policy_status, policy_year_survivors


def _policies(rows):
    columns = ["policy_id", "customer_id", "channel", "product_line", "issue_date",
               "payment_mode", "installment_premium", "status", "status_date"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["issue_date"] = pd.to_datetime(frame["issue_date"])
    frame["status_date"] = pd.to_datetime(frame["status_date"])
    return frame


BOOK = _policies(
    [
        ("P1", "A", "agency", "health", "2020-03-15", "monthly", 100.0, "in_force", None),
        ("P2", "A", "agency", "savings", "2021-07-01", "annual", 5000.0, "lapsed", "2024-01-01"),
        ("P3", "B", "online", "health", "2023-06-30", "quarterly", 300.0, "lapsed", "2024-09-01"),
        ("P4", "B", "online", "savings", "2022-01-10", "single", 90000.0, "in_force", None),
        ("P5", "C", "bancassurance", "health", "2024-07-01", "annual", 800.0, "in_force", None),
        (
            "P6",
            "C",
            "bancassurance",
            "health",
            "2019-06-30",
            "semiannual",
            600.0,
            "matured",
            "2024-06-29",
        ),
    ]
)


def test_policies_in_view_keep_the_customers_in_view_and_the_product_filter():
    view = pd.DataFrame(
        {"customer_id": ["A", "B"], "segment": ["Champions", "At risk"], "other": [1, 2]}
    )
    kept = book.policies_in_view(BOOK, view)
    assert sorted(kept["policy_id"]) == ["P1", "P2", "P3", "P4"]
    assert kept.set_index("policy_id").loc["P3", "segment"] == "At risk"
    assert "other" not in kept  # only the grouping attributes travel
    # a customer's label repeated per policy is held as a code, in sorted categories (labels
    # that repeat among the customers in view: X1 and X2 hold no policy)
    more = pd.concat([view, view.assign(customer_id=["X1", "X2"])], ignore_index=True)
    coded = book.policies_in_view(BOOK, more)
    assert list(coded["segment"].cat.categories) == ["At risk", "Champions"]
    assert coded["segment"].astype("str").tolist() == kept["segment"].tolist()
    health = book.policies_in_view(BOOK, view, products=("health",))
    assert sorted(health["policy_id"]) == ["P1", "P3"]


def test_in_force_at_a_date_and_the_renewal_count():
    frame = book.in_force(BOOK, "2024-06-30").set_index("policy_id")
    # P2 lapsed before, P4 is a single premium, P5 is issued after, P6 matured the day before
    assert sorted(frame.index) == ["P1", "P3"]
    # P1: 51 whole months since 2020-03-15 -> 4 completed policy years -> n = 5
    assert frame.loc["P1", "renewals_n"] == 5 and frame.loc["P1", "annual_premium"] == 1200.0
    # P3: issued 2023-06-30, on 2024-06-30 exactly 12 months -> n = 2; ended after the date
    assert frame.loc["P3", "renewals_n"] == 2 and frame.loc["P3", "annual_premium"] == 1200.0
    # a day earlier P3 has not completed its first year
    assert book.in_force(BOOK, "2024-06-29").set_index("policy_id").loc["P3", "renewals_n"] == 1


def test_actual_curve_chains_the_cohorts_seen_at_each_period():
    survivors = pd.DataFrame(
        {
            "cohort": ["x", "x", "x", "y", "y"],
            "period": [0, 1, 2, 0, 1],
            "survivors": [100, 80, 70, 50, 40],
        }
    )
    fitted = sbg.fit_frame(survivors)
    curves = book.retention_curves({"g": {"fit": fitted, "survivors": survivors}}, horizon=3)
    actual = curves.set_index("period")["actual"]
    assert actual[0] == 1.0
    assert actual[1] == pytest.approx(120 / 150)  # both cohorts: (80 + 40) / (100 + 50)
    assert actual[2] == pytest.approx(0.8 * 70 / 80)  # only x is seen at 2
    assert np.isnan(actual[3])
    projected = curves.set_index("period")["projected"]
    assert projected.to_numpy() == pytest.approx(
        sbg.survival(fitted.alpha, fitted.beta, np.arange(4))
    )
    # a group whose fit failed draws no curve
    assert book.retention_curves({"h": {"error": "bad_survivors"}}).empty


def test_residual_value_is_premium_times_derl_per_group():
    fitted = sbg.SbgFit(alpha=0.704, beta=1.182, log_likelihood=-1.0, n_cohorts=1,
                        converged=True)  # fmt: skip
    models = {"agency": {"fit": fitted}, "online": {"error": "bad_survivors"}}
    table = book.residual_values(BOOK, models, "2024-06-30", "channel", 0.1).set_index("group")
    expected = 1200.0 * sbg.derl(0.704, 1.182, 5, 0.1)  # P1 only: P2 lapsed before the date
    assert table.loc["agency", "residual_value"] == pytest.approx(expected)
    assert table.loc["agency", "policies"] == 1
    assert np.isnan(table.loc["online", "residual_value"])  # no fit, no value
    assert table.loc["online", "annual_premium"] == 1200.0
    whole = book.residual_values(BOOK, {"all": {"fit": fitted}}, "2024-06-30", None, 0.1)
    assert whole["residual_value"].iloc[0] == pytest.approx(
        expected + 1200.0 * sbg.derl(0.704, 1.182, 2, 0.1)
    )


def test_retention_by_fits_the_survivors_of_the_persistency_rule():
    from data.sample import DemoConfig, generate

    tables = generate(DemoConfig(customers=3000, random_state=4))
    policies, tx = tables["policies"], tables["transactions"]
    as_of = tx["transaction_date"].max()
    status = policy_status(policies, tx, until=as_of)
    models = book.retention_by(status, as_of, "channel")
    direct = policy_year_survivors(policies, tx, as_of, by="channel")
    for channel, model in models.items():
        expected = sbg.fit_frame(direct[direct["channel"] == channel])
        assert model["fit"].alpha == pytest.approx(expected.alpha)
        assert model["fit"].beta == pytest.approx(expected.beta)
    # the demo's channels differ as generated: online keeps fewest policies after a year
    first = {c: sbg.survival(m["fit"].alpha, m["fit"].beta, 1) for c, m in models.items()}
    assert first["online"] == min(first.values())
