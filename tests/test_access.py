"""Graded access: the role matrix, the application database (SQLite and PostgreSQL), the
accounts command line, lockout and the append-only audit log."""

from __future__ import annotations

import datetime as dt
import getpass
import subprocess
import sys

import pytest
import sqlalchemy as sa

from data.access import CAPABILITIES, ROLES, User, allows, normalise_regions
from data.appdb import LOCK_AFTER, AccountError, AppDB
from tests.conftest import ROOT

# DESIGN.md "Access": what each role may do, written out by hand (not derived from the code).
EXPECTED = {
    "viewer": {"dashboards", "open_segments"},
    "marketer": {"dashboards", "open_segments", "customer_rows", "download", "save_segments"},
    "service": {"dashboards", "open_segments", "customer_rows", "download", "save_segments",
                "lookup"},
    "steward": {"dashboards", "open_segments", "customer_rows", "download", "save_segments",
                "lookup", "data_page", "upload", "named_connections"},
    "admin": set(CAPABILITIES),
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_each_role_has_exactly_its_capabilities(role):
    user = User("u", role)
    assert {c for c in CAPABILITIES if allows(user, c)} == EXPECTED[role]


@pytest.mark.parametrize("role", [None, "", "superuser", "Admin"])
def test_deny_by_default(role):
    assert not any(allows(User("u", role), c) for c in CAPABILITIES)
    assert not allows(None, "dashboards")
    assert not allows(User("u", "admin"), "no_such_capability")


def test_regions_are_normalised():
    assert normalise_regions(None) is None
    assert normalise_regions("*") is None
    assert normalise_regions(" 广东, 北京,广东 ") == ("北京", "广东")
    assert normalise_regions([]) == ()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        yield AppDB(f"sqlite:///{tmp_path / 'app.sqlite'}")
    else:
        url = request.getfixturevalue("postgres_url")
        engine = sa.create_engine(url)
        with engine.begin() as conn:  # a fresh start for each test on the shared schema
            for table in ("audit_log", "segments", "accounts"):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table} CASCADE")
        engine.dispose()
        yield AppDB(url)


def test_accounts_sign_in_and_lock_out(db):
    db.add_account("alice", "correct horse", "marketer", ["广东"])
    account, reason = db.verify("alice", "correct horse")
    assert reason is None and account.role == "marketer" and account.regions == ("广东",)
    t0 = dt.datetime(2026, 1, 1, 9, 0)
    for attempt in range(1, LOCK_AFTER):
        assert db.verify("alice", "wrong", now=t0) == (None, "bad_password"), attempt
    assert db.verify("alice", "wrong", now=t0) == (None, "locked_now")
    # Locked: even the right password is refused for 15 minutes, then accepted.
    assert db.verify("alice", "correct horse", now=t0 + dt.timedelta(minutes=14)) == (
        None,
        "locked",
    )
    account, reason = db.verify("alice", "correct horse", now=t0 + dt.timedelta(minutes=16))
    assert reason is None and account.username == "alice"
    assert db.verify("nobody", "whatever") == (None, "unknown")
    db.set_disabled("alice")
    assert db.verify("alice", "correct horse") == (None, "disabled")
    actions = db.audit_rows()["action"].tolist()[::-1]  # oldest first
    assert actions == [
        "account_change", "sign_in", *["sign_in_failed"] * (LOCK_AFTER + 1), "sign_in",
        "sign_in_failed", "account_change", "sign_in_failed",
    ]  # fmt: skip
    details = db.audit_rows(actions=["sign_in_failed"])["detail"].tolist()[::-1]
    assert details[LOCK_AFTER - 1 : LOCK_AFTER + 1] == ["locked_now", "locked"]


