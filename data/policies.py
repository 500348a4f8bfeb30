"""The policies table (DESIGN.md "Data contract"): validated with the same row accounting as
transactions. Every input row is used, a duplicate (its ``policy_id`` repeats a used row), or
rejected with one reason:

* ``missing_policy_id``, ``missing_customer_id``;
* ``bad_date``: an issue date that cannot be read, or a status date given but unreadable;
* ``bad_amount``: an installment premium that is missing, unreadable or negative;
* ``bad_payment_mode``: not ``annual``, ``semiannual``, ``quarterly``, ``monthly`` or ``single``
  (Chinese 年缴, 半年缴, 季缴, 月缴 and 趸缴 are understood);
* ``bad_status``: not ``in_force``, ``lapsed``, ``surrendered``, ``matured`` or ``claimed``
  (有效, 失效, 退保, 满期, 理赔 are understood). A table without a status column is in force.

Columns are found under their usual English and Chinese headers (保单号, 投保日期, 缴费方式,
期缴保费, 保单状态 ...). Rejected and duplicate rows keep their row number, the reason and the
non-personal columns, as for transactions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.columns import normalise_header
from data.parse import clean_ids, parse_amounts, parse_dates
from data.report import LoadReport, SourceError
from data.schema import personal_columns

__all__ = [
    "PAYMENT_MODES",
    "POLICY_ALIASES",
    "POLICY_REJECT_REASONS",
    "POLICY_STATUSES",
    "load_policies",
]

PAYMENT_MODES = ("annual", "semiannual", "quarterly", "monthly", "single")
POLICY_STATUSES = ("in_force", "lapsed", "surrendered", "matured", "claimed")
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
    keys = values.astype("str").str.strip().str.lower().str.replace(" ", "_")
    return keys.map(words).where(values.notna())


def load_policies(raw: pd.DataFrame, source: str = "policies") -> tuple[pd.DataFrame, LoadReport]:
    """Validate a raw policies table: the clean policies and their load report."""
    found = _find_columns(raw.columns)
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise SourceError(
            f"the policies table lacks {', '.join(missing)}; found columns: "
            f"{', '.join(map(str, raw.columns))}",
            code="missing_columns",
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
        ("bad_amount", premium.isna() | (premium < 0)),
        ("bad_payment_mode", mode.isna()),
        ("bad_status", status.isna()),
    ]
    reason = pd.Series(None, index=frame.index, dtype=object)
    for code, failed in checks:
        reason = reason.where(reason.notna() | ~failed.to_numpy(), code)
    valid = reason.isna().to_numpy()
    duplicate = valid & policy_id.duplicated(keep=False).to_numpy()
    if duplicate.any():  # the first valid copy of an id is used, later valid copies are duplicates
        first = pd.Series(np.where(valid, policy_id, None)).duplicated(keep="first").to_numpy()
        duplicate = valid & first
    used = valid & ~duplicate
    clean = pd.DataFrame(
        {
            "policy_id": policy_id[used].astype("str"),
            "customer_id": customer_id[used].astype("str"),
            "issue_date": issue[used],
            "payment_mode": mode[used].astype("str"),
            "installment_premium": premium[used].astype(float),
            "status": status[used].astype("str"),
            "status_date": status_date[used],
        }
    )
    for column in ("channel", "product_line", "agent_id", "term_years"):
        if column in frame:
            clean[column] = frame.loc[used, column].to_numpy()
    shown = raw.drop(columns=personal_columns(raw.columns))
    rows = pd.Series(np.arange(len(raw)) + 2, index=raw.index)  # the file row, header = 1
    rejected_rows = shown[~valid].assign(source_row=rows[~valid], reason=reason[~valid])
    duplicate_rows = shown[duplicate].assign(source_row=rows[duplicate], reason="duplicate")
    counts = reason[~valid].value_counts()
    report = LoadReport(
        source=source,
        rows_read=len(raw),
        rows_used=int(used.sum()),
        duplicates=int(duplicate.sum()),
        rejected={code: int(counts[code]) for code in POLICY_REJECT_REASONS if code in counts},
        rejected_rows=rejected_rows.reset_index(drop=True),
        duplicate_rows=duplicate_rows.reset_index(drop=True),
        column_mapping={k: str(v) for k, v in found.items()},
    )
    return clean.reset_index(drop=True), report
