"""A source read on first use (data.report.LazyDataset) and the view's headline figures."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from analytics.aggregates import Aggregates
from analytics.pipeline import Settings, run
from data.load import load_frame
from data.report import Dataset, LazyDataset


def _dataset() -> Dataset:
    raw = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C1", "C3"],
            "transaction_date": ["2024-01-05", "2024-02-01", "2024-03-09", "2024-03-01"],
            "amount": ["100", "50", "25", "80"],
            "product_line": ["savings", "health", "savings", "accident"],
        }
    )
    transactions, report = load_frame(raw, {c: c for c in raw.columns}, source="toy.csv")
    return Dataset(name="toy", transactions=transactions, report=report, currency="CNY")


def test_facts_are_what_the_tables_say():
    facts = _dataset().facts()
    assert (str(facts.first_date), str(facts.last_date)) == ("2024-01-05", "2024-03-09")
    assert facts.product_lines == ("accident", "health", "savings")
    assert facts.tables == {"customers": None, "loyalty_members": None, "interactions": None,
                            "policies": None}  # fmt: skip
    assert (facts.name, facts.currency) == ("toy", "CNY")


def test_nothing_is_read_until_a_table_is_asked_for_and_then_once():
    calls, told = [], []

    def load() -> Dataset:
        calls.append(1)
        return _dataset()

    known = _dataset().facts()
    lazy = LazyDataset(load, facts=known, on_facts=told.append)
    assert (lazy.name, lazy.currency, lazy.rows("policies")) == ("toy", "CNY", None)
    assert lazy.facts() == known and lazy.has_payments and not calls and not lazy.is_loaded
    threads = [threading.Thread(target=lambda: lazy.transactions) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and len(lazy.transactions) == 4 and lazy.loaded() is lazy.loaded()
    assert not told  # the facts were known already

    fresh = LazyDataset(load, on_facts=told.append)  # facts unknown: the first question reads
    assert fresh.facts() == known and told == [known] and len(calls) == 2


def test_the_headline_is_the_aggregates_own():
    data = _dataset()
    scored = run(data.transactions, Settings(), clustered=False)
    agg = Aggregates(scored.view, Settings())
    head = agg.headline()
    assert head.size == 3 and head.kpis == agg.kpis
    pd.testing.assert_frame_equal(head.tiers, agg.tiers)
    pd.testing.assert_frame_equal(head.segments, agg.segments)
    pd.testing.assert_frame_equal(head.concentration, agg.concentration)
    assert (head.abc_basis, head.value_basis) == (agg.abc_basis, agg.value_basis)


def test_later_tables_are_read_when_first_asked_for_and_once():
    """A table ``load`` leaves out (data.report.Later) is read on its own, once, when a page
    asks for it; until then the facts give its rows as the source holds them."""
    from data.report import Later

    calls, reads = [], []
    policies = pd.DataFrame({"policy_id": ["P1", "P2"], "customer_id": ["C1", "C2"]})

    def load() -> Dataset:
        calls.append(1)
        return _dataset()

    def read() -> dict:
        reads.append(1)
        return {"policies": policies, "policies_report": "its report"}

    lazy = LazyDataset(load, later={"policies": Later(2, read)}, expected_payments=4)
    assert lazy.rows("policies") == 2 and calls == [1] and not reads  # the facts: no policy read
    assert lazy.expected_payments == 4 and len(lazy.transactions) == 4 and not reads
    threads = [threading.Thread(target=lambda: lazy.policies) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reads == [1] and lazy.policies is policies and lazy.policies_report == "its report"
    whole = lazy.loaded()
    assert whole.policies is policies and len(whole.transactions) == 4 and whole.loaded() is whole
    assert reads == [1] and calls == [1]


def test_a_parquet_demo_folder_reads_customers_policies_and_contacts_later(tmp_path, monkeypatch):
    """The Parquet demo's first load leaves out the customers, the policies and the contacts;
    read later, they are the tables the whole load gives, and the footers' row counts are the
    facts'."""
    from data import demo
    from data.sample import DemoConfig, generate, write

    folder = tmp_path / "demo_parquet"
    write(generate(DemoConfig(customers=300)), str(folder))
    monkeypatch.setenv("VALUESCOPE_DEMO_PARQUET", str(folder))
    load, later, payments, columns = demo.demo_parts()
    whole = demo.load_demo()
    assert sorted(later) == ["customers", "interactions", "policies"]
    assert payments == whole.report.rows_read and list(columns) == ["policy_id"]
    first = load()
    assert first.policies is None and first.interactions is None and first.customers is None
    pd.testing.assert_frame_equal(first.transactions, whole.transactions.drop(columns="policy_id"))
    pd.testing.assert_frame_equal(first.loyalty_members, whole.loyalty_members)
    lazy = LazyDataset(load, later=later, later_columns=columns)
    assert lazy.rows("policies") == len(whole.policies)  # the demo is generated clean
    assert lazy.rows("interactions") == len(whole.interactions)
    assert lazy.rows("customers") == len(whole.customers)
    assert lazy.is_loaded and "customers" not in lazy._read_later  # the facts read no customer
    pd.testing.assert_frame_equal(lazy.customers, whole.customers)
    pd.testing.assert_frame_equal(lazy.policies, whole.policies)
    pd.testing.assert_frame_equal(lazy.interactions, whole.interactions)
    assert lazy.policies_report.to_dict() == whole.policies_report.to_dict()

    monkeypatch.delenv("VALUESCOPE_DEMO_PARQUET")
    assert demo.demo_parts()[1:] == ({}, None, {})  # the demo database is read whole


