"""Both engines on the same data (issue "Beyond one machine"): ``score`` on ~1M customers / ~10M
transactions of demo data, the default engine against Spark in local mode on 1 and 2 cores.

    .venv/bin/python benchmarks/bench_spark.py [--customers 1000000] [--cores 1 2]
        [--memory 8g] [--skip-default]

Each run is a fresh ``python -m analytics score FOLDER --out ...`` as a user runs it (start-up,
JVM, read, every stage, the written output); wall time and peak memory of the process tree (the
JVM and its Python workers included: sampled PSS, shared pages counted once). A Spark run on N
cores is pinned to N cores (``taskset``): unpinned, ``local[1]``'s JVM threads and Python worker
still spread over both cores of this machine. Then the Spark
output is compared with the default engine's column by column (the parity the tests check on
small data, here at full size), and the throughput behind the README's cluster estimate is
printed. Local mode on two cores is expected to be slower than the single-process engine: Spark
pays for its generality (a JVM, Arrow hops to Python workers, shuffles to disk) to scale out.

Data is generated into benchmarks/out/ (git-ignored) when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

import numpy as np
import pandas as pd
from _common import OUT, machine, print_table
from bench_pipeline import _run, ensure_data

MODEL_COLUMNS = {"p_alive", "churn_risk", "expected_purchases", "expected_spend", "clv",
                 "premium_at_risk"}  # fmt: skip


def score(folder, out, *extra: str, cpus: str | None = None) -> tuple[dict, dict]:
    """One fresh ``score`` process; ``cpus`` pins it (JVM, Python workers and all) to those
    cores with ``taskset``, so "1 core" means one core, not one task slot on two cores."""
    pin = ["taskset", "-c", cpus] if cpus and shutil.which("taskset") else []
    seconds, peak, stdout = _run(
        [*pin, sys.executable, "-m", "analytics", "score", str(folder), "--out", str(out), *extra]
    )
    return {"seconds": seconds, "peak_mb": peak}, json.loads(stdout)


def compare(default: pd.DataFrame, spark: pd.DataFrame) -> list[dict]:
    """Per column: equal cells, and the largest difference of numbers."""
    rows = []
    for column in default.columns:
        a, b = default[column], spark[column]
        if pd.api.types.is_float_dtype(a):
            x, y = a.to_numpy(float), b.to_numpy(float)
            same = np.isclose(x, y, rtol=0, atol=0, equal_nan=True)
            difference = np.nanmax(np.abs(x - y)) if len(x) else 0.0
        elif pd.api.types.is_datetime64_any_dtype(a):
            same = (a.astype("datetime64[s]") == b.astype("datetime64[s]")) | (a.isna() & b.isna())
            same, difference = same.to_numpy(), 0.0
        else:
            left, right = (
                a.astype(object).where(a.notna(), None),
                b.astype(object).where(b.notna(), None),
            )
            same, difference = (left == right).to_numpy() | (a.isna() & b.isna()).to_numpy(), 0.0
        rows.append(
            {"column": column, "equal_cells": f"{int(same.sum()):,} / {len(a):,}",
             "max_abs_difference": f"{difference:.1e}",
             "bar": "1e-6" if column in MODEL_COLUMNS else ("-" if column == "cluster" or column == "cluster_name" else "equal")}
        )  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--memory", default="8g", help="the local Spark driver's memory")
    parser.add_argument("--skip-default", action="store_true")
    args = parser.parse_args()
    folder = ensure_data(args.customers)
    print(machine())
    rows, outputs = [], {}
    if not args.skip_default:
        default_out = OUT / "scores_default.parquet"
        row, output = score(folder, default_out)
        rows.append({"engine": "default (one process)", **row})
        outputs["default"] = (default_out, output)
    os.environ["VALUESCOPE_SPARK_MEMORY"] = args.memory
    for cores in args.cores:
        out = OUT / f"scores_spark_{cores}"
        row, output = score(
            folder, out, "--engine", "spark", "--spark-master", f"local[{cores}]",
            cpus=f"0-{cores - 1}",
        )  # fmt: skip
        rows.append({"engine": f"spark local[{cores}], pinned to {cores} core(s)", **row})
        outputs[f"spark{cores}"] = (out, output)
    transactions = next(iter(outputs.values()))[1]["load"]["rows_read"]
    customers = next(iter(outputs.values()))[1]["n_customers"]
    for row in rows:
        row["rows_per_s"] = f"{transactions / row['seconds']:,.0f}"
    print_table(rows, f"score, {customers:,} customers / {transactions:,} transactions")
    stages = [
        {"stage": stage, **{key: output["stages_s"].get(stage) for key, (_, output) in
                            outputs.items() if "stages_s" in output}}
        for stage in next((o["stages_s"] for _, o in outputs.values() if "stages_s" in o), {})
    ]  # fmt: skip
    if stages:
        print_table(stages, "Spark stages, seconds (from the command's own output)")
    if "default" in outputs:
        reference = outputs["default"][1]
        for key, (out, output) in outputs.items():
            if key == "default":
                continue
            same_json = {
                k: v for k, v in output.items() if k not in ("out", "engine", "stages_s")
            } == {k: v for k, v in reference.items() if k != "out"}
            table = compare(pd.read_parquet(outputs["default"][0]), pd.read_parquet(out))
            print_table(
                table,
                f"{key}: output against the default engine (report, fit and counts "
                f"{'equal' if same_json else 'DIFFER'})",
            )


if __name__ == "__main__":
    main()
