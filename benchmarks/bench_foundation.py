"""Foundation benchmark: the demo generator at 1M customers, and the per-customer summary at
about 10M transactions: pandas (analytics.summary) vs push-down on SQLite and DuckDB.

    .venv/bin/python benchmarks/bench_foundation.py [--customers 1000000]

Generated data goes to benchmarks/out/ (git-ignored). Prints tables.
"""

from __future__ import annotations

import argparse
import shutil
import time

import numpy as np
import pandas as pd
from _common import OUT, machine, print_table, timed

from analytics.summary import summarise
from data.load import load_frame
from data.pushdown import pushdown_summary
from data.sample import DemoConfig, generate, write


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--summary-customers", type=int, default=1_100_000, help="~10M transactions"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")

    rows: list[dict] = []
    with timed(rows, f"generate {args.customers:,} customers"):
        tables = generate(DemoConfig(customers=args.customers))
    n_tx = len(tables["transactions"])
    rows[-1]["n_rows"] = n_tx
    folder = OUT / "parquet"
    shutil.rmtree(folder, ignore_errors=True)
    with timed(rows, "write Parquet folder", n_rows=n_tx):
        write(tables, str(folder))
    sqlite = OUT / "demo.sqlite"
    sqlite.unlink(missing_ok=True)
    with timed(rows, "write SQLite database", n_rows=n_tx):
        write(tables, f"sqlite:///{sqlite}")
    del tables
    gen = sum(r["seconds"] for r in rows[:2])
    print_table(rows, f"Generator (generate + Parquet = {gen:.1f} s)")

    rows = []
    tx = generate(DemoConfig(customers=args.summary_customers, random_state=1))["transactions"]
    tx = tx[["transaction_id", "customer_id", "transaction_date", "amount"]]
    n_tx = len(tx)
    with timed(rows, "validate (data.load.load_frame)", n_rows=n_tx):
        clean, _ = load_frame(tx)
    as_of = "2026-06-30"
    with timed(rows, "summary: pandas (analytics.summary)", n_rows=n_tx):
        local = summarise(clean, as_of=as_of, unit="W")
    for engine, url in (
        ("SQLite", f"sqlite:///{OUT / 'summary.sqlite'}"),
        ("DuckDB", f"duckdb:///{OUT / 'summary.duckdb'}"),
    ):
        for suffix in (".sqlite", ".duckdb"):
            (OUT / f"summary{suffix}").unlink(missing_ok=True)
        began = time.perf_counter()
        write({"transactions": clean}, url)
        loaded = time.perf_counter() - began
        with timed(rows, f"summary: push-down on {engine}", n_rows=n_tx, load_s=round(loaded, 1)):
            pushed = pushdown_summary(url, as_of=as_of, unit="W")
        assert pushed["customer_id"].equals(local["customer_id"])
        np.testing.assert_allclose(pushed["monetary_value"], local["monetary_value"], rtol=1e-9)
    print_table(rows, f"Summary at {n_tx:,} transactions, {len(local):,} customers")
    pd.set_option("display.width", 120)


if __name__ == "__main__":
    main()
