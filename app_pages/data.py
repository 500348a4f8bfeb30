"""Data (stewards and admins): the active source and its load report (rejects downloadable,
personal columns removed), file upload with column mapping (preview masked), the named
connections an admin configured, a database by typed URL (admins only), switching between the
demos, and the data dictionary. Every source change and upload is audited."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from analytics._validate import CodedError
from data.load import (
    ALIASES,
    OPTIONAL,
    POLICY_ALIASES,
    POLICY_REQUIRED,
    REQUIRED,
    read_file,
    resolve_columns,
)
from data.schema import TABLES, personal_columns
from ui import auth, sources, state
from ui.exports import download_pair
from ui.formats import fmt_date, fmt_int
from ui.i18n import (
    column_label,
    describe_error,
    lang,
    name,
    t,
    table_label,
    transaction_column_label,
)
from ui.widgets import plain, section, show_error

CURRENCY_NAMES = {"CNY": ("CNY (¥)", "人民币（¥）"), "USD": ("USD ($)", "美元（$）")}


def report(dataset) -> None:
    dataset.payments("policy_id")  # a column read later: its cells join the report's rows
    rep = dataset.report
    language = lang()
    st.subheader(plain(t("active_source", name=name(dataset.name))), anchor=False)
    if dataset.policies_report is not None:
        st.markdown(f"**{table_label('transactions', language)}**")
    accounting(rep, dataset.name, "data")
    if dataset.currency:
        st.caption(t("currency_seen", currency=CURRENCY_NAMES[dataset.currency][language == "zh"]))
    if dataset.policies_report is not None:
        st.markdown(f"**{table_label('policies', language)}**")
        accounting(dataset.policies_report, f"{dataset.name}-policies", "data_policies",
                   conflicts="conflicting_policies")  # fmt: skip
        policy_notes(dataset)


@st.cache_resource(max_entries=4, show_spinner=False)
def _orphan_count(fingerprint: str, _dataset) -> int:
    from analytics._fast import member

    policies = _dataset.policies
    return int((~member(policies["customer_id"], _dataset.transactions["customer_id"])).sum())


def _orphans(dataset) -> int:
    """Policies whose customer has no payment in the source (kept per source)."""
    return _orphan_count(sources.dataset()[1], dataset)


def policy_notes(dataset) -> None:
    """What the row accounting cannot see: policies no payment belongs to, policies issued after
    the payments end, payments without a policy id."""
    policies, tx = dataset.policies, dataset.payments("policy_id")
    if policies is None or policies.empty:
        return
    if "policy_id" not in tx:
        st.warning(t("no_policy_ids"))
    orphans = _orphans(dataset)
    if orphans:
        st.warning(t("policies_without_payments", n=fmt_int(orphans)))
    last = tx["transaction_date"].max()
    later = int((policies["issue_date"] > last).sum())
    if later:
        st.warning(t("policies_issued_later", n=fmt_int(later), date=fmt_date(last, lang())))


def accounting(rep, stem: str, key: str, conflicts: str = "conflicting_duplicates") -> None:
    """One table's row accounting: read, used, duplicates, rejected (by reason, downloadable)."""
    language = lang()
    cells = st.columns(4)
    figures = (
        ("rows_read", rep.rows_read),
        ("rows_used", rep.rows_used),
        ("duplicates", rep.duplicates),
        ("rejected", sum(rep.rejected.values())),
    )
    for cell, (word, value) in zip(cells, figures, strict=True):
        cell.metric(t(word), fmt_int(value), help=t(f"help_{word}"), border=True)
    if rep.rejected:
        st.dataframe(
            pd.DataFrame(
                {
                    t("reason"): [t(f"reason_{r}") for r in rep.rejected],
                    t("rejected"): [fmt_int(v) for v in rep.rejected.values()],
                }
            ),
            hide_index=True,
        )
    if rep.column_mapping:
        pairs = " · ".join(
            f"{transaction_column_label(k, language)} ← {v}" for k, v in rep.column_mapping.items()
        )
        st.caption(plain(t("mapping_line", pairs=pairs)))
    if len(rep.rejected_rows):
        preview = rep.rejected_rows.head(200)
        preview = preview.assign(reason=[t(f"reason_{r}") for r in preview["reason"]])
        st.dataframe(
            preview.rename(columns={"source_row": t("source_row"), "reason": t("reason")}),
            hide_index=True,
            width="stretch",
        )
        download_pair(lambda: rep.rejected_rows, len(rep.rejected_rows), t("what_rejects"),
                      ("rejected-rows", stem), None, key=f"{key}_rejects", columns=None,
                      unit="rows")  # fmt: skip
    if rep.conflicting_duplicates:
        st.warning(t(conflicts, n=fmt_int(rep.conflicting_duplicates)))
    if len(rep.duplicate_rows):
        with st.expander(t("duplicates_preview")):
            st.dataframe(
                _worded(rep.duplicate_rows.head(200)),
                hide_index=True,
                width="stretch",
            )
        download_pair(lambda: rep.duplicate_rows, len(rep.duplicate_rows), t("what_duplicates"),
                      ("duplicate-rows", stem), None, key=f"{key}_duplicates", columns=None,
                      unit="rows")  # fmt: skip


