"""A scored table as a dashboard source: the output of ``python -m analytics score`` (either
engine), e.g. a Spark run's Parquet folder or a table written back to a database.

Such a table has one row per customer and no payments. The dashboard takes its summary
columns (and the customer attributes and loyalty membership it carries) as the chain's
per-customer summary, the way the SQL push-down hands one over
(:func:`analytics.pipeline.run` with ``summary=``): the models are fitted again on it, which
gives the fit the scoring run made, and every threshold stays tunable. The as-of date and the
time unit are read back from the rows (``last_purchase + days_since_last`` and ``T``).

Every row is accounted for as a loader accounts for payments: used, a duplicate (a repeated
``customer_id``, ``duplicate_customer``; the first row is used) or rejected with a reason (``missing_customer_id``,
``bad_number``, ``bad_date``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analytics.pipeline import ATTRIBUTE_COLUMNS
from analytics.summary import SUMMARY_COLUMNS, UNIT_DAYS
from data.load import first_failing
from data.parse import clean_ids, parse_dates
from data.report import Dataset, LoadReport, SourceError
from data.schema import personal_columns

__all__ = [
    "MEMBERSHIP_COLUMNS",
    "SCORED_REJECT_REASONS",
    "is_scored_table",
    "load_scored",
    "read_scored_folder",
    "scored_sources",
]

MEMBERSHIP_COLUMNS = ("enrolled_at", "loyalty_tier", "is_member")
SCORED_REJECT_REASONS = ("missing_customer_id", "bad_date", "bad_number")
_DATES = ("first_purchase", "last_purchase")
_COUNTS = ("n_transactions", "frequency", "days_since_last")
_NUMBERS = ("recency", "T", "monetary_value", "total_spend", "refunds", "spend_12m")
#: The columns a scored table's rows are read from (the rest are recomputed).
NEEDED = (*SUMMARY_COLUMNS, *ATTRIBUTE_COLUMNS, *MEMBERSHIP_COLUMNS)


def is_scored_table(columns) -> bool:
    """True when ``columns`` hold a per-customer summary (a scored table), not payments."""
    return set(SUMMARY_COLUMNS) <= {str(c) for c in columns}


def read_scored_folder(path: str | Path) -> pd.DataFrame:
    """The needed columns of a scored Parquet file or folder of part files (a Spark run's)."""
    import pyarrow.dataset as ds

    source = Path(path)
    if not source.exists():
        raise SourceError(f"{source.name} does not exist", code="not_found", name=source.name)
    try:
        dataset = ds.dataset(str(source), format="parquet", exclude_invalid_files=True)
        names = dataset.schema.names
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise SourceError(
            f"{source.name} is not a Parquet file or folder: {str(exc).splitlines()[0][:120]}",
            code="unreadable",
            name=source.name,
        ) from None
    if not is_scored_table(names):
        raise _not_scored(source.name, names)
    personal = set(personal_columns(names))
    keep = [c for c in names if c in NEEDED and c not in personal]
    return dataset.to_table(columns=keep).to_pandas()


def _not_scored(name: str, found) -> SourceError:
    missing = [c for c in SUMMARY_COLUMNS if c not in {str(f) for f in found}]
    return SourceError(
        f"{name} is not a scored table: it lacks {', '.join(missing)}; "
        f"found columns: {', '.join(map(str, found))}",
        code="not_scored",
        name=name,
        missing=missing,
        found=[str(c) for c in found],
    )


def load_scored(raw: pd.DataFrame, name: str) -> Dataset:
    """A scored table -> a :class:`Dataset` whose ``summary`` is the chain's per-customer input
    (attributes and membership included) and whose ``transactions`` are empty."""
    if not is_scored_table(raw.columns):
        raise _not_scored(name, raw.columns)
    if raw.empty:
        raise SourceError(f"{name} has no rows", code="no_rows", name=name, found=list(raw.columns))
    raw = raw.reset_index(drop=True)
    personal = set(personal_columns(raw.columns))
    keep = [c for c in raw.columns if c in NEEDED and c not in personal]
    frame = raw[keep].copy()
    frame["customer_id"] = clean_ids(frame["customer_id"])
    for column in _DATES:
        frame[column] = parse_dates(frame[column])
    for column in (*_COUNTS, *_NUMBERS):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    numbers = frame[[*_COUNTS, *_NUMBERS]].to_numpy(dtype=float)
    counts = frame[list(_COUNTS)].to_numpy(dtype=float)
    bad_number = ~np.isfinite(numbers).all(axis=1) | (counts != np.floor(counts)).any(axis=1)
    checks = (
        frame["customer_id"].isna().to_numpy(),
        frame[list(_DATES)].isna().any(axis=1).to_numpy(),
        bad_number,
    )
    code = first_failing(checks)
    rejected = code > 0
    from analytics._fast import repeats  # numbered ids compared as bytes, not hashed as text

    ids = frame["customer_id"].where(~rejected) if rejected.any() else frame["customer_id"]
    duplicate = repeats(ids)  # a later row of an id (missing ids never repeat)
    used = ~rejected & ~duplicate
    if not used.any():
        raise SourceError(
            f"no row of {name} can be used ({len(frame)} read)", code="no_usable_rows", name=name
        )
    summary = frame[used].reset_index(drop=True)
    for column in _COUNTS:
        summary[column] = summary[column].astype(np.int64)
    for column in ATTRIBUTE_COLUMNS + ("loyalty_tier",):
        if column in summary:
            summary[column] = clean_ids(summary[column])
    if "enrolled_at" in summary:
        summary["enrolled_at"] = parse_dates(summary["enrolled_at"])
    if not summary["customer_id"].is_monotonic_increasing:  # score writes it sorted already
        summary = summary.sort_values("customer_id", kind="stable").reset_index(drop=True)
    summary.attrs.update(as_of=_as_of(summary), unit=_unit(summary))
    # Membership goes back to a members table, so the chain adds it as for any source (and the
    # Loyalty page finds its programme).
    members = None
    if "enrolled_at" in summary:
        enrolled = summary["enrolled_at"].notna()
        if "is_member" in summary:
            enrolled &= summary["is_member"].fillna(False).astype(bool)
        columns = [
            "customer_id",
            "enrolled_at",
            *(["loyalty_tier"] if "loyalty_tier" in summary else []),
        ]
        members = summary.loc[enrolled, columns].rename(columns={"loyalty_tier": "tier"})
        members = members.reset_index(drop=True)
    attrs = dict(summary.attrs)
    summary = summary.drop(columns=[c for c in MEMBERSHIP_COLUMNS if c in summary])
    summary.attrs.update(attrs)
    reason = np.asarray(["", *SCORED_REJECT_REASONS], dtype=object)[code[rejected]]
    rejected_rows = raw.loc[rejected, [c for c in raw.columns if c not in personal]]
    rejected_rows.insert(0, "reason", reason)
    rejected_rows.insert(0, "source_row", np.flatnonzero(rejected) + 1)
    duplicate_rows = raw.loc[duplicate, [c for c in raw.columns if c not in personal]]
    duplicate_rows.insert(0, "reason", "duplicate_customer")
    duplicate_rows.insert(0, "source_row", np.flatnonzero(duplicate) + 1)
    counts_by_reason = pd.Series(reason).value_counts()
    report = LoadReport(
        source=name,
        rows_read=len(frame),
        rows_used=int(used.sum()),
        duplicates=int(duplicate.sum()),
        rejected={
            r: int(counts_by_reason[r]) for r in SCORED_REJECT_REASONS if r in counts_by_reason
        },
        rejected_rows=rejected_rows.reset_index(drop=True),
        duplicate_rows=duplicate_rows.reset_index(drop=True),
        column_mapping={"customer_id": "customer_id"},
    )
    empty = pd.DataFrame(
        {
            "customer_id": pd.Series(dtype="str"),
            "transaction_date": pd.Series(dtype="datetime64[s]"),
            "amount": pd.Series(dtype=float),
        }
    )
    return Dataset(
        name=name, transactions=empty, report=report, summary=summary, loyalty_members=members
    )


def _as_of(summary: pd.DataFrame) -> str:
    """The as-of date the table was scored at: each customer's last purchase plus the days
    since it (the most common, should a row disagree)."""
    last = summary["last_purchase"].to_numpy(dtype="datetime64[D]")
    days = summary["days_since_last"].to_numpy(dtype=np.int64).astype("timedelta64[D]")
    as_of = pd.Series(last + days).mode()
    return str(as_of.iloc[0].date())


def _unit(summary: pd.DataFrame) -> str:
    """The time unit of ``recency`` and ``T``: days since the first purchase over ``T``."""
    as_of = np.datetime64(_as_of(summary), "D")
    first = summary["first_purchase"].to_numpy(dtype="datetime64[D]")
    elapsed = (as_of - first).astype(np.int64).astype(float)
    T = summary["T"].to_numpy(dtype=float)
    known = T > 0
    if not known.any():
        return "D"
    length = float(np.median(elapsed[known] / T[known]))
    return min(UNIT_DAYS, key=lambda unit: abs(UNIT_DAYS[unit] - length))


def scored_sources(root: str | Path | None) -> dict[str, Path]:
    """The scored tables under the deployment's folder (``VALUESCOPE_SCORED_DIR``): each Parquet
    file or folder directly in it, by name. Only these can be opened from the dashboard: a
    typed path could reach any file of the server."""
    if not root:
        return {}
    folder = Path(root)
    if not folder.is_dir():
        return {}
    found = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".parquet":
            found.setdefault(entry.stem, entry)  # named without the suffix
        elif entry.is_dir() and any(entry.glob("*.parquet")):
            found.setdefault(entry.name, entry)
    return found
