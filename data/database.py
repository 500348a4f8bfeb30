"""SQLAlchemy access: engines, reading whole tables, and fast bulk writes per dialect.

Engines are created inside functions, never at import. SQL is built with SQLAlchemy Core.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from data.load import SourceError
from data.schema import TABLES, metadata

__all__ = [
    "connect",
    "connection_url",
    "list_tables",
    "read_rows",
    "read_table",
    "safe_url",
    "write_tables",
]


def safe_url(url: str) -> str:
    """The URL without its credentials (user name and password), for messages."""
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        return "<invalid URL>"
    bare = sa.engine.URL.create(
        parsed.drivername, host=parsed.host, port=parsed.port, database=parsed.database
    )
    return bare.render_as_string()


def connection_url(config: Mapping) -> str:
    """A SQLAlchemy URL from a ``[connections.NAME]`` section: ``url``, or ``dialect`` (plus
    ``driver``, ``host``, ``port``, ``database``, ``username``, ``password``). ``KeyError`` when
    neither is given."""
    if config.get("url"):
        return str(config["url"])
    driver = str(config["dialect"]) + (f"+{config['driver']}" if config.get("driver") else "")
    return sa.engine.URL.create(
        driver,
        username=config.get("username"),
        password=config.get("password"),
        host=config.get("host"),
        port=int(config["port"]) if config.get("port") else None,
        database=config.get("database"),
    ).render_as_string(hide_password=False)


def _scrub(text: str, url: str) -> str:
    """A driver's message with the URL's user name and password taken out."""
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        return text
    for secret in (parsed.password, parsed.username):
        if secret:
            text = text.replace(str(secret), "***")
    return text


def _read_only(url: str) -> tuple[str, dict]:
    """A URL (and connect arguments) that can only read an existing database: a SQLite or DuckDB
    file that does not exist is refused instead of created, and is opened read-only."""
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        return url, {}
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "duckdb"):
        return url, {}
    from pathlib import Path

    database = parsed.database or ""
    if database.startswith("file:"):
        database = database[5:].split("?", 1)[0]
    if not database or database == ":memory:" or not Path(database).is_file():
        raise SourceError(
            f"no database file at {safe_url(url)}",
            code="bad_url",
            url=safe_url(url),
            detail="no such file",
        )
    if backend == "sqlite":
        uri = f"file:{Path(database).resolve()}"
        readonly = parsed.set(database=uri, query={"mode": "ro", "uri": "true"})
        return readonly.render_as_string(hide_password=False), {}
    return url, {"read_only": True}


@contextlib.contextmanager
def connect(url: str, read_only: bool = False) -> Iterator[Engine]:
    """An engine for ``url`` that is disposed afterwards; bad URLs become :class:`SourceError`.
    ``read_only`` (every read of a user's source) never creates or changes a file."""
    try:
        target, args = _read_only(url) if read_only else (url, {})
        engine = sa.create_engine(target, connect_args=args) if args else sa.create_engine(target)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise SourceError(
            f"cannot use database URL {safe_url(url)}: {_first_line(exc)}",
            code="bad_url",
            url=safe_url(url),
            detail=_first_line(exc, url),
        ) from None
    try:
        yield engine
    finally:
        engine.dispose()


def _first_line(exc: BaseException, url: str | None = None) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return _scrub(line, url) if url else line


def list_tables(url: str) -> list[str]:
    """Table names the database reports (empty when it cannot tell)."""
    with connect(url, read_only=True) as engine:
        try:
            return sorted(sa.inspect(engine).get_table_names())
        except SQLAlchemyError:
            return []


def read_table(url: str, name: str) -> pd.DataFrame:
    """``SELECT *`` from one table, without reflection (some dialects cannot reflect)."""
    schema, _, table_name = name.rpartition(".")
    query = sa.select(sa.text("*")).select_from(sa.table(table_name, schema=schema or None))
    with connect(url, read_only=True) as engine:
        try:
            with engine.connect() as conn:
                result = conn.execute(query)
                return _frame(list(result.keys()), result.fetchall())
        except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
            # The message names neither the database's other tables nor their columns.
            exc = exc.__cause__ or exc
            raise SourceError(
                f"cannot read table {name!r} from {safe_url(url)}: {_first_line(exc, url)}",
                code="table_unreadable",
                table=name,
                url=safe_url(url),
                detail=_first_line(exc, url),
                tables=[],
            ) from None


def _frame(columns: list[str], rows: list) -> pd.DataFrame:
    """Rows -> DataFrame through Arrow (about twice as fast as ``pd.read_sql`` row handling);
    a column Arrow cannot type (mixed values) is kept as Python objects."""
    import pyarrow as pa

    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    arrays = {}
    for name, column in zip(columns, values, strict=True):
        try:
            arrays[name] = pa.array(column)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[name] = pa.array([None if v is None else str(v) for v in column])
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
    return pa.table(arrays).to_pandas()


def read_rows(
    url: str, name: str, column: str, value: str, order_by: str | None = None
) -> pd.DataFrame:
    """Rows of one table where ``column`` equals ``value`` (a bound parameter, never formatted
    into the SQL), e.g. one customer's call-centre contacts."""
    schema, _, table_name = name.rpartition(".")
    source = sa.table(
        table_name,
        sa.column(column),
        *([sa.column(order_by)] if order_by else []),
        schema=schema or None,
    )
    query = (
        sa.select(sa.text("*"))
        .select_from(source)
        .where(source.c[column] == sa.bindparam("value", value))
    )
    if order_by:
        query = query.order_by(source.c[order_by])
    with connect(url, read_only=True) as engine:
        try:
            with engine.connect() as conn:
                result = conn.execute(query)
                return _frame(list(result.keys()), result.fetchall())
        except SQLAlchemyError as exc:
            raise SourceError(
                f"cannot read {name!r} from {safe_url(url)}: {_first_line(exc, url)}",
                code="table_unreadable",
                table=name,
                url=safe_url(url),
                detail=_first_line(exc),
                tables=[],
            ) from None


def write_tables(url: str, frames: Mapping[str, pd.DataFrame], replace: bool = True) -> None:
    """Create the contract's tables and bulk-insert ``frames`` (table name -> rows).

    Uses each driver's fastest path (SQLite ``executemany``, PostgreSQL ``COPY``, DuckDB scanning
    the frame); other dialects get chunked SQLAlchemy inserts.
    """
    with connect(url) as engine:
        tables = [TABLES[name] for name in frames]
        if replace:
            metadata.drop_all(engine, tables=tables)
        metadata.create_all(engine, tables=tables)
        dialect = engine.dialect.name
        for name, frame in frames.items():
            table = TABLES[name]
            frame = frame[[c.name for c in table.columns if c.name in frame.columns]]
            if dialect == "duckdb":
                _write_duckdb(engine, name, frame)
            elif dialect == "postgresql":
                _write_postgres(engine, name, frame)
            else:
                _write_generic(engine, table, frame)


def _python_rows(frame: pd.DataFrame) -> Iterator[tuple]:
    """Rows as plain Python values (dates as ``date``, missing as ``None``), chunk by chunk."""
    step = 200_000
    for start in range(0, len(frame), step):
        chunk = frame.iloc[start : start + step].astype(object)
        for column in chunk.columns:
            values = frame[column].iloc[start : start + step]
            if pd.api.types.is_datetime64_any_dtype(values.dtype):
                is_date = (values.dropna() == values.dropna().dt.normalize()).all()
                converted = values.dt.date if is_date else values.dt.to_pydatetime()
                chunk[column] = pd.Series(converted, index=values.index, dtype=object)
        chunk = chunk.where(frame.iloc[start : start + step].notna(), None)
        yield from chunk.itertuples(index=False, name=None)


def _write_generic(engine: Engine, table: sa.Table, frame: pd.DataFrame) -> None:
    columns = list(frame.columns)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            marks = ", ".join("?" for _ in columns)
            sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({marks})'  # noqa: S608 - names come from our schema
            cursor = conn.connection.driver_connection.cursor()
            cursor.executemany(sql, _iso_rows(frame))
            return
        batch: list[dict] = []
        for row in _python_rows(frame):
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) == 50_000:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)


