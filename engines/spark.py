"""The chain on Apache Spark (DESIGN.md, "Scale"): ``python -m analytics score --engine spark``.

The same definitions as the default engine, for data that does not fit one machine. Every
customer's number is computed where the rows are; only small things travel to the driver:

* **Read** a CSV (as text) or Parquet file or folder, or a Spark/Hive table. Each row gets its
  1-based position (``source_row``: per-partition offsets, no shuffle).
* **Validate** each partition with the loader's own cell parsers (:mod:`data.parse`), so a cell
  means here what it means in a file; the one column-wide rule (a date column of nothing but
  Excel serial numbers) is decided over the whole column first. Duplicates (a repeated
  ``transaction_id``; the first copy in source order is used) come from a window over the id.
  The row accounting is one aggregation.
* **Summary** in Spark SQL: each customer's rows, in source order, folded with higher-order
  functions, so every sum adds the same numbers in the same order as :func:`analytics.summary.
  summarise` and is equal to the last bit.
* **Fit** on the driver, through the same :func:`analytics.clv.fit_clv`, on every customer's
  (frequency, recency, T, monetary value) in id order, 32 bytes a customer, up to
  :data:`FIT_CUSTOMERS`; above that on a seeded sample of customers.
* **Scores** per partition (``mapInPandas``) with the pure functions of ``analytics``: CLV and
  P(alive), RFM scores from exact distributed ranks (a range-partitioned sort of the distinct
  values with per-partition offsets: the lowest rank among ties, as pandas' ``rank(method="min")``),
  segments, churn bands; ABC classes and value tiers from one global order (descending value,
  ties by id) with running shares; K-means fitted on a seeded sample and assigned per partition.
* **Write** the scored table through the one export writer (:func:`data.export.export_frame`)
  as a Parquet folder sorted by customer id, or as a table (``table:NAME``).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics import churn, clusters, rfm
from analytics.clv import ClvResult, fit_clv, score_clv
from analytics.pipeline import (
    ATTRIBUTE_COLUMNS,
    FIRST_PURCHASE_ATTRIBUTES,
    SCORE_COLUMNS,
    Settings,
)
from analytics.summary import UNIT_DAYS, as_of_before_data, twelve_months_before
from data.columns import resolve_columns
from data.report import DUPLICATE_REASONS, REJECT_REASONS, SourceError

__all__ = [
    "FIT_CUSTOMERS", "Source", "SparkRun", "abc_classes", "counts", "min_ranks", "read_source", "rejected_rows", "score",
    "session", "validate", "value_tiers", "write",
]  # fmt: skip

#: Customers whose (frequency, recency, T, monetary value) the driver collects for the fit; above
#: it a seeded sample of this many customers is fitted (analytics.clv then fits on the distinct rows).
FIT_CUSTOMERS = 2_000_000
#: Customers K-means learns its centroids from (the default engine's sample size).
CLUSTER_SAMPLE = 200_000
_EPOCH = "1970-01-01"
_ROOT = Path(__file__).resolve().parents[1]
_LABELS = ("product_line", "channel")  # descriptive transaction columns the scores read


def _spark():
    warnings.filterwarnings("ignore", message=".*does not yet fully support pandas.*")
    from pyspark.sql import SparkSession, Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    return SparkSession, Window, F, T


def session(master: str | None = None, app_name: str = "ValueScope", **config: str):
    """A SparkSession: ``master`` (``local[2]``, ``spark://host:7077``, ``yarn`` ...), else the
    one ``spark-submit`` gave, else ``local[*]``; ``config``: more Spark settings (keys with
    dots, passed as a dict). Timestamps are read in UTC (no shift of dates by the driver's
    zone) and the Python workers use this interpreter."""
    SparkSession, _, _, _ = _spark()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # Local Python workers are started by the JVM with this process's environment: they find
    # ValueScope's packages where this process did.
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if str(_ROOT) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(_ROOT), *filter(None, paths)])
    builder = SparkSession.builder.appName(app_name)
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # under spark-submit: its master
    if master or not submitted:
        builder = builder.master(master or "local[*]")
    local = (master or "local").startswith("local") and not submitted
    builder = (
        builder.config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if local:
        builder = (
            builder.config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(max(2 * (os.cpu_count() or 1), 4)))
            .config("spark.driver.memory", os.environ.get("VALUESCOPE_SPARK_MEMORY", "4g"))
        )
    for key, value in config.items():  # e.g. spark.sql.warehouse.dir
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    if not local:
        _ship_code(spark)
    return spark


def _ship_code(spark) -> None:
    """Send ValueScope's own packages (``analytics``, ``data``, ``engines``) to the executors
    as one zip (``addPyFile``); their Python needs the same third-party packages
    (``requirements-spark.txt``)."""
    import tempfile
    import zipfile

    target = Path(tempfile.mkdtemp(prefix="valuescope-")) / "valuescope.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for package in ("analytics", "data", "engines"):
            for file in sorted((_ROOT / package).glob("*.py")):
                archive.write(file, f"{package}/{file.name}")
    spark.sparkContext.addPyFile(str(target))


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, eq=False)
class Source:
    """The tables of one input as Spark DataFrames (customers and members None when absent);
    ``text``: the transactions came from a CSV file, read as UTF-8 text."""

    transactions: Any
    name: str
    customers: Any = None
    members: Any = None
    text: bool = False


def read_source(spark, path: str | None = None, table: str | None = None) -> Source:
    """The transactions, customers and loyalty members of an input. ``path``: a CSV file (every cell read as text, UTF-8), a Parquet file or
    folder, or a folder as ``python -m data.sample`` writes it (``transactions.parquet`` or
    ``.csv`` with ``customers`` and ``loyalty_members`` beside it); or a table by name."""
    if table:
        return Source(spark.table(table), table)
    if not path:
        raise SourceError("give an INPUT file or folder, or --spark-table", code="no_input")
    source = Path(path)
    if source.is_dir():
        found = {
            stem: next((source / f"{stem}{s}" for s in (".parquet", ".csv")
                        if (source / f"{stem}{s}").exists()), None)
            for stem in ("transactions", "customers", "loyalty_members")
        }  # fmt: skip
        if found["transactions"] is not None:
            tables = {k: _read_file(spark, v) if v else None for k, v in found.items()}
            return Source(
                tables["transactions"], source.name, tables["customers"],
                tables["loyalty_members"], text=found["transactions"].suffix == ".csv",
            )  # fmt: skip
        if any(source.glob("*.parquet")) or any(source.glob("part-*")):
            return Source(spark.read.parquet(str(source)), source.name)
        raise SourceError(
            f"folder {source.name} has no transactions.parquet or .csv and no Parquet parts",
            code="no_input",
        )
    if not source.exists():
        raise SourceError(f"{source.name} does not exist", code="not_found", name=source.name)
    return Source(_read_file(spark, source), source.name, text=source.suffix.lower() != ".parquet")


def _read_file(spark, path: Path):
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return spark.read.parquet(str(path))
    if suffix in (".csv", ".txt"):
        frame = (
            spark.read.option("header", True)
            .option("inferSchema", False)
            .option("encoding", "UTF-8")
            .option("escape", '"')  # RFC 4180: a quote inside quotes is doubled
            .csv(str(path))
        )
        # A UTF-8 byte-order mark belongs to the file, not to the first header.
        first = frame.columns[0] if frame.columns else ""
        if first.startswith("\ufeff"):
            frame = frame.withColumnRenamed(first, first[1:])
        return frame
    raise SourceError(
        f"{path.name}: the Spark engine reads CSV or Parquet files and folders, or tables",
        code="unsupported_format",
        name=path.name,
    )


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Validated:
    """The validated rows (``checked``: every row with its ``code``; 0 = used, 1-4 a reject
    reason, 5 a duplicate, 6 a conflicting duplicate) and the columns they came from."""

    checked: Any
    columns: dict[str, str]
    numbered: Any


def _numbered(raw):
    """``raw`` with ``source_row``: 1 = the first data row, in the order Spark reads the input
    (a file's order for a file), from per-partition counts (no shuffle)."""
    _, _, F, _ = _spark()
    tagged = raw.withColumn("_pid", F.spark_partition_id()).withColumn(
        "_mid", F.monotonically_increasing_id()
    )
    counts = sorted(tuple(r) for r in tagged.groupBy("_pid").count().collect())
    offsets, total = {}, 0
    for pid, count in counts:
        offsets[pid] = total
        total += count
    if not offsets:
        offsets = {0: 0}
    mapping = F.create_map(*[F.lit(v) for pair in offsets.items() for v in pair])
    local = F.col("_mid") - F.shiftleft(F.col("_pid").cast("long"), 33)
    return tagged.withColumn("source_row", mapping[F.col("_pid")] + local + 1).drop("_pid", "_mid")


def _text_serials_only(raw, column: str) -> bool:
    """True when the text date column holds nothing but Excel serial numbers (blank and
    null-like cells aside): the column-wide rule of :func:`data.parse.parse_dates`."""
    from data.parse import NULL_TOKENS

    _, _, F, T = _spark()
    if not isinstance(raw.schema[column].dataType, T.StringType):
        return True  # typed cells: no column-wide rule
    text = F.trim(F.col(column))
    cell = raw.where(F.col(column).isNotNull() & ~F.lower(text).isin(list(NULL_TOKENS)))
    number = text.rlike(r"^\d+(\.\d+)?$")
    value = text.try_cast("double")
    serial = number & (value >= 1) & (value < 100000)
    row = cell.agg(F.count(F.lit(1)).alias("cells"),
                   F.sum(F.when(serial, 1).otherwise(0)).alias("serials")).first()  # fmt: skip
    return bool(row["cells"]) and row["cells"] == row["serials"]


def validate(raw, mapping: dict[str, str] | None = None, text: bool = False) -> Validated:
    """Every row checked as :func:`data.load.load_frame` checks it (the same parsers, the same
    order of reasons), duplicates found by ``transaction_id`` in source order. ``text``: the
    rows come from a UTF-8 text file, where a cell the reader could not decode (U+FFFD) rejects
    its row as ``bad_encoding``."""
    _, Window, F, T = _spark()
    columns = resolve_columns(raw.columns, mapping)
    numbered = _numbered(raw)
    text_columns = [f.name for f in raw.schema.fields if isinstance(f.dataType, T.StringType)]
    undecodable = F.lit(False)
    for name in text_columns if text else ():  # UTF-8 the reader could not decode became U+FFFD
        undecodable = undecodable | F.coalesce(F.col(name).contains("\ufffd"), F.lit(False))
    serials = _text_serials_only(raw, columns["transaction_date"])
    wanted = {
        key: columns[key]
        for key in ("customer_id", "transaction_date", "amount", "transaction_id", *_LABELS)
        if key in columns
    }
    inputs = numbered.select(
        "source_row",
        undecodable.alias("_undecodable"),
        *[F.col(f"`{source}`").alias(f"_in_{key}") for key, source in wanted.items()],
    )
    fields = [
        T.StructField("source_row", T.LongType()),
        T.StructField("code", T.IntegerType()),
        T.StructField("customer_id", T.StringType()),
        T.StructField("day", T.LongType()),
        T.StructField("amount", T.DoubleType()),
    ]
    extra = [key for key in ("transaction_id", *_LABELS) if key in wanted]
    fields += [T.StructField(key, T.StringType()) for key in extra]

    def check(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from data.load import check_cells
        from data.parse import clean_ids

        for batch in batches:
            customer, dates, amounts, code = check_cells(
                batch["_in_customer_id"], batch["_in_transaction_date"], batch["_in_amount"],
                batch["_undecodable"].to_numpy(dtype=bool), serials=serials,
            )  # fmt: skip
            code = code.astype(np.int32)
            seconds = dates.to_numpy(dtype="datetime64[s]").view(np.int64)
            day = np.where(code == 0, np.floor_divide(seconds, 86400), 0)
            out = pd.DataFrame(
                {
                    "source_row": batch["source_row"].to_numpy(dtype=np.int64),
                    "code": code,
                    "customer_id": customer.astype(object).where(customer.notna(), None),
                    "day": day.astype(np.int64),
                    "amount": np.where(code == 0, amounts.to_numpy(dtype=float), 0.0),
                }
            )
            for key in extra:
                values = clean_ids(batch[f"_in_{key}"])
                out[key] = values.astype(object).where(values.notna(), None)
            yield out

    checked = inputs.mapInPandas(check, T.StructType(fields)).localCheckpoint(eager=True)
    if "transaction_id" in wanted:
        # The first valid copy of an id in source order is used; later valid copies are
        # duplicates, conflicting when customer, day or amount differ. Rejected rows and rows
        # without an id never take part.
        candidate = (F.col("code") == 0) & F.col("transaction_id").isNotNull()
        window = Window.partitionBy("transaction_id").orderBy("source_row")
        first = {c: F.first(c).over(window) for c in ("customer_id", "day", "amount")}
        repeated = F.row_number().over(window) > 1
        differs = (
            (F.col("customer_id") != first["customer_id"])
            | (F.col("day") != first["day"])
            | (F.col("amount") != first["amount"])
        )
        keyed = checked.where(candidate).select(
            *[c for c in checked.columns if c != "code"],
            F.when(repeated & differs, 6).when(repeated, 5).otherwise(0).alias("code"),
            F.when(repeated, F.min("source_row").over(window)).alias("kept_row"),
        )
        rest = checked.where(~candidate).withColumn("kept_row", F.lit(None).cast("long"))
        checked = keyed.unionByName(rest)
    return Validated(checked=checked, columns=columns, numbered=numbered)


def load_report(checked, source: str) -> dict:
    """The row accounting, as :meth:`data.report.LoadReport.to_dict` gives it."""
    _, _, F, _ = _spark()
    counts = {int(r["code"]): int(r["count"]) for r in checked.groupBy("code").count().collect()}
    rejected = {
        reason: counts[number]
        for number, reason in enumerate(REJECT_REASONS, start=1)
        if counts.get(number)
    }
    return {
        "rows_read": sum(counts.values()),
        "rows_used": counts.get(0, 0),
        "duplicates": counts.get(5, 0) + counts.get(6, 0),
        "conflicting_duplicates": counts.get(6, 0),
        "rejected": rejected,
    }


def rejected_rows(validated: Validated):
    """The rejected rows as the load report keeps them: ``source_row``, ``reason``, then the
    source's cells but its personal columns."""
    _, _, F, _ = _spark()
    from data.schema import personal_columns

    reasons = F.create_map(
        *[F.lit(v) for n, r in enumerate(REJECT_REASONS, start=1) for v in (n, r)]
    )
    rows = validated.checked.where(F.col("code").between(1, len(REJECT_REASONS))).select(
        "source_row", reasons[F.col("code")].alias("reason")
    )
    cells = validated.numbered
    personal = set(personal_columns(cells.columns))
    keep = [c for c in cells.columns if c not in personal and c != "source_row"]
    renamed = [
        F.col(f"`{c}`").alias(f"{c}_source" if c in ("source_row", "reason") else c) for c in keep
    ]
    return rows.join(cells.select("source_row", *renamed), "source_row").orderBy("source_row")


def duplicate_reason(code: int) -> str:
    return DUPLICATE_REASONS[code - 5]


# --------------------------------------------------------------------------- the summary


def _optional(frame, id_columns: tuple[str, ...], date_columns: tuple[str, ...], keep):
    """An optional table's ``keep`` columns with ids cleaned and dates parsed as the loader
    does (:func:`data.load._table_frame`), rows without a customer id dropped, and its row
    order (``_order``) kept for "the first row of each customer"."""
    _, _, F, T = _spark()
    present = [c for c in keep if c in frame.columns]
    numbered = _numbered(frame.select(*[F.col(f"`{c}`") for c in present]))
    fields = []
    for column in present:
        kind = T.TimestampNTZType() if column in date_columns else T.StringType()
        fields.append(T.StructField(column, kind))
    fields.append(T.StructField("_order", T.LongType()))

    def clean(batches):
        from data.parse import clean_ids, parse_dates

        for batch in batches:
            out = pd.DataFrame(index=batch.index)
            for column in present:
                values = batch[column]
                if column in id_columns or column not in date_columns:
                    values = clean_ids(values) if column in id_columns else values
                    values = values.astype(object).where(values.notna(), None)
                else:
                    values = parse_dates(values).astype("datetime64[us]")
                out[column] = values
            out["_order"] = batch["source_row"].to_numpy(dtype=np.int64)
            yield out

    cleaned = numbered.mapInPandas(clean, T.StructType(fields))
    return cleaned.where(F.col("customer_id").isNotNull())


def _first_per_customer(frame):
    """Each customer's first row (lowest ``_order``), as a left join on the first match takes it."""
    _, Window, F, _ = _spark()
    window = Window.partitionBy("customer_id").orderBy("_order")
    return (
        frame.withColumn("_n", F.row_number().over(window))
        .where(F.col("_n") == 1)
        .drop("_n", "_order")
    )


def summarise(used, settings: Settings, customers=None, first_purchase: tuple[str, ...] = ()):
    """The per-customer summary of :func:`analytics.summary.summarise` in Spark SQL.

    ``used``: the used rows (``customer_id``, ``day`` since 1970-01-01, ``amount``,
    ``source_row`` and the ``first_purchase`` columns). Each customer's rows are collected in
    source order and folded: sums add the same numbers in the same order as NumPy's
    ``bincount`` there, so they are equal, not merely close. Returns ``(summary, as_of_day)``.
    """
    _, _, F, _ = _spark()
    unit_length = UNIT_DAYS[settings.unit]
    if settings.products:
        if "product_line" not in used.columns:
            raise SourceError(
                "no transactions match the product-line filter", code="no_product_rows"
            )
        used = used.where(F.col("product_line").isin(list(settings.products)))
    if settings.regions is not None:
        if customers is None or "region" not in customers.columns or not settings.regions:
            raise SourceError(
                "no customer of the regions in scope has a transaction", code="empty_scope"
            )
        scoped = customers.where(F.col("region").isin(list(settings.regions))).select("customer_id")
        used = used.join(scoped.distinct(), "customer_id", "left_semi")
    span = used.agg(F.min("day").alias("low"), F.max("day").alias("high")).first()
    if span["high"] is None:
        if settings.regions is not None:
            raise SourceError(
                "no customer of the regions in scope has a transaction", code="empty_scope"
            )
        if settings.products:
            raise SourceError(
                "no transactions match the product-line filter", code="no_product_rows"
            )
        raise SourceError("no transactions: cannot choose an as-of date", code="no_transactions")
    if settings.as_of is not None:
        as_of_day = int((pd.Timestamp(settings.as_of).normalize() - pd.Timestamp(_EPOCH)).days)
    else:
        as_of_day = int(span["high"])
    if as_of_day < int(span["low"]):
        raise as_of_before_data(as_of_day, int(span["low"]), error=SourceError)
    cutoff = twelve_months_before(as_of_day)
    kept = used.where(F.col("day") <= as_of_day)
    fields = ["source_row", "day", "amount", *first_purchase]
    grouped = kept.groupBy("customer_id").agg(
        F.array_sort(F.collect_list(F.struct(*fields))).alias("rows")  # by source_row first
    )
    purchases = F.filter("rows", lambda r: r["amount"] >= 0)

    def total(rows):
        return F.aggregate(rows, F.lit(0.0), lambda acc, r: acc + r["amount"])

    step = grouped.select(
        "customer_id",
        purchases.alias("p"),
        F.filter("rows", lambda r: ~(r["amount"] >= 0)).alias("refund_rows"),
    ).where(F.size("p") > 0)
    step = step.select(
        "customer_id",
        "p",
        F.size("p").alias("n_transactions"),
        F.array_min(F.transform("p", lambda r: r["day"])).alias("first_day"),
        F.array_max(F.transform("p", lambda r: r["day"])).alias("last_day"),
        F.size(F.array_distinct(F.transform("p", lambda r: r["day"]))).alias("purchase_days"),
        total("p").alias("total_spend"),
        total("refund_rows").alias("refunds"),
        total(F.filter("p", lambda r: r["day"] > cutoff)).alias("spend_12m"),
    )
    on_first = F.filter("p", lambda r: r["day"] == F.col("first_day"))
    frequency = (F.col("purchase_days") - 1).cast("long")
    repeat_spend = F.col("total_spend") - total(on_first)
    summary = step.select(
        "customer_id",
        F.date_add(F.lit(_EPOCH).cast("date"), F.col("first_day").cast("int"))
        .cast("timestamp_ntz")
        .alias("first_purchase"),
        F.date_add(F.lit(_EPOCH).cast("date"), F.col("last_day").cast("int"))
        .cast("timestamp_ntz")
        .alias("last_purchase"),
        F.col("n_transactions").cast("long").alias("n_transactions"),
        frequency.alias("frequency"),
        ((F.col("last_day") - F.col("first_day")).cast("double") / unit_length).alias("recency"),
        ((F.lit(as_of_day) - F.col("first_day")).cast("double") / unit_length).alias("T"),
        F.when(frequency > 0, repeat_spend / frequency.cast("double"))
        .otherwise(F.lit(0.0))
        .alias("monetary_value"),
        "total_spend",
        "refunds",
        (F.lit(as_of_day) - F.col("last_day")).cast("long").alias("days_since_last"),
        "spend_12m",
        *[F.element_at(on_first, 1)[c].alias(c) for c in first_purchase],
    )
    return summary, as_of_day


def attach(summary, as_of_day: int, customers=None, members=None):
    """Customer attributes (the first row of each customer id) and loyalty membership
    (``enrolled_at``, ``loyalty_tier``, ``is_member``; enrolments after the as-of date do not
    count), as :func:`analytics.pipeline.attach` adds them."""
    _, _, F, _ = _spark()
    frame = summary
    if customers is not None:
        attributes = [c for c in ATTRIBUTE_COLUMNS if c in customers.columns]
        table = _optional(customers, ("customer_id", "agent_id"), (), ["customer_id", *attributes])
        first = _first_per_customer(table)
        frame = frame.drop(*[c for c in attributes if c in frame.columns])
        frame = frame.join(first, "customer_id", "left")
    if members is not None:
        keep = ["customer_id", "enrolled_at", *(["tier"] if "tier" in members.columns else [])]
        table = _first_per_customer(_optional(members, ("customer_id",), ("enrolled_at",), keep))
        table = table.withColumnRenamed("tier", "loyalty_tier")
        as_of = F.lit(pd.Timestamp(_EPOCH) + pd.Timedelta(days=as_of_day)).cast("timestamp_ntz")
        table = table.where(F.col("enrolled_at") <= as_of)
        frame = frame.join(table, "customer_id", "left").withColumn(
            "is_member", F.col("enrolled_at").isNotNull()
        )
    return frame


# --------------------------------------------------------------------------- global orders


def _running(frame, order, weight: str, keep: list[str]):
    """``keep`` with the global position of each row in ``order`` (``_before``: rows before it)
    and the sum of ``weight`` over the rows before it (``_weight_before``) and over all
    (``_weight_total``, a literal). A range-partitioned sort: each partition holds one stretch of
    the order, its own running sums are offset by the partitions before it (no single partition
    holds everything)."""
    SparkSession, _, F, T = _spark()
    partitions = max(int(frame.sparkSession.conf.get("spark.sql.shuffle.partitions")), 1)
    ordered = (
        frame.select(*keep, F.col(weight).cast("double").alias("_w"))
        .repartitionByRange(partitions, *order)
        .sortWithinPartitions(*order)
    )
    schema = T.StructType(
        [f for f in ordered.schema.fields if f.name in keep]
        + [
            T.StructField("_pid", T.IntegerType()),
            T.StructField("_local", T.LongType()),
            T.StructField("_local_weight", T.DoubleType()),
            T.StructField("_local_after", T.DoubleType()),
        ]
    )

    def local(batches):
        from pyspark import TaskContext

        pid = TaskContext.get().partitionId()
        rows, running = 0, 0.0
        for batch in batches:
            weights = batch["_w"].to_numpy(dtype=float)
            sums = np.cumsum(np.r_[running, weights])  # sequential, as np.cumsum over the whole
            out = batch[keep].copy()
            out["_pid"] = pid
            out["_local"] = np.arange(rows, rows + len(batch), dtype=np.int64)
            out["_local_weight"] = sums[:-1]
            out["_local_after"] = sums[1:]
            rows += len(batch)
            running = float(sums[-1])
            yield out

    parts = ordered.mapInPandas(local, schema).localCheckpoint(eager=True)
    # each partition's row count and weight: its last row's running values plus its own weight
    # each partition's rows and weight: its last row's running values
    totals = (
        parts.groupBy("_pid")
        .agg(F.count(F.lit(1)).alias("rows"),
             F.max(F.struct("_local", "_local_after")).alias("last"))
        .collect()
    )  # fmt: skip
    row_offset, weight_offset, total_rows, total_weight = {}, {}, 0, 0.0
    for pid, count, last in sorted((r["_pid"], r["rows"], r["last"]) for r in totals):
        row_offset[pid], weight_offset[pid] = total_rows, total_weight
        total_rows += count
        total_weight = total_weight + last["_local_after"]
    if not row_offset:
        row_offset, weight_offset = {0: 0}, {0: 0.0}
    rows_map = F.create_map(*[F.lit(v) for p in row_offset.items() for v in p])
    weight_map = F.create_map(*[F.lit(v) for p in weight_offset.items() for v in p])
    return parts.select(
        *keep,
        (rows_map[F.col("_pid")] + F.col("_local")).alias("_before"),
        (weight_map[F.col("_pid")] + F.col("_local_weight")).alias("_weight_before"),
    ), total_weight


def min_ranks(frame, column: str, descending: bool = False):
    """``(value, rank)`` for each distinct value of ``column``: one plus the number of rows
    with a smaller value (a larger one when ``descending``), the lowest rank among ties, as
    pandas' ``rank(method="min")`` numbers them."""
    _, _, F, _ = _spark()
    counts = frame.groupBy(F.col(column).alias("_value")).agg(F.count(F.lit(1)).alias("_count"))
    order = [F.col("_value").desc() if descending else F.col("_value").asc()]
    ranked, _ = _running(counts, order, "_count", ["_value"])
    return ranked.select(
        F.col("_value").alias(column), (F.col("_weight_before").cast("long") + 1).alias("_rank")
    )


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True, eq=False)
class SparkRun:
    """What :func:`score` produced: the scored table (a Spark DataFrame, customers in view,
    sorted by id), the load report, the fit and the as-of date."""

    table: Any
    report: dict
    fit: ClvResult
    as_of: str
    n_customers: int
    validated: Validated
    #: seconds per stage, in order (each ends at a point Spark has computed)
    timings: dict = field(default_factory=dict)


def _fit(summary, settings: Settings, n: int) -> tuple[ClvResult, pd.DataFrame | None]:
    """The fit on the driver, and the collected columns when they are every customer's (in id
    order, as the default engine holds them: RFM means and suggested edges are then computed
    from them by NumPy, to the last bit)."""
    columns = ["customer_id", "frequency", "recency", "T", "monetary_value", "days_since_last",
               "total_spend"]  # fmt: skip
    chosen = summary.select(*columns)
    sampled = n > FIT_CUSTOMERS
    if sampled:
        chosen = chosen.sample(fraction=FIT_CUSTOMERS / n, seed=settings.random_state)
    local = chosen.orderBy("customer_id").toPandas()
    local.attrs["unit"] = settings.unit
    return fit_clv(local, model=settings.model), None if sampled else local


def _output_schema(frame_fields):
    """Spark types of the scored columns: the summary's own, then those the scoring adds."""
    _, _, _, T = _spark()
    known = {f.name: f.dataType for f in frame_fields}
    kinds = {
        "r_score": T.LongType(), "f_score": T.LongType(), "m_score": T.LongType(),
        "segment": T.StringType(), "p_alive": T.DoubleType(), "churn_risk": T.DoubleType(),
        "expected_purchases": T.DoubleType(), "expected_spend": T.DoubleType(),
        "clv": T.DoubleType(), "churn_band": T.StringType(), "premium_at_risk": T.DoubleType(),
        "_cluster_raw": T.LongType(),
    }  # fmt: skip
    return {**known, **kinds}


def score(
    spark,
    settings: Settings | None = None,
    *,
    path: str | None = None,
    table: str | None = None,
    mapping: dict[str, str] | None = None,
    customers_table: str | None = None,
    loyalty_table: str | None = None,
    fit: ClvResult | None = None,
) -> SparkRun:
    """Read, validate, summarise, fit (unless ``fit`` is given) and score every customer.

    ``settings`` are the default engine's (:class:`analytics.pipeline.Settings`);
    ``merge_identities`` is not available here (it needs every customer's id number on one
    machine). The table has the columns of ``python -m analytics score``."""
    _, _, F, T = _spark()
    settings = settings or Settings()
    if settings.merge_identities:
        raise ValueError("merging identities is not available on the Spark engine")
    source = read_source(spark, path, table)
    raw, name, customers, members = (
        source.transactions,
        source.name,
        source.customers,
        source.members,
    )
    if customers_table:
        customers = spark.table(customers_table)
    if loyalty_table:
        members = spark.table(loyalty_table)
    clock = _Clock()
    validated = validate(raw, mapping, text=source.text)
    validated = Validated(
        checked=validated.checked.localCheckpoint(eager=True),
        columns=validated.columns,
        numbered=validated.numbered,
    )
    report = load_report(validated.checked, name)
    if report["rows_read"] == 0:
        raise SourceError(
            f"{name} has no data rows; found columns: {', '.join(raw.columns)}",
            code="no_rows", name=name, found=list(raw.columns),
        )  # fmt: skip
    clock.lap("read, validate, row accounting")
    if report["rows_used"] == 0:
        return SparkRun(None, report, None, "", 0, validated, clock.laps)  # type: ignore[arg-type]
    have = set(customers.columns) if customers is not None else set()
    derived = tuple(
        c for c in FIRST_PURCHASE_ATTRIBUTES if c in validated.checked.columns and c not in have
    )
    used = validated.checked.where(F.col("code") == 0).select(
        "customer_id", "day", "amount", "source_row",
        *[c for c in ("product_line",) if c in validated.checked.columns and c not in derived],
        *derived,
    )  # fmt: skip
    cleaned_customers = None
    if customers is not None and settings.regions is not None:
        cleaned_customers = _optional(customers, ("customer_id",), (), ["customer_id", "region"])
    summary, as_of_day = summarise(used, settings, cleaned_customers, derived)
    base = attach(summary, as_of_day, customers, members).localCheckpoint(eager=True)
    n = base.count()
    clock.lap("summary (Spark SQL) and attributes")
    local = None
    if fit is None:
        fit, local = _fit(base, settings, n)
    clock.lap("fit on the driver")

    # RFM: ranks of every distinct value (quantile), means (mean) or edges (threshold)
    values = base.select(
        "customer_id",
        F.col("days_since_last").cast("double").alias("_r"),
        (F.col("frequency") + 1).cast("double").alias("_f"),
        F.col("total_spend").alias("_m"),
    )
    statistics: dict[str, Any] = {"mode": settings.rfm_mode, "bins": settings.rfm_bins, "n": n}
    ranked = base
    if settings.rfm_mode == "quantile":
        for key, descending in (("_r", True), ("_f", False), ("_m", False)):
            ranks = min_ranks(values, key, descending=descending)
            ranked = ranked.join(
                values.select("customer_id", key)
                .join(ranks, key)
                .select("customer_id", F.col("_rank").alias(f"_rank{key}")),
                "customer_id",
            )
    elif settings.rfm_mode == "mean":
        if local is not None:  # every customer's values on the driver: NumPy's own means
            statistics["means"] = {k: float(v.mean()) for k, v in rfm.rfm_values(local).items()}
        else:  # Spark's average: may differ from NumPy's in the last bit
            row = values.agg(*[F.avg(k).alias(k) for k in ("_r", "_f", "_m")]).first()
            statistics["means"] = {k[1]: float(row[k]) for k in ("_r", "_f", "_m")}
    else:
        given = settings.rfm_edges or (None, None, None)
        if not all(given) and local is not None:
            suggested = rfm.suggest_edges(local, settings.rfm_bins)
        elif not all(given):  # Spark's exact percentile interpolates as np.quantile does
            qs = [float(q) for q in rfm.edge_quantiles(settings.rfm_bins)]
            row = values.agg(
                *[F.percentile(k, F.array(*[F.lit(q) for q in qs])).alias(k)
                  for k in ("_r", "_f", "_m")]
            ).first()  # fmt: skip
            suggested = rfm.edges_from_quantiles({k[1]: list(row[k]) for k in ("_r", "_f", "_m")})
        statistics["edges"] = {
            key: list(values_) if values_ else suggested[key]
            for key, values_ in zip("rfm", given, strict=True)
        }
    rules = settings.segment_rules
    clock.lap("RFM ranks (distributed)")

    # K-means: the whole table's mean and spread, centroids from a seeded sample
    model = None
    features = _cluster_features(settings)
    if n >= 2 and features and set(features) <= set(clusters.BASE_FEATURES):
        model, mean, std = _cluster_model(base, settings, features, n)

    clock.lap("K-means on a sample")
    schema_kinds = _output_schema(ranked.schema.fields)
    out_fields = [f for f in ranked.schema.fields if not f.name.startswith("_rank")]
    added = [
        "p_alive", "churn_risk", "expected_purchases", "expected_spend", "clv", "r_score",
        "f_score", "m_score", "segment", "churn_band", "premium_at_risk", "_cluster_raw",
    ]  # fmt: skip
    schema = T.StructType(out_fields + [T.StructField(c, schema_kinds[c]) for c in added])

    def per_customer(batches):
        for batch in batches:
            batch = batch.reset_index(drop=True)
            batch.attrs["unit"] = settings.unit
            scores = score_clv(
                batch,
                fit,
                horizon_months=settings.horizon_months,
                annual_discount_rate=settings.discount_rate,
            )
            out = batch[[f.name for f in out_fields]].copy()
            out["p_alive"] = scores["p_alive"].to_numpy()
            out["churn_risk"] = 1 - scores["p_alive"].to_numpy()
            for column in ("expected_purchases", "expected_spend", "clv"):
                out[column] = scores[column].to_numpy()
            ranks = (
                {k: batch[f"_rank_{k}"].to_numpy() for k in "rfm"}
                if statistics["mode"] == "quantile"
                else None
            )
            rfm_scores = rfm.scores_from_statistics(
                batch, statistics["mode"], statistics["bins"], ranks=ranks, n=statistics["n"],
                means=statistics.get("means"), edges=statistics.get("edges"),
            )  # fmt: skip
            for column in ("r_score", "f_score", "m_score"):
                out[column] = rfm_scores[column].to_numpy()
            out["segment"] = np.asarray(rfm.assign_segments(rfm_scores, rules), dtype=object)
            out["churn_band"] = np.asarray(
                churn.churn_band(out["churn_risk"], settings.churn_cuts), dtype=object
            )
            out["premium_at_risk"] = out["churn_risk"] * batch["spend_12m"].to_numpy()
            if model is not None:
                matrix = clusters.standardise(clusters.raw_features(batch, features), mean, std)
                out["_cluster_raw"] = model.predict(matrix).astype(np.int64)
            else:
                out["_cluster_raw"] = -1
            yield out

    scored = ranked.mapInPandas(per_customer, schema).localCheckpoint(eager=True)
    clock.lap("scores per customer (mapInPandas)")

    # ABC classes and value tiers: one global order each, descending value, ties by id
    has_clv = fit.has_purchase_model
    abc_value = "clv" if settings.abc_value == "clv" and has_clv else "total_spend"
    abc = abc_classes(scored, abc_value, *settings.abc_cuts)
    tiers = value_tiers(scored, "clv" if has_clv else "total_spend", settings.tier_shares, n)
    clock.lap("ABC classes and value tiers (global orders)")

    table = scored.join(abc, "customer_id").join(tiers, "customer_id")
    table = _with_clusters(table, model, features)
    for column, allowed in settings.filters:
        if allowed and column in table.columns:
            table = table.where(F.col(column).isin(list(allowed)))
    ordered = [*SCORE_COLUMNS]
    extras = [
        c
        for c in (
            *[f.name for f in out_fields],
            "expected_spend",
            "value_rank",
            "cluster_name",
        )
        if c not in SCORE_COLUMNS
    ]
    table = table.select(*ordered, *extras).orderBy("customer_id")
    as_of = str((pd.Timestamp(_EPOCH) + pd.Timedelta(days=as_of_day)).date())
    return SparkRun(table, report, fit, as_of, n, validated, clock.laps)


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def abc_classes(frame, value: str, a_cut: float = 0.8, b_cut: float = 0.95):
    """``customer_id``, ``abc_class`` and ``value_rank`` of each row of ``frame``, as
    :func:`analytics.pareto.abc_classes` gives them: descending ``value`` (not finite = 0), ties
    by id; A while the share of the positive total before a customer is under ``a_cut``, B
    under ``b_cut``, else C, and C for every value <= 0."""
    _, _, F, _ = _spark()
    if not 0 < a_cut <= b_cut <= 1:
        raise ValueError(f"need 0 < A cut-off <= B cut-off <= 1, got {a_cut} and {b_cut}")
    basis = F.col(value)
    finite = ~F.isnan(basis) & basis.isNotNull() & (F.abs(basis) < float("inf"))
    values = frame.select(
        "customer_id", F.when(finite, basis).otherwise(0.0).alias("_abc_value")
    ).withColumn("_positive", F.greatest(F.col("_abc_value"), F.lit(0.0)))
    ranked, total = _running(
        values,
        [F.col("_abc_value").desc(), F.col("customer_id").asc()],
        "_positive",
        ["customer_id", "_abc_value"],
    )
    before = F.col("_weight_before") / F.lit(total) if total > 0 else F.lit(0.0)
    eps = 1e-12  # a share that reaches a cut-off up to float rounding counts as reaching it
    return ranked.select(
        "customer_id",
        F.when(F.col("_abc_value") <= 0, "C")
        .when(before < a_cut - eps, "A")
        .when(before < b_cut - eps, "B")
        .otherwise("C")
        .alias("abc_class"),
        (F.col("_before") + 1).alias("value_rank"),
    )


def value_tiers(frame, value: str, shares=(0.1, 0.2, 0.3), n: int | None = None):
    """``customer_id`` and ``value_tier`` of each row, as :func:`analytics.churn.value_tiers`
    gives them: by descending ``value`` (missing last), ties by id; the customer at position
    ``i`` (0-based) of ``n`` is Platinum while ``i < ceil(share_1 * n)``, and so on."""
    _, _, F, _ = _spark()
    shares = [float(s) for s in shares]
    if len(shares) != 3 or any(s < 0 for s in shares) or sum(shares) > 1 + 1e-9:
        raise ValueError(
            f"tier shares must be three non-negative fractions summing to <= 1, got {shares}"
        )
    n = frame.count() if n is None else n
    column = F.col(value)
    values = frame.select(
        "customer_id",
        F.when(F.isnan(column) | column.isNull(), float("-inf")).otherwise(column).alias("_v"),
        F.lit(1.0).alias("_one"),
    )
    ranked, _ = _running(values, [F.col("_v").desc(), F.col("customer_id").asc()], "_one",
                         ["customer_id"])  # fmt: skip
    bounds = np.ceil(np.cumsum(shares) * n - 1e-9).astype(np.int64)
    tier = F.lit(churn.TIERS[3])
    for index in range(len(bounds) - 1, -1, -1):  # a position below a bound: that tier
        tier = F.when(F.col("_before") < int(bounds[index]), churn.TIERS[index]).otherwise(tier)
    return ranked.select("customer_id", tier.alias("value_tier"))


def _cluster_features(settings: Settings) -> list[str]:
    return [f for f in settings.cluster_features if f in clusters.BASE_FEATURES]


def _cluster_model(base, settings: Settings, features: list[str], n: int):
    """K-means fitted on a seeded sample (every customer up to :data:`CLUSTER_SAMPLE`), the
    features standardised by every customer's mean and population spread."""
    _, _, F, T = _spark()
    columns = ["days_since_last", "frequency", "total_spend"]
    raw = base.select("customer_id", *columns)
    names = [f"_x{i}" for i in range(len(features))]

    def transform(batches):
        for batch in batches:
            matrix = clusters.raw_features(batch, features)
            yield pd.DataFrame(matrix, columns=names).assign(customer_id=batch["customer_id"])

    schema = T.StructType(
        [T.StructField(c, T.DoubleType()) for c in names]
        + [T.StructField("customer_id", T.StringType())]
    )
    matrix = raw.mapInPandas(transform, schema)
    row = matrix.agg(
        *[F.avg(c).alias(f"m{c}") for c in names], *[F.stddev_pop(c).alias(f"s{c}") for c in names]
    ).first()
    mean = np.array([row[f"m{c}"] for c in names], dtype=float)
    std = np.array([row[f"s{c}"] for c in names], dtype=float)
    sample = matrix
    if n > CLUSTER_SAMPLE:
        sample = matrix.sample(
            fraction=min(1.0, CLUSTER_SAMPLE * 1.05 / n), seed=settings.random_state
        )
    local = sample.orderBy("customer_id").toPandas()[names].to_numpy(dtype=float)
    k = int(max(1, min(settings.k, n)))
    model = clusters.fit_model(clusters.standardise(local, mean, std), k, n, settings.random_state)
    return model, mean, std


def _with_clusters(table, model, features):
    _, _, F, _ = _spark()
    if model is None:
        return (
            table.withColumn("cluster", F.lit(-1).cast("long"))
            .withColumn("cluster_name", F.lit(""))
            .drop("_cluster_raw")
        )
    sizes_rows = table.groupBy("_cluster_raw").count().collect()
    k = len(model.cluster_centers_)
    sizes = np.zeros(k, dtype=np.int64)
    for r in sizes_rows:
        sizes[int(r["_cluster_raw"])] = int(r["count"])
    renumber, centroids = clusters.by_size(model, sizes, features)
    names = clusters.cluster_names(centroids)
    number = F.create_map(*[F.lit(v) for raw in range(k) for v in (raw, int(renumber[raw]))])
    name = F.create_map(
        *[
            F.lit(v)
            for raw in range(k)
            for v in (raw, clusters.name_code(names[int(renumber[raw])]))
        ]
    )
    return (
        table.withColumn("cluster", number[F.col("_cluster_raw")].cast("long"))
        .withColumn("cluster_name", name[F.col("_cluster_raw")])
        .drop("_cluster_raw")
    )


# --------------------------------------------------------------------------- writing


def counts(table, columns) -> dict[str, dict[str, int]]:
    """Customers per value of each of ``columns`` (most first, as ``value_counts`` orders)."""
    out = {}
    for column in columns:
        rows = table.groupBy(column).count().collect()
        pairs = sorted(
            ((r[column], int(r["count"])) for r in rows), key=lambda p: (-p[1], str(p[0]))
        )
        out[column] = dict(pairs)
    return out


def write(table, out: str) -> str:
    """Write through the one export writer (personal columns dropped, formula-like text
    neutralised) to a Parquet folder, or to a table when ``out`` is ``table:NAME``."""
    _, _, _, T = _spark()
    from data.export import export_frame

    schema = T.StructType(
        [
            T.StructField(f.name, f.dataType)
            for f in table.schema.fields
            if f.name in set(export_frame(pd.DataFrame(columns=table.columns)).columns)
        ]
    )

    def safe(batches):
        for batch in batches:
            frame = export_frame(batch, round_numbers=False, neutralise_text=True)
            yield frame[[f.name for f in schema.fields]]

    exported = table.mapInPandas(safe, schema)
    if out.startswith("table:"):
        name = out.split(":", 1)[1]
        exported.write.mode("overwrite").saveAsTable(name)
        return name
    exported.write.mode("overwrite").parquet(out)
    return out
