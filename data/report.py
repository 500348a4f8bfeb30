"""What loading produced: the clean tables of one source (:class:`Dataset`), what happened to
every input row (:class:`LoadReport`), and the one error a source that cannot be used raises
(:class:`SourceError`)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from analytics._validate import CodedError

__all__ = [
    "DUPLICATE_REASONS", "REJECT_REASONS", "Dataset", "Facts", "LazyDataset", "Later", "LoadReport",
    "SourceError",
]  # fmt: skip

#: Why a row was rejected, in the order they are checked (a row gets the first that applies).
REJECT_REASONS = ("bad_encoding", "missing_customer_id", "bad_date", "bad_amount")
#: The kinds of duplicate: the same payment again, or the same transaction id with another
#: customer, date or amount than the copy used (which of the two is right, the source must say).
DUPLICATE_REASONS = ("duplicate", "conflicting_duplicate")


class SourceError(CodedError):
    """A source that cannot be used at all: the message says why in one English line, and
    ``code`` with ``params`` let the interface say it in the user's language.

    The message quotes the source's own text (file names, headers), which may hold line breaks;
    they are written as escapes (``\\n``), so the message stays one line (``params`` keep the
    text as it was)."""

    def __init__(self, message: str, code: str = "error", **params) -> None:
        super().__init__(_LINE_BREAKS.sub(_escape, message), code, **params)


# Every character str.splitlines() breaks at.
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _escape(found: re.Match) -> str:
    return found.group().encode("unicode_escape").decode("ascii")


@dataclass(frozen=True, eq=False)
class LoadReport:
    """What happened to every input row.

    ``rejected_rows``: ``source_row``, ``reason`` and the row's cells; ``duplicate_rows``:
    ``source_row``, ``reason`` (:data:`DUPLICATE_REASONS`), ``kept_row`` (the copy used) and the
    cells. Neither holds personal columns. ``conflicting_duplicates`` counts the duplicates
    that differ from the copy used (they are part of ``duplicates``).
    """

    source: str
    rows_read: int
    rows_used: int
    duplicates: int
    rejected: dict[str, int]
    rejected_rows: pd.DataFrame = field(repr=False)
    duplicate_rows: pd.DataFrame = field(repr=False)
    column_mapping: dict[str, str] = field(default_factory=dict)
    currency: str | None = None  # "CNY" / "USD" when the amount cells carry a sign or code
    conflicting_duplicates: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The counts as plain JSON-ready values."""
        return {
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "duplicates": self.duplicates,
            "conflicting_duplicates": self.conflicting_duplicates,
            "rejected": dict(self.rejected),
        }


@dataclass(frozen=True, eq=False)
class Dataset:
    """Clean tables from one source plus the load report of its transactions."""

    name: str
    transactions: pd.DataFrame = field(repr=False)
    report: LoadReport = field(repr=False)
    customers: pd.DataFrame | None = field(default=None, repr=False)
    loyalty_members: pd.DataFrame | None = field(default=None, repr=False)
    interactions: pd.DataFrame | None = field(default=None, repr=False)
    currency: str | None = None
    policies: pd.DataFrame | None = field(default=None, repr=False)
    #: The policies table's own row accounting (used, duplicates, rejects with reasons).
    policies_report: LoadReport | None = field(default=None, repr=False)
    #: A scored table's per-customer summary (:mod:`data.scored`): the chain starts from it, and
    #: ``transactions`` is empty (such a source has no payments).
    summary: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def has_payments(self) -> bool:
        """False for a scored table: pages that need payments say so instead."""
        return self.summary is None

    def rows(self, table: str) -> int | None:
        """Rows of ``table`` ("policies", "interactions", ...), None when the source has none."""
        frame = getattr(self, table)
        return None if frame is None else len(frame)

    def facts(self) -> Facts:
        """What the sidebar and a page's first question need of this source (:class:`Facts`)."""
        dates = self.transactions["transaction_date"]
        return Facts(
            name=self.name,
            currency=self.currency,
            first_date=dates.min().date(),
            last_date=dates.max().date(),
            product_lines=_product_lines(self.transactions),
            columns=tuple(self.transactions.columns),
            tables={
                name: self.rows(name)
                for name in ("customers", "loyalty_members", "interactions", "policies")
            },
        )

    def payments(self, *columns: str) -> pd.DataFrame:
        """The transactions, with ``columns`` among them where the source has them (its own
        transactions here; a :class:`LazyDataset` reads such a column on first use)."""
        return self.transactions

    def loaded(self) -> Dataset:
        """This dataset with every table in memory (itself; a :class:`LazyDataset` reads them)."""
        return self


def _product_lines(transactions: pd.DataFrame) -> tuple[str, ...]:
    if "product_line" not in transactions:
        return ()
    lines = transactions["product_line"]
    if isinstance(lines.dtype, pd.CategoricalDtype):  # the loader's: a few codes, not 10M texts
        import numpy as np

        used = np.unique(lines.cat.codes.to_numpy())
        return tuple(sorted(str(v) for v in lines.cat.categories[used[used >= 0]]))
    return tuple(sorted(lines.dropna().astype(str).unique().tolist()))


@dataclass(frozen=True)
class Facts:
    """A source's small facts: its name and currency, the first and last payment dates, the
    product lines, the payments' columns and the row counts of its other tables (None: no such
    table). Kept beside the persisted results, they let a restarted dashboard draw a page from
    those results without reading a single payment."""

    name: str
    currency: str | None
    first_date: Any
    last_date: Any
    product_lines: tuple[str, ...]
    columns: tuple[str, ...]
    tables: dict[str, int | None]


