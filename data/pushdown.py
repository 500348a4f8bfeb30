"""The per-customer summary computed inside the database (SQLAlchemy Core).

Only one row per customer travels back, so a warehouse can aggregate billions of rows. The SQL does
the heavy part (purchase days, first/last day, spend, refunds); the final arithmetic is
:func:`analytics.summary.summary_from_day_aggregates`, the same code the pandas path finishes with,
so both give the same numbers (DESIGN.md, "Scale").

It reads the rows the file loader would use (DESIGN.md, "Data contract"): ids cleaned, rows with
a missing id, a bad date or a bad amount left out, and with a ``transaction_id`` (found by name
or alias, as the loader finds it) the first copy of each id in table order kept. The load report
(:func:`pushdown_load_report`) counts the same rejects, duplicates and conflicting duplicates.

The dialect-specific pieces, "calendar days since 1970-01-01" and "the row's position in its
table", are compiled constructs (:class:`days_since_epoch`, :class:`source_order`); everything
else is portable Core.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from analytics.summary import (
    as_of_before_data,
    summary_from_day_aggregates,
    twelve_months_before,
    unit_days,
)
from data.columns import resolve_columns
from data.database import _first_line, connect, safe_url
from data.load import SourceError, clean_ids
from data.parse import DATE_RANGE, MAX_ABS_AMOUNT, NULL_TOKENS

__all__ = [
    "days_since_epoch",
    "load_report_query",
    "pushdown_load_report",
    "pushdown_summary",
    "source_order",
    "summary_query",
]


class days_since_epoch(FunctionElement):  # noqa: N801 - reads like the SQL function it is
    """Whole calendar days from 1970-01-01 to a date or timestamp expression (time dropped)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(days_since_epoch)
def _days_default(element, compiler, **kw):  # PostgreSQL, DuckDB and most warehouses
    (arg,) = element.clauses
    return f"(CAST({compiler.process(arg, **kw)} AS DATE) - DATE '1970-01-01')"


@compiles(days_since_epoch, "sqlite")
def _days_sqlite(element, compiler, **kw):  # SQLite keeps dates as ISO text
    (arg,) = element.clauses
    return f"CAST(julianday(date({compiler.process(arg, **kw)})) - 2440587.5 AS INTEGER)"


@compiles(days_since_epoch, "mysql")
@compiles(days_since_epoch, "mariadb")
def _days_mysql(element, compiler, **kw):
    (arg,) = element.clauses
    return f"(TO_DAYS({compiler.process(arg, **kw)}) - 719528)"


_KEYS = ("customer_id", "transaction_date", "amount")
#: The reject reasons a typed table can have (text there is already decoded).
_TABLE_REASONS = ("missing_customer_id", "bad_date", "bad_amount")
_FIRST_DAY, _LAST_DAY = ((pd.Timestamp(d) - pd.Timestamp("1970-01-01")).days for d in DATE_RANGE)


