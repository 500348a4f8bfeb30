"""The application database: accounts, the append-only audit log and saved segment definitions.

``VALUESCOPE_APP_DB`` is its SQLAlchemy URL; by default a git-ignored SQLite file beside the demo
(``data/demo/valuescope_app.sqlite``). Tables are created on first use. Tested on SQLite and
PostgreSQL.

* ``accounts``: username, argon2 hash, role, regions (comma-separated; empty for every region),
  disabled, failed sign-ins in a row, locked until. Passwords are never stored or logged.
* ``audit_log``: at, username, role, action, target, rows, detail. Append-only: this module has
  no function that changes or deletes a row, and on SQLite and PostgreSQL a trigger refuses any
  UPDATE or DELETE on the table.
* ``segments``: named segment definitions (thresholds and rules as JSON). Saving a name again
  adds a version; nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from data.access import ROLES, normalise_regions

__all__ = [
    "AUDIT_ACTIONS",
    "LOCK_AFTER",
    "LOCK_MINUTES",
    "Account",
    "AccountError",
    "AppDB",
    "app_db",
    "default_url",
]

AUDIT_ACTIONS = (
    "sign_in", "sign_in_failed", "sign_out", "download", "pii_reveal", "source_change",
    "upload", "account_change", "segment_save",
)  # fmt: skip
#: Failed sign-ins in a row that lock an account, and for how long.
LOCK_AFTER = 5
LOCK_MINUTES = 15
_MAX_TEXT = 500  # audit text fields are cut to this many characters

metadata = sa.MetaData()
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("regions", sa.String(1000), nullable=False, default=""),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("failed", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("username", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=True),
    sa.Column("action", sa.String(32), nullable=False, index=True),
    sa.Column("target", sa.String(_MAX_TEXT), nullable=True),
    sa.Column("rows", sa.Integer, nullable=True),
    sa.Column("detail", sa.String(_MAX_TEXT), nullable=True),
)
segments = sa.Table(
    "segments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition", sa.Text, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("name", "version", name="uq_segments_name_version"),
)

_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_POSTGRES_TRIGGER = [
    """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
]


