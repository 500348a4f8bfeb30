"""The policies table (DESIGN.md "Data contract"): validated with the same row accounting as
transactions. Every input row is used, a duplicate (its ``policy_id`` repeats a used row), or
rejected with one reason:

* ``missing_policy_id``, ``missing_customer_id``;
* ``bad_date``: an issue date that cannot be read, or a status date given but unreadable;
* ``bad_amount``: an installment premium that is missing, unreadable, zero or negative;
* ``bad_payment_mode``: not ``annual``, ``semiannual``, ``quarterly``, ``monthly`` or ``single``
  (Chinese 年缴, 半年缴, 季缴, 月缴 and 趸缴 are understood);
* ``bad_status``: not ``in_force``, ``lapsed``, ``surrendered``, ``matured`` or ``claimed``
  (有效, 失效, 退保, 满期, 理赔 are understood). A table without a status column is in force.

Columns are found under their usual English and Chinese headers (保单号, 投保日期, 缴费方式,
期缴保费, 保单状态 ...). Rejected and duplicate rows keep their row number and the reason first,
then the non-personal columns, as for transactions. A duplicate is ``duplicate_policy`` (the same
row again) or ``conflicting_policy`` (the same id with other values), with ``kept_row``: the
first valid copy is used. Channel, product line and agent are cleaned like ids (spaces trimmed,
blank = missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics._fast import repeats
from data.columns import normalise_header
from data.parse import clean_ids, parse_amounts, parse_dates
from data.report import LoadReport, SourceError
from data.schema import personal_columns

__all__ = [
    "PAYMENT_MODES",
    "POLICY_ALIASES",
    "POLICY_DUPLICATE_REASONS",
    "POLICY_REJECT_REASONS",
    "POLICY_STATUSES",
    "load_policies",
]

PAYMENT_MODES = ("annual", "semiannual", "quarterly", "monthly", "single")
POLICY_STATUSES = ("in_force", "lapsed", "surrendered", "matured", "claimed")
POLICY_DUPLICATE_REASONS = ("duplicate_policy", "conflicting_policy")
POLICY_REJECT_REASONS = (
    "missing_policy_id", "missing_customer_id", "bad_date", "bad_amount", "bad_payment_mode",
    "bad_status",
)  # fmt: skip
REQUIRED = ("policy_id", "customer_id", "issue_date", "payment_mode", "installment_premium")
POLICY_ALIASES: dict[str, tuple[str, ...]] = {
    "policy_id": ("policy_id", "policy_no", "policy_number", "保单号", "保单编号", "保险单号"),
    "customer_id": ("customer_id", "cust_id", "client_id", "客户编号", "客户号", "客户id",
                    "投保人编号"),
    "channel": ("channel", "sales_channel", "渠道", "销售渠道"),
    "product_line": ("product_line", "product", "产品线", "险种", "产品"),
    "agent_id": ("agent_id", "agent", "agent_no", "代理人编号", "业务员编号", "代理人工号"),
    "issue_date": ("issue_date", "effective_date", "start_date", "投保日期", "生效日期",
                   "承保日期"),
    "payment_mode": ("payment_mode", "pay_mode", "frequency", "缴费方式", "缴费频率", "交费方式"),
    "installment_premium": ("installment_premium", "premium", "modal_premium", "期缴保费",
                            "每期保费", "保费"),
    "term_years": ("term_years", "term", "payment_term", "缴费年期", "保险期间", "期限"),
    "status": ("status", "policy_status", "保单状态", "状态"),
    "status_date": ("status_date", "状态日期", "变更日期"),
}  # fmt: skip
_MODE_WORDS = {
    "annual": "annual", "annually": "annual", "yearly": "annual", "年缴": "annual",
    "年交": "annual", "semiannual": "semiannual", "semi-annual": "semiannual",
    "半年缴": "semiannual", "半年交": "semiannual", "quarterly": "quarterly", "季缴": "quarterly",
    "季交": "quarterly", "monthly": "monthly", "月缴": "monthly", "月交": "monthly",
    "single": "single", "趸缴": "single", "趸交": "single",
}  # fmt: skip
_STATUS_WORDS = {
    "in_force": "in_force", "inforce": "in_force", "active": "in_force", "有效": "in_force",
    "lapsed": "lapsed", "lapse": "lapsed", "失效": "lapsed", "surrendered": "surrendered",
    "退保": "surrendered", "matured": "matured", "满期": "matured", "claimed": "claimed",
    "理赔": "claimed", "理赔终止": "claimed",
}  # fmt: skip


def _find_columns(columns) -> dict[str, str]:
    lookup = {c: {normalise_header(a) for a in names} for c, names in POLICY_ALIASES.items()}
    found: dict[str, str] = {}
    for column in columns:
        header = normalise_header(column)
        for canonical, names in lookup.items():
            if header in names and canonical not in found:
                found[canonical] = column
                break
    return found


def _words(values: pd.Series, words: dict[str, str]) -> pd.Series:
    """Each cell's canonical word (None when it is none of ``words``): the few distinct cells
    are normalised, not every row's (a million policies hold a handful of modes)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    keys = pd.Series(distinct).astype("str").str.strip().str.lower().str.replace(" ", "_")
    mapped = keys.map(words).to_numpy(dtype=object)
    out = np.where(codes >= 0, mapped[np.maximum(codes, 0)] if len(mapped) else None, None)
    return pd.Series(out, index=values.index, dtype="str").where(values.notna())


