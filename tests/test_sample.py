"""The insurer demo generator: deterministic, shares as configured, data the loader accepts."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analytics.summary import summarise
from data.load import load_frame
from data.sample import DemoConfig, generate
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    return generate(DemoConfig(customers=20_000))


def test_same_seed_same_data_and_other_seed_other_data():
    first = generate(DemoConfig(customers=500, random_state=7))
    again = generate(DemoConfig(customers=500, random_state=7))
    other = generate(DemoConfig(customers=500, random_state=8))
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first["transactions"]["amount"].equals(other["transactions"]["amount"])


def test_customer_type_and_channel_shares_follow_the_configuration():
    config = DemoConfig(
        customers=40_000,
        organization_share=0.25,
        individual_channels={"agency": 0.5, "online": 0.3, "bancassurance": 0.2},
        organization_channels={"group": 0.6, "agency": 0.4},
    )
    customers = generate(config)["customers"]
    is_org = customers["customer_type"] == "organization"
    assert is_org.mean() == pytest.approx(0.25, abs=0.01)
    individual = customers.loc[~is_org, "channel"].value_counts(normalize=True)
    organization = customers.loc[is_org, "channel"].value_counts(normalize=True)
    assert individual.to_dict() == pytest.approx(
        {"agency": 0.5, "online": 0.3, "bancassurance": 0.2}, abs=0.015
    )
    assert organization.to_dict() == pytest.approx({"group": 0.6, "agency": 0.4}, abs=0.02)


def test_default_mix_and_volume(demo):
    customers, tx = demo["customers"], demo["transactions"]
    assert len(customers) == 20_000
    assert (customers["customer_type"] == "organization").mean() == pytest.approx(0.10, abs=0.01)
    assert set(customers["channel"]) == {"agency", "bancassurance", "group", "online"}
    assert 7 <= len(tx) / len(customers) <= 12
    span = tx["transaction_date"].max() - tx["transaction_date"].min()
    assert 6.9 * 365.25 <= span.days <= 7.01 * 365.25
    assert set(tx["transaction_type"]) == {"new_policy", "renewal", "top_up", "refund"}
    assert (tx.loc[tx["transaction_type"] == "refund", "amount"] < 0).all()
    assert (tx.loc[tx["transaction_type"] != "refund", "amount"] > 0).all()


def test_organisations_pay_larger_premiums(demo):
    tx = demo["transactions"].merge(demo["customers"][["customer_id", "customer_type"]])
    medians = tx[tx["amount"] > 0].groupby("customer_type")["amount"].median()
    assert medians["organization"] > 5 * medians["individual"]


def test_loyalty_programme_launches_partway_and_members_lapse_less(demo):
    tx, members = demo["transactions"], demo["loyalty_members"]
    start = tx["transaction_date"].min()
    assert members["enrolled_at"].min() >= start + pd.Timedelta(days=int(3 * 365.25) - 1)
    assert 0.1 < len(members) / 20_000 < 0.6
    summary = summarise(tx).assign(member=lambda s: s["customer_id"].isin(members["customer_id"]))
    # among customers acquired before launch, members are still buying more often a year on
    old = summary[summary["first_purchase"] < start + pd.Timedelta(days=1095)]
    active = old.groupby("member")["days_since_last"].apply(lambda d: (d < 365).mean())
    assert active[True] > active[False] + 0.1
    # and agency customers enrol more often than others
    customers = demo["customers"].assign(
        member=lambda c: c["customer_id"].isin(members["customer_id"])
    )
    share = customers.groupby(customers["channel"] == "agency")["member"].mean()
    assert share[True] > share[False]


def test_the_loader_accepts_every_row(demo):
    _, report = load_frame(demo["transactions"])
    assert report.rows_used == len(demo["transactions"])
    assert report.duplicates == 0 and report.rejected == {}


def test_resident_id_numbers_have_valid_check_characters(demo):
    individual = demo["customers"].query("customer_type == 'individual'").head(500)
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    for number, birth in zip(individual["id_number"], individual["birth_date"], strict=True):
        total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
        assert number[17] == "10X98765432"[total % 11]
        assert number[6:14] == birth.strftime("%Y%m%d")


def test_command_line_writes_parquet_and_sqlite(tmp_path):
    folder = tmp_path / "parquet"
    run = subprocess.run(
        [sys.executable, "-m", "data.sample", "--customers", "300", "--out", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in folder.iterdir()) == [
        "customers.parquet",
        "interactions.parquet",
        "loyalty_members.parquet",
        "policies.parquet",
        "transactions.parquet",
    ]
    assert len(pd.read_parquet(folder / "customers.parquet")) == 300
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    run = subprocess.run(
        [sys.executable, "-m", "data.sample", "--customers", "300", "--out", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    from data.load import load_database

    assert load_database(url).report.rows_used == len(
        pd.read_parquet(folder / "transactions.parquet")
    )
    bad = subprocess.run(
        [sys.executable, "-m", "data.sample", "--customers", "0", "--out", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr


def test_demo_snapshot_equals_the_database_read_and_goes_stale(tmp_path, monkeypatch):
    import os
    import time

    monkeypatch.setenv("VALUESCOPE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("VALUESCOPE_DEMO_PARQUET", raising=False)
    from data import demo

    path = demo.ensure_demo(customers=300)
    first = demo.load_demo()  # reads SQL, writes the snapshot
    assert (path.with_suffix(".loaded") / "report.json").exists()
    second = demo.load_demo()  # reads the snapshot
    for name in ("transactions", "customers", "loyalty_members"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert second.report.to_dict() == first.report.to_dict()
    # the snapshot really is what a fresh start reads ...
    snapshot = path.with_suffix(".loaded")
    first.transactions.head(10).to_parquet(snapshot / "transactions.parquet", index=False)
    marker = snapshot / "report.json"
    os.utime(marker, (time.time() + 5, time.time() + 5))
    assert len(demo.load_demo().transactions) == 10
    # ... until the database is newer than it: then the database is read again
    future = time.time() + 60
    os.utime(path, (future, future))
    assert len(demo.load_demo().transactions) == len(first.transactions)


# ---- policies and premium payments agree with each other


@pytest.fixture(scope="module")
def book(demo):
    policies = demo["policies"].set_index("policy_id")
    tx = demo["transactions"]
    installments = tx[tx["transaction_type"].isin(["new_policy", "renewal"])]
    return (
        policies,
        tx,
        installments.merge(
            policies, left_on="policy_id", right_index=True, suffixes=("", "_policy")
        ),
    )


def test_every_payment_belongs_to_a_policy_of_its_customer(book):
    policies, tx, paid = book
    assert tx["policy_id"].isin(policies.index).all()
    owner = policies.loc[tx["policy_id"], "customer_id"].to_numpy()
    assert (owner == tx["customer_id"].to_numpy()).all()
    # the first installment is the contract's premium, on the issue date; fixed-premium lines
    # (protection, savings) keep it; health and accident are repriced 5% a policy year
    first = paid[paid["transaction_type"] == "new_policy"]
    assert np.allclose(first["amount"], first["installment_premium"])
    fixed = paid[
        paid["product_line"].isin(["protection", "savings"]) & (paid["channel"] != "group")
    ]
    assert np.allclose(fixed["amount"], fixed["installment_premium"])
    health = paid[paid["product_line"].isin(["health", "accident"]) & (paid["channel"] != "group")]
    years = ((health["transaction_date"] - health["issue_date"]).dt.days + 15) // 365
    assert np.allclose(health["amount"], (health["installment_premium"] * 1.05**years).round(2),
                       rtol=0.06)  # fmt: skip
    assert first["policy_id"].is_unique and len(first) == len(policies)
    assert (first["transaction_date"] == first["issue_date"]).all()


def test_installments_follow_the_payment_mode_and_the_term(book):
    from analytics.persistency import PAYMENTS_PER_YEAR, add_months

    policies, _, paid = book
    paid = paid.sort_values(["policy_id", "transaction_date"], kind="stable")
    number = paid.groupby("policy_id").cumcount()
    per_year = paid["payment_mode"].map({**PAYMENTS_PER_YEAR, "single": 0})
    regular = per_year > 0
    assert (number[~regular] == 0).all()  # a single premium is paid once
    # installment j falls due j * 12 / m calendar months after issue; it is paid from 15 days
    # early to 120 days late, and never more installments than the term holds
    due = pd.Series(pd.NaT, index=paid.index, dtype="datetime64[s]")
    for mode, m in PAYMENTS_PER_YEAR.items():
        for j in range(0, 7 * m + 1):
            rows = regular & (paid["payment_mode"] == mode) & (number == j)
            if rows.any():
                due[rows] = add_months(paid.loc[rows, "issue_date"], j * 12 // m)
    late = (paid.loc[regular, "transaction_date"] - due[regular]).dt.days
    assert late.between(-15, 120).all()
    assert (number[regular] < paid.loc[regular, "term_years"] * per_year[regular]).all()
    # most on time, some late within the 60-day grace period, a few beyond it
    assert (late <= 30).mean() > 0.8
    assert 0.01 < late.between(31, 60).mean() < 0.1
    assert 0.002 < (late > 60).mean() < 0.03


def test_statuses_stop_the_payments(book, demo):
    policies, tx, paid = book
    end = tx["transaction_date"].max()
    last = paid.groupby("policy_id")["transaction_date"].max()
    count = paid.groupby("policy_id").size()
    status = policies["status"]
    assert set(status) == {"in_force", "lapsed", "surrendered", "matured", "claimed"}
    assert policies.loc[status == "in_force", "status_date"].isna().all()
    ended = policies[status != "in_force"]
    assert ended["status_date"].notna().all() and (ended["status_date"] <= end).all()
    # nothing is paid after a lapse, a surrender or a claim
    for name in ("lapsed", "surrendered", "claimed"):
        ids = ended.index[ended["status"] == name]
        assert (last[ids] <= ended.loc[ids, "status_date"]).all(), name
    # a matured policy paid every installment of its term
    from analytics.persistency import PAYMENTS_PER_YEAR

    matured = policies[(status == "matured") & (policies["payment_mode"] != "single")]
    expected = matured["term_years"] * matured["payment_mode"].map(PAYMENTS_PER_YEAR)
    assert len(matured) > 50 and (count[matured.index] == expected).all()
    # a cooling-off refund returns the first premium within 15 days
    refunds = tx[tx["transaction_type"] == "refund"].merge(
        policies, left_on="policy_id", right_index=True, suffixes=("", "_policy")
    )
    assert len(refunds) > 100 and (refunds["status"] == "surrendered").all()
    assert np.allclose(-refunds["amount"], refunds["installment_premium"])
    assert ((refunds["transaction_date"] - refunds["issue_date"]).dt.days.between(1, 15)).all()


def test_channels_differ_in_persistency_and_groups_are_organisations(demo):
    from analytics.persistency import persistency

    ratios = persistency(demo["policies"], demo["transactions"], by="channel", months=(13, 25))
    thirteen = ratios[ratios["months"] == 13].set_index("channel")["count_ratio"]
    assert thirteen["online"] < thirteen["bancassurance"] < thirteen["agency"]
    assert (
        0.8
        < persistency(demo["policies"], demo["transactions"], months=(13,))["count_ratio"].iloc[0]
        < 0.95
    )
    policies = demo["policies"].merge(demo["customers"][["customer_id", "customer_type"]])
    group = policies[policies["channel"] == "group"]
    assert (group["customer_type"] == "organization").mean() > 0.5
    assert set(group["product_line"]) <= {"protection", "health", "accident"}
    assert policies["agent_id"].notna().eq(policies["channel"] == "agency").all()


def test_the_policy_loader_accepts_every_policy(demo):
    from data.policies import load_policies

    policies, report = load_policies(demo["policies"])
    assert report.rows_used == len(demo["policies"]) and report.rejected == {}
    assert len(policies) == len(demo["policies"])


def test_complaints_and_events_reach_the_call_centre(demo):
    contacts = demo["interactions"]
    policies = demo["policies"]
    surrendering = set(policies.loc[policies["status"] == "surrendered", "customer_id"])
    asked = set(contacts.loc[contacts["reason"] == "surrender_request", "customer_id"])
    assert len(asked & surrendering) > 0.5 * len(asked)
    mean = contacts.groupby("reason")["satisfaction"].mean()
    assert mean["complaint"] < mean["policy_inquiry"] - 1


def test_some_people_are_registered_twice(demo):
    people = demo["customers"].query("customer_type == 'individual'")
    repeated = people["id_number"].duplicated(keep=False)
    assert 0.003 < people["id_number"].duplicated().mean() < 0.006
    twins = people[repeated].groupby("id_number")
    assert (twins["name"].nunique() == 1).all() and (twins["birth_date"].nunique() == 1).all()
