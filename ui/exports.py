"""Downloads: a CSV and an Excel button for every group a page shows, through one writer.

Nothing is selected, translated or encoded until a button is clicked (``on_click="ignore"``: the
click does not rerun the page either). Every file passes :mod:`data.export` (no personal
information, formulas neutralised, numbers rounded); in Chinese, headers and names are Chinese.
Only a role with the ``download`` capability gets the buttons (checked here, on the server), and
each file built writes an audit row: what, how many rows, which columns.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics.pipeline import SCORE_COLUMNS
from data.export import EXCEL_MAX_ROWS, csv_bytes, export_frame, xlsx_bytes
from ui.i18n import column_label, lang, name, policy_status, programme_tier, t
from ui.widgets import plain

#: Columns a customer export carries after the scored table's contract.
EXPORT_EXTRA = [
    "customer_type", "channel", "region", "city", "product_line", "is_member", "loyalty_tier",
    "cluster_name", "expected_spend",
]  # fmt: skip
#: Columns whose codes are worded in the export (segment and tier names, channels ...).
NAMED_COLUMNS = (
    "segment", "value_tier", "churn_band", "customer_type", "channel", "product_line",
    "policy_product_line", "payment_mode", "group", "cluster_name", "transaction_type", "reason",
)  # fmt: skip
TEXT_COLUMNS = ("customer_id", "transaction_id", "policy_id", "agent_id")
#: Most rows an Excel download offers: an Excel cell is written in Python (about 100,000 cells a
#: second here), so 100,000 rows of 34 columns take half a minute; larger groups are for CSV.
EXCEL_ROWS = min(100_000, EXCEL_MAX_ROWS - 1)


def slug(text: str) -> str:
    """An ASCII file-name part; text with no ASCII letters (Chinese names) becomes a short hash."""
    ascii_part = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return ascii_part or "g" + hashlib.sha1(str(text).encode()).hexdigest()[:8]


def file_name(what: str, which: str, as_of, extension: str = "csv") -> str:
    """``valuescope_<what>_<which>_<as-of>.<extension>``, ASCII only."""
    stamp = pd.Timestamp(as_of).strftime("%Y-%m-%d") if as_of is not None else "latest"
    return f"valuescope_{slug(what)}_{slug(which)}_{stamp}.{extension}"


def customer_columns(rows: pd.DataFrame) -> list[str]:
    return [c for c in (*SCORE_COLUMNS, *EXPORT_EXTRA) if c in rows.columns]


def prepare(
    rows: pd.DataFrame,
    columns: list[str] | None,
    language: str,
    cluster_labels: dict[int, str] | None = None,
    for_excel: bool = False,
) -> pd.DataFrame:
    """The rows as they leave: chosen columns, codes worded, headers in the language."""
    frame = rows[columns] if columns is not None else rows
    if cluster_labels and "cluster" in frame and "cluster_name" in frame:
        custom = frame["cluster"].map(cluster_labels)
        frame = frame.assign(cluster_name=custom.where(custom.notna(), frame["cluster_name"]))
    values = {}
    for column in NAMED_COLUMNS:
        if column in frame:
            uniques = pd.unique(frame[column].dropna().astype(str))
            if column == "reason":
                values[column] = {u: t(f"reason_{u}", language) for u in uniques}
            else:
                values[column] = {u: name(u, language) for u in uniques}
    if "status" in frame:  # a policy's status ("lapsed" is a policy's, not a cluster word)
        uniques = pd.unique(frame["status"].dropna().astype(str))
        values["status"] = {u: policy_status(u, language) for u in uniques}
    if "loyalty_tier" in frame:
        uniques = pd.unique(frame["loyalty_tier"].dropna().astype(str))
        values["loyalty_tier"] = {u: programme_tier(u, language) for u in uniques}
    for column in frame.columns:  # yes / no in the language, not True / False
        if pd.api.types.is_bool_dtype(frame[column].dtype):
            values[column] = {True: t("yes", language), False: t("no", language)}
    headers = {c: column_label(c, language) for c in frame.columns} if language == "zh" else None
    return export_frame(frame, headers=headers, values=values, neutralise_text=not for_excel)


def download_pair(
    rows_of: Callable[[], pd.DataFrame],
    count: int,
    what: str,
    file_stem: tuple[str, str],
    as_of,
    key: str,
    columns: Callable[[pd.DataFrame], list[str]] | None = customer_columns,
    enrich: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    cluster_labels: dict[int, str] | None = None,
    unit: str = "customers",
) -> None:
    """A CSV and an Excel button, side by side, for the ``count`` rows ``rows_of()`` returns.

    ``what`` names the content on the buttons ("Segment “Champions”"); ``enrich`` adds columns
    at the click (clusters). Both files are built only when their button is clicked.
    """
    from ui import auth

    user = auth.current_user()
    if not auth.allows(user, "download"):
        return
    language = lang()
    text_columns = [column_label(c, language) if language == "zh" else c for c in TEXT_COLUMNS]
    stem = "_".join(file_stem)

    def frame(for_excel: bool = False) -> pd.DataFrame:
        # Runs when the button is clicked (outside the script run): the user is the one captured
        # when the button was drawn.
        rows = rows_of()
        if enrich is not None:
            rows = enrich(rows)
        chosen = columns(rows) if columns is not None else None
        out = prepare(rows, chosen, language, cluster_labels, for_excel=for_excel)
        auth.audit_as(
            user.username, user.role, "download",
            target=f"{stem}.{'xlsx' if for_excel else 'csv'}", rows=len(out),
            detail="columns: " + ",".join(str(c) for c in out.columns),
        )  # fmt: skip
        return out

    label_key = ("download_csv_label", "download_xlsx_label")
    if unit == "rows":
        label_key = ("download_rows_csv", "download_rows_xlsx")
        if count == 1:
            label_key = ("download_row_csv", "download_row_xlsx")
    left, right = st.columns(2)
    left.download_button(
        plain(t(label_key[0], what=what, n=f"{count:,}")),
        data=lambda: csv_bytes(frame()),
        file_name=file_name(*file_stem, as_of, "csv"),
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
        disabled=count == 0,
        width="stretch",
    )
    too_large = count > EXCEL_ROWS
    right.download_button(
        plain(t(label_key[1], what=what, n=f"{count:,}")),
        data=lambda: xlsx_bytes(frame(for_excel=True), text_columns),
        file_name=file_name(*file_stem, as_of, "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/table_view:",
        disabled=count == 0 or too_large,
        help=t("excel_too_large", n=f"{EXCEL_ROWS:,}") if too_large else None,
        width="stretch",
    )


def group_downloads(
    view,
    column: str,
    options: list,
    labels: list[str],
    what_key: str,
    choose_key: str,
    file_what: str,
    key: str,
    enrich=None,
    cluster_labels: dict[int, str] | None = None,
) -> None:
    """Choose one group (segment, class, tier, band, cluster) and download its customers; and
    every customer in view. Nothing is drawn (or selected) for a role without downloads."""
    from ui import auth

    if not options or not auth.allowed("download"):
        return
    chosen = st.selectbox(
        t(choose_key),
        options,
        format_func=lambda v: labels[options.index(v)],
        key=f"{key}_pick",
    )
    what = t("download_group", what=t(what_key), group=labels[options.index(chosen)])
    as_of = view.as_of
    download_pair(
        lambda: view.agg.rows(column, chosen),
        view.agg.count(column, chosen),  # the rows are taken only when the file is asked for
        what,
        (file_what, str(chosen)),
        as_of,
        key=f"{key}_one",
        enrich=enrich,
        cluster_labels=cluster_labels,
    )
    download_pair(
        lambda: view.table,
        len(view.table),
        t("download_all_of"),
        (file_what, "all"),
        as_of,
        key=f"{key}_all",
        enrich=enrich,
        cluster_labels=cluster_labels,
    )