@st.cache_resource(max_entries=2, show_spinner=False)
def _read_upload(digest: str, file_name: str, _content: bytes) -> pd.DataFrame:
    """An upload parsed once (not on every rerun while its columns are mapped)."""
    return read_file(_content, name=file_name)


def masked_preview(rows: pd.DataFrame) -> pd.DataFrame:
    """A preview with personal columns masked (recognised by name, Chinese headers included)."""
    personal = personal_columns([str(c) for c in rows.columns])
    if not personal:
        return rows
    shown = rows.astype({c: object for c in personal})
    for column in personal:
        shown[column] = ["****" if v is not None and str(v) != "nan" else "" for v in rows[column]]
    return shown


def _worded(rows: pd.DataFrame) -> pd.DataFrame:
    """Rejected or duplicate rows as shown: reasons worded, our columns' headers translated."""
    if "reason" in rows:
        rows = rows.assign(reason=[t(f"reason_{r}") for r in rows["reason"]])
    return rows.rename(columns={c: t(c) for c in ("source_row", "reason", "kept_row") if c in rows})


def upload() -> None:
    limit = st.get_option("server.maxUploadSize")
    st.subheader(t("upload"), anchor=False)
    st.caption(t("upload_help", mb=limit))
    # No type filter: the browser would refuse other files with its own English sentence; our
    # reader names the problem (an old .xls, a binary file ...) in the user's language.
    file = st.file_uploader(t("upload_label"), key="upload_file")
    if file is None:
        return
    content = file.getvalue()
    digest = hashlib.sha1(content).hexdigest()[:12]  # a new file gets fresh mapping widgets
    try:
        raw = _read_upload(digest, file.name, content)
    except CodedError as exc:
        show_error(t("source_error", error=describe_error(exc)), exc)
        return
    columns = [str(c) for c in raw.columns]
    try:
        detected = resolve_columns(columns, None, required=(), optional=(*REQUIRED, *OPTIONAL))
    except CodedError:
        detected = {}
    st.markdown(f"**{t('column_mapping')}**")
    mapping = {}
    auto = t("auto_detect")
    language = lang()

    def auto_label(column: str) -> str:
        return column or auto

    cells = st.columns(4)
    for i, canonical in enumerate((*REQUIRED, *OPTIONAL)):
        options = ["", *columns]
        guess = detected.get(canonical, "")
        need = t("required") if canonical in REQUIRED else t("optional")
        label = t("mapping_label", column=transaction_column_label(canonical, language), need=need)
        chosen = cells[i % 4].selectbox(
            plain(label), options, index=options.index(guess) if guess in options else 0,
            format_func=auto_label, key=f"map_{canonical}_{digest}",
        )  # fmt: skip
        if chosen:
            mapping[canonical] = chosen
    st.caption(t("preview"))
    st.dataframe(masked_preview(raw.head(5)), hide_index=True, width="stretch")
    policies = st.file_uploader(t("upload_policies_label"), key="upload_policies_file",
                                help=t("upload_policies_help"))  # fmt: skip
    extra = (policies.getvalue(), policies.name) if policies is not None else (None, None)
    st.button(
        t("use_upload"),
        type="primary",
        key="use_upload",
        on_click=_use_upload,
        args=(content, file.name, columns, mapping, *extra),
    )


# Switching the source happens in button callbacks: they run before the next script run, the
# only moment the sidebar's source selector may be changed. The outcome is shown on that run.


def _switch(source: str, **values) -> None:
    """Make ``source`` active; if it cannot be loaded, keep the previous one untouched."""
    user = auth.current_user()
    if not auth.allows(user, "data_page"):
        return
    if source == "database" and not auth.allows(user, "typed_url"):
        return
    s = st.session_state
    restore_keys = ("source", "as_of", *state.FILTER_KEYS, *values)
    previous = {key: s.get(key) for key in restore_keys}
    s.update(values, source=source)
    state.reset_for_new_source()
    try:
        dataset, _ = sources.dataset()
    except CodedError as exc:
        s.update(previous)
        s["_data_message"] = ("error", t("source_error", error=describe_error(exc)), exc)
        return
    loaded = t("source_loaded", name=name(dataset.name), rows=fmt_int(dataset.report.rows_used))
    if dataset.policies is not None:
        loaded = t("source_loaded_policies", name=name(dataset.name),
                   rows=fmt_int(dataset.report.rows_used),
                   policies=fmt_int(len(dataset.policies)))  # fmt: skip
    s["_data_message"] = ("success", loaded, None)
    action = "upload" if source == "upload" else "source_change"
    target = values.get("upload_name") if source == "upload" else source
    if source == "database":
        target = (
            f"database {sources.safe_target(values.get('db_url', ''))} {values.get('db_table', '')}"
        )
    auth.audit(action, target=target, rows=dataset.report.rows_read)


