"""Analytics benchmark: the `score` pipeline on ~1M customers / ~10M transactions of demo data.

    .venv/bin/python benchmarks/bench_pipeline.py [--customers 1000000] [--skip-lifetimes]

Prints, per stage, wall time and peak resident memory (sampled); then the whole
`python -m analytics score` command as a user runs it (wall time, peak RSS of the process); then
the model fit's time at several customer counts; then lifetimes' plain route
(`summary_data_from_transaction_data` + unweighted fits) on the same data, and the ratio.
Data is generated into benchmarks/out/ (git-ignored) when missing.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time

import pandas as pd
from _common import OUT, ROOT, machine, print_table, timed

from analytics import pipeline as P
from analytics.clv import fit_clv, lifetimes_reference_fit, lifetimes_reference_summary
from analytics.summary import summarise
from data.load import load_file, read_file
from data.sample import DemoConfig, generate, write


def ensure_data(customers: int):
    folder = OUT / f"demo_{customers}"
    if not (folder / "transactions.parquet").exists():
        write(generate(DemoConfig(customers=customers)), str(folder))
    return folder


def stages(folder) -> pd.DataFrame:
    rows: list[dict] = []
    settings = P.Settings()
    with timed(rows, "load (read Parquet + validate every row)"):
        data = load_file(
            folder / "transactions.parquet",
            customers=read_file(folder / "customers.parquet"),
            loyalty_members=read_file(folder / "loyalty_members.parquet"),
        )
    rows[-1]["rows"] = data.report.rows_read
    with timed(rows, "summary + attributes (pipeline.base_stage)"):
        base = P.base_stage(data.transactions, settings, data.customers, data.loyalty_members)
    rows[-1]["rows"] = len(base)
    with timed(rows, "RFM scores + segments"):
        segments = P.segment_stage(base, settings)
    with timed(rows, "BG/NBD + Gamma-Gamma fit"):
        fit = fit_clv(base)
    rows[-1]["rows"] = fit.n_fit_rows
    with timed(rows, "scoring (P(alive), CLV, churn, tiers)"):
        models = P.score_stage(base, fit, settings)
        with_models = pd.concat([base, models.scores], axis=1)
        tiers = P.tier_stage(with_models, settings)
    with timed(rows, "ABC classes"):
        abc = P.abc_stage(with_models, settings)
    with timed(rows, "K-means (MiniBatch, k=4)"):
        clusters = P.cluster_stage(with_models, settings)
    with timed(rows, "assemble scored table"):
        P.with_clusters(P.assemble(base, models, segments, abc, tiers), clusters)
    total = sum(r["seconds"] for r in rows)
    rows.append(
        {"stage": "total", "seconds": total, "peak_rss_mb": max(r["peak_rss_mb"] for r in rows)}
    )
    return rows, data


def score_command(folder) -> dict:
    out = OUT / "scores.parquet"
    began = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "analytics", "score", str(folder), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    if run.returncode:
        raise SystemExit(run.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "command": "python -m analytics score <1M folder> --out scores.parquet",
        "seconds": seconds,
        "peak_rss_mb": peak,
    }


def fit_scaling(data) -> list[dict]:
    rows = []
    summary = summarise(data.transactions)
    for n in (20_000, 100_000, len(summary)):
        part = summary.iloc[:n]
        part.attrs.update(summary.attrs)
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            fit = fit_clv(part)
            best = min(best, time.perf_counter() - began)
        rows.append(
            {
                "customers": n,
                "fit_rows": fit.n_fit_rows,
                "fit_customers": fit.fit_customers,
                "best_of_3_s": best,
            }
        )
    return rows


def lifetimes_route(data, ours_seconds: float) -> list[dict]:
    """lifetimes' summary + unweighted fits (through the adapter, the only lifetimes importer)."""
    rows: list[dict] = []
    tx = data.transactions[["customer_id", "transaction_date", "amount"]]
    with timed(rows, "lifetimes summary_data_from_transaction_data"):
        summary = lifetimes_reference_summary(tx)
    with timed(rows, "lifetimes BetaGeoFitter + GammaGammaFitter (unweighted)"):
        lifetimes_reference_fit(summary)
    theirs = sum(r["seconds"] for r in rows)
    rows.append({"stage": "lifetimes plain route, total", "seconds": theirs})
    rows.append({"stage": "ours (summary + weighted fit), total", "seconds": ours_seconds})
    rows.append(
        {
            "stage": f"ratio lifetimes / ours = {theirs / ours_seconds:,.1f}x",
            "seconds": theirs / ours_seconds,
        }
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--skip-lifetimes", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    folder = ensure_data(args.customers)
    rows, data = stages(folder)
    print_table(
        rows,
        f"Pipeline stages, {args.customers:,} customers, {data.report.rows_read:,} transactions",
    )
    print_table(
        [score_command(folder)], "The whole score command (a fresh process, as a user runs it)"
    )
    print_table(fit_scaling(data), "Model fit time by customer count (bar: under 1 s at any count)")
    if not args.skip_lifetimes:
        ours = next(r["seconds"] for r in rows if r["stage"].startswith("summary")) + next(
            r["seconds"] for r in rows if r["stage"].startswith("BG/NBD")
        )
        print_table(lifetimes_route(data, ours), "lifetimes' plain route on the same data")


if __name__ == "__main__":
    main()
