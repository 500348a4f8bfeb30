"""Property-based tests of the loader: whatever bytes arrive, ``load_file`` either refuses them
with one documented :class:`SourceError` or accounts for every row
(``rows_read == rows_used + duplicates + sum(rejected)``); nothing else escapes.

Deterministic (``derandomize=True``, no example database) and bounded: about 150 examples a
test, a few seconds each on a two-core machine. Hypothesis' caches go to the temporary folder
tests/conftest.py names, not into the repository.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.columns import ALIASES
from data.export import _formula_like, export_frame
from data.load import SourceError, load_file
from data.parse import DATE_RANGE, MAX_ABS_AMOUNT, clean_ids, parse_amounts, parse_dates
from data.schema import PII_ALIASES, personal_columns

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: The codes a CSV (or bytes claiming to be one) may be refused with, each worded in ui/i18n.py.
CSV_ERRORS = {
    "empty_file",
    "no_header",
    "bad_csv",
    "bad_encoding",
    "not_a_table_file",
    "missing_columns",
    "no_rows",
    "duplicate_columns",
}


# ------------------------------------------------------------------------------- strategies

dates = st.one_of(
    st.dates(dt.date(1890, 1, 1), dt.date(2110, 12, 31)).flatmap(
        lambda d: st.sampled_from(
            [
                d.isoformat(),
                f"{d.year}/{d.month}/{d.day}",
                f"{d.year}年{d.month}月{d.day}日",
                d.strftime("%Y%m%d"),
                f"{d.isoformat()}T10:00:00+08:00",
                str((d - dt.date(1899, 12, 30)).days),  # an Excel serial, as text
            ]
        )
    ),
    st.sampled_from(["12", "2024", "45000", "2024-02-30", "yesterday", "0", "-1"]),
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**25), 10**25).map(str),
    st.decimals(-(10**6), 10**6, places=2, allow_nan=False).map(str),
    st.sampled_from(["¥1,234.50", "(12.00)", "1,23", "88元", "$5", "1e400", "-1e400", "NaN"]),
)
hostile = st.sampled_from(
    ['=HYPERLINK("http://x")', "@SUM(1)", "+1", "-2", "\t=1", "\r=1", '"', '""', ",", "\n"]
)
blanks = st.sampled_from(["", " ", "NULL", "n/a", "-", "nan", "None"])
cells = st.one_of(dates, numbers, hostile, blanks, st.text(max_size=12))

_CONTRACT = ("customer_id", "transaction_date", "amount", "transaction_id", "channel")
_PERSONAL = [alias for names in PII_ALIASES.values() for alias in names]


@st.composite
def headers(draw) -> list[str]:
    """Some contract columns under one of their aliases, maybe a personal column, maybe noise."""
    chosen = [
        draw(st.sampled_from(ALIASES[column]))
        for column in _CONTRACT
        if draw(st.integers(0, 9)) < 8  # mostly present, sometimes missing
    ]
    if draw(st.booleans()):
        chosen.append(draw(st.sampled_from(_PERSONAL)))
    report_own = st.sampled_from(["reason", "source_row", "kept_row"])  # the report's names
    chosen += draw(st.lists(st.one_of(st.text(max_size=8), report_own), max_size=2))
    return draw(st.permutations(chosen))


@st.composite
def csv_files(draw) -> bytes:
    """A CSV in UTF-8, UTF-8 with BOM or GBK (now and then with rows in the other one), well
    formed or pasted together by hand."""
    header = draw(headers())
    width = max(len(header), 1)
    rows = draw(st.lists(st.lists(cells, min_size=width, max_size=width), max_size=12))
    if rows and draw(st.booleans()):  # repeated rows: duplicates and repeated ids
        rows += draw(st.lists(st.sampled_from(rows), max_size=4))
    if draw(st.integers(0, 4)) == 0:  # by hand: ragged rows, stray quotes, another delimiter
        delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
        lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
        writer.writerows([header, *rows])
        lines = out.getvalue().splitlines(keepends=True)
        lines = [line.rstrip("\r\n") for line in lines]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
    other = "gbk" if encoding != "gbk" else "utf-8"
    mixed = draw(st.integers(0, 5)) == 0
    encoded = []
    for i, line in enumerate(lines):
        chosen = other if mixed and i and draw(st.booleans()) else encoding
        text = line + "\n"
        if chosen == "utf-8-sig" and i:
            chosen = "utf-8"  # the BOM only opens the file
        encoded.append(text.encode(chosen, errors="replace"))
    return b"".join(encoded)


# ------------------------------------------------------------------------------- properties


def accounted(data: bytes) -> None:
    """The property: a documented refusal, or every row in exactly one place."""
    try:
        result = load_file(data, name="fuzz.csv")
    except SourceError as exc:
        assert exc.code in CSV_ERRORS, (exc.code, str(exc))
        assert len(str(exc).splitlines()) == 1
        return
    report, tx = result.report, result.transactions
    assert report.rows_read == report.rows_used + report.duplicates + sum(report.rejected.values())
    assert len(tx) == report.rows_used
    assert len(report.rejected_rows) == sum(report.rejected.values())
    assert len(report.duplicate_rows) == report.duplicates
    assert 0 <= report.conflicting_duplicates <= report.duplicates
    assert tx["customer_id"].notna().all()
    assert not tx["customer_id"].str.contains("\ufffd", regex=False).any()  # no mojibake used
    amounts = tx["amount"].to_numpy(dtype=float)
    assert np.isfinite(amounts).all() and (np.abs(amounts) <= MAX_ABS_AMOUNT).all()
    first, last = (pd.Timestamp(d) for d in DATE_RANGE)
    assert tx["transaction_date"].between(first, last).all()
    if "transaction_id" in tx:
        ids = tx["transaction_id"].dropna()
        assert ids.is_unique
    for frame in (report.rejected_rows, report.duplicate_rows):
        assert personal_columns(frame.columns) == []


@FUZZ
@given(csv_files())
def test_any_csv_is_loaded_or_refused_with_a_documented_error(data):
    accounted(data)


@FUZZ
@given(
    st.sampled_from(
        [b"", b"customer_id,date,amount\n", b"\xef\xbb\xbf\xbf\xcd\xbb\xa7,date,amount\n"]
    ),
    st.binary(max_size=300),
)
def test_any_bytes_are_loaded_or_refused_with_a_documented_error(prefix, data):
    accounted(prefix + data)


mixed_cells = st.one_of(
    cells,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**12), 10**12),
    st.datetimes(dt.datetime(1800, 1, 1), dt.datetime(2200, 1, 1)),
    st.none(),
)


@FUZZ
@given(st.lists(mixed_cells, max_size=20))
def test_cell_parsers_never_raise_and_keep_their_promises(values):
    column = pd.Series(values, dtype=object)
    amounts = parse_amounts(column)
    dates_ = parse_dates(column)
    ids = clean_ids(column)
    assert len(amounts) == len(dates_) == len(ids) == len(values)
    found = amounts.dropna().to_numpy(dtype=float)
    assert np.isfinite(found).all() and (np.abs(found) <= MAX_ABS_AMOUNT).all()
    first, last = (pd.Timestamp(d) for d in DATE_RANGE)
    assert dates_.dropna().between(first, last).all()
    assert (dates_.dropna() == dates_.dropna().dt.normalize()).all()
    assert not ids.dropna().str.strip().str.lower().isin(["", "null", "nan", "none"]).any()


@FUZZ
@given(st.lists(st.one_of(cells, hostile), min_size=1, max_size=10))
def test_no_exported_text_starts_like_a_formula(texts):
    frame = pd.DataFrame({"customer_id": texts, "clv": np.arange(len(texts), dtype=float)})
    out = export_frame(frame)
    risky = ("=", "+", "-", "@", "\t", "\r")
    assert not [v for v in out["customer_id"] if isinstance(v, str) and v.startswith(risky)]
    assert out["clv"].tolist() == list(range(len(texts)))


@FUZZ
@given(st.lists(st.one_of(st.none(), st.text(), hostile.filter(lambda v: isinstance(v, str)))))
def test_arrow_text_finds_formulas_as_startswith_does(texts):
    column = pd.Series(texts, dtype="str")  # Arrow-backed text: the fast path
    risky = ("=", "+", "-", "@", "\t", "\r")
    expected = [isinstance(v, str) and v.startswith(risky) for v in texts]
    assert _formula_like(column).tolist() == expected
    out = export_frame(pd.DataFrame({"segment": column}))
    assert not [v for v in out["segment"] if isinstance(v, str) and v.startswith(risky)]
