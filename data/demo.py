"""The bundled demo sources: the generated insurer database and CDNOW (shipped with lifetimes).

The insurer demo is generated on first use into ``data/demo/`` (git-ignored) and reused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from data.load import Dataset, SourceError, load_database, load_file, load_frame

__all__ = [
    "DEMO_DIR",
    "cdnow_path",
    "demo_contacts",
    "demo_database_url",
    "demo_dir",
    "demo_path",
    "ensure_demo",
    "load_cdnow",
    "load_demo",
]

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_CUSTOMERS = 20_000


def demo_dir() -> Path:
    """``VALUESCOPE_DATA_DIR`` when set (tests, benchmarks), else ``data/demo/``."""
    return Path(os.environ.get("VALUESCOPE_DATA_DIR") or DEMO_DIR)


def demo_path() -> Path:
    """Where the insurer demo lives; the name carries the generator's version, so a changed
    generator makes a new file instead of silently reusing stale data."""
    from data.sample import GENERATOR_VERSION

    return demo_dir() / f"insurer_v{GENERATOR_VERSION}.sqlite"


def demo_database_url(path: Path | None = None) -> str:
    return f"sqlite:///{path or demo_path()}"


def ensure_demo(
    path: Path | None = None,
    customers: int = DEMO_CUSTOMERS,
    progress: Callable[[float, str], None] | None = None,
) -> Path:
    """Generate the insurer demo database unless it already exists; return its path.

    Written to a temporary file and renamed, so an interrupted run never leaves half a database.
    """
    from data.sample import DemoConfig, generate, write

    path = Path(path or demo_path())
    if path.exists():
        return path
    report = progress or (lambda fraction, text: None)
    path.parent.mkdir(parents=True, exist_ok=True)
    report(0.05, "generating customers and transactions")
    tables = generate(DemoConfig(customers=customers))
    report(0.5, "writing the demo database")
    fd, temporary = tempfile.mkstemp(suffix=".sqlite", dir=path.parent)
    os.close(fd)
    try:
        write(tables, demo_database_url(Path(temporary)))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    report(1.0, "demo database ready")
    return path


def load_demo(path: Path | None = None) -> Dataset:
    """The insurer demo through the database loader: transactions, customers, loyalty members
    and call-centre interactions (the Service page).

    ``VALUESCOPE_DEMO_PARQUET`` may name a folder written by ``python -m data.sample`` instead
    (used to try the dashboard at a million customers, where Parquet loads far faster).
    """
    folder = os.environ.get("VALUESCOPE_DEMO_PARQUET")
    if folder and path is None:
        return _load_parquet_folder(Path(folder))
    path = ensure_demo(path)
    snapshot = path.with_suffix(".loaded")
    if _fresh(snapshot, path):
        with contextlib.suppress(OSError, ValueError, KeyError):
            return _read_snapshot(snapshot)
    data = load_database(
        demo_database_url(path),
        "transactions",
        customers_table="customers",
        loyalty_table="loyalty_members",
        interactions_table="interactions",
        policies_table="policies",
        currency="CNY",
        name="insurer demo",
    )
    with contextlib.suppress(OSError):
        _write_snapshot(data, snapshot)
    return data


# The demo's validated tables are also kept as Parquet next to the database ("*.loaded/"), so a
# restarted dashboard reads them in a tenth of the time the SQL read and validation take. The
# snapshot is only used while it is newer than the database it was made from.
_SNAPSHOT_TABLES = ("transactions", "customers", "loyalty_members", "interactions", "policies")


def _fresh(snapshot: Path, database: Path) -> bool:
    marker = snapshot / "report.json"
    return marker.exists() and marker.stat().st_mtime >= database.stat().st_mtime


def _write_snapshot(data: Dataset, snapshot: Path) -> None:
    snapshot.mkdir(exist_ok=True)
    for name in _SNAPSHOT_TABLES:
        if getattr(data, name) is not None:
            getattr(data, name).to_parquet(snapshot / f"{name}.parquet", index=False)
    report = {
        **data.report.to_dict(),
        "source": data.report.source,
        "column_mapping": data.report.column_mapping,
    }
    if data.policies_report is not None:
        report["policies_report"] = {
            **data.policies_report.to_dict(),
            "source": data.policies_report.source,
            "column_mapping": data.policies_report.column_mapping,
        }
    (snapshot / "report.json").write_text(json.dumps(report), encoding="utf-8")


def _read_snapshot(snapshot: Path) -> Dataset:
    from data.load import LoadReport

    saved = json.loads((snapshot / "report.json").read_text(encoding="utf-8"))
    tables = {}
    for name in _SNAPSHOT_TABLES:
        if not (snapshot / f"{name}.parquet").exists():
            continue
        frame = pd.read_parquet(snapshot / f"{name}.parquet")
        for column in frame.columns:  # Parquet stores seconds-resolution dates as milliseconds
            if pd.api.types.is_datetime64_any_dtype(frame[column].dtype):
                frame[column] = frame[column].astype("datetime64[s]")
        tables[name] = frame

    def restored(counts: dict) -> LoadReport:
        # the demo is generated clean, so no reject or duplicate rows are lost here
        return LoadReport(
            source=counts["source"],
            rows_read=counts["rows_read"],
            rows_used=counts["rows_used"],
            duplicates=counts["duplicates"],
            rejected=counts["rejected"],
            rejected_rows=pd.DataFrame(),
            duplicate_rows=pd.DataFrame(),
            column_mapping=counts["column_mapping"],
        )

    policies_report = saved.get("policies_report")
    return Dataset(
        name="insurer demo",
        report=restored(saved),
        currency="CNY",
        policies_report=restored(policies_report) if policies_report else None,
        **tables,
    )


def cdnow_path(which: str = "master") -> Path:
    """Path of lifetimes' bundled CDNOW file, found without importing lifetimes."""
    files = {"master": "CDNOW_master.txt", "sample": "CDNOW_sample.txt"}
    if which not in files:
        raise ValueError(f"CDNOW variant must be one of {', '.join(files)}")
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or spec.origin is None:
        raise SourceError(
            "the lifetimes package (which ships the CDNOW data) is not installed",
            code="no_lifetimes",
        )
    return Path(spec.origin).parent / "datasets" / files[which]


