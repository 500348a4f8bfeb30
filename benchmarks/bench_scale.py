"""Where the single-machine path stops: `score` and every dashboard page at N customers.

    .venv/bin/python benchmarks/bench_scale.py --customers 5000000 [--skip-score] [--skip-pages]
        [--scored]

1. ``python -m analytics score FOLDER --out scores.parquet`` in a fresh process: wall time and
   peak RSS (bars at 5M customers / ~50M payments: 150 s, 10 GB);
2. the dashboard on the same folder (``VALUESCOPE_DEMO_PARQUET``), driven by Streamlit's AppTest
   in a fresh process: the first page, then every page in turn, each with its time, and the
   process's peak RSS. AppTest runs the app's script exactly as the server does, without a
   browser (a browser adds the same rendering at any size: the charts get aggregated data).
   With ``--scored`` the dashboard opens the scored table of step 1 instead of the payments
   (``VALUESCOPE_SCORED_DIR``): the one-row-per-customer source a Spark run also writes.

Data is generated into benchmarks/out/ (git-ignored) when missing (5M customers take about four
minutes and 12 GB to generate).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import OUT, ROOT, compile_project, hwm_mb, machine, print_table

SCORE_BAR_S = 150
SCORE_BAR_GB = 10

PAGES = [
    ("Overview", "app_pages/overview.py"), ("Churn risk", "app_pages/churn.py"),
    ("Persistency", "app_pages/persistency.py"), ("Loyalty programme", "app_pages/loyalty.py"),
    ("Service", "app_pages/service.py"), ("RFM segments", "app_pages/rfm.py"),
    ("ABC / Pareto", "app_pages/abc.py"), ("CLV and value tiers", "app_pages/clv.py"),
    ("Clusters (K-means)", "app_pages/clusters.py"), ("Customer picture", "app_pages/picture.py"),
    ("Customer lookup", "app_pages/lookup.py"), ("Data", "app_pages/data.py"),
]  # fmt: skip

DRIVER = """
import json, os, sys, time
from streamlit.testing.v1 import AppTest

pages = json.loads(sys.argv[1])
began = time.perf_counter()
at = AppTest.from_file(os.path.join(os.getcwd(), "dashboard.py"), default_timeout=3600)
at.run()

def said(row):  # each page as it is served: a run that is killed still says how far it got
    with open("/proc/self/status") as status:  # VmHWM: not ru_maxrss (_common.hwm_mb)
        row["peak_gb"] = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 2**20
    print(json.dumps(row), flush=True)

said({"page": "first page (Overview), load and score included",
      "seconds": time.perf_counter() - began, "errors": len(at.exception),
      "shown": bool(at.metric)})
for title, path in pages:
    t0 = time.perf_counter()
    at.switch_page(path).run()
    heading = [h.value for h in at.title]
    said({"page": title, "seconds": time.perf_counter() - t0,
          "errors": len(at.exception), "shown": title in heading})
"""


def ensure_data(customers: int) -> Path:
    folder = OUT / f"demo_{customers}"
    if not (folder / "transactions.parquet").exists():
        # In a process of its own: Linux carries a process's peak RSS across fork and exec, so
        # a benchmark process that had generated 12 GB of data would lend that peak to every
        # command it starts afterwards (seen: 18.4 GB reported for both runs).
        subprocess.run(
            [sys.executable, "-m", "data.sample", "--customers", str(customers), "--out",
             str(folder)], cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    return folder


def _run(
    command: list[str], env: dict | None = None, check: bool = True
) -> tuple[float, float, str]:
    """A fresh process: wall seconds, its own peak RSS in GB (its VmHWM, sampled every 0.1 s:
    :func:`_common.hwm_mb`) and its stdout (with ``check=False``, also when it failed or was
    killed: the stdout says how far it got)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, env=env)
        peak, done = [0.0], threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], hwm_mb(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, _ = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        if code and check:
            raise SystemExit(err.read().decode()[-3000:])
        text = out.read().decode()
        if code:
            tail = err.read().decode().strip().splitlines()[-1:] or [""]
            text += json.dumps({"stopped": f"exit code {code}", "error": tail[0][-300:]}) + "\n"
        return seconds, peak[0] / 1024, text


def score(folder: Path) -> dict:
    seconds, peak, stdout = _run(
        [
            sys.executable,
            "-m",
            "analytics",
            "score",
            str(folder),
            "--out",
            str(OUT / "scale.parquet"),
        ]
    )
    report = json.loads(stdout)
    return {
        "run": f"score, {report['load']['rows_read']:,} payments, {report['n_customers']:,} customers",
        "seconds": seconds,
        "peak_gb": peak,
        "bars": f"<= {SCORE_BAR_S} s, <= {SCORE_BAR_GB} GB",
    }


def pages(folder: Path, scored: bool = False) -> tuple[list[dict], float]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "VALUESCOPE_DEMO_PARQUET": str(folder),
        "VALUESCOPE_CACHE_DIR": str(OUT / f"cache_{folder.name}"),
    }
    if scored:  # the scored table `score` wrote, as the source (no payments in memory)
        offered = OUT / "scale_scored"
        shutil.rmtree(offered, ignore_errors=True)
        offered.mkdir()
        (offered / "scale.parquet").symlink_to(OUT / "scale.parquet")
        env.pop("VALUESCOPE_DEMO_PARQUET")
        env.update(VALUESCOPE_SCORED_DIR=str(offered), VALUESCOPE_SOURCE="scored:scale")
    shutil.rmtree(env["VALUESCOPE_CACHE_DIR"], ignore_errors=True)  # cold
    script = OUT / "scale_driver.py"
    script.write_text(DRIVER)
    _, peak, stdout = _run([sys.executable, str(script), json.dumps(PAGES)], env, check=False)
    rows = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            if "stopped" in row:  # killed (out of memory: exit code -9) or failed
                rows.append({"page": f"STOPPED: {row['stopped']} {row['error']}".strip()})
            else:
                rows.append({k: v for k, v in row.items() if k != "peak_gb"})
    return rows, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=5_000_000)
    parser.add_argument("--skip-score", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument(
        "--scored", action="store_true",
        help="serve the pages from the scored table `score` wrote, not from the payments",
    )  # fmt: skip
    args = parser.parse_args()
    compile_project()  # measured as deployed: the project's bytecode written
    print(f"machine: {machine()}")
    folder = ensure_data(args.customers)
    if not args.skip_score:
        print_table([score(folder)], f"score at {args.customers:,} customers (a fresh process)")
    if not args.skip_pages:
        rows, peak = pages(folder, scored=args.scored)
        source = "its scored table" if args.scored else "the payments"
        print_table(
            rows,
            f"Dashboard at {args.customers:,} customers from {source} (AppTest, one process, "
            f"cold: no disk cache), peak RSS {peak:.1f} GB",
        )


if __name__ == "__main__":
    main()
