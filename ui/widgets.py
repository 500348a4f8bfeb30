"""Shared widgets: CSV downloads, paged tables, masked personal information, safe sections."""

from __future__ import annotations

import contextlib
import logging
import os
import re

import numpy as np
import pandas as pd
import streamlit as st

from ui.i18n import t

log = logging.getLogger("valuescope")

#: Columns of a segment export, in order (the scored table's contract plus attributes).
EXPORT_EXTRA = [
    "customer_type",
    "channel",
    "region",
    "city",
    "is_member",
    "cluster_name",
    "expected_spend",
]


def pii_allowed() -> bool:
    """Only a deployment that sets ``VALUESCOPE_PII_ACCESS=1`` (a role that may see personal
    information) can reveal it; everyone else sees it masked."""
    return os.environ.get("VALUESCOPE_PII_ACCESS") == "1"


def mask(column: str, value: object) -> str:
    """Mask one personal value: keep just enough to recognise it."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value)
    if column == "name":
        return text[:1] + "*" * max(len(text) - 1, 1)
    if column == "phone":
        return text[:3] + "****" + text[-4:] if len(text) >= 8 else "****"
    if column == "email":
        local, _, domain = text.partition("@")
        return (local[:1] + "***@" + domain) if domain else "***"
    if column == "id_number":
        return text[:3] + "*" * max(len(text) - 7, 4) + text[-4:] if len(text) > 8 else "****"
    if column == "address":
        return re.sub(r"[\d号]+", "*", text[: max(len(text) // 2, 4)]) + "****"
    return "****"


def export_frame(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The rows to download: the contract columns (with English names) and known extras."""
    keep = [c for c in columns if c in rows.columns] + [
        c for c in EXPORT_EXTRA if c in rows.columns
    ]
    return rows[keep]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel on Chinese Windows opens it correctly."""
    return frame.to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8-sig")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "all"


def file_name(what: str, which: str, as_of) -> str:
    """``valuescope_<what>_<which>_<as-of>.csv``, ASCII only."""
    stamp = pd.Timestamp(as_of).strftime("%Y-%m-%d") if as_of is not None else "latest"
    return f"valuescope_{slug(what)}_{slug(which)}_{stamp}.csv"


def download(
    frame: pd.DataFrame,
    filename: str,
    label: str,
    key: str,
    columns: list[str] | None = None,
    enrich=None,
) -> None:
    """A CSV download of exactly the rows of ``frame`` (``columns`` chosen by
    :func:`export_frame` when given; ``enrich`` adds columns, e.g. clusters). Nothing is copied,
    computed or encoded until the click, and the click does not rerun the page."""

    def payload() -> bytes:
        rows = enrich(frame) if enrich is not None else frame
        return csv_bytes(export_frame(rows, columns) if columns is not None else rows)

    st.download_button(
        label=f"{label} ({len(frame):,})",
        data=payload,
        file_name=filename,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
        disabled=frame.empty,
    )


def segment_download(
    rows_of,
    options: list,
    labels: list[str],
    what: str,
    as_of,
    columns: list[str],
    key: str,
    select_label: str,
    enrich=None,
) -> None:
    """Choose one group (segment, class, tier ...) and download its rows; plus all rows."""
    left, right = st.columns([2, 1])
    with left:
        chosen = st.selectbox(
            select_label, options, format_func=lambda v: labels[options.index(v)], key=f"{key}_pick"
        )
        download(
            rows_of(chosen),
            file_name(what, str(chosen), as_of),
            t("download_segment"),
            key=f"{key}_one",
            columns=columns,
            enrich=enrich,
        )
    with right:
        st.write("")
        download(
            rows_of(None),
            file_name(what, "all", as_of),
            t("download_all"),
            key=f"{key}_all",
            columns=columns,
            enrich=enrich,
        )


def paged_table(
    frame: pd.DataFrame, key: str, column_config: dict | None = None, page_size: int = 50
) -> None:
    """A table shown a page at a time (large views never ship whole to the browser)."""
    pages = max(int(np.ceil(len(frame) / page_size)), 1)
    if pages > 1:
        page = st.number_input(
            t("page_n"),
            min_value=1,
            max_value=pages,
            value=1,
            step=1,
            key=f"{key}_page",
            help=t("of_pages", n=pages),
        )
    else:
        page = 1
    start = (int(page) - 1) * page_size
    st.dataframe(
        frame.iloc[start : start + page_size],
        hide_index=True,
        width="stretch",
        column_config=column_config,
    )
    if pages > 1:
        st.caption(f"{start + 1:,}–{min(start + page_size, len(frame)):,} / {len(frame):,}")


@contextlib.contextmanager
def section():
    """Draw a part of a page; if it fails, explain on the page instead of a traceback."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the page must survive any one chart
        # Streamlit's rerun/stop signals derive from BaseException and pass through untouched.
        log.exception("page section failed")
        st.warning(t("page_failed", error=f"{type(exc).__name__}: {str(exc)[:160]}"))


def empty_view_guard(view) -> bool:
    """True (and a message shown) when the filters leave no customers."""
    if len(view.table) == 0:
        st.info(t("no_customers"))
        return True
    return False


def dimension_picker(
    view, label: str, key: str, extra=("channel", "customer_type", "region")
) -> tuple[str, str]:
    """A radio of the groupings a view offers (segment, tier, then any of ``extra`` present);
    returns the chosen column and its label."""
    dimensions = {"segment": t("segment"), "value_tier": t("value_tier")}
    for column in extra:
        if column in view.table:
            dimensions[column] = t(column)
    by = st.radio(label, list(dimensions), format_func=dimensions.get, horizontal=True, key=key)
    return by, dimensions[by]