def load_cdnow(which: str = "master") -> Dataset:
    """CDNOW (Fader & Hardie): 23,570 customers (``master``) or its 1/10 ``sample`` of 2,357.

    The files are whitespace-separated: ``[master id,] customer id, date YYYYMMDD, CDs, dollars``;
    they go through the same validation as any other source. In the sample, the customer id is
    the sample's own numbering (0001-2357), as in lifetimes' ``cdnow_customers_summary.csv``.
    """
    path = cdnow_path(which)
    raw = pd.read_csv(path, sep=r"\s+", header=None, dtype=str)
    if not raw.iloc[0, -1].replace(".", "", 1).isdigit():  # the master file has a header line
        raw = raw.iloc[1:]
    columns = ["customer_id", "date", "cds", "dollar_value"]
    raw.columns = (["master_id"] if raw.shape[1] == 5 else []) + columns
    mapping = {"customer_id": "customer_id", "transaction_date": "date", "amount": "dollar_value"}
    transactions, report = load_frame(raw, mapping, source=path.name)
    return Dataset(name=f"CDNOW {which}", transactions=transactions, report=report, currency="USD")


def _load_parquet_folder(
    folder: Path, skip: tuple[str, ...] = (), optional: tuple[str, ...] | None = None
) -> Dataset:
    from data.load import read_file

    extra = {
        key: read_file(folder / f"{key}.parquet")
        for key in ("customers", "loyalty_members", "interactions", "policies")
        if key not in skip and (folder / f"{key}.parquet").exists()
    }
    data = load_file(folder / "transactions.parquet", optional=optional, **extra)
    return dataclasses.replace(data, name="insurer demo (Parquet)", currency="CNY")


#: The demo tables a Parquet folder reads on their own when a page first asks for them: the
#: policies and call-centre contacts (the Overview needs neither), and the customers, which a
#: cold start reads once the payments' summary is made, while the model fit runs.
LATER_TABLES = ("customers", "interactions", "policies")
#: The payment columns it does without (the persistency figures, the lookup and the Data page
#: read the policy id): read when one of those first asks.
LATER_COLUMNS = ("policy_id",)


def demo_parts() -> tuple[Callable[[], Dataset], dict, int | None, dict]:
    """The demo as :class:`data.report.LazyDataset` takes it: the load of the tables every page
    needs, the tables read later (:class:`data.report.Later`), the payments' row count when
    known unread and the payment columns read later. For a Parquet folder
    (``VALUESCOPE_DEMO_PARQUET``) the policies, the call-centre contacts and the payments'
    policy ids are read when first asked for, and the footers give the row counts; the demo
    database is read whole (:func:`load_demo`: its snapshot takes a moment)."""
    folder = os.environ.get("VALUESCOPE_DEMO_PARQUET")
    if not folder:
        return load_demo, {}, None, {}
    import pyarrow.parquet as pq

    from data.columns import OPTIONAL, resolve_columns
    from data.load import load_column, load_table, read_file
    from data.report import Later

    folder = Path(folder)
    payments_path = folder / "transactions.parquet"

    def reader(key: str, path: Path) -> Callable[[], dict]:
        return lambda: load_table(key, read_file(path))

    def column_reader(name: str) -> Callable:
        return lambda data: load_column(payments_path, name, data.report)

    try:
        payments = pq.read_metadata(payments_path).num_rows
        later = {
            key: Later(pq.read_metadata(path).num_rows, reader(key, path))
            for key in LATER_TABLES
            if (path := folder / f"{key}.parquet").exists()
        }
        found = resolve_columns(pq.read_schema(payments_path).names, {})
    except Exception:  # noqa: BLE001 - unreadable footers: read it whole, to say why in the open
        return load_demo, {}, None, {}
    columns = {name: column_reader(name) for name in LATER_COLUMNS if name in found}
    optional = tuple(c for c in OPTIONAL if c not in columns)
    return (
        lambda: _load_parquet_folder(folder, skip=tuple(later), optional=optional),
        later,
        payments,
        columns,
    )


def demo_contacts(customer_id: str) -> pd.DataFrame:
    """One customer's call-centre contacts from the demo (read on demand, by bound parameter)."""
    folder = os.environ.get("VALUESCOPE_DEMO_PARQUET")
    if folder:
        path = Path(folder) / "interactions.parquet"
        if not path.exists():
            return pd.DataFrame()
        return pd.read_parquet(path, filters=[("customer_id", "==", customer_id)]).sort_values(
            "contact_at"
        )
    from data.database import read_rows

    frame = read_rows(
        demo_database_url(ensure_demo()), "interactions", "customer_id", customer_id, "contact_at"
    )
    if "contact_at" in frame:
        frame["contact_at"] = pd.to_datetime(frame["contact_at"])
    return frame
