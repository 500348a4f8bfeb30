"""The data contract (DESIGN.md, "Data contract"): one declaration, and SQLAlchemy Core tables
built from it on first use.

Columns holding personal information are marked ``pii`` (``info={"pii": True}`` in SQLAlchemy);
:data:`PII_COLUMNS` is derived from that mark so masking and the data dictionary never drift from the schema.
Files name those columns in many ways (``手机``, ``E-mail``, ``customer_name`` ...):
:func:`personal_columns` recognises them under :data:`PII_ALIASES`, so exports and load reports
can leave them out whatever the source called them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from data.columns import normalise_header

# The contract, one declaration: per table, (column, type, length, flags). The SQLAlchemy tables
# are built from it when a database is first used (importing SQLAlchemy takes a quarter of a
# second that a dashboard page reading files never needs). Flags: ``pk`` primary key,
# ``required`` not null, ``index``, ``pii`` personal information.
CONTRACT: dict[str, tuple[tuple[str, str, int | None, frozenset[str]], ...]] = {}


def _table(name: str, *columns: tuple) -> None:
    CONTRACT[name] = tuple(
        (column, kind, length, frozenset(flags.split())) for column, kind, length, flags in columns
    )


_table(
    "transactions",
    ("transaction_id", "str", 32, "pk"),
    ("customer_id", "str", 32, "required index"),
    ("transaction_date", "date", None, "required"),
    ("amount", "double", None, "required"),
    ("transaction_type", "str", 16, ""),
    ("policy_id", "str", 32, ""),
    ("product_line", "str", 32, ""),
    ("channel", "str", 16, ""),
)
_table(
    "customers",
    ("customer_id", "str", 32, "pk"),
    ("customer_type", "str", 16, "required"),
    ("name", "str", 200, "pii"),
    ("phone", "str", 32, "pii"),
    ("email", "str", 200, "pii"),
    ("id_number", "str", 32, "pii"),
    ("address", "str", 200, "pii"),
    ("gender", "str", 8, ""),
    ("birth_date", "date", None, ""),
    ("region", "str", 32, ""),
    ("city", "str", 32, ""),
    ("industry", "str", 32, ""),
    ("channel", "str", 16, ""),
    ("agent_id", "str", 16, ""),
    ("signup_date", "date", None, ""),
)
_table(
    "loyalty_members",
    ("customer_id", "str", 32, "pk"),
    ("enrolled_at", "date", None, "required"),
    ("tier", "str", 16, ""),
    ("points_balance", "int", None, ""),
)
_table(
    "interactions",
    ("interaction_id", "str", 32, "pk"),
    ("customer_id", "str", 32, "required index"),
    ("contact_at", "datetime", None, "required"),
    ("contact_channel", "str", 16, ""),
    ("reason", "str", 32, ""),
    ("satisfaction", "int", None, ""),
)
_table(
    "policies",
    ("policy_id", "str", 32, "pk"),
    ("customer_id", "str", 32, "required index"),
    ("channel", "str", 16, ""),
    ("product_line", "str", 32, ""),
    ("agent_id", "str", 16, ""),
    ("issue_date", "date", None, "required"),
    ("payment_mode", "str", 16, "required"),
    ("installment_premium", "double", None, "required"),
    ("term_years", "int", None, ""),
    ("status", "str", 16, ""),
    ("status_date", "date", None, ""),
)

PII_COLUMNS: frozenset[str] = frozenset(
    column for columns in CONTRACT.values() for column, _, _, flags in columns if "pii" in flags
)

_BUILT: dict = {}


def _build() -> dict:
    """The contract as SQLAlchemy Core tables: ``metadata``, ``TABLES`` and one per table
    (columns holding personal information carry ``info={"pii": True}``)."""
    if not _BUILT:
        from sqlalchemy import Column, Date, DateTime, Double, Integer, MetaData, String, Table

        kinds = {"date": Date, "datetime": DateTime, "double": Double, "int": Integer}
        metadata = MetaData()
        tables = {
            name: Table(name, metadata, *(
                Column(column, String(length) if kind == "str" else kinds[kind],
                       primary_key="pk" in flags, nullable=not flags & {"pk", "required"},
                       index="index" in flags or None, info={"pii": True} if "pii" in flags else {})
                for column, kind, length, flags in columns
            ))
            for name, columns in CONTRACT.items()
        }  # fmt: skip
        _BUILT.update(tables, metadata=metadata, TABLES=tables)
    return _BUILT


def __getattr__(name: str):
    """``metadata``, ``TABLES``, ``transactions``, ``customers`` ... built on first use."""
    if name in ("metadata", "TABLES", *CONTRACT):
        return _build()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Headers under which each personal column is found, compared like the contract's headers
#: (case, spaces, underscores, hyphens and dots ignored) and with an optional trailing number
#: (``phone2``, ``地址1``, ``email.1``: a second phone, an address line, a repeated header).
PII_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "name", "customer_name", "full_name", "client_name", "contact_name", "holder_name",
        "policyholder_name", "insured_name", "first_name", "last_name", "given_name", "surname",
        "family_name", "客户姓名", "客户名称", "客户名", "姓名", "名字", "联系人", "联系人姓名",
        "投保人姓名", "被保险人姓名", "被保人姓名",
    ),
    "phone": (
        "phone", "phone_number", "phone_no", "mobile", "mobile_phone", "mobile_number",
        "mobile_no", "cellphone", "cell_phone", "tel", "telephone", "telephone_number",
        "contact_number", "电话", "电话号码", "手机", "手机号", "手机号码", "移动电话",
        "联系电话", "联系方式",
    ),
    "email": (
        "email", "e-mail", "mail", "email_address", "mail_address", "邮箱", "邮箱地址",
        "电子邮箱", "电子邮件", "邮件",
    ),
    "id_number": (
        "id_number", "id_no", "id_card", "id_card_no", "id_card_number", "national_id",
        "identity_number", "identity_card", "passport_no", "passport_number", "身份证",
        "身份证号", "身份证号码", "证件号", "证件号码", "证件编号",
    ),
    "address": (
        "address", "addr", "home_address", "street", "street_address", "address_line",
        "mailing_address", "postal_address", "地址", "联系地址", "家庭地址", "家庭住址", "住址",
        "通讯地址", "详细地址",
    ),
}  # fmt: skip

_PERSONAL_HEADERS = frozenset(
    normalise_header(alias)
    for column in PII_COLUMNS
    for alias in (column, *PII_ALIASES.get(column, ()))
)


#: Parts of a Chinese header that mark personal information wherever they appear
#: (客户手机号, 投保人身份证号, 银行卡号, 联系地址 ...), and free text that may hold it (备注).
PERSONAL_FRAGMENTS_ZH = (
    "姓名", "名字", "电话", "手机", "邮箱", "邮件", "身份证", "证件", "地址", "住址", "住所",
    "银行卡", "卡号", "银行账", "账号", "微信", "qq", "出生", "生日", "护照", "户籍", "联系方式",
    "备注", "附言", "客户名称", "投保人名称", "联系人",
)  # fmt: skip
#: English words (one part of a header split at ``_``, spaces, hyphens, dots or case changes)
#: that mark personal information, or free text that may hold it.
PERSONAL_WORDS = frozenset(
    {
        "phone", "phones", "mobile", "tel", "telephone", "cellphone", "cell", "fax", "email",
        "mail", "address", "addr", "street", "postcode", "zipcode", "passport", "ssn", "idcard",
        "iban", "bankcard", "card", "wechat", "weixin", "qq", "birth", "birthday", "dob",
        "birthdate", "note", "notes", "remark", "remarks", "comment", "comments", "memo",
        "surname", "firstname", "lastname", "fullname",
    }
)  # fmt: skip
#: With ``name``, these words make a person's name (``insured_name``); other nouns do not
#: (``cluster_name``, ``product_name``, ``username``).
_PERSON_WORDS = frozenset(
    {
        "customer", "cust", "client", "full", "first", "last", "given", "family", "middle",
        "insured", "holder", "policyholder", "applicant", "beneficiary", "contact", "person",
        "agent", "real", "legal", "nick", "owner", "payer", "member", "spouse", "child",
    }
)  # fmt: skip


def _words(name: object) -> list[str]:
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name).replace("\ufeff", "").strip())
    return [w for w in re.split(r"[\s_\-.:/（）()\d]+", text.lower()) if w]


def is_personal(name: object) -> bool:
    """Whether a column header names personal information (see :func:`personal_columns`)."""
    header = normalise_header(name)
    if re.sub(r"\d+$", "", header) in _PERSONAL_HEADERS:
        return True
    if any(fragment in header for fragment in PERSONAL_FRAGMENTS_ZH):
        return True
    words = _words(name)
    if PERSONAL_WORDS & set(words):
        return True
    if "id" in words and {"national", "identity", "card", "passport", "citizen"} & set(words):
        return True
    return "name" in words and set(words) - {"name"} <= _PERSON_WORDS


def personal_columns(names: Iterable) -> list:
    """The ``names`` (in their order) that hold personal information: the schema's PII columns
    under any header of :data:`PII_ALIASES` (case, spaces, underscores, hyphens and a trailing
    number ignored); any Chinese header containing one of :data:`PERSONAL_FRAGMENTS_ZH`
    (客户手机号, 投保人身份证号, 银行卡号 ...); any header with a word of :data:`PERSONAL_WORDS`
    (``customer_phone``, ``homeAddress``, ``date_of_birth``, ``remarks``); and a ``name`` that
    is a person's (``insured_name``, not ``cluster_name``). Free-text notes count: they often
    hold a phone number or an address. When in doubt a column is left out, never shipped."""
    return [name for name in names if is_personal(name)]


CUSTOMER_TYPES = ("individual", "organization")
CHANNELS = ("agency", "bancassurance", "group", "online")
PRODUCT_LINES = (
    "protection",
    "savings",
    "participating",
    "investment_linked",
    "health",
    "accident",
)
