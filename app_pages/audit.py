"""Audit log (administrators): who signed in, downloaded, revealed personal information, changed
a source, uploaded or changed an account, with filters and a download; and the accounts.

The log is append-only: this page reads it, and nothing in the application edits or deletes a
row (the database refuses it too, see :mod:`data.appdb`)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from ui import auth
from ui.auth import AUDIT_ACTIONS, app_db
from ui.exports import download_pair
from ui.formats import fmt_int
from ui.i18n import t
from ui.widgets import paged_table, section


def as_exported(rows: pd.DataFrame) -> pd.DataFrame:
    """Audit rows for a file: the time to the second (not just the day), counts as integers."""
    return rows.assign(
        at=pd.to_datetime(rows["at"]).dt.strftime("%Y-%m-%d %H:%M:%S"),
        rows=rows["rows"].astype("Int64"),
    )


def log_section() -> None:
    db = app_db()
    cells = st.columns([2, 1, 1, 1])
    actions = cells[0].multiselect(
        t("audit_actions"), AUDIT_ACTIONS, format_func=lambda a: t(f"action_{a}"),
        key="audit_actions", placeholder=t("all"),
    )  # fmt: skip
    username = cells[1].text_input(t("username"), key="audit_user", max_chars=200).strip()
    today = dt.date.today()
    since = cells[2].date_input(t("audit_since"), today - dt.timedelta(days=30), key="audit_since")
    until = cells[3].date_input(t("audit_until"), today, key="audit_until")
    rows = db.audit_rows(
        actions=actions or None,
        username=username or None,
        since=dt.datetime.combine(since, dt.time()),
        until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time()),
    )
    st.caption(t("audit_count", n=fmt_int(len(rows))))
    shown = pd.DataFrame(
        {
            t("audit_at"): rows["at"].astype("str"),
            t("username"): rows["username"].astype("str"),
            t("audit_role"): [t(f"role_{r}") if isinstance(r, str) else "" for r in rows["role"]],
            t("audit_action"): [t(f"action_{a}") for a in rows["action"]],
            t("audit_target"): rows["target"].fillna("").astype("str"),
            t("audit_rows"): ["" if pd.isna(v) else fmt_int(v) for v in rows["rows"]],
            t("audit_detail"): rows["detail"].fillna("").astype("str"),
        }
    )
    paged_table(shown, key="audit_table", page_size=50)
    download_pair(lambda: as_exported(rows), len(rows), t("page_audit"),
                  ("audit-log", "filtered"), None, key="audit_dl", columns=None,
                  unit="rows")  # fmt: skip


def accounts_section() -> None:
    st.subheader(t("accounts"), anchor=False)
    st.caption(t("accounts_help"))
    accounts = app_db().accounts()
    if not accounts:
        st.caption(t("no_accounts"))
        return
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    st.dataframe(
        pd.DataFrame(
            {
                t("username"): [a.username for a in accounts],
                t("audit_role"): [t(f"role_{a.role}") for a in accounts],
                t("regions"): [", ".join(a.regions) if a.regions else t("all") for a in accounts],
                t("account_state"): [
                    t("account_disabled") if a.disabled
                    else t("account_locked") if a.locked_until and a.locked_until > now
                    else t("account_active")
                    for a in accounts
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )  # fmt: skip


def main() -> None:
    auth.require("audit_log")
    st.title(t("page_audit"))
    with section():
        log_section()
    with section():
        accounts_section()


main()