class source_order(FunctionElement):  # noqa: N801 - reads like the SQL pseudo-column it is
    """A row's position in its table, where the dialect exposes one (SQLite and DuckDB
    ``rowid``, PostgreSQL ``ctid``): the order a plain ``SELECT *`` returns the rows in, which is
    the order the file loader calls "first". Elsewhere ``NULL`` (no order: any copy may win)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(source_order)
def _order_default(element, compiler, **kw):
    return "NULL"


@compiles(source_order, "sqlite")
@compiles(source_order, "duckdb")
def _order_rowid(element, compiler, **kw):
    return "rowid"


@compiles(source_order, "postgresql")
def _order_ctid(element, compiler, **kw):
    return "ctid"


def _text_key(column: sa.ColumnElement) -> sa.ColumnElement:
    """An id as the file loader reads it (:func:`data.parse.clean_ids`): text without
    surrounding spaces; NULL, blank and null-like text (``NULL``, ``n/a`` ...) are missing."""
    text = sa.func.trim(sa.cast(column, sa.String))
    return sa.case((sa.func.lower(text).in_(sorted(NULL_TOKENS)), sa.null()), else_=text)


def _checked(table: str, columns: Mapping[str, str], ordered: bool = True) -> sa.Subquery:
    """Every row of the table with its cleaned ``customer_id``, ``day`` (since 1970-01-01),
    ``amount``, ``transaction_id`` (when mapped), ``_order`` (:class:`source_order`) and
    ``reason``: NULL for a valid row, else the first of ``missing_customer_id``, ``bad_date``,
    ``bad_amount`` that applies, as the file loader decides (dates outside 1900-2100 and amounts
    above :data:`data.parse.MAX_ABS_AMOUNT` in size, NaN and infinities included, are bad).
    """
    schema, _, name = table.rpartition(".")
    names = {key: columns.get(key, key) for key in _KEYS}
    id_name = columns.get("transaction_id")
    wanted = [*names.values(), *([id_name] if id_name else [])]
    source = sa.table(name, *(sa.column(c) for c in wanted), schema=schema or None)
    customer = _text_key(source.c[names["customer_id"]])
    day = days_since_epoch(source.c[names["transaction_date"]])
    amount = source.c[names["amount"]]
    reason = sa.case(
        (customer.is_(None), "missing_customer_id"),
        (sa.or_(day.is_(None), day < _FIRST_DAY, day > _LAST_DAY), "bad_date"),
        # NOT (x <= limit): true for NULL-free NaN too, which sorts above every number
        (sa.or_(amount.is_(None), sa.not_(sa.func.abs(amount) <= MAX_ABS_AMOUNT)), "bad_amount"),
        else_=sa.null(),
    )
    fields = [
        customer.label("customer_id"),
        day.label("day"),
        amount.label("amount"),
        reason.label("reason"),
    ]
    if id_name:
        fields.append(_text_key(source.c[id_name]).label("transaction_id"))
        fields.append((source_order() if ordered else sa.null()).label("_order"))
    return sa.select(*fields).select_from(source).subquery("checked")


def _ranked(checked: sa.Subquery) -> sa.Subquery:
    """The valid rows, each with its ``occurrence`` among the rows sharing its transaction id
    (source order) and that id's first copy's ``first_customer``, ``first_day`` and
    ``first_amount``."""
    window = {"partition_by": checked.c.transaction_id, "order_by": checked.c._order}
    return (
        sa.select(
            checked.c.customer_id,
            checked.c.day,
            checked.c.amount,
            checked.c.transaction_id,
            sa.func.row_number().over(**window).label("occurrence"),
            sa.func.first_value(checked.c.customer_id).over(**window).label("first_customer"),
            sa.func.first_value(checked.c.day).over(**window).label("first_day"),
            sa.func.first_value(checked.c.amount).over(**window).label("first_amount"),
        )
        .where(checked.c.reason.is_(None))
        .subquery("ranked")
    )


def _used(table: str, columns: Mapping[str, str], ordered: bool = True) -> sa.Subquery:
    """The rows the file loader would use: valid, and the first copy of their transaction id
    (rows without an id are never duplicates). Columns ``customer_id``, ``day``, ``amount``."""
    checked = _checked(table, columns, ordered)
    if "transaction_id" not in columns:
        query = sa.select(checked.c.customer_id, checked.c.day, checked.c.amount).where(
            checked.c.reason.is_(None)
        )
    else:
        ranked = _ranked(checked)
        query = sa.select(ranked.c.customer_id, ranked.c.day, ranked.c.amount).where(
            sa.or_(ranked.c.transaction_id.is_(None), ranked.c.occurrence == 1)
        )
    return query.subquery("source")


def _table_columns(conn: sa.Connection, table: str) -> list[str]:
    """The table's column names, from an empty ``SELECT *`` (no reflection needed)."""
    schema, _, name = table.rpartition(".")
    query = sa.select(sa.text("*")).select_from(sa.table(name, schema=schema or None)).limit(0)
    return list(conn.execute(query).keys())


