"""Command line: the same chain as the dashboard, without a UI.

    python -m analytics score INPUT --out scores.csv [--rejects rejects.csv] [settings]
    python -m analytics fit INPUT
    python -m analytics backtest INPUT --calibration-end 1997-09-30 --holdout-end 1998-06-30
    python -m analytics persistency --policies P --transactions T [--as-of D] [--months 13 25 ...]
        [--by channel|product_line|agent_id|customer_type|issue_month|none] [--database URL]
    python -m analytics retention SURVIVAL.csv [--calibration-periods K] [--horizon H]

Every setting (``--unit``, ``--rfm-mode``, ``--abc-cuts``, ``--filter channel=agency`` ...)
defaults to :class:`analytics.pipeline.Settings`, the same defaults the dashboard starts from.

INPUT is a CSV / Excel / Parquet file, a folder written by ``python -m data.sample`` (its
``transactions.parquet`` plus customers and loyalty members), ``demo`` (the insurer demo),
``cdnow`` or ``cdnow-sample``; or give ``--database URL --table NAME`` instead (``--pushdown``
summarises inside the database). Results are JSON on stdout; errors are one line on stderr and a
non-zero exit status, never a traceback.

Exit status: 0 done; 1 the input cannot be used (a missing column, an unreadable file, an as-of
date before the data ...); 2 bad arguments; 3 an unexpected error (a bug of ours); 4 not one row
of the input could be used: the load report is still printed (``{"load": ...}`` on stdout) and
``--rejects`` still written, so the steward sees why.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analytics._forked import forked
from analytics.clv import MODELS
from analytics.pipeline import (
    ABC_VALUES,
    ATTRIBUTE_COLUMNS,
    FILTER_COLUMNS,
    RFM_MODES,
    SCORE_COLUMNS,
    Settings,
    run,
)
from analytics.summary import UNIT_DAYS

EXIT_UNUSABLE = 1
EXIT_BAD_INPUT = 2
EXIT_BUG = 3
EXIT_NO_USABLE_ROWS = 4
DEFAULTS = Settings()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as argparse does, but no usage dump
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    source = common.add_argument_group("input")
    source.add_argument("input", nargs="?", help="file, folder, demo, cdnow or cdnow-sample")
    source.add_argument("--database", metavar="URL", help="SQLAlchemy URL instead of INPUT")
    source.add_argument(
        "--table", default="transactions", help="transactions table (with --database)"
    )
    source.add_argument("--customers-table", help="customers table (with --database)")
    source.add_argument("--loyalty-table", help="loyalty members table (with --database)")
    source.add_argument("--pushdown", action="store_true", help="summarise inside the database")
    for name in ("customer", "date", "amount", "id"):
        source.add_argument(f"--{name}-col", help=f"source column holding the {name}")
    d = DEFAULTS
    analysis = common.add_argument_group("analysis (defaults: analytics.pipeline.Settings)")
    analysis.add_argument("--as-of", help="as-of date (default: the latest transaction)")
    analysis.add_argument("--unit", choices=tuple(UNIT_DAYS), default=d.unit)
    analysis.add_argument("--horizon-months", type=int, default=d.horizon_months)
    analysis.add_argument(
        "--discount-rate", type=float, default=d.discount_rate, help="annual, e.g. 0.08"
    )
    analysis.add_argument("--model", choices=MODELS, default=d.model)
    analysis.add_argument("--rfm-mode", choices=RFM_MODES, default=d.rfm_mode)
    analysis.add_argument("--rfm-bins", type=int, choices=(3, 4, 5), default=d.rfm_bins)
    analysis.add_argument(
        "--rfm-edges",
        type=_edges,
        help="threshold edges 'R;F;M', each comma-separated ('30,90,180,365;;' suggests F, M)",
    )
    analysis.add_argument("--abc-value", choices=ABC_VALUES, default=d.abc_value)
    analysis.add_argument("--abc-cuts", type=_floats(2), default=d.abc_cuts, help="A,B shares")
    analysis.add_argument(
        "--churn-cuts", type=_floats(2), default=d.churn_cuts, help="low,high churn-risk cuts"
    )
    analysis.add_argument(
        "--tier-shares",
        type=_floats(3),
        default=d.tier_shares,
        help="Platinum,Gold,Silver shares of customers",
    )
    analysis.add_argument("--k", type=int, default=d.k, help="number of K-means clusters")
    analysis.add_argument(
        "--product-line", action="append", default=[], help="keep this product line (repeatable)"
    )
    analysis.add_argument(
        "--region",
        action="append",
        default=None,
        help="score only customers of this region (repeatable; the scope of 分级管理)",
    )
    analysis.add_argument(
        "--filter",
        action="append",
        type=_filter,
        default=[],
        metavar="COLUMN=V1,V2",
        help=f"keep customers whose COLUMN ({', '.join(FILTER_COLUMNS)}) is one of the values",
    )

    parser = _Parser(prog="python -m analytics", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    score = commands.add_parser("score", parents=[common], help="score every customer to a file")
    score.add_argument("--out", required=True, help="output file (.csv, .xlsx or .parquet)")
    score.add_argument(
        "--rejects", help="write rejected rows with their reason here (.csv, .xlsx or .parquet)"
    )
    engine = score.add_argument_group("engine (DESIGN.md, 'Scale')")
    engine.add_argument(
        "--engine", choices=("pandas", "spark"), default="pandas",
        help="pandas: one process (default); spark: Apache Spark (pip install -r "
        "requirements-spark.txt); --out is then a Parquet folder or table:NAME",
    )  # fmt: skip
    engine.add_argument(
        "--spark-master",
        metavar="URL",
        help="local[2], spark://host:7077, yarn ... (default: local[*])",
    )
    engine.add_argument(
        "--spark-table",
        metavar="NAME",
        help="read the transactions from this Spark/Hive table instead of INPUT",
    )
    commands.add_parser("fit", parents=[common], help="fit BG/NBD + Gamma-Gamma, print parameters")
    backtest = commands.add_parser("backtest", parents=[common], help="calibration/holdout test")
    backtest.add_argument("--calibration-end", required=True)
    backtest.add_argument("--holdout-end", required=True)
    persist = commands.add_parser(
        "persistency", help="13/25/37/49/61-month persistency (继续率) by count and premium"
    )
    persist.add_argument("--policies", required=True, help="policies file (or table)")
    persist.add_argument("--transactions", required=True, help="payments file (or table)")
    persist.add_argument("--database", help="read --policies and --transactions as tables here")
    persist.add_argument("--as-of", help="as-of date (default: the last payment)")
    persist.add_argument(
        "--pushdown", action="store_true",
        help="with --database: count the payments inside the database (only ranks leave it)",
    )  # fmt: skip
    persist.add_argument("--months", type=int, nargs="+", default=[13, 25, 37, 49, 61])
    persist.add_argument(
        "--by", default="none",
        choices=["none", "channel", "product_line", "agent_id", "customer_type", "issue_month"],
    )  # fmt: skip
    retention = commands.add_parser(
        "retention", help="fit the sBG contract-retention model to survivor counts"
    )
    retention.add_argument(
        "survival", help="CSV/Excel/Parquet with period, survivors (and cohort); or a table"
    )
    retention.add_argument("--database", help="read SURVIVAL as a table of this database")
    retention.add_argument("--calibration-periods", type=int,
                           help="fit on periods 0..K only and compare with the rest")  # fmt: skip
    retention.add_argument("--horizon", type=int, default=12, help="project periods 0..H")
    return parser


def _floats(count: int):
    def parse(text: str) -> tuple[float, ...]:
        try:
            values = tuple(float(v) for v in text.split(","))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{count} comma-separated numbers needed") from None
        if len(values) != count:
            raise argparse.ArgumentTypeError(f"{count} comma-separated numbers needed")
        return values

    return parse


def _edges(text: str) -> tuple[tuple[float, ...] | None, ...]:
    """'R;F;M' edges, each comma-separated; an empty part uses the data's suggested edges."""
    parts = text.split(";")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError("three ';'-separated lists (R;F;M) needed")
    try:
        return tuple(
            tuple(float(v) for v in part.split(",")) if part.strip() else None for part in parts
        )
    except ValueError:
        raise argparse.ArgumentTypeError("edges must be numbers") from None


