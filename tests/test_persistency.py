"""Persistency (继续率) on a hand-worked book: every payment mode, the grace boundary (day 60 vs
day 61), claimed/matured exclusions, refunds, duplicate payments and the cohort window. The
expected figures are worked out by hand in the comments, not by the code under test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics._validate import CodedError
from analytics.persistency import add_months, persistency, policy_status, trend, triangle

AS_OF = "2025-03-01"  # E = 2024-12-31; 13-month cohort: due(j_13) in (2023-12-31, 2024-12-31]


def _policy(pid, mode, issue, premium, channel="bancassurance", status="in_force", at=None):
    return {"policy_id": pid, "customer_id": f"C{pid}", "payment_mode": mode, "issue_date": issue,
            "installment_premium": premium, "channel": channel, "status": status,
            "status_date": at}  # fmt: skip


def book() -> tuple[pd.DataFrame, pd.DataFrame]:
    policies = pd.DataFrame(
        [
            _policy("P1", "annual", "2023-03-15", 1000, "agency"),
            _policy("P2", "annual", "2023-03-15", 1000, "agency"),
            _policy("P3", "monthly", "2023-01-31", 100),
            _policy("P4", "quarterly", "2023-06-30", 300),
            _policy("P5", "semiannual", "2023-02-28", 600),
            _policy("P6", "annual", "2023-05-01", 900, status="claimed", at="2024-02-01"),
            _policy("P7", "annual", "2023-07-01", 2000, status="matured", at="2024-09-01"),
            _policy("P8", "single", "2023-04-01", 50000),
            _policy("P9", "annual", "2022-12-31", 700),
            _policy("P10", "annual", "2024-01-01", 800),
            _policy("P11", "monthly", "2023-10-15", 50),
        ]
    )
    pay = []

    def paid(pid, *dates, tid=None):
        for i, d in enumerate(dates):
            pay.append({"policy_id": pid, "transaction_date": d, "amount": 1.0,
                        "transaction_id": tid or f"{pid}-{len(pay)}-{i}"})  # fmt: skip

    paid("P1", "2023-03-15", "2024-05-14")  # due 2024-03-15; +60 days = 2024-05-14: in grace
    paid("P2", "2023-03-15", "2024-05-15")  # day 61: too late
    # monthly from 31 Jan 2023: 12 payments in 2023, the 13th on 2024-03-31 = 31 Jan 2024 + 60
    paid("P3", *[str(d.date()) for d in pd.date_range("2023-01-31", periods=12, freq="ME")])
    paid("P3", "2024-03-31")
    # quarterly: needs 5 by 2024-08-29; four, the fourth sent twice under one transaction id
    paid("P4", "2023-06-30", "2023-09-30", "2023-12-30")
    paid("P4", "2024-03-30", tid="P4-Q4")
    paid("P4", "2024-03-30", tid="P4-Q4")
    paid("P5", "2023-02-28", "2023-08-28", "2024-02-28")  # semiannual: 3 by 2024-04-28
    paid("P6", "2023-05-01")  # claimed before its due date: out of the cohort
    paid("P7", "2023-07-01", "2024-07-01")  # matured after its due date: stays, persists
    paid("P8", "2023-04-01")
    paid("P9", "2022-12-31", "2023-12-31")
    paid("P10", "2024-01-01")
    # monthly from 15 Oct 2023: 12 payments and a refund; 13 are needed by 2024-12-14
    paid("P11", *[str(d.date()) for d in pd.date_range("2023-10-15", periods=12, freq="MS")])
    pay.append({"policy_id": "P11", "transaction_date": "2024-10-20", "amount": -50.0,
                "transaction_id": "P11-refund"})  # fmt: skip
    payments = pd.DataFrame(pay)
    payments["transaction_date"] = pd.to_datetime(payments["transaction_date"])
    return policies, payments


def test_calendar_months_clip_to_the_month_end():
    got = add_months(["2023-01-31", "2024-01-31", "2023-03-15", "2024-02-29"], 1)
    assert [str(d.date()) for d in got] == ["2023-02-28", "2024-02-29", "2023-04-15", "2024-03-29"]
    assert str(add_months(["2024-02-29"], 12)[0].date()) == "2025-02-28"


def test_thirteen_month_persistency_by_hand():
    policies, payments = book()
    row = persistency(policies, payments, AS_OF, months=(13,)).iloc[0]
    # cohort: P1 P2 P3 P4 P5 P7 P11 (P6 claimed before due; P8 single; P9 due 2023-12-31 and
    # P10 due 2025-01-01 fall outside the window); persisting: P1 P3 P5 P7
    assert (row["policies"], row["persisting"]) == (7, 4)
    assert row["count_ratio"] == pytest.approx(4 / 7)
    # annualised premiums: P1 1000, P2 1000, P3 1200, P4 1200, P5 1200, P7 2000, P11 600
    assert row["premium"] == pytest.approx(8200)
    assert row["persisting_premium"] == pytest.approx(1000 + 1200 + 1200 + 2000)
    assert row["premium_ratio"] == pytest.approx(5400 / 8200)


def test_each_policy_for_the_reason_it_persists_or_not():
    policies, payments = book()
    status = policy_status(policies, payments, (13,), until=AS_OF).set_index("policy_id")
    assert status["persisting"].to_dict() == {
        "P1": True, "P2": False, "P3": True, "P4": False, "P5": True, "P6": False, "P7": True,
        "P9": True, "P10": False, "P11": False,
    }  # fmt: skip
    assert status.loc["P6", "excluded"] and not status.loc["P7", "excluded"]
    assert "P8" not in status.index  # single premium: no persistency


def test_by_channel_and_the_triangle():
    policies, payments = book()
    table = persistency(policies, payments, AS_OF, months=(13,), by="channel")
    agency = table.set_index("channel").loc["agency"]
    assert (agency["policies"], agency["persisting"]) == (2, 1)  # P1 persists, P2 not
    assert agency["premium_ratio"] == pytest.approx(0.5)
    grid = triangle(policies, payments, AS_OF, months=(13, 25))
    assert grid.loc["2023-03", 13] == pytest.approx(0.5)
    assert grid.loc["2022-12", 13] == 1.0  # P9: due 2023-12-31, observable, paid
    assert pd.isna(grid.loc["2023-03", 25])  # due 2025-03-15: not yet observable
    assert "2024-01" not in grid.index  # P10's first check is not observable either


def test_twenty_five_months_and_the_trend():
    policies, payments = book()
    # 25-month cohort at AS_OF: due = issue + 24 months in (2023-12-31, 2024-12-31], so issued
    # in 2022: only P9, with 2 of the 3 payments it needs
    only = persistency(policies, payments, AS_OF, months=(25,)).iloc[0]
    assert (only["policies"], only["persisting"]) == (1, 0)
    later = persistency(policies, payments, "2025-12-01", months=(25,))
    # E = 2025-10-02: issued in (2022-10-02, 2023-10-02]: P9 P1 P2 P3 P4 P5 (P6 claimed and P7
    # matured before their 25-month due dates; P11 issued 2023-10-15); none paid 25 months
    assert (later["policies"].iloc[0], later["persisting"].iloc[0]) == (6, 0)
    series = trend(policies, payments, ["2024-06-01", AS_OF], months=13)
    assert list(series["as_of"].dt.strftime("%Y-%m-%d")) == ["2024-06-01", AS_OF]
    # 2024-06-01: E = 2024-04-02, due in (2023-04-02, 2024-04-02]: P9 P3 P5 P1 P2 (P1 and P2 are
    # due 2024-03-15, their grace ends 2024-05-14, before this as-of date)
    assert series["policies"].tolist() == [5, 7]
    # P1 (day 60) yes, P2 (day 61) no, P3 yes, P5 yes, P9 yes -> 4 of 5
    assert series["count_ratio"].tolist()[0] == pytest.approx(4 / 5)


def test_bad_months_and_missing_columns_are_coded():
    policies, payments = book()
    with pytest.raises(CodedError) as bad:
        persistency(policies, payments, AS_OF, months=(12,))
    assert bad.value.code == "bad_months"
    with pytest.raises(CodedError) as missing:
        persistency(policies, payments, AS_OF, by="agent_id")
    assert missing.value.code == "missing_columns"


def test_the_command_line_prints_the_same_ratios(tmp_path):
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    policies, payments = book()
    policies.to_csv(tmp_path / "policies.csv", index=False)
    payments.assign(customer_id="C" + payments["policy_id"]).to_csv(
        tmp_path / "payments.csv", index=False
    )
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "persistency", "--policies",
         str(tmp_path / "policies.csv"), "--transactions", str(tmp_path / "payments.csv"),
         "--as-of", AS_OF, "--months", "13", "--by", "channel"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["as_of"], result["by"]) == (AS_OF, "channel")
    assert result["policies_load"]["rows_used"] == 11  # every policy row passed validation
    rows = {r["channel"]: r for r in result["rows"]}
    assert set(rows["agency"]) == {"channel", "months", "policies", "persisting", "count_ratio",
                                   "premium", "persisting_premium", "premium_ratio"}  # fmt: skip
    assert (rows["agency"]["policies"], rows["agency"]["persisting"]) == (2, 1)
    # bancassurance: P3 P4 P5 P7 P11, persisting P3 P5 P7
    assert (rows["bancassurance"]["policies"], rows["bancassurance"]["persisting"]) == (5, 3)


def test_policy_year_survivors_feed_the_sbg_model():
    from analytics.persistency import policy_year_survivors
    from analytics.sbg import fit_frame

    policies, payments = book()
    table = policy_year_survivors(policies, payments, AS_OF, years=2)
    cohorts = {c: g.sort_values("period")["survivors"].tolist() for c, g in table.groupby("cohort")}
    # issued 2022 (P9): its 13-month check (due 2023-12-31) is observable, its 25-month one
    # (due 2024-12-31) too, but it paid only twice -> [1, 1, 0]
    assert cohorts["2022"] == [1, 1, 0]
    # issued 2023: P1 P2 P3 P4 P5 P11 (P6 claimed and P7 matured before a check within the two
    # years: a claim or maturity is not a lapse, so they leave the cohort; P8 single). The last
    # 13-month check is P11's, due 2024-10-15 <= E = 2024-12-31; 25-month checks are not due.
    # Persisting at 13 months: P1 P3 P5
    assert cohorts["2023"] == [6, 3]
    assert "2024" not in cohorts  # P10's first check falls due after E
    fitted = fit_frame(table)
    assert fitted.n_cohorts == 2 and fitted.alpha > 0 and fitted.beta > 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_command_line_reads_database_tables(tmp_path, request, backend):
    import json
    import subprocess
    import sys

    import sqlalchemy as sa

    from tests.conftest import ROOT

    url = (
        f"sqlite:///{tmp_path / 'book.sqlite'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    policies, payments = book()
    engine = sa.create_engine(url)
    policies.to_sql("book_policies", engine, index=False, if_exists="replace")
    payments.assign(customer_id="C" + payments["policy_id"]).to_sql(
        "book_payments", engine, index=False, if_exists="replace"
    )
    engine.dispose()
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "persistency", "--database", url, "--policies",
         "book_policies", "--transactions", "book_payments", "--as-of", AS_OF, "--months", "13"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)["rows"]
    assert (row["policies"], row["persisting"]) == (7, 4)
    assert row["premium_ratio"] == pytest.approx(5400 / 8200)
    pushed = subprocess.run([*done.args, "--pushdown"], capture_output=True, text=True, cwd=ROOT,
                            timeout=120)  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.stdout)["rows"] == json.loads(done.stdout)["rows"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_database_gives_the_same_persistency(tmp_path, request, backend):
    import sqlalchemy as sa

    from analytics.persistency import needed_payments, ratios_from_status, status_from_ranks
    from data.pushdown import persistency_ranks

    url = (
        f"sqlite:///{tmp_path / 'book.sqlite'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    policies, payments = book()
    # a payment without a transaction id counts on its own; one after the as-of date never
    extra = pd.DataFrame({"policy_id": ["P2", "P2"], "amount": [1.0, 1.0],
                          "transaction_date": pd.to_datetime(["2024-04-01", "2025-06-01"]),
                          "transaction_id": [None, None]})  # fmt: skip
    payments = pd.concat([payments, extra], ignore_index=True)
    engine = sa.create_engine(url)
    payments.to_sql("book_payments_pd", engine, index=False, if_exists="replace")
    engine.dispose()
    months = (13, 25)
    for as_of in ("2024-06-01", AS_OF, "2025-12-01"):
        local = persistency(policies, payments, as_of, months, by="channel")
        ranks = persistency_ranks(url, "book_payments_pd", needed_payments(months), as_of)
        pushed = ratios_from_status(status_from_ranks(policies, ranks, months), as_of, "channel")
        pd.testing.assert_frame_equal(pushed, local)
    assert len(ranks) < len(payments)  # ranks leave the database, not payments
    # the extra undated-id payment of 2024-04-01 made P2 persist at 13 months (2 by 2024-05-14)
    row = persistency(policies, payments, AS_OF, (13,), by="channel").set_index("channel")
    assert row.loc["agency", "persisting"] == 2


def _survivors_reference(status: pd.DataFrame, as_of, by=None) -> pd.DataFrame:
    """The policy-year survivors written plainly (pivot and loops), to check the array version."""
    end = pd.Timestamp(as_of).normalize() - pd.Timedelta(days=60)
    leaving = set(status.loc[status["excluded"], "policy_id"])
    status = status[~status["policy_id"].isin(leaving)]
    status = status.assign(issue_year=status["issue_date"].dt.year)
    keys = ([by] if by else []) + ["issue_year"]
    rows = []
    for group, frame in status.groupby(keys, sort=True):
        group = group if isinstance(group, tuple) else (group,)
        wide = frame.pivot(index="policy_id", columns="months", values="persisting")
        alive = wide.cummin(axis=1)
        label = "/".join(str(v) for v in group)
        extra = {by: group[0]} if by else {}
        cohort = [{**extra, "cohort": label, "period": 0, "survivors": len(wide)}]
        for t, k in enumerate(sorted(wide.columns), start=1):
            if frame.loc[frame["months"] == k, "due"].max() > end:
                break
            cohort.append({**extra, "cohort": label, "period": t, "survivors": int(alive[k].sum())})
        if len(cohort) > 1:
            rows.extend(cohort)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("by", [None, "channel", "product_line"])
def test_policy_year_survivors_equal_a_plain_reference(by):
    from analytics.persistency import survivors_from_status
    from data.sample import DemoConfig, generate

    tables = generate(DemoConfig(customers=2500, random_state=21))
    policies, tx = tables["policies"], tables["transactions"]
    as_of = pd.Timestamp("2025-12-31")
    status = policy_status(policies, tx, (13, 25, 37, 49, 61), until=as_of)
    ours = survivors_from_status(status, as_of, by)
    expected = _survivors_reference(status, as_of, by)
    assert len(ours) >= 20
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), expected[ours.columns],
                                  check_dtype=False)  # fmt: skip
    # the transaction ids of a loaded source are distinct: skipping their check changes nothing
    again = policy_status(policies, tx, (13, 25, 37, 49, 61), until=as_of, ids_unique=True)
    pd.testing.assert_frame_equal(again, status)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns back as text (:func:`with_policy_columns` takes labels as codes)."""
    coded = [c for c in frame if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.astype(dict.fromkeys(coded, "str"))


def test_a_narrow_status_with_columns_added_later_equals_the_full_one():
    """The dashboard keeps the status without the policies' own columns (five copies of a
    million policies' text) and adds a column when a page groups by it."""
    from analytics.persistency import ratios_from_status, with_policy_columns
    from data.sample import DemoConfig, generate

    tables = generate(DemoConfig(customers=1500, random_state=5))
    policies, tx = tables["policies"], tables["transactions"]
    policies = pd.concat([policies, policies.iloc[:40]])  # repeated ids: the first row counts
    as_of = pd.Timestamp("2025-12-31")
    full = policy_status(policies, tx, until=as_of)
    narrow = policy_status(policies, tx, until=as_of, columns=())
    # the policy's id is its row there (its text, repeated per K, is added where needed)
    assert set(narrow.columns) == {"policy_row", "issue_date", "annual_premium", "months", "due",
                                   "persisting", "excluded"}  # fmt: skip
    assert narrow.memory_usage(deep=True).sum() < full.memory_usage(deep=True).sum() / 2
    rebuilt = with_policy_columns(narrow, policies, list(full.columns))
    assert set(full.columns) - set(rebuilt.columns) == {"per_year"}  # derived, not a policy's
    # text with few labels comes as codes (a channel repeated per K), the same values
    assert isinstance(rebuilt["channel"].dtype, pd.CategoricalDtype)
    assert rebuilt["policy_id"].dtype == "str"  # one per policy: as text
    pd.testing.assert_frame_equal(_as_text(rebuilt), full[rebuilt.columns])
    # a subset of rows takes the columns of its own policies
    some = narrow[narrow["months"] == 25].iloc[::7]
    taken = with_policy_columns(some, policies, ["channel", "customer_id"])
    pd.testing.assert_frame_equal(_as_text(taken), full.loc[some.index, taken.columns])
    assert "no_such_column" not in with_policy_columns(some, policies, ["no_such_column"])
    for by in ("channel", "product_line"):
        pd.testing.assert_frame_equal(
            ratios_from_status(with_policy_columns(narrow, policies, [by]), as_of, by),
            ratios_from_status(full, as_of, by),
        )
    # the Overview's 13-month figure comes from the same status (every K checked at once)
    thirteen = ratios_from_status(narrow[narrow["months"] == 13], as_of)
    pd.testing.assert_frame_equal(thirteen, persistency(policies, tx, as_of, (13,)))


def test_triangle_leaves_thin_cells_empty():
    from analytics.persistency import triangle_from_status

    status = pd.DataFrame(
        {
            "policy_id": ["a", "b", "c", "a", "b", "c"],
            "issue_date": pd.to_datetime(["2023-01-10", "2023-01-20", "2023-02-01"] * 2),
            "months": [13, 13, 13, 25, 25, 25],
            "due": pd.to_datetime(
                ["2024-01-10", "2024-01-20", "2024-02-01", "2025-01-10", "2025-01-20", "2025-02-01"]
            ),  # fmt: skip
            "persisting": [True, False, True, True, False, True],
            "excluded": [False] * 6,
            "annual_premium": [100.0, 300.0, 50.0] * 2,
        }
    )
    grid = triangle_from_status(status, "2025-06-30")
    assert grid.loc["2023-01", 13] == 0.5 and grid.loc["2023-02", 13] == 1.0
    premium = triangle_from_status(status, "2025-06-30", basis="premium")
    assert premium.loc["2023-01", 13] == pytest.approx(100 / 400)
    thin = triangle_from_status(status, "2025-06-30", min_policies=2)
    assert thin.loc["2023-01", 13] == 0.5 and pd.isna(thin.loc["2023-02", 13])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("basis", ["count", "premium"])
def test_the_triangle_equals_a_group_by_of_the_observable_rows(seed, basis):
    """Cells summed on integer keys equal a pandas group-by of the rows due by the as-of date
    less the grace days and not excluded: months without a row left out, (month, K) pairs
    without one empty, premiums of zero an empty premium ratio, thin cells empty."""
    from analytics.persistency import GRACE_DAYS, triangle_from_status

    rng = np.random.default_rng(seed)
    n = 400
    issue = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    months = rng.choice([13, 25, 37], n)
    status = pd.DataFrame(
        {
            "issue_date": issue,
            "months": months,
            "due": issue + pd.to_timedelta(months * 30, unit="D"),
            "persisting": rng.random(n) < 0.7,
            "excluded": rng.random(n) < 0.1,
            "annual_premium": np.where(rng.random(n) < 0.2, 0.0, rng.integers(1, 500, n) * 1.0),
        }
    )
    as_of = "2024-03-31"
    end = pd.Timestamp(as_of) - pd.Timedelta(days=GRACE_DAYS)
    seen = status[(status["due"] <= end) & ~status["excluded"]]
    cells = (
        seen.assign(
            issue_month=seen["issue_date"].dt.strftime("%Y-%m"),
            policies=1,
            kept=seen["persisting"].astype(int),
            kept_premium=np.where(seen["persisting"], seen["annual_premium"], 0.0),
        )
        .groupby(["issue_month", "months"])[["policies", "kept", "annual_premium", "kept_premium"]]
        .sum()
    )
    if basis == "count":
        ratio = cells["kept"] / cells["policies"]
    else:
        ratio = cells["kept_premium"] / cells["annual_premium"].where(cells["annual_premium"] > 0)
    expected = ratio.where(cells["policies"] >= 3).unstack("months")
    got = triangle_from_status(status, as_of, basis=basis, min_policies=3)
    assert list(got.index) == list(expected.index) and list(got.columns) == list(expected.columns)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_repeated_transaction_ids_of_mixed_types_count_once():
    policies = pd.DataFrame({"policy_id": ["P1"], "issue_date": pd.to_datetime(["2023-01-01"]),
                             "payment_mode": ["annual"], "installment_premium": [100.0]})  # fmt: skip
    # the second installment arrives twice under the same id (the number 7), once as text "x"
    payments = pd.DataFrame(
        {
            "policy_id": ["P1", "P1", "P1"],
            "transaction_id": pd.Series(["x", 7, 7], dtype=object),
            "transaction_date": pd.to_datetime(["2023-01-01", "2024-01-05", "2024-01-06"]),
            "amount": [100.0, 100.0, 100.0],
        }
    )
    status = policy_status(policies, payments, (13, 25), until="2025-06-30").set_index("months")
    assert bool(status.loc[13, "persisting"])  # two distinct payments by 2024-01-01 + 60 days
    assert not bool(status.loc[25, "persisting"])  # the repeat of 7 is not a third payment