def _resolved(conn: sa.Connection, table: str, columns: Mapping[str, str] | None) -> dict:
    """The table's contract columns found as the file loader finds them
    (:func:`data.columns.resolve_columns`: the mapping, else English and Chinese aliases), so a
    ``transaction_id`` column deduplicates without being named."""
    return resolve_columns(_table_columns(conn, table), columns or {})


def _has_order(engine: sa.Engine, table: str) -> bool:
    """Whether the table exposes :class:`source_order` (a view, say, has no ``rowid``)."""
    schema, _, name = table.rpartition(".")
    probe = sa.select(source_order()).select_from(sa.table(name, schema=schema or None)).limit(0)
    try:
        with engine.connect() as conn:
            conn.execute(probe)
    except SQLAlchemyError:
        return False
    return True


def summary_query(
    table: str,
    as_of_day: int | sa.ColumnElement,
    columns: Mapping[str, str] | None = None,
    recent_after: int | sa.ColumnElement | None = None,
    ordered: bool = True,
) -> sa.Select:
    """The Core ``SELECT`` of per-customer day aggregates up to ``as_of_day`` (days since 1970).

    Returns columns ``customer_id, first_day, last_day, purchase_days, n_transactions,
    total_spend, first_day_spend, refunds, spend_12m`` (one row per customer with a purchase);
    ``spend_12m`` sums purchases on days after ``recent_after`` (default: 12 calendar months
    before an integer ``as_of_day``). Only the rows the file loader would use count: valid, and
    with a ``transaction_id`` in ``columns`` the first copy of each id in table order
    (``ordered=False`` where the table has no row order, e.g. a view: any copy).
    """
    if recent_after is None:
        recent_after = twelve_months_before(int(as_of_day))
    used = _used(table, columns or {}, ordered)
    amount = used.c.amount
    daily = (
        sa.select(
            used.c.customer_id,
            used.c.day,
            sa.func.sum(sa.case((amount >= 0, amount), else_=0)).label("spend"),
            sa.func.sum(sa.case((amount >= 0, 1), else_=0)).label("purchases"),
            sa.func.sum(sa.case((amount < 0, amount), else_=0)).label("refund"),
        )
        .where(used.c.day <= as_of_day)
        .group_by(used.c.customer_id, used.c.day)
        .subquery("daily")
    )
    purchase_day = sa.case((daily.c.purchases > 0, daily.c.day))
    ranked = sa.select(
        daily,
        sa.func.min(purchase_day).over(partition_by=daily.c.customer_id).label("first_day"),
    ).subquery("ranked")
    is_purchase_day = ranked.c.purchases > 0
    return (
        sa.select(
            ranked.c.customer_id,
            sa.func.min(ranked.c.first_day).label("first_day"),
            sa.func.max(sa.case((is_purchase_day, ranked.c.day))).label("last_day"),
            sa.func.sum(sa.case((is_purchase_day, 1), else_=0)).label("purchase_days"),
            sa.func.sum(ranked.c.purchases).label("n_transactions"),
            sa.func.sum(ranked.c.spend).label("total_spend"),
            sa.func.sum(
                sa.case((ranked.c.day == ranked.c.first_day, ranked.c.spend), else_=0)
            ).label("first_day_spend"),
            sa.func.sum(ranked.c.refund).label("refunds"),
            sa.func.sum(sa.case((ranked.c.day > recent_after, ranked.c.spend), else_=0)).label(
                "spend_12m"
            ),
        )
        .group_by(ranked.c.customer_id)
        .having(sa.func.sum(ranked.c.purchases) > 0)
    )


