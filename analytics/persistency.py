"""Persistency (继续率) of regular-premium policies, exactly as DESIGN.md ("Insurance measures").

For a policy paying ``m`` installments a year (monthly 12, quarterly 4, semiannual 2, annual 1),
installment ``j`` falls due ``j * 12 / m`` calendar months after the issue date. K-month
persistency (K = 13, 25, 37, 49, 61) checks installment ``j_K = (K - 1) * m / 12``, due
``K - 1`` calendar months after issue:

* the policy **persists** when its distinct positive payments (by transaction id when there is
  one, else by row) dated on or before ``due(j_K) + 60 days`` (the grace period) number at least
  ``j_K + 1``;
* the **cohort** at an as-of date holds the policies with ``due(j_K)`` in ``(E - 12 calendar
  months, E]``, ``E = as_of - 60 days``; a policy ``claimed`` or ``matured`` with a status date
  before ``due(j_K)`` leaves both the numerator and the denominator;
* by **count**: persisting / cohort; by **premium**: the annualised premium
  (``installment_premium * m``) of the persisting policies / of the cohort.

Single-premium policies have no persistency. The work is vectorised: payments are sorted once
per policy, and the date of a policy's ``(j_K + 1)``-th distinct payment is read by position, so a
million policies take seconds. Pure: DataFrames in, DataFrames out, codes not sentences.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analytics._fast import take_labels
from analytics._validate import CodedError, as_datetimes, require_columns

__all__ = [
    "BY_COLUMNS",
    "GRACE_DAYS",
    "MONTHS",
    "PAYMENTS_PER_YEAR",
    "add_months",
    "persistency",
    "policy_status",
    "policy_year_survivors",
    "needed_payments",
    "ratios_from_status",
    "status_from_ranks",
    "survivors_from_status",
    "triangle",
    "triangle_from_status",
    "trend",
    "trend_from_status",
    "with_policy_columns",
]

PAYMENTS_PER_YEAR = {"monthly": 12, "quarterly": 4, "semiannual": 2, "annual": 1}
GRACE_DAYS = 60
MONTHS = (13, 25, 37, 49, 61)
#: Groupings a persistency table can be cut by (``None``: the whole book).
BY_COLUMNS = ("channel", "product_line", "agent_id", "customer_type", "issue_month")
POLICY_COLUMNS = ("policy_id", "issue_date", "payment_mode", "installment_premium")
PAYMENT_COLUMNS = ("policy_id", "transaction_date", "amount")
_EXCLUDING_STATUSES = ("claimed", "matured")


def add_months(dates, months: int) -> pd.DatetimeIndex:
    """Calendar months later, the day clipped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    dates = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    total = dates.year.to_numpy() * 12 + (dates.month.to_numpy() - 1) + int(months)
    year, month = total // 12, total % 12 + 1
    first = pd.to_datetime({"year": year, "month": month, "day": np.ones(len(dates), int)})
    last_day = (first + pd.offsets.MonthEnd(0)).dt.day.to_numpy()
    day = np.minimum(dates.day.to_numpy(), last_day)
    return pd.DatetimeIndex(first + pd.to_timedelta(day - 1, unit="D"))


def _regular(policies: pd.DataFrame) -> pd.DataFrame:
    """The regular-premium policies (the first row of each id), with ``policy_row`` (the row's
    position in ``policies``), the issue day, payments a year and the annualised premium."""
    require_columns(policies, POLICY_COLUMNS, "policies")
    policies = policies.assign(policy_row=np.arange(len(policies), dtype=np.int64))
    regular = policies[policies["payment_mode"].isin(list(PAYMENTS_PER_YEAR))]
    regular = _first_per_policy(regular)
    out = regular.assign(
        issue_date=pd.to_datetime(regular["issue_date"]).dt.normalize(),
        per_year=per_year(regular["payment_mode"]),
    )
    return out.assign(annual_premium=out["installment_premium"].astype(float) * out["per_year"])