def _use_upload(
    content: bytes,
    file_name: str,
    columns: list[str],
    mapping: dict,
    policies: bytes | None = None,
    policies_name: str | None = None,
) -> None:
    try:
        resolve_columns(columns, mapping)
    except CodedError as exc:
        st.session_state["_data_message"] = (
            "error",
            t("source_error", error=describe_error(exc)),
            exc,
        )
        return
    _switch("upload", upload_bytes=content, upload_name=file_name, upload_mapping=mapping,
            upload_policies_bytes=policies, upload_policies_name=policies_name)  # fmt: skip


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
        db_policies=(s.get("db_policies_input") or "").strip(),
    )


def connections() -> None:
    """The named connections an admin configured (their addresses never reach the browser)."""
    named = sources.named_connections()
    st.subheader(t("named_connections"), anchor=False)
    if not named:
        st.caption(t("no_named_connections"))
        return
    choice = st.selectbox(t("connection"), list(named), key="connection_pick")
    config = named[choice]
    st.caption(plain(t("connection_tables", table=config["table"])))
    st.button(t("use_connection"), key="use_connection", on_click=_switch,
              args=(f"connection:{choice}",))  # fmt: skip


def database() -> None:
    st.subheader(t("connect_db"), anchor=False)
    with st.form("db_form"):
        st.text_input(
            t("db_url"), placeholder="postgresql+psycopg://user@host:5432/db", key="db_url_input"
        )
        cells = st.columns(4)
        cells[0].text_input(t("db_table"), value="transactions", key="db_table_input")
        cells[1].text_input(t("db_customers_table"), key="db_customers_input")
        cells[2].text_input(t("db_loyalty_table"), key="db_loyalty_input")
        cells[3].text_input(t("db_policies_table"), key="db_policies_input")
        st.form_submit_button(t("connect"), on_click=_connect, key="db_connect")


def _type_words(column) -> str:
    kind = type(column.type).__name__.lower()
    if "datetime" in kind:
        return t("type_datetime")
    if "date" in kind:
        return t("type_date")
    if "int" in kind:
        return t("type_integer")
    if "double" in kind or "float" in kind or "numeric" in kind:
        return t("type_number")
    return t("type_text")


def dictionary() -> None:
    st.subheader(t("dictionary"), anchor=False)
    language = lang()
    rows = []
    for table in TABLES.values():
        for column in table.columns:
            notes = []
            if table.name == "transactions" and column.name in REQUIRED:
                notes.append(t("required"))
            if table.name == "policies" and column.name in POLICY_REQUIRED:
                notes.append(t("required"))
            if column.info.get("pii"):
                notes.append(t("pii_column"))
            if table.name in ("transactions", "policies"):
                source = ALIASES if table.name == "transactions" else POLICY_ALIASES
                aliases = [a for a in source.get(column.name, ()) if a != column.name]
                if language == "zh":  # the Chinese headers are the ones a Chinese user has
                    aliases = [a for a in aliases if all("\u4e00" <= ch <= "\u9fff" for ch in a)]
                aliases = aliases[:6]
                if aliases:
                    notes.append(t("dict_aliases", aliases=", ".join(aliases)))
            rows.append(
                {
                    t("dict_table"): table_label(table.name, language),
                    t("dict_column"): column.name,
                    t("dict_label"): (
                        transaction_column_label(column.name, language)
                        if table.name == "transactions"
                        else column_label(
                            "policy_product_line"
                            if (table.name, column.name) == ("policies", "product_line")
                            else column.name,
                            language,
                        )
                    ),
                    t("dict_type"): _type_words(column),
                    t("dict_note"): " · ".join(notes),
                }
            )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={t("dict_note"): st.column_config.TextColumn(width="large")},
    )


def main() -> None:
    auth.require("data_page")
    st.title(t("page_data"))
    cells = st.columns(2)
    active = st.session_state.get("source", "demo")
    for cell, source in zip(cells, ("demo", "cdnow"), strict=True):
        cell.button(t(f"switch_{source}"), key=f"switch_{source}", on_click=_switch,
                    args=(source,), disabled=active == source)  # fmt: skip
    message = st.session_state.pop("_data_message", None)
    if message:
        kind, text, exc = message
        # The outcome is shown at the top of the page; the button clicked may be far below it,
        # so a toast says it where the user is looking.
        st.toast(plain(text), icon=":material/check_circle:" if kind == "success" else
                 ":material/error:")  # fmt: skip
        if kind == "success":
            st.success(plain(text))
        else:
            show_error(text, exc)
    with section():
        try:
            dataset, _ = sources.dataset()
            report(dataset)
        except CodedError as exc:
            show_error(t("source_error", error=describe_error(exc)), exc)
    with section():
        connections()
    if auth.allowed("upload"):
        with section():
            upload()
    if auth.allowed("typed_url"):  # only an administrator types a database address
        with section():
            database()
    with section():
        dictionary()


main()