def _filter(text: str) -> tuple[str, tuple[str, ...]]:
    column, _, values = text.partition("=")
    if column not in FILTER_COLUMNS or not values:
        raise argparse.ArgumentTypeError(f"use COLUMN=V1,V2 with COLUMN one of {FILTER_COLUMNS}")
    return column, tuple(v for v in values.split(",") if v)


def _mapping(args) -> dict[str, str]:
    pairs = {
        "customer_id": args.customer_col,
        "transaction_date": args.date_col,
        "amount": args.amount_col,
        "transaction_id": args.id_col,
    }
    return {k: v for k, v in pairs.items() if v}


def _load(args):
    """-> (Dataset or None, pushed-down summary or None, load report dict)."""
    from data.demo import load_cdnow, load_demo
    from data.load import Dataset, SourceError, load_database, load_file

    mapping = _mapping(args)
    if args.database:
        if args.pushdown:
            from data.pushdown import pushdown_load_report, pushdown_summary

            summary = pushdown_summary(
                args.database, args.table, as_of=args.as_of, unit=args.unit, columns=mapping
            )
            report = pushdown_load_report(args.database, args.table, mapping)
            return None, summary, report
        data = load_database(
            args.database,
            args.table,
            mapping=mapping,
            customers_table=args.customers_table,
            loyalty_table=args.loyalty_table,
        )
        return data, None, data.report.to_dict()
    if not args.input:
        raise SourceError("give an INPUT file or --database URL", code="no_input")
    if args.pushdown:
        raise SourceError("--pushdown needs --database", code="no_input")
    named = {
        "demo": load_demo,
        "cdnow": lambda: load_cdnow("master"),
        "cdnow-sample": lambda: load_cdnow("sample"),
    }
    if args.input in named and not Path(args.input).exists():
        data = named[args.input]()
    elif Path(args.input).is_dir():
        data = _load_folder(Path(args.input), mapping)
    else:
        data = load_file(args.input, mapping=mapping, optional=_DESCRIPTIVE)
    assert isinstance(data, Dataset)
    return data, None, data.report.to_dict()