def test_the_dashboard_keeps_no_transaction_ids_but_counts_their_repeats():
    from ui.sources import _served

    raw = pd.DataFrame(
        {
            "transaction_id": ["T1", "T2", "T2"],
            "customer_id": ["C1", "C2", "C2"],
            "transaction_date": ["2024-01-05", "2024-02-01", "2024-02-01"],
            "amount": ["100", "50", "50"],
        }
    )
    transactions, report = load_frame(raw, {c: c for c in raw.columns}, source="toy.csv")
    served = _served(Dataset(name="toy", transactions=transactions, report=report))
    assert "transaction_id" not in served.transactions and len(served.transactions) == 2
    assert served.report.duplicates == 1 and "transaction_id" in transactions  # not mutated


def test_a_cold_start_of_a_large_source_starts_the_fit_worker_instead_of_lifetimes(monkeypatch):
    """Known unread to hold a million payments, a source's cold start starts the fit worker
    (lifetimes loads there); a small or unknown one loads lifetimes on a thread here."""
    from ui import view

    started, warmed = [], []

    class Fake:
        def start(self) -> bool:
            started.append(1)
            return True

    monkeypatch.setattr(view, "fit_worker", lambda: Fake())
    monkeypatch.setattr(view, "warm_up", lambda clustering=True: warmed.append(clustering))
    view.cold_start(view.FIT_WORKER_PAYMENTS)
    assert started == [1] and warmed == []
    view.cold_start(view.FIT_WORKER_PAYMENTS - 1)
    view.cold_start(None)
    assert started == [1] and warmed == [False, False]
    monkeypatch.setenv("VALUESCOPE_FIT_WORKER", "0")
    view.cold_start(view.FIT_WORKER_PAYMENTS)
    assert started == [1] and warmed == [False, False, False]


def test_background_work_leaves_the_browser_its_seconds_after_a_page():
    import time

    from ui import persist

    with persist.drawing():
        pass
    began = time.monotonic()
    persist.wait_quiet(settle=0.4)
    assert time.monotonic() - began >= 0.35  # the page's charts are still being drawn
    began = time.monotonic()
    persist.wait_quiet(timeout=0.2, settle=30.0)  # never longer than its timeout
    assert time.monotonic() - began < 5


def test_memory_the_pages_freed_is_handed_back_once_they_are_drawn(monkeypatch):
    """Not while a page is being drawn; after it, once the server has been quiet a moment."""
    import time

    from analytics import _fast
    from ui import persist

    calls = []
    monkeypatch.setattr(_fast, "release_freed_memory", lambda: calls.append(time.monotonic()))
    monkeypatch.setattr(persist, "TRIM_SECONDS", 0.2)
    with persist.drawing():
        began = len(calls)
        time.sleep(0.5)
        assert len(calls) == began  # a page is being drawn
        ended = time.monotonic()
    deadline = time.monotonic() + 10
    while not [c for c in calls if c >= ended] and time.monotonic() < deadline:
        time.sleep(0.05)
    after = [c for c in calls if c >= ended]
    assert after and after[0] - ended >= 0.15  # the quiet spell first


def test_released_heap_pages_leave_the_resident_memory():
    """glibc keeps freed blocks inside its heap; released, their pages are no longer resident."""
    import gc
    import sys

    from analytics import _fast

    if not sys.platform.startswith("linux"):
        pytest.skip("glibc")

    def resident_mb() -> float:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

    blocks = [b"x" * 100_000 for _ in range(2000)]  # below glibc's mmap threshold: the heap
    sentinel = b"y" * 100_000  # allocated last: the freed blocks are not the heap's top
    del blocks
    gc.collect()
    before = resident_mb()
    assert _fast.release_freed_memory()
    assert before - resident_mb() > 100  # of the 200 MB freed
    assert sentinel[:1] == b"y"