def _iso_rows(frame: pd.DataFrame, chunk: int = 100_000) -> Iterator[tuple]:
    """SQLite stores dates as ISO text; format them in bulk, a chunk at a time to bound memory."""
    date_only = {
        column: bool((frame[column].dropna() == frame[column].dropna().dt.normalize()).all())
        for column in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[column].dtype)
    }
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start : start + chunk].copy()
        for column, is_date in date_only.items():
            part[column] = part[column].dt.strftime("%Y-%m-%d" if is_date else "%Y-%m-%d %H:%M:%S")
        part = part.astype(object).where(part.notna(), None)
        yield from part.itertuples(index=False, name=None)


def _write_duckdb(engine: Engine, name: str, frame: pd.DataFrame) -> None:
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        raw.register("_valuescope_frame", frame)
        try:
            cols = ", ".join(frame.columns)
            raw.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM _valuescope_frame')  # noqa: S608
        finally:
            raw.unregister("_valuescope_frame")


def _write_postgres(engine: Engine, name: str, frame: pd.DataFrame) -> None:
    with engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cols = ", ".join(frame.columns)
        with cursor.copy(f'COPY "{name}" ({cols}) FROM STDIN') as copy:  # noqa: S608
            for row in _python_rows(frame):
                copy.write_row(row)