def _load_folder(folder: Path, mapping):
    from data.load import SourceError, load_file

    def find(stem: str) -> Path | None:
        for suffix in (".parquet", ".csv", ".xlsx"):
            if (folder / f"{stem}{suffix}").exists():
                return folder / f"{stem}{suffix}"
        return None

    transactions = find("transactions")
    if transactions is None:
        raise SourceError(
            f"folder {folder} has no transactions.parquet, .csv or .xlsx", code="no_input"
        )
    extra = {
        key: _read_table(path, _NEEDED[key])
        for key in ("customers", "loyalty_members")
        if (path := find(key))
    }
    return load_file(transactions, mapping=mapping, optional=_DESCRIPTIVE, **extra)


#: The optional transaction columns the scores read (the first purchase's channel and product
#: line, the product-line filter); a Parquet file's others (policy id, type) are not read.
_DESCRIPTIVE = ("product_line", "channel")
#: The columns of the optional tables the scores read.
_NEEDED = {
    "customers": ("customer_id", *ATTRIBUTE_COLUMNS),
    "loyalty_members": ("customer_id", "enrolled_at", "tier"),
}


def _read_table(path: Path, needed: tuple[str, ...]) -> pd.DataFrame:
    """An optional table, without the personal-information columns the scores never use (of a
    Parquet file, only the ``needed`` columns are read)."""
    from data.load import read_file

    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        from data.schema import personal_columns

        names = pq.read_schema(path).names
        personal = set(personal_columns(names))
        keep = [c for c in names if c not in personal and c in needed]
        return pd.read_parquet(path, columns=keep)
    return read_file(path)


def _settings(args) -> Settings:
    return Settings(
        as_of=args.as_of,
        unit=args.unit,
        products=tuple(sorted(args.product_line)),
        regions=None if args.region is None else tuple(sorted(set(args.region))),
        rfm_mode=args.rfm_mode,
        rfm_bins=args.rfm_bins,
        rfm_edges=args.rfm_edges,
        abc_value=args.abc_value,
        abc_cuts=args.abc_cuts,
        horizon_months=args.horizon_months,
        discount_rate=args.discount_rate,
        model=args.model,
        churn_cuts=args.churn_cuts,
        tier_shares=args.tier_shares,
        k=args.k,
        filters=tuple(sorted(dict(args.filter).items())),
    )


