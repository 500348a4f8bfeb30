"""A source read on first use (data.report.LazyDataset) and the view's headline figures."""

from __future__ import annotations

import threading

import pandas as pd

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
