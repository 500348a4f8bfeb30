"""analytics.summary on hand-computed toy data and on CDNOW (lifetimes' published summary)."""

from __future__ import annotations

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics.summary import SUMMARY_COLUMNS, summarise
from tests.conftest import ROOT  # noqa: F401  (keeps the fixture module importable as a package)

TOY = pd.DataFrame(
    [
        ("A", "2024-01-01", 100.0),
        ("A", "2024-01-01", 50.0),  # same day: one purchase occasion
        ("A", "2024-01-08", 30.0),
        ("A", "2024-01-10", -10.0),  # refund
        ("A", "2024-01-15", 20.0),
        ("A", "2024-03-01", 999.0),  # after the as-of date: holdout, ignored
        ("B", "2024-01-20", 80.0),
        ("C", "2024-01-05", -5.0),  # only a refund: no purchase, no row
        ("D", "2024-02-10", 40.0),  # first purchase after the as-of date: no row
        ("007", "2024-01-31", 0.0),  # a zero-amount purchase on the as-of date
    ],
    columns=["customer_id", "transaction_date", "amount"],
).assign(transaction_date=lambda f: pd.to_datetime(f["transaction_date"]))


def test_toy_summary_in_days():
    s = summarise(TOY, as_of="2024-01-31", unit="D").set_index("customer_id")
    assert list(s.reset_index().columns) == SUMMARY_COLUMNS
    assert s.index.tolist() == ["007", "A", "B"]
    a, b, z = s.loc["A"], s.loc["B"], s.loc["007"]
    assert (a.n_transactions, a.frequency, a.recency, a["T"]) == (4, 2, 14.0, 30.0)
    assert (a.total_spend, a.monetary_value, a.refunds, a.days_since_last) == (
        200.0,
        25.0,
        -10.0,
        16,
    )
    assert a.first_purchase == pd.Timestamp("2024-01-01")
    assert a.last_purchase == pd.Timestamp("2024-01-15")
    assert (b.frequency, b.recency, b["T"], b.monetary_value, b.total_spend, b.days_since_last) == (
        0,
        0.0,
        11.0,
        0.0,
        80.0,
        11,
    )
    assert (z.frequency, z["T"], z.total_spend, z.days_since_last) == (0, 0.0, 0.0, 0)


def test_spend_in_the_last_twelve_calendar_months():
    tx = pd.DataFrame(
        [
            ("A", "2023-02-28", 1.0),  # exactly 12 months before the as-of date: not in
            ("A", "2023-03-01", 10.0),  # the first day in
            ("A", "2023-06-01", -4.0),  # a refund: not spend
            ("A", "2024-02-29", 100.0),  # the as-of date (a leap day) itself: in
            ("B", "2022-05-01", 7.0),  # bought, but not in the last 12 months
        ],
        columns=["customer_id", "transaction_date", "amount"],
    ).assign(transaction_date=lambda f: pd.to_datetime(f["transaction_date"]))
    s = summarise(tx, as_of="2024-02-29").set_index("customer_id")
    assert s["spend_12m"].to_dict() == {"A": 110.0, "B": 0.0}
    assert s.loc["A", "total_spend"] == 111.0


def test_toy_summary_in_weeks_and_months():
    weeks = summarise(TOY, as_of="2024-01-31", unit="W").set_index("customer_id")
    assert_allclose(weeks.loc["A", ["recency", "T"]].astype(float), [2.0, 30 / 7])
    assert_allclose(weeks.loc["B", ["recency", "T"]].astype(float), [0.0, 11 / 7])
    months = summarise(TOY, as_of="2024-01-31", unit="M").set_index("customer_id")
    assert_allclose(months.loc["A", ["recency", "T"]].astype(float), [14 / 30.4375, 30 / 30.4375])


def test_default_as_of_is_the_latest_transaction():
    s = summarise(TOY).set_index("customer_id")
    assert s.attrs["as_of"] == "2024-03-01"
    assert s.loc["A", "frequency"] == 3  # the March purchase now counts
    assert s.loc["D", "T"] == 20.0