def _clean(value):
    """JSON-safe: NaN -> null, numpy scalars -> Python."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def _fit_json(fit) -> dict:
    purchase_key = "bgnbd" if fit.model == "bgnbd" else "pareto_nbd"
    purchase = dict(fit.purchase_params) or None
    if purchase is not None:
        purchase["log_likelihood"] = fit.log_likelihood
    spend = dict(fit.spend_params) or None
    if spend is not None:
        spend["n_customers"] = fit.n_repeat_customers
    return {
        "status": fit.status,
        "reason": fit.reason,
        "details": fit.details,
        purchase_key: purchase,
        "gamma_gamma": spend,
        "fit_rows": fit.n_fit_rows,
        "fit_customers": fit.fit_customers,
        "penalizer": fit.penalizer,
        "spend_penalizer": fit.spend_penalizer,
    }


class _NoUsableRows(Exception):
    """Every input row was rejected: ``output`` (the load report, where the rejects went) is
    still printed, and the status is :data:`EXIT_NO_USABLE_ROWS`."""

    def __init__(self, message: str, output: dict) -> None:
        super().__init__(message)
        self.output = output


def _require_rows(data, output: dict) -> None:
    if data is None or len(data.transactions):
        return
    report = data.report
    raise _NoUsableRows(
        f"no row of {data.name} can be used ({report.rows_read} read, "
        f"{sum(report.rejected.values())} rejected)",
        output,
    )


def _write_table(frame: pd.DataFrame, path: str) -> None:
    """Write through the one export writer (no personal information, formulas neutralised):
    ``.parquet``, ``.xlsx`` (a workbook: ids as text cells, formula-like text with Excel's quote
    prefix) or else CSV (UTF-8 with BOM). Numbers keep full precision, as a data file should."""
    from data.export import export_frame, write_csv, write_xlsx

    target = Path(path)
    suffix = target.suffix.lower()
    frame = export_frame(frame, round_numbers=False, neutralise_text=suffix != ".xlsx")
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        # Dictionary pages for text (few distinct labels) only: a million distinct amounts
        # would be hashed for a dictionary that is then thrown away (a third of the write).
        text = [
            f.name
            for f in table.schema
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
            or pa.types.is_dictionary(f.type) or pa.types.is_boolean(f.type)
        ]  # fmt: skip
        pq.write_table(table, target, use_dictionary=text)
    elif suffix == ".xlsx":
        ids = [c for c in ("customer_id", "transaction_id") if c in frame.columns]
        write_xlsx(frame, target, text_columns=ids)
    else:
        write_csv(frame, target)


def _score(args) -> dict:
    if args.engine == "spark":
        return _score_spark(args)
    if args.spark_table or args.spark_master:
        raise ValueError("--spark-table and --spark-master need --engine spark")
    data, summary, report = _load(args)
    rejects = {}
    if args.rejects:  # first: whatever happens next, the steward gets the rejected rows
        if data is None:
            raise ValueError("--rejects needs rows read locally (not --pushdown)")
        _write_table(data.report.rejected_rows, args.rejects)
        rejects["rejects"] = args.rejects
    _require_rows(data, {"load": report, **rejects})
    settings = _settings(args)
    if data is not None:
        # Duplicates are settled: the scores read no transaction id (200 MB at 10M rows).
        transactions = data.transactions.drop(columns=["transaction_id"], errors="ignore")
        customers, members = data.customers, data.loyalty_members
        del data
        # The fit runs in a forked second process while this one scores segments and clusters.
        result = run(transactions, settings, customers, members, background=_in_background)
        del transactions
    else:
        result = run(None, settings, summary=summary, background=_in_background)
    table = result.view
    _write_table(
        table[[*SCORE_COLUMNS, *[c for c in table.columns if c not in SCORE_COLUMNS]]], args.out
    )
    output = {
        "load": report,
        "n_customers": len(table),
        "as_of": table.attrs.get("as_of"),
        "unit": settings.unit,
        "out": args.out,
        "model": _fit_json(result.fit),
        "segments": table["segment"].value_counts().to_dict(),
        "abc_classes": table["abc_class"].value_counts().sort_index().to_dict(),
        "value_tiers": table["value_tier"].value_counts().to_dict(),
        "churn_bands": table["churn_band"].value_counts().to_dict(),
        **rejects,
    }
    return output


def _score_spark(args) -> dict:
    """``score`` on Apache Spark (:mod:`engines.spark`): the same settings, the same columns."""
    if args.database or args.pushdown:
        raise ValueError("--engine spark reads files, folders or --spark-table, not --database")
    if args.input in ("demo", "cdnow", "cdnow-sample") and not Path(args.input).exists():
        raise ValueError("--engine spark reads a CSV or Parquet file or folder, or --spark-table")
    try:
        from engines import spark as engine
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ValueError(f"--engine spark needs pyspark: {exc}") from None
    settings = _settings(args)
    spark = engine.session(args.spark_master)
    result = engine.score(
        spark, settings, path=args.input, table=args.spark_table, mapping=_mapping(args),
        customers_table=args.customers_table, loyalty_table=args.loyalty_table,
    )  # fmt: skip
    rejects = {}
    if args.rejects:
        engine.write(engine.rejected_rows(result.validated), args.rejects)
        rejects["rejects"] = args.rejects
    if result.table is None:
        raise _NoUsableRows(
            f"no row of the input can be used ({result.report['rows_read']} read)",
            {"load": result.report, **rejects},
        )
    began = time.perf_counter()
    table = result.table.localCheckpoint(eager=True)
    engine.write(table, args.out)
    counts = engine.counts(table, ("segment", "abc_class", "value_tier", "churn_band"))
    stages = {**result.timings, "clusters, output, write": round(time.perf_counter() - began, 3)}
    return {
        "load": result.report,
        "n_customers": sum(counts["abc_class"].values()),
        "as_of": result.as_of,
        "unit": settings.unit,
        "out": args.out,
        "engine": "spark",
        "model": _fit_json(result.fit),
        "segments": counts["segment"],
        "abc_classes": dict(sorted(counts["abc_class"].items())),
        "value_tiers": counts["value_tier"],
        "churn_bands": counts["churn_band"],
        **rejects,
        "stages_s": stages,
    }


def _fit(args) -> dict:
    from analytics.clv import fit_clv
    from analytics.summary import summarise

    data, summary, report = _load(args)
    _require_rows(data, {"load": report})
    if data is not None:
        summary = summarise(data.transactions, as_of=args.as_of, unit=args.unit)
    fit = fit_clv(summary, model=args.model)
    return {"n_customers": len(summary), **_fit_json(fit), "load": report}


def _backtest(args) -> dict:
    from analytics.backtest import backtest

    if args.pushdown:
        raise ValueError("backtest needs the transactions (not --pushdown)")
    data, _, report = _load(args)
    _require_rows(data, {"load": report})
    result = backtest(
        data.transactions, args.calibration_end, args.holdout_end, unit=args.unit, model=args.model
    )
    return {
        "calibration_end": result.calibration_end,
        "holdout_end": result.holdout_end,
        "n_customers": len(result.customers),
        "actual_purchases": result.actual_purchases,
        "predicted_purchases": result.predicted_purchases,
        "mae": result.mae,
        "model": _fit_json(result.fit),
        "by_frequency": result.by_frequency.to_dict(orient="records"),
        "deciles": result.deciles.to_dict(orient="records"),
        "load": report,
    }


def _policy_tables(args) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The policies (dates parsed) and the validated payments, from files or database tables."""
    from data.load import SourceError, load_database, load_file, read_file
    from data.policies import load_policies

    if args.database:
        from data.database import read_table

        raw = read_table(args.database, args.policies)
        payments = load_database(args.database, args.transactions).transactions
    else:
        raw = read_file(args.policies)
        payments = load_file(args.transactions).transactions
    policies, report = load_policies(raw, source=str(args.policies))
    args.policies_report = report.to_dict()
    if "policy_id" not in payments:
        raise SourceError(
            "the payments carry no policy_id column", code="missing_columns",
            missing=["policy_id"], found=list(payments.columns),
        )  # fmt: skip
    return policies, payments