def test_passwords_are_argon2_hashes_never_text(db):
    db.add_account("bob", "s3cret-pass", "viewer")
    with db.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM accounts").scalar()
    assert stored.startswith("$argon2id$") and "s3cret-pass" not in stored
    with pytest.raises(AccountError) as short:
        db.add_account("carol", "short", "viewer")
    assert short.value.code == "short_password"
    with pytest.raises(AccountError) as role:
        db.add_account("carol", "long enough", "root")
    assert role.value.code == "unknown_role"
    with pytest.raises(AccountError):
        db.add_account("bob", "another-pass", "viewer")


def test_the_audit_log_is_append_only(db):
    db.audit("alice", "marketer", "download", target="rfm_champions.csv", rows=12,
             detail="columns: customer_id,segment")  # fmt: skip
    assert not hasattr(db, "delete_audit") and not hasattr(db, "update_audit")
    for statement in ("UPDATE audit_log SET username = 'x'", "DELETE FROM audit_log"):
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            db.engine.begin() as conn,
        ):
            conn.exec_driver_sql(statement)
    row = db.audit_rows().iloc[0]
    assert (row["username"], row["action"], row["rows"]) == ("alice", "download", 12)
    with pytest.raises(ValueError):
        db.audit("alice", "marketer", "delete_everything")


def test_segment_definitions_are_versioned_never_overwritten(db):
    assert db.save_segment("Q3 campaign", {"rfm_bins": "4"}, "alice") == 1
    assert db.save_segment("Q3 campaign", {"rfm_bins": "3"}, "bob") == 2
    assert db.save_segment("Other", {"k": "6"}, "alice") == 1
    assert db.segment_names() == ["Other", "Q3 campaign"]
    assert db.load_segment("Q3 campaign") == {"rfm_bins": "3"}
    assert db.load_segment("Q3 campaign", 1) == {"rfm_bins": "4"}
    assert db.segment_versions("Q3 campaign")["author"].tolist() == ["bob", "alice"]


def _cli(app_db: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data.accounts", "--app-db", app_db, *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip


def test_accounts_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    done = _cli(url, "add", "wang", "--role", "service", "--region", "广东", "--region", "北京",
                "--password-stdin", stdin="pass-word-1\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    listed = _cli(url, "list")
    assert '"username": "wang"' in listed.stdout and '"regions": ["北京", "广东"]' in listed.stdout
    assert "argon2" not in listed.stdout and "pass-word-1" not in listed.stdout
    assert _cli(url, "passwd", "wang", "--password-stdin", stdin="pass-word-2\n").returncode == 0
    db = AppDB(url)
    assert db.verify("wang", "pass-word-2")[1] is None
    assert db.verify("wang", "pass-word-1")[1] == "bad_password"
    assert _cli(url, "disable", "wang").returncode == 0
    assert db.verify("wang", "pass-word-2")[1] == "disabled"
    refused = _cli(url, "add", "li", "--role", "root", "--password-stdin", stdin="x" * 10)
    assert refused.returncode != 0
    missing = _cli(url, "disable", "nobody")
    assert (
        missing.returncode == 1 and "nobody" in missing.stderr and "Traceback" not in missing.stderr
    )
    changes = db.audit_rows(actions=["account_change"])["detail"].tolist()[::-1]
    assert changes == ["add role=service regions=北京,广东", "password", "disable"]
    operators = db.audit_rows(actions=["account_change"])["username"]
    assert set(operators) == {f"cli:{getpass.getuser()}"}  # the operating-system user who ran it
    assert oct((tmp_path / "app.sqlite").stat().st_mode & 0o777) == "0o600"


def test_failures_sent_at_once_from_many_sessions_all_count(db):
    from concurrent.futures import ThreadPoolExecutor

    db.add_account("target", "correct horse", "admin")
    with ThreadPoolExecutor(max_workers=8) as pool:
        reasons = list(pool.map(lambda _: db.verify("target", "wrong")[1], range(12)))
    assert "locked_now" in reasons  # the fifth failure locked it, whatever the interleaving
    assert db.account("target").locked_until is not None
    assert db.verify("target", "correct horse") == (None, "locked")
