"""Data: the active source and its load report (rejects downloadable), file upload with column
mapping, a database connection by URL, switching between the demos, and the data dictionary."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from data.load import (
    ALIASES,
    OPTIONAL,
    REJECT_REASONS,
    REQUIRED,
    SourceError,
    read_file,
    resolve_columns,
)
from data.schema import TABLES
from ui import data as ui_data
from ui.i18n import fmt_int, t
from ui.widgets import download, file_name, section


def report(dataset) -> None:
    rep = dataset.report
    st.subheader(f"{t('active_source')}: {dataset.name}")
    cells = st.columns(4)
    cells[0].metric(t("rows_read"), fmt_int(rep.rows_read))
    cells[1].metric(t("rows_used"), fmt_int(rep.rows_used))
    cells[2].metric(t("duplicates"), fmt_int(rep.duplicates))
    cells[3].metric(t("rejected"), fmt_int(sum(rep.rejected.values())))
    if rep.rejected:
        st.dataframe(
            pd.DataFrame(
                {
                    t("reason"): [t(f"reason_{r}") for r in rep.rejected],
                    t("rejected"): list(rep.rejected.values()),
                }
            ),
            hide_index=True,
        )
    if rep.column_mapping:
        st.caption(" · ".join(f"{k} ← {v}" for k, v in rep.column_mapping.items()))
    stem = dataset.name
    if len(rep.rejected_rows):
        st.dataframe(rep.rejected_rows.head(200), hide_index=True, width="stretch")
        download(
            rep.rejected_rows,
            file_name("rejected-rows", stem, None),
            t("download_rejects"),
            key="data_rejects",
        )
    if len(rep.duplicate_rows):
        download(
            rep.duplicate_rows,
            file_name("duplicate-rows", stem, None),
            t("download_duplicates"),
            key="data_duplicates",
        )


def upload() -> None:
    limit = st.get_option("server.maxUploadSize")
    st.subheader(t("upload"))
    file = st.file_uploader(
        t("upload_help", mb=limit), type=["csv", "txt", "xlsx", "parquet"], key="upload_file"
    )
    if file is None:
        return
    content = file.getvalue()
    digest = hashlib.sha1(content).hexdigest()[:12]  # a new file gets fresh mapping widgets
    try:
        raw = read_file(content, name=file.name)
    except SourceError as exc:
        st.error(t("source_error", error=str(exc)))
        return
    columns = [str(c) for c in raw.columns]
    try:
        detected = resolve_columns(columns, None, required=(), optional=(*REQUIRED, *OPTIONAL))
    except SourceError:
        detected = {}
    st.markdown(f"**{t('column_mapping')}**")
    mapping = {}
    auto = t("auto_detect")

    def auto_label(column: str) -> str:
        return column or auto

    cells = st.columns(4)
    for i, canonical in enumerate((*REQUIRED, *OPTIONAL)):
        options = ["", *columns]
        guess = detected.get(canonical, "")
        label = f"{canonical} ({t('required') if canonical in REQUIRED else t('optional')})"
        chosen = cells[i % 4].selectbox(
            label, options, index=options.index(guess) if guess in options else 0,
            format_func=auto_label, key=f"map_{canonical}_{digest}",
        )  # fmt: skip
        if chosen:
            mapping[canonical] = chosen
    st.dataframe(raw.head(5), hide_index=True, width="stretch")
    st.button(
        t("use_upload"),
        type="primary",
        key="use_upload",
        on_click=_use_upload,
        args=(content, file.name, columns, mapping),
    )


# Switching the source happens in button callbacks: they run before the next script run, the
# only moment the sidebar's source selector may be changed. The outcome is shown on that run.


def _switch(source: str, **state) -> None:
    """Make ``source`` active; if it cannot be loaded, keep the previous one untouched."""
    s = st.session_state
    restore_keys = ("source", "as_of", "f_type", "f_channel", "f_region", "f_product", *state)
    previous = {key: s.get(key) for key in restore_keys}
    s.update(state, source=source)
    for key in ("as_of", "f_type", "f_channel", "f_region", "f_product"):
        s[key] = None if key == "as_of" else []
    try:
        dataset, _ = ui_data.dataset()
    except SourceError as exc:
        s.update(previous)
        s["_data_message"] = ("error", t("source_error", error=str(exc)))
        return
    s["_data_message"] = (
        "success",
        t("source_loaded", name=dataset.name, rows=fmt_int(dataset.report.rows_used)),
    )


def _use_upload(content: bytes, name: str, columns: list[str], mapping: dict) -> None:
    try:
        resolve_columns(columns, mapping)
    except SourceError as exc:
        st.session_state["_data_message"] = ("error", t("source_error", error=str(exc)))
        return
    _switch("upload", upload_bytes=content, upload_name=name, upload_mapping=mapping)


def _connect() -> None:
    s = st.session_state
    url = (s.get("db_url_input") or "").strip()
    if not url:
        return
    _switch(
        "database",
        db_url=url,
        db_table=(s.get("db_table_input") or "").strip() or "transactions",
        db_customers=(s.get("db_customers_input") or "").strip(),
        db_loyalty=(s.get("db_loyalty_input") or "").strip(),
    )


def database() -> None:
    st.subheader(t("connect_db"))
    with st.form("db_form"):
        st.text_input(
            t("db_url"), placeholder="postgresql+psycopg://user@host:5432/db", key="db_url_input"
        )
        cells = st.columns(3)
        cells[0].text_input(t("db_table"), value="transactions", key="db_table_input")
        cells[1].text_input(t("db_customers_table"), key="db_customers_input")
        cells[2].text_input(t("db_loyalty_table"), key="db_loyalty_input")
        st.form_submit_button(t("connect"), on_click=_connect, key="db_connect")


def dictionary() -> None:
    st.subheader(t("dictionary"))
    rows = []
    for table in TABLES.values():
        for column in table.columns:
            aliases = (
                ", ".join(ALIASES.get(column.name, ())[:6]) if table.name == "transactions" else ""
            )
            rows.append(
                {
                    "table": table.name,
                    "column": column.name,
                    "type": str(column.type),
                    "note": " · ".join(
                        x
                        for x in (
                            t("required")
                            if table.name == "transactions" and column.name in REQUIRED
                            else "",
                            t("pii_column") if column.info.get("pii") else "",
                            aliases,
                        )
                        if x
                    ),
                }
            )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(", ".join(t(f"reason_{r}") + f" = {r}" for r in REJECT_REASONS))


def main() -> None:
    st.title(t("page_data"))
    cells = st.columns(2)
    cells[0].button(t("switch_demo"), key="switch_demo", on_click=_switch, args=("demo",))
    cells[1].button(t("switch_cdnow"), key="switch_cdnow", on_click=_switch, args=("cdnow",))
    message = st.session_state.pop("_data_message", None)
    if message:
        (st.success if message[0] == "success" else st.error)(message[1])
    with section():
        try:
            dataset, _ = ui_data.dataset()
            report(dataset)
        except SourceError as exc:
            st.error(t("source_error", error=str(exc)))
    with section():
        upload()
    with section():
        database()
    with section():
        dictionary()


main()
