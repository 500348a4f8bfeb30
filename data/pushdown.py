"""The per-customer summary computed inside the database (SQLAlchemy Core).

Only one row per customer travels back, so a warehouse can aggregate billions of rows. The SQL does
the heavy part (purchase days, first/last day, spend, refunds); the final arithmetic is
:func:`analytics.summary.summary_from_day_aggregates`, the same code the pandas path finishes with,
so both give the same numbers (DESIGN.md, "Scale").

The one dialect-specific piece, "calendar days since 1970-01-01", is a compiled construct
(:class:`days_since_epoch`); everything else is portable Core.
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
from data.database import _first_line, connect, safe_url
from data.load import SourceError, clean_ids

__all__ = [
    "days_since_epoch",
    "load_report_query",
    "pushdown_load_report",
    "pushdown_summary",
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


def _source(
    table: str, columns: Mapping[str, str], *, dedupe: bool = True
) -> tuple[sa.FromClause, dict]:
    """The table (as a Core selectable) and its canonical columns.

    With a ``transaction_id`` column mapped, rows repeating an id are dropped (the first by date,
    customer and amount is kept), as the file loader drops duplicates.
    """
    schema, _, name = table.rpartition(".")
    names = {key: columns.get(key, key) for key in _KEYS}
    id_name = columns.get("transaction_id")
    wanted = [*names.values(), *([id_name] if id_name else [])]
    source = sa.table(name, *(sa.column(c) for c in wanted), schema=schema or None)
    if id_name and dedupe:
        first = (
            sa.func.row_number()
            .over(
                partition_by=source.c[id_name],
                order_by=(
                    source.c[names["transaction_date"]],
                    source.c[names["customer_id"]],
                    source.c[names["amount"]],
                ),
            )
            .label("_occurrence")
        )
        ranked = sa.select(*(source.c[c] for c in wanted), first).subquery("deduplicated")
        kept = (
            sa.select(*(ranked.c[c] for c in wanted))
            .where(sa.or_(ranked.c._occurrence == 1, ranked.c[id_name].is_(None)))
            .subquery("source")
        )
        return kept, {key: kept.c[col] for key, col in names.items()}
    return source, {key: source.c[col] for key, col in names.items()}


def summary_query(
    table: str,
    as_of_day: int | sa.ColumnElement,
    columns: Mapping[str, str] | None = None,
    recent_after: int | sa.ColumnElement | None = None,
) -> sa.Select:
    """The Core ``SELECT`` of per-customer day aggregates up to ``as_of_day`` (days since 1970).

    Returns columns ``customer_id, first_day, last_day, purchase_days, n_transactions,
    total_spend, first_day_spend, refunds, spend_12m`` (one row per customer with a purchase);
    ``spend_12m`` sums purchases on days after ``recent_after`` (default: 12 calendar months
    before an integer ``as_of_day``).
    """
    if recent_after is None:
        recent_after = twelve_months_before(int(as_of_day))
    _, c = _source(table, columns or {})
    day = days_since_epoch(c["transaction_date"])
    amount = c["amount"]
    valid = sa.and_(
        c["customer_id"].is_not(None),
        c["transaction_date"].is_not(None),
        amount.is_not(None),
        day <= as_of_day,
    )
    daily = (
        sa.select(
            c["customer_id"].label("customer_id"),
            day.label("day"),
            sa.func.sum(sa.case((amount >= 0, amount), else_=0)).label("spend"),
            sa.func.sum(sa.case((amount >= 0, 1), else_=0)).label("purchases"),
            sa.func.sum(sa.case((amount < 0, amount), else_=0)).label("refund"),
        )
        .where(valid)
        .group_by(c["customer_id"], day)
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
    """:func:`analytics.summarise` computed inside the database at ``url``.

    ``columns`` maps ``customer_id``, ``transaction_date`` and ``amount`` to the table's own column
    names. Dates must be stored as dates, timestamps or ISO text, amounts as numbers.
    """
    unit_days(unit)  # reject a bad unit before touching the database
    _, c = _source(table, columns or {}, dedupe=False)
    with connect(url) as engine:
        try:
            with engine.connect() as conn:
                day = days_since_epoch(c["transaction_date"])
                first, latest = conn.execute(sa.select(sa.func.min(day), sa.func.max(day))).one()
                if latest is None:
                    raise SourceError(
                        f"table {table!r} has no transactions",
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


def load_report_query(table: str, columns: Mapping[str, str] | None = None) -> sa.Select:
    """Counts matching the file loader's report: rows, duplicates and rejects by reason.

    Only NULLs are counted as missing or bad: the database has already typed the values.
    """
    columns = columns or {}
    raw, _ = _source(table, columns, dedupe=False)
    deduped, c = _source(table, columns)
    id_name = columns.get("transaction_id")
    duplicates = (
        sa.func.count(raw.c[id_name]) - sa.func.count(sa.distinct(raw.c[id_name]))
        if id_name
        else sa.literal(0)
    )
    counts = sa.select(
        sa.func.count().label("rows_read"), duplicates.label("duplicates")
    ).select_from(raw)
    no_id = c["customer_id"].is_(None)
    no_date = sa.and_(~no_id, c["transaction_date"].is_(None))
    no_amount = sa.and_(~no_id, c["transaction_date"].is_not(None), c["amount"].is_(None))
    rejects = sa.select(
        sa.func.coalesce(sa.func.sum(sa.case((no_id, 1), else_=0)), 0).label("missing_customer_id"),
        sa.func.coalesce(sa.func.sum(sa.case((no_date, 1), else_=0)), 0).label("bad_date"),
        sa.func.coalesce(sa.func.sum(sa.case((no_amount, 1), else_=0)), 0).label("bad_amount"),
    ).select_from(deduped)
    return counts, rejects


def pushdown_load_report(
    url: str, table: str = "transactions", columns: Mapping[str, str] | None = None
) -> dict:
    """The load report of a table summarised in place (see :func:`load_report_query`)."""
    counts_query, rejects_query = load_report_query(table, columns)
    with connect(url) as engine:
        try:
            with engine.connect() as conn:
                counts = conn.execute(counts_query).one()._mapping
                rejects = conn.execute(rejects_query).one()._mapping
        except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
            raise SourceError(
                f"cannot count rows of {table!r} on {safe_url(url)}: {_first_line(exc)}",
                code="pushdown_failed",
                url=safe_url(url),
                detail=_first_line(exc),
            ) from None
    rejected = {k: int(v) for k, v in rejects.items() if int(v)}
    rows_read, duplicates = int(counts["rows_read"]), int(counts["duplicates"])
    return {
        "rows_read": rows_read,
        "rows_used": rows_read - duplicates - sum(rejected.values()),
        "duplicates": duplicates,
        "rejected": rejected,
    }
