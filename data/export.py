"""The one export writer: every CSV and Excel file ValueScope writes goes through here.

* Personal information never leaves: columns the schema marks as PII are dropped.
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

from data.schema import PII_COLUMNS

__all__ = [
    "EXCEL_MAX_ROWS",
    "MONEY_COLUMNS",
    "PROBABILITY_COLUMNS",
    "csv_bytes",
    "export_frame",
    "neutralise",
    "write_csv",
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


def neutralise(values: pd.Series) -> pd.Series:
    """Text cells that start like a formula get a leading apostrophe; other values unchanged."""
    if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values)):
        return values
    text = values.astype("str")
    risky = text.str.startswith(_FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
    risky = risky & values.notna().to_numpy()
    if not risky.any():
        return values
    out = values.astype(object).copy()
    out[risky] = "'" + text[risky]
    return out


def export_frame(
    frame: pd.DataFrame,
    *,
    round_numbers: bool = True,
    headers: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping] | None = None,
) -> pd.DataFrame:
    """The frame as it may leave: no personal columns, formulas neutralised, numbers rounded.

    ``headers`` renames columns (e.g. into Chinese) and ``values`` maps a column's codes to
    display names (segment and tier names); both are applied after the safety steps, and the
    translated text is neutralised too.
    """
    keep = [c for c in frame.columns if str(c) not in PII_COLUMNS]
    out = frame[keep].copy()
    out.attrs = {}  # attrs may hold Timestamps, which Parquet metadata cannot store
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if values and column in values:
            mapping = values[column]
            series = series.map(lambda v, m=mapping: m.get(v, v), na_action="ignore")
        if round_numbers and pd.api.types.is_float_dtype(series.dtype):
            if column in MONEY_COLUMNS:
                series = series.round(2)
            elif column in PROBABILITY_COLUMNS or column in FRACTION_COLUMNS:
                series = series.round(4)
        out[column] = neutralise(series)
    if headers:
        out = out.rename(columns={c: headers.get(c, c) for c in out.columns})
    return out


def write_csv(frame: pd.DataFrame, target) -> None:
    """Write an already exported frame as CSV (UTF-8 with BOM, dates as YYYY-MM-DD)."""
    frame.to_csv(target, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """An exported frame as CSV bytes (UTF-8 with BOM)."""
    return frame.to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8-sig")


def xlsx_bytes(
    frame: pd.DataFrame, text_columns: Iterable[str] = (), sheet: str = "ValueScope"
) -> bytes:
    """An exported frame as an Excel workbook: a bold header row with frozen panes below it,
    dates as dates, ``text_columns`` (ids) as text cells so Excel keeps leading zeros."""
    import xlsxwriter

    if len(frame) + 1 > EXCEL_MAX_ROWS:
        raise ValueError(f"{len(frame):,} rows do not fit in one Excel sheet")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    page = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    text_columns = set(text_columns)
    columns = list(frame.columns)
    for j, name in enumerate(columns):
        page.write_string(0, j, str(name), bold)
    page.freeze_panes(1, 0)
    kinds = []
    for name in columns:
        dtype = frame[name].dtype
        if name in text_columns:
            kinds.append("text")
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            kinds.append("date")
        elif pd.api.types.is_bool_dtype(dtype):
            kinds.append("bool")
        elif pd.api.types.is_numeric_dtype(dtype):
            kinds.append("number")
        else:
            kinds.append("string")
    data = [frame[name].to_numpy(dtype=object) for name in columns]
    for i in range(len(frame)):  # constant_memory mode needs row-by-row order
        row = i + 1
        for j, kind in enumerate(kinds):
            value = data[j][i]
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            if kind == "number":
                number = float(value)
                if np.isfinite(number):
                    page.write_number(row, j, number)
            elif kind == "date":
                page.write_datetime(row, j, pd.Timestamp(value).to_pydatetime(), day)
            elif kind == "bool":
                page.write_boolean(row, j, bool(value))
            elif kind == "text":
                page.write_string(row, j, str(value), text)
            else:
                page.write_string(row, j, str(value))
    book.close()
    return buffer.getvalue()


def write_xlsx(frame: pd.DataFrame, target: str | Path, text_columns: Iterable[str] = ()) -> None:
    Path(target).write_bytes(xlsx_bytes(frame, text_columns))
