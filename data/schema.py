"""The data contract as SQLAlchemy Core tables (DESIGN.md, "Data contract").

Columns holding personal information carry ``info={"pii": True}``; :data:`PII_COLUMNS`
is derived from that mark so masking and the data dictionary never drift from the schema.
Files name those columns in many ways (``手机``, ``E-mail``, ``customer_name`` ...):
:func:`personal_columns` recognises them under :data:`PII_ALIASES`, so exports and load reports
can leave them out whatever the source called them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Column, Date, DateTime, Double, Integer, MetaData, String, Table

from data.columns import normalise_header

metadata = MetaData()


def _pii(name: str, length: int = 200) -> Column:
    return Column(name, String(length), info={"pii": True})


transactions = Table(
    "transactions",
    metadata,
    Column("transaction_id", String(32), primary_key=True),
    Column("customer_id", String(32), nullable=False, index=True),
    Column("transaction_date", Date, nullable=False),
    Column("amount", Double, nullable=False),
    Column("transaction_type", String(16)),
    Column("policy_id", String(32)),
    Column("product_line", String(32)),
    Column("channel", String(16)),
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(32), primary_key=True),
    Column("customer_type", String(16), nullable=False),
    _pii("name"),
    _pii("phone", 32),
    _pii("email"),
    _pii("id_number", 32),
    _pii("address"),
    Column("gender", String(8)),
    Column("birth_date", Date),
    Column("region", String(32)),
    Column("city", String(32)),
    Column("industry", String(32)),
    Column("channel", String(16)),
    Column("agent_id", String(16)),
    Column("signup_date", Date),
)

loyalty_members = Table(
    "loyalty_members",
    metadata,
    Column("customer_id", String(32), primary_key=True),
    Column("enrolled_at", Date, nullable=False),
    Column("tier", String(16)),
    Column("points_balance", Integer),
)

interactions = Table(
    "interactions",
    metadata,
    Column("interaction_id", String(32), primary_key=True),
    Column("customer_id", String(32), nullable=False, index=True),
    Column("contact_at", DateTime, nullable=False),
    Column("contact_channel", String(16)),
    Column("reason", String(32)),
    Column("satisfaction", Integer),
)

policies = Table(
    "policies",
    metadata,
    Column("policy_id", String(32), primary_key=True),
    Column("customer_id", String(32), nullable=False, index=True),
    Column("channel", String(16)),
    Column("product_line", String(32)),
    Column("agent_id", String(16)),
    Column("issue_date", Date, nullable=False),
    Column("payment_mode", String(16), nullable=False),
    Column("installment_premium", Double, nullable=False),
    Column("term_years", Integer),
    Column("status", String(16)),
    Column("status_date", Date),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (transactions, customers, loyalty_members, interactions, policies)
}

PII_COLUMNS: frozenset[str] = frozenset(
    c.name for t in TABLES.values() for c in t.columns if c.info.get("pii")
)

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
