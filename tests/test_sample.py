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
    assert 3.9 * 365 <= span.days <= 4.01 * 365
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
    assert members["enrolled_at"].min() >= start + pd.Timedelta(days=int(2 * 365.25) - 1)
    assert 0.1 < len(members) / 20_000 < 0.6
    summary = summarise(tx).assign(member=lambda s: s["customer_id"].isin(members["customer_id"]))
    # among customers acquired before launch, members are still buying more often a year on
    old = summary[summary["first_purchase"] < start + pd.Timedelta(days=730)]
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
