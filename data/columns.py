"""Column names of the data contract and the header aliases they are found under.

Any column may arrive under another name, Chinese headers included; :func:`resolve_columns` maps
the canonical names (``customer_id``, ``transaction_date``, ``amount`` ...) to the source's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from data.report import SourceError

__all__ = [
    "ALIASES",
    "LABEL_COLUMNS",
    "OPTIONAL",
    "REQUIRED",
    "check_unique_columns",
    "normalise_header",
    "resolve_columns",
]

REQUIRED = ("customer_id", "transaction_date", "amount")
# policy_id links a payment to its policy (persistency, 继续率).
OPTIONAL = ("transaction_id", "policy_id", "product_line", "channel", "transaction_type")
#: Optional columns that repeat a few values (stored as categoricals once loaded).
LABEL_COLUMNS = ("product_line", "channel", "transaction_type")

#: Header names recognised for each canonical column, compared after :func:`_normalise_header`.
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer_id",
        "customerid",
        "customer",
        "cust_id",
        "client_id",
        "member_id",
        "user_id",
        "customer_no",
        "customer_number",
        "customer_code",
        "客户编号",
        "客户号",
        "客户id",
        "客户代码",
        "客户编码",
        "会员编号",
        "会员号",
        "投保人编号",
    ),
    "transaction_date": (
        "transaction_date",
        "date",
        "txn_date",
        "trans_date",
        "order_date",
        "purchase_date",
        "payment_date",
        "invoice_date",
        "paid_at",
        "交易日期",
        "日期",
        "缴费日期",
        "交易时间",
        "支付日期",
        "付款日期",
        "订单日期",
        "收费日期",
    ),
    "amount": (
        "amount",
        "value",
        "total",
        "revenue",
        "sales",
        "spend",
        "premium",
        "dollar_value",
        "payment",
        "payment_amount",
        "金额",
        "交易金额",
        "保费",
        "缴费金额",
        "实收保费",
        "消费金额",
        "订单金额",
        "支付金额",
    ),
    "transaction_id": (
        "transaction_id",
        "txn_id",
        "trans_id",
        "order_id",
        "invoice_id",
        "invoice_no",
        "receipt_no",
        "交易编号",
        "交易号",
        "流水号",
        "交易流水号",
        "订单号",
        "订单编号",
    ),
    "policy_id": ("policy_id", "policy_no", "policy_number", "保单号", "保单编号"),
    "product_line": ("product_line", "product", "product_type", "产品线", "险种", "产品类型"),
    "channel": ("channel", "sales_channel", "渠道", "销售渠道"),
    "transaction_type": ("transaction_type", "txn_type", "type", "交易类型"),
}


def normalise_header(name: object) -> str:
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s_\-.（）()]+", "", text)


_ALIAS_LOOKUP = {
    canonical: {normalise_header(a) for a in names} for canonical, names in ALIASES.items()
}


def check_unique_columns(columns) -> None:
    """Raise :class:`SourceError` (``duplicate_columns``) when two columns share a name, compared
    as headers are (:func:`normalise_header`: ``Customer ID`` is ``customer_id``).

    Which of two ``amount`` columns holds the amount cannot be guessed, and a guess would drop
    the other's values unseen; so the source is refused with the names, to be renamed. Blank
    headers are not names and may repeat.
    """
    groups: dict[str, list[str]] = {}
    for column in columns:
        key = normalise_header(column)
        if key:
            groups.setdefault(key, []).append(str(column))
    repeated = [n for names in groups.values() if len(names) > 1 for n in dict.fromkeys(names)]
    if repeated:
        raise SourceError(
            f"the column name(s) {', '.join(repeated)} appear more than once; "
            "give each column its own name",
            code="duplicate_columns",
            names=repeated,
        )


def resolve_columns(
    columns, mapping: Mapping[str, str] | None = None, required=REQUIRED, optional=OPTIONAL
) -> dict[str, str]:
    """Map canonical column names to source column names.

    An explicit ``mapping`` (canonical -> source) wins; other columns are found by name, including
    common English and Chinese headers (:data:`ALIASES`). Raises :class:`SourceError` when two
    columns share a name (:func:`check_unique_columns`), a required column cannot be found or a
    mapped column does not exist.
    """
    check_unique_columns(columns)
    found = [str(c) for c in columns]
    result: dict[str, str] = {}
    for canonical, source in (mapping or {}).items():
        if not source:
            continue
        if source not in found:
            raise SourceError(
                f"column {source!r} (mapped to {canonical}) is not in the source; "
                f"found columns: {', '.join(found) or 'none'}",
                code="mapped_column_missing",
                column=source,
                canonical=canonical,
                found=found,
            )
        result[canonical] = source
    taken = set(result.values())
    by_normal = {}
    for column in found:
        by_normal.setdefault(normalise_header(column), column)
    for canonical in (*required, *optional):
        if canonical in result:
            continue
        for alias in ALIASES.get(canonical, (canonical,)):
            column = by_normal.get(normalise_header(alias))
            if column is not None and column not in taken:
                result[canonical] = column
                taken.add(column)
                break
    missing = [c for c in required if c not in result]
    if missing:
        raise SourceError(
            f"missing required column(s) {', '.join(missing)}; "
            f"found columns: {', '.join(found) or 'none'}",
            code="missing_columns",
            missing=missing,
            found=found,
        )
    return result
