"""Reading files into raw frames: CSV (UTF-8 with or without BOM, GB18030/GBK), Excel .xlsx and
Parquet, from a path, bytes or an upload. Cells stay as they were (CSV cells as text); validation
is :mod:`data.load`'s job. Anything unreadable raises one :class:`SourceError` naming the file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import pandas as pd

from data.columns import resolve_columns
from data.report import SourceError

__all__ = ["read_file"]


def read_file(
    source: str | Path | bytes | IO[bytes],
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a CSV, Excel (.xlsx) or Parquet file into a raw frame (CSV cells kept as text).

    ``source`` is a path, bytes or a binary file object (an upload); ``name`` supplies the file
    name when ``source`` has none. The format comes from the extension, else from the content.
    A Parquet file read from a path with ``mapping`` given (``{}`` = detect) keeps only the
    columns of the transactions contract: its schema is read first, so large files stay lean.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        if mapping is not None and path.suffix.lower() in (".parquet", ".pq") and path.is_file():
            return _read_parquet_columns(path, mapping)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceError(
                f"cannot read {path}: {exc.strerror or exc}",
                code="unreadable_file",
                name=path.name,
            ) from None
    elif isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        data = source.read()
        name = name or getattr(source, "name", None)
    name = str(name or "upload")
    if not data:
        raise SourceError(f"{name} is empty", code="empty_file", name=name)
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise SourceError(
            f"{name}: the old .xls format is not supported; save it as .xlsx or CSV",
            code="old_xls",
            name=name,
        )
    if suffix in (".xlsx", ".xlsm") or (
        suffix not in (".csv", ".txt", ".tsv") and data[:2] == b"PK"
    ):
        frame = _read_excel(data, name)
    elif suffix in (".parquet", ".pq") or data[:4] == b"PAR1":
        frame = _read_parquet(data, name)
    else:
        frame = _read_csv(data, name)
    frame.columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    return frame


def _decode_name(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise SourceError("the file is neither UTF-8 nor GB18030/GBK text", code="bad_encoding")


def _read_csv(data: bytes, name: str) -> pd.DataFrame:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(
            f"{name} is not a text (CSV) file, nor Excel .xlsx or Parquet",
            code="not_a_table_file",
            name=name,
        )
    try:
        encoding = _decode_name(data)
    except SourceError as exc:
        raise SourceError(f"{name}: {exc}", code="bad_encoding", name=name) from None
    head = data[:65536].decode(encoding, errors="ignore").splitlines()
    first = head[0] if head else ""
    delimiter = max((",", "\t", ";", "|"), key=first.count)
    if not first.count(delimiter):
        delimiter = ","
    try:
        # header=None: the C parser then rejects a row with more fields than the first line
        # instead of silently turning extra fields into an index (pandas' implicit index).
        cells = pd.read_csv(
            io.BytesIO(data),
            encoding=encoding,
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
        )
    except pd.errors.EmptyDataError:
        raise SourceError(f"{name} has no header row", code="no_header", name=name) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise SourceError(
            f"{name} is not a well-formed CSV file: {detail}",
            code="bad_csv",
            name=name,
            detail=detail,
        ) from None
    header = _unique_names(cells.iloc[0].fillna("").tolist())
    frame = cells.iloc[1:].reset_index(drop=True)
    frame.columns = header
    return frame


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for raw in names:
        name = str(raw).replace("\ufeff", "").strip() or "unnamed"
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}.{count}")
    return out


def _read_excel(data: bytes, name: str) -> pd.DataFrame:
    try:
        return pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="openpyxl")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SourceError(
            f"{name} is not a readable Excel .xlsx file ({exc})",
            code="bad_xlsx",
            name=name,
        ) from None


def _read_parquet_columns(path: Path, mapping: Mapping[str, str]) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises several unrelated types for a corrupt file
        raise SourceError(
            f"{path.name} is not a readable Parquet file ({type(exc).__name__})",
            code="bad_parquet",
            name=path.name,
        ) from None
    wanted = list(resolve_columns(names, mapping).values())
    return pd.read_parquet(path, columns=wanted)


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several unrelated types for a corrupt file
        raise SourceError(
            f"{name} is not a readable Parquet file ({type(exc).__name__})",
            code="bad_parquet",
            name=name,
        ) from None
