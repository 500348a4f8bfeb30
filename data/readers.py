"""Reading files into raw frames: CSV (UTF-8 with or without BOM, GB18030/GBK), Excel .xlsx and
Parquet, from a path, bytes or an upload. Cells stay as they were (CSV cells as text); validation
is :mod:`data.load`'s job. Anything unreadable raises one :class:`SourceError` naming the file.

Size limits, so that no file can exhaust the machine:

* :data:`MAX_FILE_BYTES` (512 MB): the most read into memory from one file, path or stream. A
  regular file above it is refused before reading; a pipe, device (``/dev/zero``) or upload
  stream is read only that far. Error code ``file_too_large``. (A Parquet file given by path is
  exempt: it is read column by column. Larger CSV data belongs in Parquet or a database.)
* An Excel .xlsx file is a zip archive; its directory is checked before anything is unpacked,
  and the file is refused (code ``xlsx_too_large``) when its members would together unpack to
  more than :data:`XLSX_MAX_UNPACKED_BYTES` (200 MB), or when one member larger than
  :data:`XLSX_RATIO_MIN_BYTES` (10 MB) unpacked is compressed more than :data:`XLSX_MAX_RATIO`
  (100) to 1 (a zip bomb's mark; real sheets compress about 10:1). The sizes the directory
  declares bind: Python's zip reader never unpacks a member past its declared size.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from data.columns import LABEL_COLUMNS, REQUIRED, check_unique_columns, resolve_columns
from data.report import SourceError

__all__ = [
    "MAX_FILE_BYTES",
    "XLSX_MAX_RATIO",
    "XLSX_MAX_UNPACKED_BYTES",
    "XLSX_RATIO_MIN_BYTES",
    "RawFile",
    "read_file",
    "read_raw",
]

MB = 2**20
#: The most bytes read into memory from one file, path or stream.
MAX_FILE_BYTES = 512 * MB
#: An .xlsx whose members would together unpack to more than this is refused unopened.
XLSX_MAX_UNPACKED_BYTES = 200 * MB
#: An .xlsx member above this unpacked size ...
XLSX_RATIO_MIN_BYTES = 10 * MB
#: ... compressed more than this many times is refused unopened.
XLSX_MAX_RATIO = 100
_CHUNK = 16 * MB


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
    return read_raw(source, name, mapping).frame


@dataclass(frozen=True, eq=False)
class RawFile:
    """A file's cells as read, and which rows its encoding could not decode."""

    frame: pd.DataFrame
    undecodable: np.ndarray | None = None  # bool per row; None: every row decoded


