"""Manage sign-in accounts in the application database (``VALUESCOPE_APP_DB``).

    python -m data.accounts add USERNAME --role ROLE [--region R ...] --password-stdin
    python -m data.accounts list
    python -m data.accounts disable USERNAME
    python -m data.accounts enable USERNAME
    python -m data.accounts passwd USERNAME --password-stdin

Passwords are read from standard input (one line), never from the command line, where other
users of the machine could read them; they are stored as argon2 hashes. Every change is written
to the audit log as ``account_change``. Exit codes: 0 done, 1 refused (the reason on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys

from data.access import ROLES
from data.appdb import AccountError, app_db


def _password(args) -> str:
    if not args.password_stdin:
        raise AccountError("give the password on standard input with --password-stdin", "no_pw")
    if sys.stdin.isatty():  # typed at a terminal: not echoed
        import getpass

        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


def _operator() -> str:
    """Who ran the command: ``cli:<the operating-system user>``."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m data.accounts", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--app-db", help="application database URL (default VALUESCOPE_APP_DB)")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add an account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--region", action="append", default=None,
                     help="a region the account sees (repeat; none: every region)")  # fmt: skip
    add.add_argument("--password-stdin", action="store_true")
    commands.add_parser("list", help="list accounts (no hashes)")
    for verb in ("disable", "enable"):
        commands.add_parser(verb, help=f"{verb} an account").add_argument("username")
    passwd = commands.add_parser("passwd", help="set a new password (also unlocks)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)
    try:
        db = app_db(args.app_db)
        if args.command == "add":
            account = db.add_account(
                args.username, _password(args), args.role, args.region, by=_operator()
            )
            print(f"added {account.username} ({account.role})")
        elif args.command == "list":
            for a in db.accounts():
                print(json.dumps({
                    "username": a.username, "role": a.role,
                    "regions": list(a.regions) if a.regions else "all",
                    "disabled": a.disabled,
                    "locked_until": a.locked_until.isoformat() if a.locked_until else None,
                }, ensure_ascii=False))  # fmt: skip
        elif args.command in ("disable", "enable"):
            db.set_disabled(args.username, args.command == "disable", by=_operator())
            print(f"{args.command}d {args.username}")
        elif args.command == "passwd":
            db.set_password(args.username, _password(args), by=_operator())
            print(f"password set for {args.username}")
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
