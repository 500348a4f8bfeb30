"""Analytics benchmark: the `score` command on ~1M customers / ~10M transactions of demo data,
against lifetimes' plain route on the same data (issue "Speed").

    .venv/bin/python benchmarks/bench_pipeline.py [--customers 1000000] [--skip-lifetimes]
        [--fit-scaling]

Prints:

1. per stage, in this process, as the command runs them: wall time and peak resident memory
   (sampled every 5 ms); the first row is the transactions file read and validated, row by row;
2. the whole ``python -m analytics score FOLDER --out scores.parquet`` as a user runs it (a fresh
   process: start-up, imports, read, every stage, the written file), wall time and peak RSS;
3. lifetimes' plain route in a fresh process: read the same Parquet file,
   ``summary_data_from_transaction_data``, unweighted ``BetaGeoFitter`` + ``GammaGammaFitter``
   with the penalties our command reports it needed (without them the plain fit does not
   converge on the insurer's data), and the ratio ours / theirs against the bar (0.35);
4. with ``--fit-scaling``, the weighted fit's time at several customer counts.

Data is generated into benchmarks/out/ (git-ignored) when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
from _common import OUT, ROOT, compile_project, hwm_mb, machine, print_table, timed

from analytics import pipeline as P
from analytics.clv import fit_clv
from analytics.summary import summarise
from data.sample import DemoConfig, generate, write

RATIO_BAR = 0.35
PEAK_BAR_MB = 2048
LOAD_BAR_S = 3.0


def ensure_data(customers: int) -> Path:
    folder = OUT / f"demo_{customers}"
    if not (folder / "transactions.parquet").exists():
        write(generate(DemoConfig(customers=customers)), str(folder))
    return folder


def stages(folder: Path) -> tuple[list[dict], object]:
    from analytics.__main__ import _DESCRIPTIVE, _NEEDED, _read_table, _write_table
    from data.load import load_file

    rows: list[dict] = []
    settings = P.Settings()
    with timed(rows, "read + validate transactions (every row)"):
        data = load_file(folder / "transactions.parquet", mapping={}, optional=_DESCRIPTIVE)
    rows[-1]["rows"] = data.report.rows_read
    with timed(rows, "read customers + loyalty members"):
        customers = _read_table(folder / "customers.parquet", _NEEDED["customers"])
        members = _read_table(folder / "loyalty_members.parquet", _NEEDED["loyalty_members"])
    with timed(rows, "summary + attributes (pipeline.base_stage)"):
        from data.load import _optional_tables

        tables = _optional_tables({"customers": customers, "loyalty_members": members})
        base = P.base_stage(
            data.transactions, settings, tables["customers"], tables["loyalty_members"]
        )
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
        table = P.with_clusters(P.assemble(base, models, segments, abc, tiers), clusters)
    with timed(rows, "write scores.parquet (export rules)"):
        _write_table(table, str(OUT / "stage_scores.parquet"))
    total = sum(r["seconds"] for r in rows)
    rows.append(
        {"stage": "total", "seconds": total, "peak_rss_mb": max(r["peak_rss_mb"] for r in rows)}
    )
    return rows, data


def _tree_pss_mb(pid: int) -> float:
    """Proportional set size of ``pid`` and its descendants (shared pages counted once in all),
    in MB: the memory a forked helper really adds, which a peak RSS cannot tell."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
            with open(f"/proc/{current}/task/{current}/children") as children:
                todo.extend(int(c) for c in children.read().split())
        except (OSError, StopIteration, ValueError):  # gone meanwhile
            continue
    return total / 1024


class _PssPeak(threading.Thread):
    """Samples, every 0.1 s until stopped, the process's own peak RSS (:func:`hwm_mb`) and
    :func:`_tree_pss_mb`; ``peak`` is the largest (growth in a process's last 0.1 s is missed)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.peak = max(self.peak, hwm_mb(self.pid), _tree_pss_mb(self.pid))


def _run(command: list[str]) -> tuple[float, float, str]:
    """Run a fresh process; its wall time, its peak memory (MB) and stdout. The peak is the
    larger of the process's own peak RSS and the PSS of the process with its children together,
    both sampled (:class:`_PssPeak`; not wait4's, see :func:`hwm_mb`)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=err, env={**os.environ, "PYTHONPATH": str(ROOT)}
        )
        sampler = _PssPeak(process.pid)
        sampler.start()
        _, status, _ = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        sampler.done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise SystemExit(err.read().decode()[-3000:])
        return seconds, sampler.peak, out.read().decode()


def score_command(folder: Path) -> tuple[dict, dict]:
    out = OUT / "scores.parquet"
    seconds, peak, stdout = _run(
        [sys.executable, "-m", "analytics", "score", str(folder), "--out", str(out)]
    )
    row = {"route": "ours: python -m analytics score", "seconds": seconds, "peak_rss_mb": peak}
    return row, json.loads(stdout)