def read_raw(
    source: str | Path | bytes | IO[bytes],
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    optional: tuple[str, ...] | None = None,
) -> RawFile:
    """:func:`read_file`, also saying which rows could not be decoded (a CSV mixing UTF-8 and
    GBK rows): the loader rejects those as ``bad_encoding``."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        if mapping is not None and path.suffix.lower() in (".parquet", ".pq") and path.is_file():
            return RawFile(_read_parquet_columns(path, mapping, optional))
        try:
            with path.open("rb") as handle:
                info = os.fstat(handle.fileno())
                if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FILE_BYTES:
                    _too_large(name)
                data = _read_bounded(handle, name)
        except OSError as exc:
            raise SourceError(
                f"cannot read {path}: {exc.strerror or exc}",
                code="unreadable_file",
                name=path.name,
            ) from None
    elif isinstance(source, (bytes, bytearray)):
        if len(source) > MAX_FILE_BYTES:
            _too_large(str(name or "upload"))
        data = bytes(source)
    else:
        name = name or getattr(source, "name", None)
        data = _read_bounded(source, str(name or "upload"))
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
    undecodable = None
    if suffix in (".xlsx", ".xlsm") or (
        suffix not in (".csv", ".txt", ".tsv") and data[:2] == b"PK"
    ):
        frame = _read_excel(data, name)
    elif suffix in (".parquet", ".pq") or (
        suffix not in (".csv", ".txt", ".tsv") and data[:4] == b"PAR1"
    ):
        frame = _read_parquet(data, name)
    else:
        frame, undecodable = _read_csv(data, name)
    frame.columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    check_unique_columns(frame.columns)
    return RawFile(frame, undecodable)


def _read_bounded(stream: IO[bytes], name: str) -> bytes:
    """Everything ``stream`` holds, or :class:`SourceError` once it passes MAX_FILE_BYTES."""
    limit = MAX_FILE_BYTES
    chunks, size = [], 0
    while chunk := stream.read(min(_CHUNK, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            _too_large(name)
    return b"".join(chunks)


def _too_large(name: str):
    limit_mb = MAX_FILE_BYTES // MB
    raise SourceError(
        f"{name} is larger than {limit_mb} MB, the most a file may hold; "
        "give larger data as Parquet or through a database",
        code="file_too_large",
        name=name,
        limit_mb=limit_mb,
    )


def _check_unpacked_size(data: bytes, name: str) -> None:
    """Refuse an .xlsx (zip) whose directory promises a huge or bomb-like unpacking."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip at all: the Excel reader says so in its own words
    total = 0
    for member in members:
        total += member.file_size
        packed = max(member.compress_size, 1)
        bomb = (
            member.file_size > XLSX_RATIO_MIN_BYTES and member.file_size > XLSX_MAX_RATIO * packed
        )
        if bomb or total > XLSX_MAX_UNPACKED_BYTES:
            limit_mb, ratio_min_mb = XLSX_MAX_UNPACKED_BYTES // MB, XLSX_RATIO_MIN_BYTES // MB
            raise SourceError(
                f"{name} is too large to open safely: an Excel file may unpack to at most "
                f"{limit_mb} MB, and no part of it over {ratio_min_mb} MB may be compressed "
                f"more than {XLSX_MAX_RATIO}:1 ({member.filename} unpacks to "
                f"{member.file_size:,} bytes from {member.compress_size:,})",
                code="xlsx_too_large",
                name=name,
                limit_mb=limit_mb,
                ratio=XLSX_MAX_RATIO,
                ratio_min_mb=ratio_min_mb,
            )


_SURROGATE = "[\udc80-\udcff]"  # where "surrogateescape" kept a byte UTF-8 could not decode
_WIDE = "[\u0800-\ud7ff\ue000-\U0010ffff]"  # a 3- or 4-byte UTF-8 character (CJK and beyond)
# A line that is valid UTF-8 and holds such a character.
_UTF8_LINE = re.compile(f"^[^\n\udc80-\udcff]*{_WIDE}[^\n\udc80-\udcff]*$", re.MULTILINE)


