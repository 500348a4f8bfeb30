"""The data contract as SQLAlchemy Core tables (DESIGN.md, "Data contract").

Columns holding personal information carry ``info={"pii": True}``; :data:`PII_COLUMNS`
is derived from that mark so masking and the data dictionary never drift from the schema.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Double, Integer, MetaData, String, Table

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

TABLES: dict[str, Table] = {
    t.name: t for t in (transactions, customers, loyalty_members, interactions)
}

PII_COLUMNS: frozenset[str] = frozenset(
    c.name for t in TABLES.values() for c in t.columns if c.info.get("pii")
)

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


def personal_columns(names):  # TEMPORARY stub until the hardening branch lands
    return [n for n in names if str(n) in PII_COLUMNS]