class AccountError(ValueError):
    """A refused account operation; ``code`` says why (``unknown_role``, ``exists`` ...)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    regions: tuple[str, ...] | None
    disabled: bool
    failed: int
    locked_until: dt.datetime | None


def default_url() -> str:
    url = os.environ.get("VALUESCOPE_APP_DB")
    if url:
        return url
    from data.demo import demo_dir

    folder = demo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(folder) / 'valuescope_app.sqlite'}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _cut(text: object) -> str | None:
    if text is None:
        return None
    return str(text)[:_MAX_TEXT]


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


class AppDB:
    """One application database. Thread-safe: each call uses its own connection."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        self._create()

    def _create(self) -> None:
        metadata.create_all(self.engine)
        _private_file(self.engine)
        with self.engine.begin() as conn:
            dialect = conn.dialect.name
            if dialect == "sqlite":
                for statement in _SQLITE_TRIGGERS:
                    conn.exec_driver_sql(statement)
            elif dialect == "postgresql":
                for statement in _POSTGRES_TRIGGER:
                    conn.exec_driver_sql(statement)

    # ------------------------------------------------------------------ accounts

    def add_account(
        self, username: str, password: str, role: str, regions=None, by: str = "cli"
    ) -> Account:
        username = _check_username(username)
        _check_role(role)
        _check_password(password)
        now = _now()
        row = {
            "username": username,
            "password_hash": _hasher().hash(password),
            "role": role,
            "regions": ",".join(normalise_regions(regions) or ()),
            "disabled": False,
            "failed": 0,
            "locked_until": None,
            "created_at": now,
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            exists = conn.execute(
                sa.select(accounts.c.username).where(accounts.c.username == username)
            ).first()
            if exists:
                raise AccountError(f"account {username!r} already exists", "exists")
            conn.execute(accounts.insert().values(**row))
        regions_text = row["regions"] or "all"
        self.audit(
            by, "admin", "account_change", target=username,
            detail=f"add role={role} regions={regions_text}",
        )  # fmt: skip
        return self.account(username)

    def account(self, username: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(accounts).where(accounts.c.username == str(username))
            ).first()
        if row is None:
            return None
        return Account(
            username=row.username,
            role=row.role,
            regions=tuple(row.regions.split(",")) if row.regions else None,
            disabled=bool(row.disabled),
            failed=int(row.failed or 0),
            locked_until=row.locked_until,
        )

    def accounts(self) -> list[Account]:
        with self.engine.connect() as conn:
            names = conn.execute(sa.select(accounts.c.username).order_by("username")).scalars()
            names = list(names)
        return [self.account(n) for n in names]

    def _update(self, username: str, **values) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                accounts.update()
                .where(accounts.c.username == username)
                .values(updated_at=_now(), **values)
            )
        if done.rowcount == 0:
            raise AccountError(f"no account {username!r}", "unknown_account")

    def set_password(self, username: str, password: str, by: str = "cli") -> None:
        _check_password(password)
        self._update(username, password_hash=_hasher().hash(password), failed=0, locked_until=None)
        self.audit(by, "admin", "account_change", target=username, detail="password")

    def set_disabled(self, username: str, disabled: bool = True, by: str = "cli") -> None:
        self._update(username, disabled=disabled)
        self.audit(
            by, "admin", "account_change", target=username,
            detail="disable" if disabled else "enable",
        )  # fmt: skip

    def verify(self, username: str, password: str, now: dt.datetime | None = None):
        """Check a sign-in: ``(account, None)`` or ``(None, reason)`` with reason one of
        ``unknown``, ``disabled``, ``locked``, ``bad_password``. Records the outcome: failures
        count towards the lock (:data:`LOCK_AFTER` in a row lock the account for
        :data:`LOCK_MINUTES`), and an audit row is written either way."""
        from argon2.exceptions import InvalidHashError, VerificationError

        now = now or _now()
        username = str(username or "").strip()[:64]
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.username == username)).first()
        if row is None:
            _hasher().hash(password or "-")  # same work as a real check: no timing oracle
            reason = "unknown"
        elif row.locked_until is not None and row.locked_until > now:
            reason = "locked"
        elif row.disabled:
            reason = "disabled"
        else:
            try:
                _hasher().verify(row.password_hash, password or "")
                reason = None
            except (VerificationError, InvalidHashError):
                reason = "bad_password"
        if reason is None:
            self._update(username, failed=0, locked_until=None)
            self.audit(username, row.role, "sign_in", detail="local")
            return self.account(username), None
        if reason == "bad_password" and self._count_failure(username, now):
            reason = "locked_now"
        self.audit(username or "-", None, "sign_in_failed", detail=reason)
        return None, reason

    def _count_failure(self, username: str, now: dt.datetime) -> bool:
        """Count one failed sign-in in the database itself (``failed = failed + 1``, so failures
        sent at the same moment from many sessions all count); lock the account when they reach
        :data:`LOCK_AFTER`. True when this failure locked it."""
        match = accounts.c.username == username
        with self.engine.begin() as conn:
            conn.execute(accounts.update().where(match).values(failed=accounts.c.failed + 1))
            failed = conn.execute(sa.select(accounts.c.failed).where(match)).scalar() or 0
            if failed < LOCK_AFTER:
                return False
            locked = conn.execute(
                accounts.update()
                .where(match & (accounts.c.failed >= LOCK_AFTER))
                .values(failed=0, locked_until=now + dt.timedelta(minutes=LOCK_MINUTES))
            )
            return locked.rowcount > 0

    # ------------------------------------------------------------------ audit

    def audit(
        self,
        username: str,
        role: str | None,
        action: str,
        target: object = None,
        rows: int | None = None,
        detail: object = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Append one row to the audit log (the only way this module writes it)."""
        if action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        with self.engine.begin() as conn:
            conn.execute(
                audit_log.insert().values(
                    at=at or _now(),
                    username=_cut(username) or "-",
                    role=role,
                    action=action,
                    target=_cut(target),
                    rows=None if rows is None else int(rows),
                    detail=_cut(detail),
                )
            )

    def audited(self, username: str, action: str, detail: str) -> bool:
        """Whether the log already has this user's ``action`` with exactly ``detail``."""
        query = (
            sa.select(audit_log.c.id)
            .where(audit_log.c.username == _cut(username))
            .where(audit_log.c.action == action)
            .where(audit_log.c.detail == _cut(detail))
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def audit_rows(
        self,
        actions=None,
        username: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 10_000,
    ):
        """Audit rows, newest first, filtered by actions, a username and a time range."""
        import pandas as pd

        query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if actions:
            query = query.where(audit_log.c.action.in_(list(actions)))
        if username:
            query = query.where(audit_log.c.username == username)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if until is not None:
            query = query.where(audit_log.c.at < until)
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=audit_log.c.keys())

    # ------------------------------------------------------------------ segments

    def save_segment(self, name: str, definition: dict, author: str) -> int:
        """Save ``definition`` under ``name`` as a new version; returns the version number."""
        name = " ".join(str(name).split())[:100]
        if not name:
            raise AccountError("a segment needs a name", "no_name")
        text = json.dumps(definition, sort_keys=True, ensure_ascii=False)
        for _ in range(3):  # two saves at once: the unique key makes one retry
            with self.engine.begin() as conn:
                latest = conn.execute(
                    sa.select(sa.func.max(segments.c.version)).where(segments.c.name == name)
                ).scalar()
                version = int(latest or 0) + 1
                try:
                    conn.execute(
                        segments.insert().values(
                            name=name,
                            version=version,
                            definition=text,
                            author=_cut(author),
                            created_at=_now(),
                        )  # fmt: skip
                    )
                except sa.exc.IntegrityError:
                    continue
            return version
        raise AccountError("the segment is being saved by someone else; try again", "busy")

    def segment_names(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(sa.select(segments.c.name).distinct().order_by(segments.c.name))
                .scalars()
                .all()
            )

    def segment_versions(self, name: str):
        import pandas as pd

        query = (
            sa.select(segments.c.version, segments.c.author, segments.c.created_at)
            .where(segments.c.name == name)
            .order_by(segments.c.version.desc())
        )
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all())

    def load_segment(self, name: str, version: int | None = None) -> dict | None:
        query = sa.select(segments.c.definition).where(segments.c.name == name)
        if version is None:
            query = query.order_by(segments.c.version.desc()).limit(1)
        else:
            query = query.where(segments.c.version == int(version))
        with self.engine.connect() as conn:
            text = conn.execute(query).scalar()
        return None if text is None else json.loads(text)


def _private_file(engine) -> None:
    """A SQLite application database holds password hashes: readable by its owner only."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return
    path = Path(engine.url.database)
    if path.is_file():
        path.chmod(0o600)


def _check_username(username: str) -> str:
    name = str(username or "").strip()
    if not name or len(name) > 64 or any(ch.isspace() or not ch.isprintable() for ch in name):
        raise AccountError("a username is 1-64 printable characters without spaces", "bad_name")
    return name


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}", "unknown_role")


def _check_password(password: str) -> None:
    if len(password or "") < 8:
        raise AccountError("a password has at least 8 characters", "short_password")


_LOCK = threading.Lock()
_DBS: dict[str, AppDB] = {}


def app_db(url: str | None = None) -> AppDB:
    """The process's application database for ``url`` (default :func:`default_url`)."""
    url = url or default_url()
    with _LOCK:
        if url not in _DBS:
            _DBS[url] = AppDB(url)
        return _DBS[url]