def _decode(data: bytes) -> tuple[str | None, str, bool]:
    """``(text, encoding, mixed)``: how to read the CSV bytes.

    A file that is UTF-8 (with or without BOM), UTF-16 or GB18030 throughout gives ``text=None``
    and its encoding (the parser decodes it, fast). A file mixing UTF-8 and GBK rows (pasted
    together from two systems) is decoded line by line in the encoding most of its rows use;
    each row that encoding cannot read is kept with the Unicode replacement character in it
    (``mixed=True``), so the loader rejects it as ``bad_encoding`` instead of using mojibake.
    A row counts as UTF-8 only when it is valid UTF-8 and holds a 3- or 4-byte character: GBK
    text now and then forms valid 2-byte UTF-8 (习伟 reads as ϰΰ), never for long 3-byte runs.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "utf-16", False
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        body.decode("utf-8")
        return None, "utf-8-sig" if bom else "utf-8", False
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", "surrogateescape")
    if not bom and not _UTF8_LINE.search(text):  # the common GBK file: one pass, in C
        try:
            data.decode("gb18030")
            return None, "gb18030", False
        except UnicodeDecodeError:
            pass
    rows = pd.Series(text.split("\n")[1:], dtype=object)
    invalid = rows.str.contains(_SURROGATE).to_numpy(dtype=bool)
    genuine = ~invalid & rows.str.contains(_WIDE).to_numpy(dtype=bool)
    utf8 = bom or genuine.sum() >= invalid.sum()
    lines = body.split(b"\n")
    out = [_decode_header(lines[0])]
    decoded_any = False  # a non-ASCII row the chosen encoding could read
    for line, bad, good in zip(lines[1:], invalid, genuine, strict=True):
        if utf8:
            out.append(line.decode("utf-8", "replace"))
            decoded_any |= good
        elif good:  # UTF-8 in a GBK file: shown, unreadable (every non-ASCII byte replaced)
            out.append(line.decode("ascii", "replace"))
        else:
            text = line.decode("gb18030", "replace")
            out.append(text)
            decoded_any |= bad and "\ufffd" not in text
    if not decoded_any:
        raise SourceError("the file is neither UTF-8 nor GB18030/GBK text", code="bad_encoding")
    return "\n".join(out), "utf-8" if utf8 else "gb18030", True


def _decode_header(line: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            continue
    return line.decode("utf-8", "replace")


def _read_csv(data: bytes, name: str) -> tuple[pd.DataFrame, np.ndarray | None]:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(
            f"{name} is not a text (CSV) file, nor Excel .xlsx or Parquet",
            code="not_a_table_file",
            name=name,
        )
    try:
        text, encoding, mixed = _decode(data)
    except SourceError as exc:
        raise SourceError(f"{name}: {exc}", code="bad_encoding", name=name) from None
    if text is None:
        head = data[:65536].decode(encoding, errors="ignore").splitlines()
        source = io.BytesIO(data)
    else:
        head = text[:65536].splitlines()
        source = io.StringIO(text)
    first = head[0] if head else ""
    delimiter = max((",", "\t", ";", "|"), key=first.count)
    if not first.count(delimiter):
        delimiter = ","
    try:
        # header=None: the C parser then rejects a row with more fields than the first line
        # instead of silently turning extra fields into an index (pandas' implicit index).
        cells = pd.read_csv(
            source,
            encoding=encoding if text is None else None,
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
    header = _header_names(cells.iloc[0].tolist())
    frame = cells.iloc[1:].reset_index(drop=True)
    frame.columns = header
    undecodable = None
    if mixed:
        undecodable = np.zeros(len(frame), dtype=bool)
        for j in range(frame.shape[1]):
            found = frame.iloc[:, j].str.contains("\ufffd", regex=False)
            undecodable |= found.fillna(False).to_numpy(dtype=bool)
    return frame, undecodable


def _header_names(names: list) -> list[str]:
    """Header cells as column names; blank ones become ``unnamed``, ``unnamed.1`` ... A repeated
    name stays repeated, for :func:`check_unique_columns` to name."""
    out, blank = [], 0
    for raw in names:
        name = "" if raw is None or pd.isna(raw) else str(raw).replace("\ufeff", "").strip()
        if not name:
            name = "unnamed" if blank == 0 else f"unnamed.{blank}"
            blank += 1
        out.append(name)
    return out


def _read_excel(data: bytes, name: str) -> pd.DataFrame:
    _check_unpacked_size(data, name)
    try:
        # header=None: pandas would rename a repeated header ("amount.1") out of sight.
        cells = pd.read_excel(
            io.BytesIO(data), sheet_name=0, header=None, dtype=object, engine="openpyxl"
        )
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SourceError(
            f"{name} is not a readable Excel .xlsx file ({exc})",
            code="bad_xlsx",
            name=name,
        ) from None
    if cells.empty:
        return cells
    frame = cells.iloc[1:].reset_index(drop=True)
    frame.columns = _header_names(cells.iloc[0].tolist())
    return frame


def _read_parquet_columns(
    path: Path, mapping: Mapping[str, str], optional: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """The contract's columns of a Parquet file; of the optional descriptive ones only
    ``optional`` when given (the transaction id, which decides duplicates, always)."""
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises several unrelated types for a corrupt file
        raise SourceError(
            f"{path.name} is not a readable Parquet file ({type(exc).__name__})",
            code="bad_parquet",
            name=path.name,
        ) from None
    columns = resolve_columns(names, mapping)
    if optional is not None:
        columns = {
            k: v
            for k, v in columns.items()
            if k in REQUIRED or k == "transaction_id" or k in optional
        }
    # Descriptive columns (channel, product line ...) repeat a few values: read as Arrow
    # dictionaries they arrive as categoricals, decoded once per distinct value.
    labels = [columns[c] for c in LABEL_COLUMNS if c in columns]
    return pd.read_parquet(path, columns=list(columns.values()), read_dictionary=labels)


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several unrelated types for a corrupt file
        raise SourceError(
            f"{name} is not a readable Parquet file ({type(exc).__name__})",
            code="bad_parquet",
            name=name,
        ) from None