LOAD = """
import sys, time
from analytics._fast import reuse_freed_memory
reuse_freed_memory()
from data.load import load_file
began = time.perf_counter()
data = load_file(sys.argv[1], mapping={}, optional=("product_line", "channel"))
print(data.report.rows_read, time.perf_counter() - began)
"""


def load_runs(folder: Path, repeat: int) -> list[dict]:
    """Read + validate the transactions file, as ``score`` does, in ``repeat`` fresh processes
    (imports done before the clock starts); the median is the figure against the bar."""
    script = OUT / "load_only.py"
    script.write_text(LOAD)
    runs = []
    for _ in range(repeat):
        _, peak, stdout = _run([sys.executable, str(script), str(folder / "transactions.parquet")])
        rows, seconds = stdout.split()
        runs.append({"seconds": float(seconds), "rows": int(rows), "peak_rss_mb": peak})
    times = sorted(r["seconds"] for r in runs)
    return [
        {
            "stage": f"read + validate {runs[0]['rows']:,} rows, median of {repeat} processes",
            "seconds": times[len(times) // 2],
            "runs_s": " / ".join(f"{r['seconds']:.2f}" for r in runs),
            "bar_s": LOAD_BAR_S,
        }
    ]


REFERENCE = """
import sys
import pandas as pd
from analytics import clv  # the one lifetimes adapter

folder, penalizer, spend_penalizer = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
tx = pd.read_parquet(f"{folder}/transactions.parquet",
                     columns=["customer_id", "transaction_date", "amount"])
summary = clv.lifetimes_reference_summary(tx)
clv.lifetimes_reference_fit(summary, penalizer, spend_penalizer)
"""


def lifetimes_route(folder: Path, output: dict) -> dict:
    """lifetimes' read + summary + unweighted fits, in a fresh process (the adapter in
    analytics.clv is the only lifetimes importer)."""
    script = OUT / "lifetimes_route.py"
    script.write_text(REFERENCE)
    model = output["model"]
    seconds, peak, _ = _run(
        [sys.executable, str(script), str(folder), str(model["penalizer"] or 0.0),
         str(model["spend_penalizer"] or 0.0)]
    )  # fmt: skip
    return {
        "route": "lifetimes: read + summary_data_from_transaction_data + 2 fits",
        "seconds": seconds,
        "peak_rss_mb": peak,
    }


def _median(runs: list[dict]) -> dict:
    times = sorted(r["seconds"] for r in runs)
    peaks = sorted(r["peak_rss_mb"] for r in runs)
    return {
        "route": runs[0]["route"],
        "seconds": times[len(times) // 2],
        "runs_s": " / ".join(f"{r['seconds']:.1f}" for r in runs),
        "peak_rss_mb": peaks[len(peaks) // 2],
        "peaks_mb": " / ".join(f"{r['peak_rss_mb']:.0f}" for r in runs),
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--skip-lifetimes", action="store_true")
    parser.add_argument("--fit-scaling", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each route (median)")
    args = parser.parse_args()
    compile_project()  # measured as deployed: the project's bytecode written
    print(f"machine: {machine()}")
    folder = ensure_data(args.customers)
    from analytics._fast import reuse_freed_memory

    reuse_freed_memory()  # as the command does
    rows, data = stages(folder)
    print_table(
        rows,
        f"Score stages in one process, {args.customers:,} customers, "
        f"{data.report.rows_read:,} transactions (bar: read + validate <= {LOAD_BAR_S:.0f} s)",
    )
    del data
    print_table(load_runs(folder, args.repeat), "Read + validate alone, fresh processes")
    # Each route runs --repeat times, alternating; the median run counts (this machine's
    # page-fault time varies from run to run by seconds).
    ours_runs, theirs_runs = [], []
    for _ in range(args.repeat):
        row, output = score_command(folder)
        ours_runs.append(row)
        if not args.skip_lifetimes:
            theirs_runs.append(lifetimes_route(folder, output))
    routes = [_median(ours_runs)]
    if theirs_runs:
        routes.append(_median(theirs_runs))
        ratio = routes[0]["seconds"] / routes[1]["seconds"]
        routes.append({"route": f"ratio ours / lifetimes (bar {RATIO_BAR})", "seconds": ratio})
    print_table(
        routes,
        f"The whole command against lifetimes' plain route, fresh processes, read included "
        f"(bar: ours <= {RATIO_BAR}x theirs, peak <= {PEAK_BAR_MB} MB)",
    )
    if args.fit_scaling:
        from data.load import load_file

        data = load_file(folder / "transactions.parquet", mapping={}, optional=())
        print_table(fit_scaling(data), "Model fit time by customer count")


if __name__ == "__main__":
    main()
