"""Loaders that never lose a row: files (CSV, Excel, Parquet) and databases -> clean tables.

Every input row ends in exactly one of three places, so ``rows_read == rows_used + duplicates +
sum(rejected)``:

* used: a clean transaction (customer id as text, a calendar date, a float amount);
* a duplicate: a valid row repeating the ``transaction_id`` of an earlier valid row (the first
  copy in source order is used; a rejected copy does not count). It is a
  ``conflicting_duplicate`` when its customer, date or amount differ from the copy used;
* rejected, with one reason: ``bad_encoding`` (a CSV row its file's encoding cannot decode),
  ``missing_customer_id``, ``bad_date`` or ``bad_amount``.

A source that cannot be used at all (unreadable, empty, a required column missing) raises one
:class:`SourceError` whose message names the problem and the columns that were found. The parts
live in their own modules: column names (:mod:`data.columns`), cell parsing (:mod:`data.parse`),
file readers (:mod:`data.readers`) and the report (:mod:`data.report`); they are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from data.columns import ALIASES, OPTIONAL, REQUIRED, resolve_columns
from data.parse import clean_ids, detect_currency, parse_amounts, parse_dates
from data.policies import POLICY_ALIASES
from data.policies import REQUIRED as POLICY_REQUIRED
from data.readers import read_file, read_raw
from data.report import DUPLICATE_REASONS, REJECT_REASONS, Dataset, LoadReport, SourceError
from data.schema import personal_columns

__all__ = [
    "ALIASES",
    "DUPLICATE_REASONS",
    "OPTIONAL",
    "POLICY_ALIASES",
    "POLICY_REQUIRED",
    "REJECT_REASONS",
    "REQUIRED",
    "Dataset",
    "check_cells",
    "first_failing",
    "LoadReport",
    "SourceError",
    "clean_ids",
    "load_database",
    "load_file",
    "load_frame",
    "load_table",
    "parse_amounts",
    "parse_dates",
    "read_file",
    "resolve_columns",
]


def load_frame(
    raw: pd.DataFrame,
    mapping: Mapping[str, str] | None = None,
    source: str = "data",
    *,
    undecodable: np.ndarray | None = None,
) -> tuple[pd.DataFrame, LoadReport]:
    """Validate raw transaction rows; return the clean transactions and the load report.

    ``undecodable`` marks rows the reader could not decode (:func:`data.readers.read_raw`);
    they are rejected as ``bad_encoding``.

    Returns
    -------
    transactions : DataFrame
        ``customer_id`` (str), ``transaction_date`` (datetime64[s]), ``amount`` (float64), then
        whichever of ``transaction_id, policy_id, product_line, channel, transaction_type`` the
        source has.
    report : LoadReport
        Counts, the rejected rows (``source_row`` = 1-based data row, ``reason``, original
        cells) and the duplicate rows; neither keeps the source's personal columns
        (:func:`data.schema.personal_columns`): a load report is shown and downloaded.
    """
    columns = resolve_columns(raw.columns, mapping)
    if raw.empty:
        raise SourceError(
            f"{source} has no data rows; found columns: {', '.join(map(str, raw.columns))}",
            code="no_rows",
            name=source,
            found=[str(c) for c in raw.columns],
        )
    raw = raw.reset_index(drop=True)
    customer_id, dates, amounts, code = check_cells(
        raw[columns["customer_id"]], raw[columns["transaction_date"]], raw[columns["amount"]],
        undecodable,
    )  # fmt: skip
    rejected = code > 0
    reason = np.asarray(["", *REJECT_REASONS], dtype=object)[code[rejected]]

    duplicate = np.zeros(len(raw), dtype=bool)
    transaction_id = None
    duplicates = None
    if "transaction_id" in columns:
        transaction_id = clean_ids(raw[columns["transaction_id"]])
        duplicate, duplicates = _duplicates(
            transaction_id.mask(rejected) if rejected.any() else transaction_id,
            (customer_id, dates, amounts),
        )
    used = ~rejected & ~duplicate

    every_row = bool(used.all())  # the common case at scale: select nothing, copy nothing

    def kept(values: pd.Series) -> pd.Series:
        return values if every_row else values[used]

    clean = pd.DataFrame(
        {
            "customer_id": kept(customer_id),
            "transaction_date": kept(dates),
            "amount": kept(amounts),
        },
        copy=False,
    )
    if transaction_id is not None:
        clean["transaction_id"] = kept(transaction_id)
    for name in OPTIONAL[1:]:
        if name in columns:
            clean[name] = _labels(kept(raw[columns[name]]))
    clean = clean.reset_index(drop=True)

    counts = pd.Series(reason).value_counts()
    report = LoadReport(
        source=source,
        rows_read=len(raw),
        rows_used=int(used.sum()),
        duplicates=int(duplicate.sum()),
        rejected={r: int(counts.get(r, 0)) for r in REJECT_REASONS if counts.get(r, 0)},
        rejected_rows=_with_position(raw, rejected, {"reason": reason}),
        duplicate_rows=_with_position(raw, duplicate, duplicates),
        column_mapping=columns,
        currency=detect_currency(raw[columns["amount"]]),
        conflicting_duplicates=0
        if duplicates is None
        else int((duplicates["reason"] == "conflicting_duplicate").sum()),
    )
    return clean, report


def check_cells(customer_id, transaction_date, amount, undecodable=None, *, serials=True):
    """The cells of the three required columns parsed, and each row's code: 0 for a valid row,
    else the number (1-based) of its first reason in :data:`REJECT_REASONS`. What
    :func:`load_frame` does to every row, and the Spark engine to each partition (``serials``:
    see :func:`data.parse.parse_dates`)."""
    customer_id = clean_ids(customer_id)
    dates = parse_dates(transaction_date, serials=serials)
    amounts = parse_amounts(amount)
    if undecodable is None:
        undecodable = np.zeros(len(customer_id), dtype=bool)
    code = first_failing(
        (
            np.asarray(undecodable, dtype=bool),
            customer_id.isna().to_numpy(),
            dates.isna().to_numpy(),
            amounts.isna().to_numpy(),
        )
    )
    return customer_id, dates, amounts, code


def first_failing(checks) -> np.ndarray:
    """Per row, the number (1-based) of the first check that is True, 0 when none is: one
    reason per rejected row, the earliest in the list."""
    code = np.zeros(len(checks[0]) if checks else 0, dtype=np.int8)
    for number in range(len(checks), 0, -1):  # the earliest check wins
        code[checks[number - 1]] = number
    return code


def _labels(values: pd.Series) -> pd.Series:
    """A descriptive column: cleaned like an id, stored as a categorical when it repeats a lot
    (product lines, channels), which keeps 10M-row tables small and group-bys fast."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # read as a dictionary: clean its values
        codes = values.cat.codes.to_numpy()
        uniques = pd.Series(values.cat.categories, dtype=object)
    else:
        head = values.iloc[:100_000]
        if head.nunique() > max(len(head) // 10, 1000):  # ids (a policy number), not labels
            return clean_ids(values)
        codes, uniques = pd.factorize(values)
        if len(uniques) > max(len(values) // 10, 1000):
            return clean_ids(values)
    cleaned = clean_ids(pd.Series(uniques, dtype=object))
    categories = pd.Index(cleaned.dropna().unique(), dtype="str")
    positions = categories.get_indexer(cleaned)
    if np.array_equal(positions, np.arange(len(positions))):
        labels = codes  # already clean and distinct (a Parquet dictionary, usually): as read
    else:
        labels = np.append(positions, -1)[codes]  # code -1 (missing) takes the last: -1
    return pd.Series(pd.Categorical.from_codes(labels, categories=categories), index=values.index)


def _repeats(ids: pd.Series) -> np.ndarray:
    """True where a non-missing id already appeared in an earlier row
    (:func:`analytics._fast.repeats`: numbered ids of one width without hashing text)."""
    from analytics._fast import repeats

    return repeats(ids)


def _duplicates(ids: pd.Series, values: tuple[pd.Series, ...]) -> tuple[np.ndarray, dict | None]:
    """Rows repeating an earlier row's id (missing ids never repeat), and for those rows their
    ``reason`` (``duplicate``, or ``conflicting_duplicate`` when any of ``values`` differs from
    the first row's) and ``kept_row`` (the 1-based row of that first copy)."""
    duplicate = _repeats(ids)
    if not duplicate.any():
        return duplicate, None
    from analytics._fast import sorted_factorize

    codes, _ = sorted_factorize(ids)
    first = (codes >= 0) & ~duplicate
    first_row = np.empty(codes.max() + 1, dtype=np.int64)
    first_row[codes[first]] = np.flatnonzero(first)
    rows = np.flatnonzero(duplicate)
    kept = first_row[codes[rows]]
    differs = np.zeros(len(rows), dtype=bool)
    for series in values:
        array = series.to_numpy()
        differs |= array[rows] != array[kept]
    reason = np.where(differs, DUPLICATE_REASONS[1], DUPLICATE_REASONS[0])
    return duplicate, {"reason": reason, "kept_row": kept + 1}


def _with_position(raw: pd.DataFrame, mask: np.ndarray, extra: dict | None) -> pd.DataFrame:
    """The rows under ``mask``: ``source_row`` (1-based), the ``extra`` columns (one value per
    masked row), then the source's cells but its personal columns."""
    personal = set(personal_columns(raw.columns))
    kept = [c for c in raw.columns if c not in personal]
    # No row masked, the common case: an empty frame without a take of every column (a take,
    # even of no rows, cost 0.1-0.25 s on ten million payments read from Parquet).
    rows = raw.loc[mask, kept].copy() if mask.any() else raw[kept].iloc[:0].copy()
    own = ["source_row", *(extra or {})]
    # A source's own "reason" column (a refund's reason, say) keeps its cells under a new name.
    taken = set(map(str, rows.columns)) | set(own)
    renamed = {}
    for column in rows.columns:
        if column in own:
            name = f"{column}_source"
            while name in taken:
                name += "_source"
            renamed[column] = name
            taken.add(name)
    rows = rows.rename(columns=renamed)
    rows.insert(0, "source_row", np.flatnonzero(mask) + 1)
    for position, (name, values) in enumerate((extra or {}).items(), start=1):
        rows.insert(position, name, values)
    return rows.reset_index(drop=True)


def _table_frame(raw: pd.DataFrame, id_columns: tuple[str, ...], date_columns: tuple[str, ...]):
    """Light clean-up of an optional table: ids as text, dates as dates."""
    frame = raw.copy()
    for column in id_columns:
        if column in frame:
            frame[column] = clean_ids(frame[column])
    for column in date_columns:
        if column in frame:
            frame[column] = parse_dates(frame[column])
    if "customer_id" in frame:
        frame = frame[frame["customer_id"].notna()].reset_index(drop=True)
    return frame


def _optional_tables(tables: Mapping[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame | None]:
    spec = {
        "customers": (("customer_id", "agent_id"), ("birth_date", "signup_date")),
        "loyalty_members": (("customer_id",), ("enrolled_at",)),
        "interactions": (("customer_id", "interaction_id"), ("contact_at",)),
    }
    out: dict[str, pd.DataFrame | None] = {}
    for key, (ids, dates) in spec.items():
        raw = tables.get(key)
        if raw is None:
            out[key] = None
            continue
        if "customer_id" not in raw.columns:
            raise SourceError(
                f"the {key} table has no customer_id column; found columns: "
                f"{', '.join(map(str, raw.columns))}",
                code="table_without_customer_id",
                table=key,
                found=[str(c) for c in raw.columns],
            )
        out[key] = _table_frame(raw, ids, dates)
    return out


def _policies(raw: pd.DataFrame | None, source: str) -> dict:
    """The policies table validated (:func:`data.policies.load_policies`), with its report."""
    if raw is None:
        return {}
    from data.policies import load_policies

    policies, report = load_policies(raw, source=source)
    return {"policies": policies, "policies_report": report}


def load_table(key: str, raw: pd.DataFrame) -> dict:
    """One optional table validated as :func:`load_file` validates it (``customers``,
    ``loyalty_members``, ``interactions`` or ``policies``), as the :class:`Dataset` fields it
    fills: ``{"interactions": frame}``, or the policies with their report."""
    if key == "policies":
        return _policies(raw, "policies")
    return {key: _optional_tables({key: raw})[key]}


def load_file(
    source: str | Path | bytes | IO[bytes],
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    policies: pd.DataFrame | None = None,
    optional: tuple[str, ...] | None = None,
    **tables: pd.DataFrame | None,
) -> Dataset:
    """Read and validate a transactions file; optional tables may be passed already read (the
    ``policies`` table goes through its own row accounting).

    ``optional`` names the optional descriptive columns to keep (default: every one found); a
    Parquet file's other columns are then not read at all (``score`` needs no policy id)."""
    display = name or (Path(source).name if isinstance(source, (str, Path)) else "upload")
    raw = read_raw(source, name=name, mapping=mapping or {}, optional=optional)
    transactions, report = load_frame(
        raw.frame, mapping, source=display, undecodable=raw.undecodable
    )
    return Dataset(
        name=display,
        transactions=transactions,
        report=report,
        currency=report.currency,
        **_optional_tables(tables),
        **_policies(policies, "policies"),
    )


#: A load report's row frames' own leading columns (the source's cells follow).
_REPORT_OWN = ("source_row", "reason", "kept_row")


def load_column(
    path: str | Path, name: str, report: LoadReport, mapping: Mapping[str, str] | None = None
) -> tuple[pd.Series, LoadReport]:
    """An optional column of a Parquet transactions file that :func:`load_file` left out
    (``optional``), read on its own: its values for the rows the load used, cleaned as
    :func:`load_frame` cleans them, and ``report`` with the column's cells in its rejected and
    duplicate rows, where a whole load puts them. A file whose row count is no longer the
    load's raises :class:`SourceError` (``source_changed``)."""
    import pyarrow.parquet as pq

    path = Path(path)
    columns = resolve_columns(pq.read_schema(path).names, mapping or {})
    source, order = columns[name], list(columns.values())  # the order a whole load reads
    raw = pd.read_parquet(path, columns=[source])[source]
    if len(raw) != report.rows_read:
        raise SourceError(
            f"{path.name} changed since it was read ({report.rows_read} rows, now {len(raw)})",
            code="source_changed",
            name=path.name,
        )
    unused = np.concatenate(
        [
            report.rejected_rows["source_row"].to_numpy(),
            report.duplicate_rows["source_row"].to_numpy(),
        ]
    ).astype(np.int64)
    values = raw
    if len(unused):
        used = np.ones(len(raw), dtype=bool)
        used[unused - 1] = False
        values = raw[used]
    values = _labels(values).reset_index(drop=True)
    if source in personal_columns([source]):
        return values, report
    cells, before = {}, set(order[: order.index(source)])
    for field_name in ("rejected_rows", "duplicate_rows"):
        frame = getattr(report, field_name)
        own = 0  # source_row, reason, kept_row: then the source's cells, in its order
        while own < len(frame.columns) and frame.columns[own] in _REPORT_OWN:
            own += 1
        at = own + sum(1 for c in frame.columns[own:] if c in before)
        rows = frame["source_row"].to_numpy(dtype=np.int64) - 1
        frame = frame.copy()
        frame.insert(at, source, raw.iloc[rows].reset_index(drop=True))
        cells[field_name] = frame
    return values, replace(report, **cells)


def load_database(
    url: str,
    transactions_table: str = "transactions",
    *,
    mapping: Mapping[str, str] | None = None,
    customers_table: str | None = None,
    loyalty_table: str | None = None,
    interactions_table: str | None = None,
    policies_table: str | None = None,
    currency: str | None = None,
    name: str | None = None,
) -> Dataset:
    """Read tables through SQLAlchemy and validate them like a file."""
    from data.database import read_table  # deferred: keeps file loading free of sqlalchemy

    raw = read_table(url, transactions_table)
    transactions, report = load_frame(raw, mapping, source=f"{transactions_table} table")
    extra = {
        "customers": read_table(url, customers_table) if customers_table else None,
        "loyalty_members": read_table(url, loyalty_table) if loyalty_table else None,
        "interactions": read_table(url, interactions_table) if interactions_table else None,
    }
    return Dataset(
        name=name or transactions_table,
        transactions=transactions,
        report=report,
        currency=currency or report.currency,
        **_optional_tables(extra),
        **_policies(
            read_table(url, policies_table) if policies_table else None,
            f"{policies_table} table",
        ),
    )