def _persistency(args) -> dict:
    from analytics.persistency import persistency

    if args.pushdown:
        return _persistency_pushdown(args)
    policies, payments = _policy_tables(args)
    as_of = pd.Timestamp(args.as_of) if args.as_of else payments["transaction_date"].max()
    # the payments come through the loader, which set repeated transaction ids aside
    table = persistency(policies, payments, as_of, tuple(args.months), by=args.by, ids_unique=True)
    return {
        "as_of": as_of.date().isoformat(),
        "by": args.by,
        "rows": table.to_dict(orient="records"),
        "policies_load": args.policies_report,
    }


def _retention(args) -> dict:
    from analytics import sbg
    from data.load import read_file

    if args.database:
        from data.database import read_table

        table = read_table(args.database, args.survival)
    else:
        table = read_file(args.survival)
    if "cohort" not in table:
        table = table.assign(cohort=0)
    table = table.assign(period=pd.to_numeric(table["period"], errors="coerce"))
    first = table[table["cohort"] == table["cohort"].iloc[0]].sort_values("period")
    calibration = args.calibration_periods
    fitted = table if calibration is None else table[table["period"] <= calibration]
    result = sbg.fit_frame(fitted)
    horizon = max(int(args.horizon), 1)
    output = {
        "alpha": result.alpha,
        "beta": result.beta,
        "log_likelihood": result.log_likelihood,
        "converged": result.converged,
        "cohorts": result.n_cohorts,
        "projected_survivors": sbg.project(result, horizon, start=float(first["survivors"].iloc[0]))
        .round(4)
        .tolist(),
        "retention_rates": sbg.retention_rates(result.alpha, result.beta, range(1, horizon + 1))
        .round(6)
        .tolist(),
    }
    if calibration is not None:
        check = sbg.backtest(first["survivors"].to_numpy(dtype=float), calibration)
        output["backtest"] = check.to_dict(orient="records")
    return output