def load_policies(raw: pd.DataFrame, source: str = "policies") -> tuple[pd.DataFrame, LoadReport]:
    """Validate a raw policies table: the clean policies and their load report."""
    found = _find_columns(raw.columns)
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise SourceError(
            f"the policies table lacks {', '.join(missing)}; found columns: "
            f"{', '.join(map(str, raw.columns))}",
            code="policies_missing_columns",
            missing=missing,
            found=[str(c) for c in raw.columns],
        )
    frame = raw.rename(columns={v: k for k, v in found.items()})[list(found)]
    policy_id = clean_ids(frame["policy_id"])
    customer_id = clean_ids(frame["customer_id"])
    issue = parse_dates(frame["issue_date"])
    premium = parse_amounts(frame["installment_premium"])
    mode = _words(frame["payment_mode"], _MODE_WORDS)
    if "status" in frame:
        status = _words(frame["status"], _STATUS_WORDS)
    else:
        status = pd.Series("in_force", index=frame.index)
    if "status_date" in frame:
        status_date = parse_dates(frame["status_date"])
        bad_status_date = (
            status_date.isna()
            & frame["status_date"].notna()
            & (frame["status_date"].astype("str").str.strip() != "")
        )
    else:
        status_date = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]")
        bad_status_date = pd.Series(False, index=frame.index)
    checks = [
        ("missing_policy_id", policy_id.isna()),
        ("missing_customer_id", customer_id.isna()),
        ("bad_date", issue.isna() | bad_status_date),
        ("bad_amount", premium.isna() | (premium <= 0)),
        ("bad_payment_mode", mode.isna()),
        ("bad_status", status.isna()),
    ]
    reason = pd.Series(None, index=frame.index, dtype=object)
    for code, failed in checks:
        reason = reason.where(reason.notna() | ~failed.to_numpy(), code)
    valid = reason.isna().to_numpy()
    clean = pd.DataFrame(
        {
            "policy_id": policy_id,
            "customer_id": customer_id,
            "issue_date": issue,
            "payment_mode": mode,
            "installment_premium": premium,
            "status": status,
            "status_date": status_date,
        }
    )
    for column in ("channel", "product_line", "agent_id"):
        if column in frame:
            clean[column] = clean_ids(frame[column])
    if "term_years" in frame:
        clean["term_years"] = pd.to_numeric(frame["term_years"], errors="coerce")
    # the first valid copy of an id is used; later valid copies are duplicates
    keyed = policy_id.mask(~valid) if not valid.all() else policy_id
    duplicate = valid & repeats(keyed)  # numbered ids of one width: no text hashing
    used = valid & ~duplicate
    shown = raw.drop(columns=personal_columns(raw.columns))
    # 1 = the first row below the header, as the payments' report numbers rows
    rows = pd.Series(np.arange(len(raw)) + 1, index=raw.index)
    rejected_rows = _leading(shown[~valid], rows[~valid], reason[~valid])
    conflicting = 0
    if duplicate.any():
        first_row = pd.Series(np.flatnonzero(used), index=keyed[used].to_numpy(dtype=object))
        kept = first_row.reindex(keyed[duplicate].to_numpy(dtype=object)).to_numpy()
        values = clean.drop(columns="policy_id").astype("string").fillna("")
        differs = (values.to_numpy()[duplicate] != values.to_numpy()[kept]).any(axis=1)
        conflicting = int(differs.sum())
        why = np.where(differs, POLICY_DUPLICATE_REASONS[1], POLICY_DUPLICATE_REASONS[0])
        duplicate_rows = _leading(shown[duplicate], rows[duplicate], why, kept + 1)
    else:
        duplicate_rows = _leading(shown.iloc[:0], rows.iloc[:0], [])
    counts = reason[~valid].value_counts()
    report = LoadReport(
        source=source,
        rows_read=len(raw),
        rows_used=int(used.sum()),
        duplicates=int(duplicate.sum()),
        rejected={code: int(counts[code]) for code in POLICY_REJECT_REASONS if code in counts},
        rejected_rows=rejected_rows,
        duplicate_rows=duplicate_rows,
        column_mapping={k: str(v) for k, v in found.items()},
        conflicting_duplicates=conflicting,
    )
    out = clean[used].reset_index(drop=True)
    return out.astype({"policy_id": "str", "customer_id": "str", "payment_mode": "str",
                       "status": "str", "installment_premium": float}), report  # fmt: skip


def _leading(shown: pd.DataFrame, rows: pd.Series, reason, kept=None) -> pd.DataFrame:
    """Set-aside rows as the Data page shows them: row number and reason (and the row kept)
    first, then the source's own columns."""
    lead = {"source_row": rows.to_numpy(), "reason": np.asarray(reason, dtype=object)}
    if kept is not None:
        lead["kept_row"] = np.asarray(kept)
    front = pd.DataFrame(lead, index=shown.index)
    body = shown.rename(columns={c: f"{c}_source" for c in shown.columns if c in lead})
    return pd.concat([front, body], axis=1).reset_index(drop=True)