def per_year(modes: pd.Series) -> pd.Series:
    """Payments a year of each regular payment mode (every mode must be one of
    :data:`PAYMENTS_PER_YEAR`), looked up once per distinct mode."""
    codes, distinct = pd.factorize(modes)
    table = np.array([PAYMENTS_PER_YEAR[m] for m in distinct], dtype=int)
    if (codes < 0).any():
        raise ValueError("a payment mode is missing")
    return pd.Series(table[codes], index=modes.index, dtype=int)


def _first_per_policy(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame.drop_duplicates("policy_id")``; numbered ids are compared as integer keys."""
    ids = frame["policy_id"]
    if ids.dtype != "str":
        return frame.drop_duplicates("policy_id")
    from analytics._fast import repeats

    missing = ids.isna().to_numpy()
    again = repeats(ids) | (missing & (np.cumsum(missing) > 1))
    return frame[~again] if again.any() else frame


#: What every status row holds of its policy, whichever policy columns it carries besides:
#: ``policy_row`` is the policy's id there (the policy ids, repeated per K, were 112 MB of text
#: at a million policies); :func:`with_policy_columns` adds ``policy_id`` where a page needs it.
OWN_COLUMNS = ("policy_row", "issue_date", "annual_premium")


def _carried(regular: pd.DataFrame, columns: Sequence[str] | None) -> pd.DataFrame:
    """The columns of ``regular`` a status frame repeats once per K: every one (``None``), or
    :data:`OWN_COLUMNS` and ``columns``."""
    if columns is None:
        return regular
    own = list(OWN_COLUMNS)
    return regular[[*own, *[c for c in dict.fromkeys(columns) if c in regular and c not in own]]]


def with_policy_columns(
    status: pd.DataFrame, policies: pd.DataFrame, columns: Sequence[str]
) -> pd.DataFrame:
    """``status`` (a :func:`policy_status` frame of ``policies``) with the policy ``columns`` it
    does not carry yet, taken from ``policies`` by each row's ``policy_row`` (text with few
    labels as categoricals in sorted categories); columns the policies lack are left out (as
    :func:`policy_status` leaves them)."""
    missing = [c for c in dict.fromkeys(columns) if c not in status and c in policies]
    if not missing:
        return status
    rows = status["policy_row"].to_numpy()
    # text with few labels (a channel, a segment) as codes: a column repeated per K was 86 MB of
    # text at a million policies (:func:`analytics._fast.take_labels`)
    return status.assign(**{c: take_labels(policies[c], rows) for c in missing})


def _codes(values: pd.Series, ids: pd.Index) -> np.ndarray:
    """Each value's position in ``ids`` (-1 when absent); Arrow's hash lookup when it can (about
    four times pandas' on ten million string ids)."""
    if values.dtype == "str" and ids.dtype == "str":  # numbered ids: no text hashing
        from analytics._fast import positions

        return positions(values, pd.Series(ids))
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return ids.get_indexer(values)
    try:
        found = pc.index_in(pa.array(values, from_pandas=True), value_set=pa.array(ids))
    except (pa.ArrowException, TypeError):  # ids of mixed types: pandas can still match them
        return ids.get_indexer(values)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _payment_days(
    payments: pd.DataFrame, policy_ids: pd.Index, ids_unique: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct positive payments of the given policies: each one's policy (a position in
    ``policy_ids``) and calendar day. Rows repeating a (policy, transaction id) pair count once;
    rows without a transaction id count each."""
    require_columns(payments, PAYMENT_COLUMNS, "payments")
    amount = pd.to_numeric(payments["amount"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    codes = _codes(payments["policy_id"], policy_ids)
    keep = (amount > 0) & (codes >= 0)
    if "transaction_id" in payments and not ids_unique:
        keep &= ~_repeated(payments["transaction_id"], codes, keep)
    dates = as_datetimes(payments["transaction_date"]).to_numpy()
    keep &= ~np.isnat(dates)  # a payment without a date is never in time
    return codes[keep], dates[keep].astype("datetime64[D]")


def _repeated(ids: pd.Series, codes: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Among ``rows``, those whose (policy, transaction id) pair came before (ids present).
    Hashes the ids once (Arrow); when no id repeats at all (a loaded source: the loader already
    set repeated ids aside) that is the whole cost."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pc.filter(pa.chunked_array([pa.array(ids, from_pandas=True)]), pa.array(rows))
        values = values.combine_chunks()
        distinct = pc.unique(values.drop_null())
        if len(distinct) == len(values) - values.null_count:
            return np.zeros(len(ids), dtype=bool)
        tx = pc.index_in(values, value_set=distinct).fill_null(-1).to_numpy(zero_copy_only=False)
    except Exception:  # noqa: BLE001 - ids of mixed types (Arrow cannot type them): pandas can
        tx = pd.factorize(ids[rows])[0]
    tx = np.asarray(tx, dtype=np.int64)
    pair = codes[rows].astype(np.int64) * (int(tx.max(initial=0)) + 1) + tx
    again = np.zeros(len(ids), dtype=bool)
    again[np.flatnonzero(rows)] = (tx >= 0) & pd.Series(pair).duplicated().to_numpy()
    return again


def _checks(regular: pd.DataFrame, months: Sequence[int]):
    """For each K: ``k, due(j_K), j_K + 1, due + 60 days, excluded`` (a claim or maturity
    before the due date) for every regular policy; ``bad_months`` for a K that is not 13, 25,
    37 ..."""
    status = regular.get("status", pd.Series(index=regular.index, dtype=object))
    status_date = pd.to_datetime(
        regular.get("status_date", pd.Series(index=regular.index, dtype="datetime64[s]"))
    ).to_numpy()
    ending = status.isin(_EXCLUDING_STATUSES).to_numpy()
    for k in months:
        k = int(k)
        if k < 13 or (k - 1) % 12:
            raise CodedError(f"persistency months are 13, 25, 37 ...; got {k}", code="bad_months",
                             months=k)  # fmt: skip
        due = add_months(regular["issue_date"], k - 1)
        needed = ((k - 1) * regular["per_year"].to_numpy()) // 12 + 1  # j_K + 1 payments
        cutoff = due.to_numpy().astype("datetime64[D]") + np.timedelta64(GRACE_DAYS, "D")
        yield k, due, needed, cutoff, ending & (status_date < due.to_numpy())


def policy_status(
    policies: pd.DataFrame,
    payments: pd.DataFrame,
    months: Sequence[int] = MONTHS,
    until=None,
    ids_unique: bool = False,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per regular policy and K: ``policy_row, issue_date, annual_premium, months,
    due, persisting, excluded`` plus the policy's own columns (every one, ``policy_id``
    included; or only ``columns``: each carried column is repeated per K, so a million
    policies' text columns would cost a gigabyte; :func:`with_policy_columns` adds others
    later). ``due`` is ``due(j_K)``; ``persisting`` whether ``j_K + 1`` distinct payments came
    by ``due + 60 days`` (never counting payments after ``until``); ``excluded`` a claim or
    maturity before ``due``. Each K costs one pass
    over the payments (a comparison and a count per policy), no sort. ``ids_unique``: the
    payments' transaction ids are known to be distinct (a loaded source: the loader set repeats
    aside), so they need not be checked again."""
    regular = _regular(policies).reset_index(drop=True)
    codes, days = _payment_days(payments, pd.Index(regular["policy_id"]), ids_unique)
    # day numbers and policy positions as 32-bit integers: each K's pass over ten million
    # payments then moves half the bytes (days since 1970 fit until the year 5.8 million)
    codes = codes.astype(np.int32) if len(regular) < 2**31 else codes
    days = days.view(np.int64).astype(np.int32)
    limit = None if until is None else np.datetime64(pd.Timestamp(until).date(), "D")
    carried = _carried(regular, columns)
    frames = []
    for k, due, needed, cutoff, excluded in _checks(regular, months):
        if limit is not None:
            cutoff = np.minimum(cutoff, limit)
        in_time = days <= cutoff.view(np.int64).astype(np.int32)[codes]
        counts = np.bincount(codes[in_time], minlength=len(regular))
        frames.append(
            carried.assign(months=k, due=due, persisting=counts >= needed, excluded=excluded)
        )
    return pd.concat(frames, ignore_index=True)


def needed_payments(months: Sequence[int] = MONTHS) -> list[int]:
    """Every ``j_K + 1`` (the payments a policy needs by K months) over the payment modes: the
    payment ranks a database must report for :func:`status_from_ranks`."""
    return sorted({(int(k) - 1) * m // 12 + 1 for k in months for m in PAYMENTS_PER_YEAR.values()})


def status_from_ranks(
    policies: pd.DataFrame,
    ranks: pd.DataFrame,
    months: Sequence[int] = MONTHS,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """:func:`policy_status` from the day of each policy's n-th distinct positive payment
    (``ranks``: ``policy_id, rank, day`` with ``day`` a date), as a database computes it
    (:func:`data.pushdown.persistency_ranks`): a policy persists at K when its payment number
    ``j_K + 1`` came by ``due + 60 days``. The same rule as :func:`policy_status`, which counts
    the payments itself. ``columns`` as there."""
    regular = _regular(policies).reset_index(drop=True)
    codes = _codes(ranks["policy_id"].astype("str"), pd.Index(regular["policy_id"]))
    keep = codes >= 0
    rank = ranks["rank"].to_numpy()[keep].astype(np.int64)
    day = pd.to_datetime(ranks["day"]).to_numpy()[keep].astype("datetime64[D]")
    codes = codes[keep]
    carried = _carried(regular, columns)
    frames = []
    for k, due, needed, cutoff, excluded in _checks(regular, months):
        hit = (rank == needed[codes]) & (day <= cutoff[codes])
        persisting = np.zeros(len(regular), dtype=bool)
        persisting[codes[hit]] = True
        frames.append(carried.assign(months=k, due=due, persisting=persisting, excluded=excluded))
    return pd.concat(frames, ignore_index=True)


def ratios_from_status(status: pd.DataFrame, as_of, by: str | Sequence[str] | None = None):
    """The persistency table of :func:`persistency` from a ready status frame."""
    by = [] if by in (None, "none") else ([by] if isinstance(by, str) else list(by))
    if "issue_month" in by:
        status = _with_issue_month(status)
    return _ratios(_cohort(_narrow(status, by), as_of), by)


#: The status columns a ratio reads (a million policies' status has twenty more).
_RATIO_COLUMNS = ("policy_row", "months", "due", "excluded", "persisting", "annual_premium")


def _narrow(status: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Only the columns a ratio needs, so filtering copies those alone."""
    return status[list(dict.fromkeys([*by, *_RATIO_COLUMNS]))]


def _cohort(status: pd.DataFrame, as_of) -> pd.DataFrame:
    """The K-month cohorts at ``as_of``: due in (E - 12 months, E], E = as_of - 60 days."""
    end = pd.Timestamp(as_of).normalize() - pd.Timedelta(days=GRACE_DAYS)
    start = add_months([end], -12)[0]
    window = (status["due"] > start) & (status["due"] <= end) & ~status["excluded"]
    return status[window]


def _ratios(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    frame = frame.assign(
        persisting_premium=frame["annual_premium"].where(frame["persisting"], 0.0),
        persisting_count=frame["persisting"].astype(int),
    )
    keys = [*by, "months"]
    grouped = frame.groupby(keys, observed=True, dropna=False, sort=True).agg(
        policies=("policy_row", "size"),
        persisting=("persisting_count", "sum"),
        premium=("annual_premium", "sum"),
        persisting_premium=("persisting_premium", "sum"),
    )
    out = grouped.reset_index()
    for key in by:  # a label held as codes (with_policy_columns) comes out as its text
        if isinstance(out[key].dtype, pd.CategoricalDtype):
            out[key] = out[key].astype(out[key].cat.categories.dtype)
    out["count_ratio"] = out["persisting"] / out["policies"]
    out["premium_ratio"] = np.where(
        out["premium"] > 0,
        out["persisting_premium"] / out["premium"].where(out["premium"] > 0),
        np.nan,
    )
    return out[[*keys, "policies", "persisting", "count_ratio", "premium",
                "persisting_premium", "premium_ratio"]]  # fmt: skip


def _with_issue_month(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(issue_month=frame["issue_date"].dt.to_period("M").astype(str))


def persistency(
    policies: pd.DataFrame,
    payments: pd.DataFrame,
    as_of=None,
    months: Iterable[int] = MONTHS,
    by: str | Sequence[str] | None = None,
    ids_unique: bool = False,
) -> pd.DataFrame:
    """K-month persistency at ``as_of`` (default: the last payment date) by count and premium:
    one row per group and K with ``policies, persisting, count_ratio, premium,
    persisting_premium, premium_ratio``. ``by``: none, or columns of :data:`BY_COLUMNS` the
    policies carry (``issue_month`` is derived). K without any policy in its cohort has no row.
    ``ids_unique`` as in :func:`policy_status`."""
    if as_of is None:
        as_of = as_datetimes(payments["transaction_date"]).max()
    by = [] if by in (None, "none") else ([by] if isinstance(by, str) else list(by))
    status = policy_status(policies, payments, tuple(months), until=as_of, ids_unique=ids_unique,
                           columns=by)  # fmt: skip
    if "issue_month" in by:
        status = _with_issue_month(status)
    missing = [c for c in by if c not in status]
    if missing:
        raise CodedError(f"policies have no column {', '.join(missing)}", code="missing_columns",
                         missing=missing, found=list(policies.columns))  # fmt: skip
    return _ratios(_cohort(status, as_of), by)


def triangle(
    policies: pd.DataFrame,
    payments: pd.DataFrame,
    as_of=None,
    months: Iterable[int] = MONTHS,
    basis: str = "count",
) -> pd.DataFrame:
    """The cohort triangle: issue month (rows) by K (columns), each cell the persistency of that
    month's policies whose installment ``j_K`` is observable at ``as_of`` (due at least 60 days
    before it); later cells are empty. ``basis`` ``count`` or ``premium``."""
    if as_of is None:
        as_of = as_datetimes(payments["transaction_date"]).max()
    status = policy_status(policies, payments, tuple(months), until=as_of, columns=())
    return triangle_from_status(status, as_of, basis)


def triangle_from_status(
    status: pd.DataFrame, as_of, basis: str = "count", min_policies: int = 1
) -> pd.DataFrame:
    """:func:`triangle` from a ready :func:`policy_status` frame (grouped on integer month
    codes, so a million policies take well under a second). Cells of fewer than
    ``min_policies`` policies are left empty (a ratio of two policies says little)."""
    end = pd.Timestamp(as_of).normalize() - pd.Timedelta(days=GRACE_DAYS)
    keep = ((status["due"] <= end) & ~status["excluded"].astype(bool)).to_numpy()
    if not keep.any():
        grid = pd.DataFrame(
            index=pd.Index([], dtype=np.int64), columns=pd.Index([], dtype=np.int64)
        )
        grid = grid.rename_axis(index="month", columns="months").astype(float)
    else:
        # (issue month, K) cells summed by one integer key each: no copy of the status's rows
        # (a frame of the observable rows and its group-by took 0.4 GB at a million customers)
        issue = as_datetimes(status["issue_date"]).to_numpy()[keep]
        month = issue.astype("datetime64[M]").astype(np.int64)
        k_values, k_code = np.unique(status["months"].to_numpy()[keep], return_inverse=True)
        low = int(month.min())
        span = int(month.max()) - low + 1
        key = (month - low) * len(k_values) + k_code
        size = span * len(k_values)
        persisting = status["persisting"].to_numpy(dtype=bool)[keep]
        premium = status["annual_premium"].to_numpy(dtype=float)[keep]

        def total(weights=None) -> np.ndarray:
            return np.bincount(key, weights=weights, minlength=size).reshape(span, len(k_values))

        policies = total()
        if basis == "count":
            ratio = total(persisting.astype(float)) / np.where(policies > 0, policies, np.nan)
        else:
            premiums = total(premium)
            ratio = total(np.where(persisting, premium, 0.0)) / np.where(
                premiums > 0, premiums, np.nan
            )
        ratio = np.where((policies >= min_policies) & (policies > 0), ratio, np.nan)
        rows = np.flatnonzero(policies.sum(axis=1) > 0)
        grid = pd.DataFrame(
            ratio[rows],
            index=pd.Index(rows + low, name="month"),
            columns=pd.Index(k_values, name="months"),
        )
    grid.index = pd.Index([str(np.datetime64(int(m), "M")) for m in grid.index], name="issue_month")
    grid.columns.name = "months"
    return grid.sort_index()


def trend(
    policies: pd.DataFrame,
    payments: pd.DataFrame,
    as_of_dates: Iterable,
    months: int = 13,
) -> pd.DataFrame:
    """The K-month ratios (count and premium) at each of ``as_of_dates``: ``as_of, policies,
    count_ratio, premium_ratio``. Payments after each date are not counted (one status frame
    at the latest date serves every date: see :func:`trend_from_status`)."""
    dates = [pd.Timestamp(d) for d in as_of_dates]
    if not dates:
        return pd.DataFrame(columns=["as_of", "policies", "count_ratio", "premium_ratio"])
    status = policy_status(policies, payments, (int(months),), until=max(dates), columns=())
    return trend_from_status(status, dates, months)


def trend_from_status(status: pd.DataFrame, as_of_dates: Iterable, months: int = 13):
    """:func:`trend` from one :func:`policy_status` frame computed at the latest date: a cohort
    at date A has its cut-off (due + 60 days) on or before A, so payments after A never count
    for it and one frame serves every date."""
    rows = []
    frame = _narrow(status)
    frame = frame[frame["months"] == int(months)]
    for as_of in as_of_dates:
        table = _ratios(_cohort(frame, as_of), [])
        if len(table):
            row = table.iloc[0]
            rows.append({"as_of": pd.Timestamp(as_of), "policies": int(row["policies"]),
                         "count_ratio": row["count_ratio"],
                         "premium_ratio": row["premium_ratio"]})  # fmt: skip
    return pd.DataFrame(rows, columns=["as_of", "policies", "count_ratio", "premium_ratio"])


def policy_year_survivors(
    policies: pd.DataFrame,
    payments: pd.DataFrame,
    as_of=None,
    by: str | None = None,
    years: int = 5,
) -> pd.DataFrame:
    """Policy-year survivor counts per issue-year cohort, for the sBG model (DESIGN.md: "policy-
    year survival ... comes from the persistency rule above (K = 12t + 1)").

    Period 0 holds a cohort's regular policies; a policy claimed or matured before one of its
    checks leaves the cohort altogether (that is not a lapse, and sBG counts only lapses). Period ``t``
    those persisting at every check ``K = 13, 25, ..., 12t + 1`` (so the counts never rise).
    A period appears only when every policy of the cohort is observable there (its check fell
    due 60 days before ``as_of``). Returns ``[by,] cohort, period, survivors``; ``cohort`` is
    the issue year (with ``by`` prefixed when given), ready for :func:`analytics.sbg.fit_frame`.
    """
    if as_of is None:
        as_of = as_datetimes(payments["transaction_date"]).max()
    months = tuple(12 * t + 1 for t in range(1, int(years) + 1))
    status = policy_status(policies, payments, months, until=as_of, columns=[by] if by else [])
    return survivors_from_status(status, as_of, by)


def survivors_from_status(status: pd.DataFrame, as_of, by: str | None = None) -> pd.DataFrame:
    """:func:`policy_year_survivors` from a ready :func:`policy_status` frame (the checks
    ``K = 13, 25, ...`` it holds are the policy years). Works on arrays, one row per policy, so
    a million policies take a second."""
    months = sorted(int(k) for k in status["months"].unique() if (k - 1) % 12 == 0)
    end = np.datetime64(pd.Timestamp(as_of).normalize() - pd.Timedelta(days=GRACE_DAYS), "D")
    columns = [*([by] if by else []), "cohort", "period", "survivors"]
    if not months:
        return pd.DataFrame(columns=columns)
    needed = ["policy_row", "months", "persisting", "due", "excluded", "issue_date"]
    status = status[[*needed, *([by] if by and by not in needed else [])]]  # narrow, then slice
    first = status[status["months"] == months[0]].reset_index(drop=True)
    ids = first["policy_row"].to_numpy()
    persisting = np.empty((len(months), len(first)), dtype=bool)
    due = np.empty((len(months), len(first)), dtype="datetime64[D]")
    excluded = np.zeros(len(first), dtype=bool)
    for i, k in enumerate(months):
        block = status[status["months"] == k]
        if len(block) != len(first) or not np.array_equal(block["policy_row"].to_numpy(), ids):
            block = block.drop_duplicates("policy_row").set_index("policy_row").reindex(ids)
        persisting[i] = block["persisting"].fillna(False).to_numpy(dtype=bool)
        due[i] = pd.to_datetime(block["due"]).to_numpy().astype("datetime64[D]")
        excluded |= block["excluded"].fillna(True).to_numpy(dtype=bool)
    # a policy claimed or matured before one of its checks leaves the cohort altogether
    keep = ~excluded
    frame = first.loc[keep, [by] if by else []].assign(
        issue_year=first.loc[keep, "issue_date"].dt.year.to_numpy()
    )
    keys = [*([by] if by else []), "issue_year"]
    grouped = frame.groupby(keys, observed=True, sort=True, dropna=False)
    group = grouped.ngroup().to_numpy()
    labels = list(grouped.size().index)  # in ngroup order (sorted keys)
    alive = np.logical_and.accumulate(persisting[:, keep], axis=0)  # persisting at every check
    due_days = due[:, keep].astype(np.int64)
    size = len(labels)
    start = np.bincount(group, minlength=size)
    rows = []
    last_due = np.full((len(months), size), np.iinfo(np.int64).min)
    for i in range(len(months)):
        np.maximum.at(last_due[i], group, due_days[i])
    counts = [np.bincount(group, weights=alive[i], minlength=size) for i in range(len(months))]
    for g, label in enumerate(labels):
        label = label if isinstance(label, tuple) else (label,)
        row_key = dict(zip(keys[:-1], label[:-1], strict=True))
        name = "/".join(str(v) for v in label)
        cohort = [{**row_key, "cohort": name, "period": 0, "survivors": int(start[g])}]
        for t in range(1, len(months) + 1):
            if last_due[t - 1, g] > end.astype(np.int64):
                break
            cohort.append({**row_key, "cohort": name, "period": t,
                           "survivors": int(round(counts[t - 1][g]))})  # fmt: skip
        if len(cohort) > 1:  # a cohort with no observed renewal tells the model nothing
            rows.extend(cohort)
    return pd.DataFrame(rows, columns=columns)