def pushdown_summary(
    url: str,
    table: str = "transactions",
    as_of=None,
    unit: str = "D",
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """:func:`analytics.summarise` computed inside the database at ``url``, on the rows
    :func:`data.load.load_database` would use from the same table.

    ``columns`` maps ``customer_id``, ``transaction_date``, ``amount`` and ``transaction_id`` to
    the table's own column names; unmapped ones are found as the file loader finds them
    (English and Chinese aliases), so a ``transaction_id`` column removes repeated ids, keeping
    the first copy in table order. Dates must be stored as dates, timestamps or ISO text,
    amounts as numbers.
    """
    unit_days(unit)  # reject a bad unit before touching the database
    with connect(url) as engine:
        try:
            with engine.connect() as conn:
                columns = _resolved(conn, table, columns)
            ordered = "transaction_id" not in columns or _has_order(engine, table)
            with engine.connect() as conn:
                used = _used(table, columns, ordered)
                first, latest = conn.execute(
                    sa.select(sa.func.min(used.c.day), sa.func.max(used.c.day))
                ).one()
                if latest is None:
                    raise SourceError(
                        f"table {table!r} has no usable transactions",
                        code="no_rows",
                        name=table,
                        found=[],
                    )
                if as_of is None:
                    as_of_day = int(latest)
                else:
                    as_of_day = int(
                        (pd.Timestamp(as_of).normalize() - pd.Timestamp("1970-01-01")).days
                    )
                    if as_of_day < int(first):
                        raise as_of_before_data(as_of_day, int(first), error=SourceError)
                query = summary_query(
                    table,
                    sa.literal(as_of_day, sa.Integer()),
                    columns,
                    recent_after=sa.literal(twelve_months_before(as_of_day), sa.Integer()),
                    ordered=ordered,
                )
                rows = pd.read_sql(query, conn)
        except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
            exc = exc.__cause__ or exc
            raise SourceError(
                f"push-down summary failed on {safe_url(url)}: {_first_line(exc)}",
                code="pushdown_failed",
                url=safe_url(url),
                detail=_first_line(exc),
            ) from None
    return summary_from_day_aggregates(
        customer_id=clean_ids(rows["customer_id"]).to_numpy(dtype=object),
        first_day=rows["first_day"].astype("int64"),
        last_day=rows["last_day"].astype("int64"),
        purchase_days=rows["purchase_days"].astype("int64"),
        n_transactions=rows["n_transactions"].astype("int64"),
        total_spend=rows["total_spend"].astype("float64"),
        first_day_spend=rows["first_day_spend"].astype("float64"),
        refunds=rows["refunds"].astype("float64"),
        spend_12m=rows["spend_12m"].astype("float64"),
        as_of_day=as_of_day,
        unit=unit,
    )


def load_report_query(
    table: str, columns: Mapping[str, str] | None = None, ordered: bool = True
) -> tuple[sa.Select, sa.Select | None]:
    """Counts matching the file loader's report: rows read and rejects by reason (first query),
    duplicates and conflicting duplicates (second; None without a ``transaction_id``).

    Only NULL, blank and null-like ids, NULL or out-of-range dates and NULL, NaN, infinite or
    absurd amounts are bad: the database has already typed the values.
    """
    columns = columns or {}
    checked = _checked(table, columns, ordered)

    def count(condition) -> sa.ColumnElement:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    counts = sa.select(
        sa.func.count().label("rows_read"),
        *(count(checked.c.reason == r).label(r) for r in _TABLE_REASONS),
    ).select_from(checked)
    if "transaction_id" not in columns:
        return counts, None
    ranked = _ranked(checked)
    repeat = sa.and_(ranked.c.transaction_id.is_not(None), ranked.c.occurrence > 1)
    differs = sa.or_(
        ranked.c.customer_id != ranked.c.first_customer,
        ranked.c.day != ranked.c.first_day,
        ranked.c.amount != ranked.c.first_amount,
    )
    duplicates = sa.select(
        count(repeat).label("duplicates"),
        count(sa.and_(repeat, differs)).label("conflicting_duplicates"),
    ).select_from(ranked)
    return counts, duplicates


def pushdown_load_report(
    url: str, table: str = "transactions", columns: Mapping[str, str] | None = None
) -> dict:
    """The load report of a table summarised in place (see :func:`load_report_query`), in the
    shape of :meth:`data.report.LoadReport.to_dict`."""
    with connect(url) as engine:
        try:
            with engine.connect() as conn:
                columns = _resolved(conn, table, columns)
            ordered = "transaction_id" not in columns or _has_order(engine, table)
            counts_query, duplicates_query = load_report_query(table, columns, ordered)
            with engine.connect() as conn:
                counts = conn.execute(counts_query).one()._mapping
                repeats = (
                    conn.execute(duplicates_query).one()._mapping
                    if duplicates_query is not None
                    else {"duplicates": 0, "conflicting_duplicates": 0}
                )
        except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
            raise SourceError(
                f"cannot count rows of {table!r} on {safe_url(url)}: {_first_line(exc)}",
                code="pushdown_failed",
                url=safe_url(url),
                detail=_first_line(exc),
            ) from None
    rejected = {r: int(counts[r]) for r in _TABLE_REASONS if int(counts[r])}
    rows_read, duplicates = int(counts["rows_read"]), int(repeats["duplicates"])
    return {
        "rows_read": rows_read,
        "rows_used": rows_read - duplicates - sum(rejected.values()),
        "duplicates": duplicates,
        "conflicting_duplicates": int(repeats["conflicting_duplicates"]),
        "rejected": rejected,
    }


def persistency_ranks(url: str, payments_table: str, ranks: list[int], as_of) -> pd.DataFrame:
    """For persistency in the database: the day of each policy's n-th distinct positive payment
    (n in ``ranks``) up to ``as_of``; one row per policy and rank it reached, so at most
    ``len(ranks)`` rows per policy leave the database, never the payments themselves.

    Distinct as the local rule counts them: rows sharing a ``transaction_id`` are one payment (its
    earliest day); rows without one count each. Returns ``policy_id, rank, day``.
    """
    with connect(url, read_only=True) as engine, engine.connect() as conn:
        columns = _table_columns(conn, payments_table)
        schema, _, name = payments_table.rpartition(".")
        table = sa.table(name, *(sa.column(c) for c in columns), schema=schema or None)
        day = days_since_epoch(table.c.transaction_date)
        limit = (pd.Timestamp(as_of) - pd.Timestamp("1970-01-01")).days
        valid = sa.and_(table.c.amount > 0, table.c.policy_id.is_not(None), day <= limit)
        policy = sa.cast(table.c.policy_id, sa.String).label("policy_id")
        if "transaction_id" in columns:
            with_id = (
                sa.select(policy, sa.func.min(day).label("day"))
                .where(valid, table.c.transaction_id.is_not(None))
                .group_by(table.c.policy_id, table.c.transaction_id)
            )
            without = sa.select(policy, day.label("day")).where(
                valid, table.c.transaction_id.is_(None)
            )
            distinct = sa.union_all(with_id, without).subquery("distinct_payments")
        else:
            distinct = (
                sa.select(policy, day.label("day")).where(valid).subquery("distinct_payments")
            )
        ranked = sa.select(
            distinct.c.policy_id,
            distinct.c.day,
            sa.func.row_number()
            .over(partition_by=distinct.c.policy_id, order_by=distinct.c.day)
            .label("rank"),
        ).subquery("ranked")
        query = sa.select(ranked.c.policy_id, ranked.c.rank, ranked.c.day).where(
            ranked.c.rank.in_([int(r) for r in ranks])
        )
        try:
            rows = conn.execute(query).fetchall()
        except SQLAlchemyError as exc:
            raise SourceError(
                f"persistency could not be computed in the database at {safe_url(url)}: "
                f"{_first_line(exc, url)}",
                code="pushdown_failed",
                url=safe_url(url),
                detail=_first_line(exc, url),
            ) from None
    frame = pd.DataFrame(rows, columns=["policy_id", "rank", "day"])
    frame["day"] = pd.Timestamp("1970-01-01") + pd.to_timedelta(frame["day"].astype(int), "D")
    return frame
