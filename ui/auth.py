"""Sign-in, the signed-in user and the audit trail of a dashboard session.

``VALUESCOPE_AUTH`` chooses how people sign in:

* ``none`` (the default): no sign-in; the one local user is an administrator, and the sidebar
  says so.
* ``local``: accounts in the application database (:mod:`data.appdb`), a username and password
  form; 5 failed attempts in a row lock the account for 15 minutes.
* ``oidc``: Streamlit's ``st.login()`` against the ``[auth]`` section of
  ``.streamlit/secrets.toml``; the role and regions come from ID-token claims named by
  ``VALUESCOPE_ROLE_CLAIM`` (default ``valuescope_role``) and ``VALUESCOPE_REGIONS_CLAIM``
  (default ``valuescope_regions``; a missing claim means every region).

A signed-in session ends after ``VALUESCOPE_IDLE_MINUTES`` (default 30) without a rerun. The user
lives in session state under a key no widget has, so the browser cannot set it; the account is
read again on every run, so a disabled account or a changed role takes effect at once.
"""

from __future__ import annotations

import logging
import os
import time

import streamlit as st

from data.access import User, allows, normalise_regions

__all__ = [
    "allowed",
    "allows",
    "audit",
    "audit_as",
    "auth_mode",
    "current_user",
    "gate",
    "require",
    "sign_out",
]

log = logging.getLogger("valuescope")
MODES = ("none", "local", "oidc")
_KEY = "_auth_user"  # no widget uses this key, so no browser message can set it
_SEEN = "_auth_seen"
_NOW = "_auth_now"  # the user as resolved at the start of this run


def auth_mode() -> str:
    return (os.environ.get("VALUESCOPE_AUTH") or "none").strip().lower()


def idle_seconds() -> float:
    try:
        minutes = float(os.environ.get("VALUESCOPE_IDLE_MINUTES", "30"))
    except ValueError:
        minutes = 30.0
    return max(minutes, 0.1) * 60


def _db():
    from data.appdb import app_db  # deferred: SQLAlchemy is imported when a page needs it

    return app_db()


def __getattr__(name: str):
    """``AUDIT_ACTIONS`` and ``app_db`` from :mod:`data.appdb`, imported on first use."""
    if name in ("AUDIT_ACTIONS", "app_db"):
        from data import appdb

        return getattr(appdb, name)
    raise AttributeError(name)


def audit(action: str, target: object = None, rows: int | None = None, detail=None) -> None:
    """Write one audit row for the signed-in user (a failure is logged, never shown)."""
    user = current_user()
    username = user.username if user else "-"
    role = user.role if user else None
    audit_as(username, role, action, target, rows, detail)


def audit_as(username, role, action, target=None, rows=None, detail=None) -> None:
    try:
        _db().audit(username, role, action, target=target, rows=rows, detail=detail)
    except Exception:  # noqa: BLE001 - an audit failure must be visible to operators
        log.exception("audit row could not be written (action %s)", action)


def current_user() -> User | None:
    """The user of this session as :func:`gate` found it at the start of this run, or ``None``
    when nobody is signed in."""
    if _NOW in st.session_state:
        return st.session_state[_NOW]
    return _resolve()


def _resolve() -> User | None:
    """The user from the sign-in state, read afresh (the account from the database)."""
    mode = auth_mode()
    if mode == "none":
        return User("local", "admin", None, "none")
    if mode == "local":
        return _local_user()
    if mode == "oidc":
        return _oidc_user()
    return None  # an unknown mode lets nobody in


def _touch_or_expire() -> bool:
    """Record activity; False (and the session signed out) if it idled too long."""
    now = time.monotonic()
    seen = st.session_state.get(_SEEN)
    if seen is not None and now - seen > idle_seconds():
        return False
    st.session_state[_SEEN] = now
    return True


def _local_user() -> User | None:
    username = st.session_state.get(_KEY)
    if not username:
        return None
    account = _db().account(username)
    if account is None or account.disabled:
        st.session_state.pop(_KEY, None)
        return None
    return User(account.username, account.role, account.regions, "local")


def _oidc_user() -> User | None:
    info = st.user
    if not info.get("is_logged_in"):
        return None
    role_claim = os.environ.get("VALUESCOPE_ROLE_CLAIM", "valuescope_role")
    regions_claim = os.environ.get("VALUESCOPE_REGIONS_CLAIM", "valuescope_regions")
    role = info.get(role_claim)
    role = role if isinstance(role, str) else None
    username = str(info.get("email") or info.get("preferred_username") or info.get("sub") or "-")
    try:
        regions = normalise_regions(info.get(regions_claim))
    except TypeError:
        regions = ()  # a claim of an unexpected shape: no region at all
    return User(username, role, regions, "oidc")


