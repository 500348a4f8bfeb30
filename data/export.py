"""The one export writer: every CSV and Excel file ValueScope writes goes through here.

* Personal information never leaves: columns the schema marks as PII are dropped, under any of
  their usual headers (``姓名``, ``手机``, ``E-mail`` ...; :func:`data.schema.personal_columns`).
* Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab or carriage
  return first) gets a leading apostrophe (OWASP "CSV injection").
* Ids stay text: CSV cells are written as they are; Excel cells of text columns are text cells.
* Numbers are rounded to what they mean (money 2 decimals, probabilities 4) unless asked not to.
* CSV is UTF-8 with a BOM, so Excel on Chinese Windows opens it correctly; Excel files have a
  header row and frozen panes below it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from data.schema import personal_columns

__all__ = [
    "EXCEL_MAX_ROWS",
    "MONEY_COLUMNS",
    "PROBABILITY_COLUMNS",
    "csv_bytes",
    "export_frame",
    "neutralise",
    "write_csv",
    "write_xlsx",
    "xlsx_bytes",
]

#: Columns holding money (2 decimals) and probabilities or shares (4 decimals).
MONEY_COLUMNS = frozenset(
    {
        "amount", "total_spend", "refunds", "monetary_value", "clv", "expected_spend",
        "spend_12m", "premium_at_risk", "mean_spend", "mean_clv", "value",
    }
)  # fmt: skip
PROBABILITY_COLUMNS = frozenset(
    {"p_alive", "churn_risk", "share", "value_share", "customer_share", "uptake"}
)
#: Other fractional numbers (time in units, expected counts): 4 decimals.
FRACTION_COLUMNS = frozenset({"recency", "T", "expected_purchases"})
#: Excel's row limit, header included.
EXCEL_MAX_ROWS = 1_048_576
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"^[=+\-@\t\r]"  # the same first characters, for Arrow's RE2
_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[[ord(c) for c in _FORMULA_STARTS]] = True


def neutralise(values: pd.Series) -> pd.Series:
    """Text cells that start like a formula get a leading apostrophe; other values unchanged."""
    if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values)):
        return values
    risky = _formula_like(values)
    if risky is None:
        text = values.astype("str")
        risky = text.str.startswith(_FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
        risky = risky & values.notna().to_numpy()
    if not risky.any():
        return values
    text = values.astype("str")
    out = values.astype(object).copy()
    out[risky] = "'" + text[risky]
    return out


def _formula_like(values: pd.Series) -> np.ndarray | None:
    """Which cells of an Arrow-backed text column start like a formula; ``None`` for other
    columns. Every starting character is ASCII, a single UTF-8 byte (a longer character's first
    byte is never one of them), so each cell's first byte is read straight from Arrow's buffers:
    a million cells in a few milliseconds."""
    if not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow":
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    column = pa.array(values.array)
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = []
    for chunk in chunks:
        if chunk.type not in (pa.string(), pa.large_string()):
            found = pc.match_substring_regex(chunk, _FORMULA_PATTERN)
            parts.append(found.fill_null(False).to_numpy(zero_copy_only=False))
            continue
        _, offsets, data = chunk.buffers()
        width = np.int64 if chunk.type == pa.large_string() else np.int32
        ends = np.frombuffer(offsets, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        starts, filled = ends[:-1], ends[1:] > ends[:-1]
        first = np.zeros(len(chunk), dtype=np.uint8)
        if data is not None and filled.any():
            first[filled] = np.frombuffer(data, dtype=np.uint8)[starts[filled]]
        risky = _FORMULA_BYTES[first]
        if chunk.null_count:
            risky &= chunk.is_valid().to_numpy(zero_copy_only=False)
        parts.append(risky)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def export_frame(
    frame: pd.DataFrame,
    *,
    round_numbers: bool = True,
    neutralise_text: bool = True,
    headers: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping] | None = None,
) -> pd.DataFrame:
    """The frame as it may leave: no personal columns, formulas neutralised, numbers rounded.

    ``headers`` renames columns (e.g. into Chinese) and ``values`` maps a column's codes to
    display names (segment and tier names); both are applied after the safety steps, and the
    translated text is neutralised too. ``neutralise_text=False`` leaves the apostrophes out, for
    :func:`xlsx_bytes`, which marks such cells in Excel's own way.
    """
    personal = set(personal_columns(frame.columns))
    keep = [c for c in frame.columns if c not in personal]
    out = frame[keep]  # copy-on-write: the columns replaced below never change ``frame``
    out.attrs = {}  # attrs may hold Timestamps, which Parquet metadata cannot store
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            # The few categories are mapped and neutralised, not a million cells.
            categories = pd.Series(series.cat.categories, dtype=object)
            if values and column in values:
                mapping = values[column]
                categories = categories.map(lambda v, m=mapping: m.get(v, v))
            if neutralise_text:
                categories = neutralise(categories)
            if categories.is_unique:
                out[column] = series.cat.rename_categories(categories.tolist())
                continue
            series = series.astype(object)
        if values and column in values:
            mapping = values[column]
            series = series.map(lambda v, m=mapping: m.get(v, v), na_action="ignore")
        if round_numbers and pd.api.types.is_float_dtype(series.dtype):
            if column in MONEY_COLUMNS:
                series = series.round(2)
            elif column in PROBABILITY_COLUMNS or column in FRACTION_COLUMNS:
                series = series.round(4)
        out[column] = neutralise(series) if neutralise_text else series
    if headers:
        out = out.rename(columns={c: headers.get(c, c) for c in out.columns})
    if neutralise_text:  # a header is a cell too, and a source's headers are its own text
        out.columns = [_neutral_text(c) for c in out.columns]
    return out


def _neutral_text(value):
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value


# CRLF, as RFC 4180 and Excel have it; it also makes the csv writer quote a cell holding a bare
# CR, which would otherwise end the row early in every reader.
_CSV_OPTIONS = {"index": False, "date_format": "%Y-%m-%d", "lineterminator": "\r\n"}


def write_csv(frame: pd.DataFrame, target) -> None:
    """Write an already exported frame as CSV (UTF-8 with BOM, dates as YYYY-MM-DD)."""
    frame.to_csv(target, encoding="utf-8-sig", **_CSV_OPTIONS)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """An exported frame as CSV bytes (UTF-8 with BOM)."""
    return frame.to_csv(**_CSV_OPTIONS).encode("utf-8-sig")


def xlsx_bytes(
    frame: pd.DataFrame, text_columns: Iterable[str] = (), sheet: str = "ValueScope"
) -> bytes:
    """An exported frame as an Excel workbook: a bold header row with frozen panes below it,
    dates as dates, ``text_columns`` (ids) as text cells so Excel keeps leading zeros.

    Pass a frame exported with ``neutralise_text=False``: every text goes in as a text cell
    (never a formula), and text that starts like a formula is marked with Excel's own quote
    prefix (the apostrophe Excel shows only in the formula bar), so editing the cell later
    cannot turn it into one either.
    """
    import xlsxwriter

    if len(frame) + 1 > EXCEL_MAX_ROWS:
        raise ValueError(f"{len(frame):,} rows do not fit in one Excel sheet")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                 "strings_to_numbers": False}
    )  # fmt: skip
    page = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    quoted = book.add_format({"num_format": "@", "quote_prefix": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    text_columns = set(text_columns)
    columns = list(frame.columns)
    bold_quoted = book.add_format({"bold": True, "quote_prefix": True})
    for j, name in enumerate(map(str, columns)):
        page.write_string(0, j, name, bold_quoted if name.startswith(_FORMULA_STARTS) else bold)
    page.freeze_panes(1, 0)
    # One list of ready Python values per column (None where missing), so the row loop below
    # only writes: no type checks, no pandas per cell.
    writers = []
    for name in columns:
        series = frame[name]
        missing = series.isna().to_numpy()
        dtype = series.dtype
        if name not in text_columns and pd.api.types.is_bool_dtype(dtype):
            values, kind = series.to_numpy(dtype=object), "bool"
        elif name not in text_columns and pd.api.types.is_numeric_dtype(dtype):
            numbers = series.to_numpy(dtype=float)
            missing = missing | ~np.isfinite(numbers)
            values, kind = numbers.tolist(), "number"
        elif name not in text_columns and pd.api.types.is_datetime64_any_dtype(dtype):
            values, kind = [v.to_pydatetime() if v is not pd.NaT else None for v in series], "date"
        else:
            values, kind = series.astype(object).where(~missing, None).astype(str).tolist(), "text"
        writers.append((kind, values, missing.tolist()))
    write_number, write_string = page.write_number, page.write_string
    write_datetime, write_boolean = page.write_datetime, page.write_boolean
    for i in range(len(frame)):  # constant_memory mode needs row-by-row order
        row = i + 1
        for j, (kind, values, missing) in enumerate(writers):
            if missing[i]:
                continue
            value = values[i]
            if kind == "number":
                write_number(row, j, value)
            elif kind == "text":
                write_string(row, j, value, quoted if value.startswith(_FORMULA_STARTS) else text)
            elif kind == "date":
                write_datetime(row, j, value, day)
            else:
                write_boolean(row, j, bool(value))
    book.close()
    return buffer.getvalue()


def write_xlsx(frame: pd.DataFrame, target: str | Path, text_columns: Iterable[str] = ()) -> None:
    """Write a frame exported with ``neutralise_text=False`` as an Excel workbook
    (:func:`xlsx_bytes`)."""
    Path(target).write_bytes(xlsx_bytes(frame, text_columns))
