"""Saved segment definitions: marketers save the thresholds and rules in force under a name;
anyone opens one by name (the latest version, or an earlier one).

A definition is stored in the form of a shared link's query string (:func:`ui.state.dump_query`)
and opened through the same validation (:func:`ui.state.parse_query`): a stored value that is no
longer valid falls back to its default with the same notice a mangled link gets. Saving a name
again adds a version; nothing is overwritten (:mod:`data.appdb`).
"""

from __future__ import annotations

import logging

import streamlit as st

from data.access import allows
from ui import state
from ui.i18n import t
from ui.widgets import plain

log = logging.getLogger("valuescope")

#: The tunables a segment definition holds: every threshold and rule, not the source, the
#: as-of date, the filters or the language.
DEFINITION_KEYS = tuple(
    k for k in state.KEYS if k not in ("lang", "source", "as_of", *state.FILTER_KEYS)
)


def _db():
    from data.appdb import app_db

    return app_db()


def definition(values: dict) -> dict[str, str]:
    """The definition of the thresholds in ``values`` (a session's state)."""
    dumped = state.dump_query({k: values.get(k) for k in DEFINITION_KEYS if k in values})
    return {k: v for k, v in dumped.items() if k in DEFINITION_KEYS}


def apply(stored: dict) -> list[str]:
    """Put a stored definition into the session; returns the keys that fell back to defaults."""
    text = {k: v for k, v in stored.items() if k in DEFINITION_KEYS}
    values, rejected = state.parse_query(text)
    mode = values.get("rfm_mode", state.KEYS["rfm_mode"].default)
    bins = values.get("rfm_bins", state.KEYS["rfm_bins"].default)
    if "rules" in values and not state.rules_fit(values["rules"], mode, bins):
        del values["rules"]
        rejected.append("rules")
    for key in DEFINITION_KEYS:
        st.session_state[key] = values.get(key, state.KEYS[key].default)
    return rejected


def _save() -> None:
    from ui import auth

    user = auth.current_user()
    if not allows(user, "save_segments"):  # the button is not drawn; refuse anyway
        return
    name = " ".join(str(st.session_state.get("segment_name") or "").split())
    if not name:
        st.session_state["_segment_message"] = ("error", t("segment_needs_name"))
        return
    version = _db().save_segment(name, definition(dict(st.session_state)), user.username)
    auth.audit("segment_save", target=name, detail=f"version {version}")
    st.session_state["_segment_message"] = (
        "success",
        t("segment_saved", name=name, version=version),
    )


def _open() -> None:
    name = st.session_state.get("segment_open")
    version = st.session_state.get("segment_version")
    if not name:
        return
    stored = _db().load_segment(name, None if version in (None, "latest") else int(version))
    if stored is None:
        return
    rejected = apply(stored)
    st.session_state["_url_reset"] = rejected
    st.session_state["_segment_message"] = ("success", t("segment_opened", name=name))


def sidebar(user) -> None:
    """The saved-segments box of the sidebar."""
    if not allows(user, "open_segments"):
        return
    try:
        names = _db().segment_names()
    except Exception:  # noqa: BLE001 - the app database is down: the dashboards still work
        log.exception("saved segments unavailable")
        return
    with st.expander(t("saved_segments"), icon=":material/bookmarks:"):
        message = st.session_state.pop("_segment_message", None)
        if message:
            kind, text = message
            (st.success if kind == "success" else st.error)(plain(text))
        if names:
            if st.session_state.get("segment_open") not in names:
                st.session_state["segment_open"] = names[0]
            chosen = st.selectbox(t("segment_name"), names, key="segment_open")
            versions = _db().segment_versions(chosen)
            options = ["latest", *[int(v) for v in versions["version"]]] if len(versions) else []
            if st.session_state.get("segment_version") not in options:
                st.session_state["segment_version"] = "latest"
            st.selectbox(
                t("segment_version"),
                options,
                format_func=lambda v: t("latest_version") if v == "latest" else f"v{v}",
                key="segment_version",
            )
            st.button(t("open_segment"), on_click=_open, key="segment_open_button")
        else:
            st.caption(t("no_saved_segments"))
        if allows(user, "save_segments"):
            st.text_input(t("save_as"), key="segment_name", max_chars=100)
            st.button(t("save_segment"), on_click=_save, key="segment_save_button")