def test_the_payments_policy_ids_are_read_later_as_a_whole_load_reads_them(tmp_path, monkeypatch):
    """A Parquet demo's payments are first loaded without their policy ids; asked for, the
    column is the whole load's for every row used, the load report's rejected and duplicate
    rows get its cells where the whole load has them, and the facts name it from the start."""
    import pyarrow.parquet as pq

    from data import demo
    from data.sample import DemoConfig, generate, write

    folder = tmp_path / "demo_parquet"
    write(generate(DemoConfig(customers=200)), str(folder))
    payments = pd.read_parquet(folder / "transactions.parquet")
    bad = payments.iloc[[3, 5, 8]].copy()
    bad.iloc[0, bad.columns.get_loc("customer_id")] = None  # rejected: no customer
    bad.iloc[1, bad.columns.get_loc("amount")] += 1.0  # a conflicting duplicate of row 6
    bad.iloc[2, bad.columns.get_loc("policy_id")] = "  "  # a duplicate, its policy id blank
    payments = pd.concat([payments.iloc[:10], bad, payments.iloc[10:]], ignore_index=True)
    pq.write_table(pa_table(payments), folder / "transactions.parquet")
    monkeypatch.setenv("VALUESCOPE_DEMO_PARQUET", str(folder))
    whole = demo.load_demo()
    assert whole.report.duplicates == 2 and sum(whole.report.rejected.values()) == 1

    load, later, _, columns = demo.demo_parts()
    lazy = LazyDataset(load, later=later, later_columns=columns)
    assert "policy_id" in lazy.facts().columns
    assert "policy_id" not in lazy.transactions
    assert "policy_id" not in lazy.report.rejected_rows  # not read yet
    got = lazy.payments("policy_id")
    pd.testing.assert_frame_equal(got, whole.transactions[list(got.columns)])
    assert lazy.payments("policy_id") is got  # read once
    assert lazy.payments() is lazy.transactions and "policy_id" not in lazy.transactions
    for name in ("rejected_rows", "duplicate_rows"):
        pd.testing.assert_frame_equal(getattr(lazy.report, name), getattr(whole.report, name))
    assert lazy.report.to_dict() == whole.report.to_dict()
    full = LazyDataset(load, later=later, later_columns=columns).loaded()
    pd.testing.assert_frame_equal(full.transactions, got)
    pd.testing.assert_frame_equal(full.report.duplicate_rows, whole.report.duplicate_rows)


def pa_table(frame):
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


def test_a_payments_file_changed_since_it_was_read_says_so(tmp_path):
    from data.load import load_column, load_file
    from data.report import SourceError

    path = tmp_path / "t.parquet"
    frame = pd.DataFrame({
        "customer_id": ["a", "b"], "transaction_date": pd.to_datetime(["2024-01-01"] * 2),
        "amount": [1.0, 2.0], "policy_id": ["P1", "P2"],
    })  # fmt: skip
    frame.to_parquet(path)
    first = load_file(path, optional=())
    assert "policy_id" not in first.transactions
    assert load_column(path, "policy_id", first.report)[0].tolist() == ["P1", "P2"]
    pd.concat([frame, frame.iloc[:1]]).to_parquet(path)
    with pytest.raises(SourceError) as changed:
        load_column(path, "policy_id", first.report)
    assert changed.value.code == "source_changed"


def test_pages_on_a_parquet_demo_read_the_policy_ids_when_they_need_them(tmp_path, monkeypatch):
    """Served lazily (results kept on disk), the Overview is drawn without the payments'
    policy ids; the Persistency page then reads them and shows the figures the whole tables
    give, and the Data page finds them."""
    from streamlit.testing.v1 import AppTest

    from analytics.persistency import persistency
    from data.sample import DemoConfig, generate, write
    from tests.conftest import ROOT
    from ui.formats import fmt_pct

    folder = tmp_path / "demo_parquet"
    write(generate(DemoConfig(customers=400)), str(folder))
    monkeypatch.setenv("VALUESCOPE_DEMO_PARQUET", str(folder))
    monkeypatch.setenv("VALUESCOPE_CACHE", "1")
    monkeypatch.setenv("VALUESCOPE_CACHE_DIR", str(tmp_path / "cache"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    policies = pd.read_parquet(folder / "policies.parquet")
    tx = pd.read_parquet(folder / "transactions.parquet")
    table = persistency(policies, tx, tx["transaction_date"].max(), (13,)).set_index("months")
    at.switch_page("app_pages/persistency.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = next(m.value for m in at.metric if m.label == "13-month persistency")
    assert shown == fmt_pct(table.loc[13, "count_ratio"])
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [w for w in at.warning if "policy id" in w.value.lower()]