@dataclass(frozen=True)
class Later:
    """A table a :class:`LazyDataset` reads only when it is first asked for: ``rows`` as the
    source holds them (a Parquet file's footer says so without reading it; the facts report
    this count until the table is read), ``read`` returning its :class:`Dataset` fields
    (``{"policies": ..., "policies_report": ...}``)."""

    rows: int
    read: Callable[[], dict[str, Any]]


class LazyDataset(Dataset):
    """A durable source whose tables are read on first use (``load`` returns the
    :class:`Dataset`, once, under a lock); with its :class:`Facts` known (``facts``), nothing
    is read until a table is asked for. ``on_facts`` is told the facts once the tables have been
    read (to keep them for the next start).

    ``later`` names tables ``load`` leaves out (:class:`Later`): each is read on its own when a
    page first asks for it, so a cold start's first page does not wait for them (the Overview
    needs neither policies nor call-centre contacts, and reads the customers once the payments'
    summary is made). ``expected_payments`` is the payments'
    row count when the source can tell it without reading them (None when it cannot).

    ``later_columns`` names payment columns ``load`` leaves out, each read on its own by
    :meth:`payments` (``read(dataset)`` gives the column for the rows the load used and the
    load report with its cells): the policy id, which only the persistency figures, the
    customer lookup and the Data page read, is 10.7M texts at a million customers.
    :attr:`transactions` stays the payments as first loaded."""

    def __init__(
        self,
        load: Callable[[], Dataset],
        facts: Facts | None = None,
        on_facts: Callable[[Facts], None] | None = None,
        later: dict[str, Later] | None = None,
        expected_payments: int | None = None,
        later_columns: dict[str, Callable[[Dataset], tuple[pd.Series, LoadReport]]] | None = None,
    ) -> None:
        object.__setattr__(self, "_load", load)
        object.__setattr__(self, "_later_columns", dict(later_columns or {}))
        object.__setattr__(self, "_columns_read", {})
        object.__setattr__(self, "_columns_lock", threading.Lock())
        object.__setattr__(self, "_with_columns", None)
        object.__setattr__(self, "_report_with_columns", None)
        object.__setattr__(self, "_facts", facts)
        object.__setattr__(self, "_on_facts", on_facts)
        object.__setattr__(self, "_base", None)
        object.__setattr__(self, "_lock", threading.Lock())
        object.__setattr__(self, "_later", dict(later or {}))
        object.__setattr__(self, "_read_later", {})
        object.__setattr__(self, "_later_locks", {name: threading.Lock() for name in self._later})
        object.__setattr__(self, "_full", None)
        object.__setattr__(self, "expected_payments", expected_payments)

    def _loaded_base(self) -> Dataset:
        with self._lock:
            if self._base is None:
                base = self._load()
                object.__setattr__(self, "_base", base)
                if self._facts is None:
                    found = base.facts()
                    tables = {**found.tables, **{k: v.rows for k, v in self._later.items()}}
                    columns = (*found.columns, *self._later_columns)
                    object.__setattr__(
                        self, "_facts", replace(found, tables=tables, columns=columns)
                    )
                    if self._on_facts is not None:
                        self._on_facts(self._facts)
            return self._base

    def _table(self, name: str, field_name: str):
        if name not in self._later:
            return getattr(self._loaded_base(), field_name)
        with self._later_locks[name]:
            if name not in self._read_later:
                self._read_later[name] = self._later[name].read()
        return self._read_later[name].get(field_name)

    def payments(self, *columns: str) -> pd.DataFrame:
        base = self._loaded_base()
        wanted = [c for c in columns if c in self._later_columns]
        if not wanted:
            return base.transactions
        with self._columns_lock:
            for name in wanted:
                if name not in self._columns_read:
                    values, report = self._later_columns[name](replace(base, report=self.report))
                    self._columns_read[name] = values
                    object.__setattr__(self, "_report_with_columns", report)
                    object.__setattr__(  # a shallow frame: the payments' columns are shared
                        self, "_with_columns", base.transactions.assign(**self._columns_read)
                    )
            return self._with_columns

    @property
    def report(self) -> LoadReport:
        """The payments' load report; once a later column is read, with its cells too."""
        base = self._loaded_base()
        return base.report if self._report_with_columns is None else self._report_with_columns

    def loaded(self) -> Dataset:
        """Every table in memory, the later ones and the later columns included, as one
        :class:`Dataset`."""
        base = self._loaded_base()
        if not self._later and not self._later_columns:
            return base
        for name in self._later:
            self._table(name, name)
        transactions, report = self.payments(*self._later_columns), self.report
        with self._lock:
            if self._full is None:
                fields = {k: v for read in self._read_later.values() for k, v in read.items()}
                full = replace(base, transactions=transactions, report=report, **fields)
                object.__setattr__(self, "_full", full)
            return self._full

    @property
    def is_loaded(self) -> bool:
        """True once the payments and members have been read (and the customers, unless they
        are a later table)."""
        return self._base is not None

    @property
    def facts_known(self) -> bool:
        """True when the facts came from an earlier start (or the tables have been read)."""
        return self._facts is not None

    def facts(self) -> Facts:
        if self._facts is None:
            self._loaded_base()
        return self._facts

    def rows(self, table: str) -> int | None:
        return self.facts().tables.get(table)

    name = property(lambda self: self.facts().name)
    currency = property(lambda self: self.facts().currency)
    transactions = property(lambda self: self._loaded_base().transactions)
    customers = property(lambda self: self._table("customers", "customers"))
    loyalty_members = property(lambda self: self._loaded_base().loyalty_members)
    interactions = property(lambda self: self._table("interactions", "interactions"))
    policies = property(lambda self: self._table("policies", "policies"))
    policies_report = property(lambda self: self._table("policies", "policies_report"))