def test_unknown_unit_and_missing_columns_are_value_errors():
    with pytest.raises(ValueError, match="unknown time unit 'Y'"):
        summarise(TOY, unit="Y")
    with pytest.raises(ValueError, match="needs column.*amount"):
        summarise(TOY.drop(columns="amount"))


def test_input_is_not_mutated():
    before = TOY.copy()
    summarise(TOY, as_of="2024-01-31")
    pd.testing.assert_frame_equal(TOY, before)


def test_cdnow_sample_reproduces_lifetimes_summary():
    from data.demo import cdnow_path, load_cdnow

    summary = summarise(load_cdnow("sample").transactions, as_of="1997-09-30", unit="W")
    published = pd.read_csv(cdnow_path("sample").parent / "cdnow_customers_summary.csv")
    assert len(summary) == len(published) == 2357
    merged = summary.assign(ID=summary["customer_id"].astype(int)).merge(
        published, on="ID", suffixes=("", "_published"), validate="one_to_one"
    )
    assert (merged["frequency"] == merged["frequency_published"]).all()
    # the published file is rounded to two decimals
    assert_allclose(merged["recency"], merged["recency_published"], atol=0.005)
    assert_allclose(merged["T"], merged["T_published"], atol=0.005)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as hst  # noqa: E402

payment_rows = hst.lists(
    hst.tuples(
        hst.integers(0, 12),  # customer
        hst.integers(0, 40),  # day
        hst.sampled_from([100.0, 250.5, -80.0, 0.0, 19.99]),  # refunds (negative) among them
        hst.sampled_from(["agency", "online"]),
    ),
    min_size=1,
    max_size=120,
)


@settings(max_examples=120, deadline=None)
@given(rows=payment_rows, as_of=hst.integers(0, 45), by_day=hst.booleans())
def test_payments_in_day_order_give_the_summary_any_order_gives(rows, as_of, by_day):
    """Payments in day order have their purchase days counted day by day
    (``_purchase_days_in_day_order``); the summary is the one the same payments in any order
    give, holdout rows after the as-of date and refunds included."""
    import numpy as np

    from analytics import summary as S

    frame = pd.DataFrame(rows, columns=["customer", "day", "amount", "channel"])
    if by_day:
        frame = frame.sort_values("day", kind="stable")
    tx = pd.DataFrame(
        {
            "customer_id": pd.array([f"C{c:03d}" for c in frame["customer"]], dtype="str"),
            "transaction_date": (
                np.datetime64("2024-01-01") + frame["day"].to_numpy().astype("timedelta64[D]")
            ).astype("datetime64[s]"),
            "amount": frame["amount"].to_numpy(),
            "channel": frame["channel"].to_numpy(),
        }
    )
    as_of_day = str(np.datetime64("2024-01-01") + np.timedelta64(as_of, "D"))
    if as_of_day < str(tx["transaction_date"].min())[:10]:
        return  # before every payment: an error, whichever the order
    reference = S.summarise(tx.sample(frac=1, random_state=1), as_of=as_of_day,
                            first_purchase=["channel"])  # fmt: skip
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(S, "DAY_ORDER_MIN_ROWS", 0)  # small tables take the day-order path too
        patched.setattr(S, "DAY_ORDER_MIN_PER_DAY", 1)
        used = []
        counted = S._purchase_days_in_day_order
        patched.setattr(S, "_purchase_days_in_day_order",
                        lambda *a: used.append(1) or counted(*a))  # fmt: skip
        got = S.summarise(tx, as_of=as_of_day, first_purchase=["channel"])
    kept_days = frame["day"].to_numpy()[frame["day"].to_numpy() <= as_of]  # the holdout aside
    in_order = bool((np.diff(kept_days) >= 0).all())
    assert bool(used) == (in_order and len(got) > 0)  # refunds alone: no purchase day to count
    # the first purchase's channel is the first row's of that day: the order's own
    check = [c for c in got.columns if c != "channel"]
    pd.testing.assert_frame_equal(got[check], reference[check])