def _persistency_pushdown(args) -> dict:
    """Persistency with the payments counted in the database (``--database`` ``--pushdown``)."""
    from analytics.persistency import needed_payments, ratios_from_status, status_from_ranks
    from data.database import read_table
    from data.load import SourceError
    from data.policies import load_policies
    from data.pushdown import persistency_ranks

    if not args.database or not args.as_of:
        raise SourceError("--pushdown needs --database and --as-of", code="no_input")
    policies, report = load_policies(read_table(args.database, args.policies), args.policies)
    as_of = pd.Timestamp(args.as_of)
    months = tuple(args.months)
    ranks = persistency_ranks(args.database, args.transactions, needed_payments(months), as_of)
    by = [] if args.by in (None, "none") else [args.by]
    status = status_from_ranks(policies, ranks, months, columns=by)
    table = ratios_from_status(status, as_of, args.by)
    return {"as_of": as_of.date().isoformat(), "by": args.by,
            "rows": table.to_dict(orient="records"), "policies_load": report.to_dict()}  # fmt: skip


def _import_models_meanwhile() -> None:
    """Import the model libraries (lifetimes with autograd and scipy, scikit-learn: about 1 s)
    on a second thread while the main one reads the data; Arrow's reading releases the GIL, so
    the two overlap on two cores. The main thread's own imports simply find them done."""
    import threading

    def imports() -> None:
        from analytics.clusters import preload as clustering
        from analytics.clv import preload as models

        models()
        clustering()

    global _IMPORTS
    _IMPORTS = threading.Thread(target=imports, name="imports", daemon=True)
    _IMPORTS.start()


_IMPORTS = None  # the thread of _import_models_meanwhile, when started


def _in_background(compute):
    """:func:`analytics._forked.forked`, once the import thread is done: a child forked in the
    middle of an import would wait forever for the module lock that thread held."""
    if _IMPORTS is not None:
        _IMPORTS.join()
    return forked(compute)


def main(argv: list[str] | None = None) -> int:
    from data.load import SourceError

    args = _parser().parse_args(argv)
    handlers = {
        "score": _score, "fit": _fit, "backtest": _backtest, "persistency": _persistency,
        "retention": _retention,
    }  # fmt: skip
    try:
        output = handlers[args.command](args)
    except _NoUsableRows as exc:
        _print_json(exc.output)
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_USABLE_ROWS
    except (SourceError, ValueError, OSError, KeyError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as exc:  # a bug of ours: still one line, never a traceback
        print(f"error: unexpected {type(exc).__name__}: {str(exc).strip()[:200]}", file=sys.stderr)
        return EXIT_BUG
    _print_json(output)
    return 0


def _print_json(output: dict) -> None:
    try:
        json.dump(_clean(output), sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()


if __name__ == "__main__":
    from analytics._fast import reuse_freed_memory

    reuse_freed_memory()  # a one-shot process: keep freed pages for the next stage
    if sys.argv[1:2] in (["score"], ["fit"], ["backtest"]):
        _import_models_meanwhile()
    raise SystemExit(main())