def allowed(capability: str) -> bool:
    """Whether the signed-in user has ``capability`` (server-side; deny by default)."""
    return allows(current_user(), capability)


def require(capability: str) -> User:
    """Stop the page here unless the user has ``capability``."""
    from ui.i18n import t

    user = current_user()
    if not allows(user, capability):
        st.error(t("not_allowed"), icon=":material/block:")
        st.stop()
    return user


def sign_out() -> None:
    user = current_user()
    if user is not None and user.mode != "none":
        audit_as(user.username, user.role, "sign_out")
    for key in (_KEY, _SEEN, _NOW, "_auth_logged"):
        st.session_state.pop(key, None)
    if auth_mode() == "oidc" and st.user.get("is_logged_in"):
        st.logout()


def _sign_in(username: str, password: str) -> None:
    from data.appdb import LOCK_AFTER
    from ui.i18n import t

    account, reason = _db().verify(username, password)
    if account is None:
        # Failures are also counted per session and name, so an unknown name "locks" like a
        # real one and the message does not tell which usernames exist.
        fails = st.session_state.setdefault("_auth_fails", {})
        name = str(username or "").strip()[:64]
        fails[name] = fails.get(name, 0) + 1
        locked = reason in ("locked", "locked_now") or fails[name] >= LOCK_AFTER
        st.session_state["_auth_message"] = t("sign_in_locked" if locked else "sign_in_failed")
        return
    st.session_state.get("_auth_fails", {}).pop(account.username, None)
    st.session_state[_KEY] = account.username
    st.session_state[_SEEN] = time.monotonic()
    st.session_state.pop("_auth_message", None)


def _submit() -> None:
    s = st.session_state
    _sign_in(s.get("signin_username", ""), s.get("signin_password", ""))
    s["signin_password"] = ""


def sign_in_page() -> None:
    """The sign-in form (local) or button (OIDC), with the language switch."""
    from ui.i18n import LANGUAGES, t

    with st.sidebar:
        st.radio(
            t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True
        )
    st.title(t("app_title"))
    st.caption(t("app_subtitle"))
    message = st.session_state.pop("_auth_message", None)
    if message:
        st.error(message, icon=":material/lock:")
    if auth_mode() == "local":
        with st.form("sign_in", enter_to_submit=True):
            st.text_input(t("username"), key="signin_username", max_chars=64)
            st.text_input(t("password"), type="password", key="signin_password", max_chars=200)
            st.form_submit_button(
                t("sign_in"), type="primary", on_click=_submit, key="signin_submit"
            )
    elif auth_mode() == "oidc":
        st.button(t("sign_in_oidc"), type="primary", on_click=st.login, key="oidc_login")
    else:
        st.error(t("auth_misconfigured", mode=auth_mode()[:20]))


def gate(keep_link=None) -> User:
    """Let the session through only with a signed-in user who has a role; else show the sign-in
    page (or the no-role message) and stop the script. ``keep_link()`` is called before stopping
    so a deep link survives the sign-in (the pages are registered, hidden, and none is run)."""
    from ui.i18n import t

    mode = auth_mode()
    st.session_state.pop(_NOW, None)
    if mode not in MODES:
        sign_in_page()
        st.stop()
    user = _resolve()
    if user is not None and mode != "none" and not _touch_or_expire():
        sign_out()
        st.session_state["_auth_message"] = t("session_expired")
        user = None
    if user is None:
        sign_in_page()
        if keep_link is not None:
            keep_link()
        st.stop()
    if mode == "oidc" and not st.session_state.get("_auth_logged"):
        # One row per sign-in at the provider, not per browser tab the session cookie opens.
        st.session_state["_auth_logged"] = True
        detail = f"oidc auth_time={st.user.get('auth_time') or st.user.get('iat') or '-'}"
        try:
            seen = _db().audited(user.username, "sign_in", detail)
        except Exception:  # noqa: BLE001 - then write the row rather than miss one
            seen = False
        if not seen:
            audit_as(user.username, user.role, "sign_in", detail=detail)
    if not user.known_role or user.regions == ():
        st.sidebar.button(t("sign_out"), on_click=sign_out, key="sign_out")
        st.error(t("no_role"), icon=":material/block:")
        st.stop()
    st.session_state[_NOW] = user
    return user
