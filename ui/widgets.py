"""Shared widgets: paged tables, masked personal information, safe sections, messages, pickers."""

from __future__ import annotations

import contextlib
import logging
import re

import numpy as np
import pandas as pd
import streamlit as st

from ui.i18n import error_detail, t

log = logging.getLogger("valuescope")

_MARKDOWN = re.compile(r"([\\`*_\[\]<>#~|$:=])")
_LINE_START = re.compile(r"(?m)^(\s*)([-+!.]|\d+[.)])")


_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")


def plain(text: object) -> str:
    """User text (ids, file names, segment names) made safe for a widget that renders markdown:
    the characters that make emphasis, links, HTML, icons (``:name:``), colours, maths, headings
    and lists are escaped, so the text shows as typed; a bare web or e-mail address gets a
    zero-width space, so it cannot become a live link either."""
    text = _AUTOLINK.sub(lambda m: m.group(1)[0] + "\u200b" + m.group(1)[1:], str(text))
    escaped = _MARKDOWN.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], escaped)


def on_page_stop(draw) -> None:
    """Have ``draw`` (a callable) run if the page stops this run: Streamlit drops every element
    drawn after ``st.stop()``, so what the dashboard draws after the page (the sidebar's saved
    segments) is drawn by :func:`stop_page` instead."""
    st.session_state["_on_page_stop"] = draw


def page_stop_drawer():
    """The callable :func:`on_page_stop` left for this run (None once it has been taken)."""
    return st.session_state.pop("_on_page_stop", None)


def stop_page() -> None:
    """``st.stop()``, after drawing what :func:`on_page_stop` asked for."""
    draw = page_stop_drawer()
    if draw is not None:
        draw()
    st.stop()


def show_error(message: str, exc: BaseException | None = None) -> None:
    """An error in the user's words, plus the technical detail (a driver's own words) below."""
    st.error(plain(message), icon=":material/error:")
    detail = error_detail(exc) if exc is not None else None
    if detail:
        st.caption(plain(t("error_detail", detail=detail[:300])))


def chart(figure, key: str, container=None, *, kept: tuple | None = None) -> None:
    """Draw a plotly figure. In Chinese, plotly's own toolbar (whose tooltips are English) is
    left out; the charts' titles, axes, legends and hovers are already in the language.

    With ``kept`` (a key naming everything the figure shows), ``figure`` is a function that
    builds it, and the built, escaped figure is kept: a rerun that does not change the chart
    (a moved cut-off redraws the Pareto chart, not the Lorenz curve) skips plotly's build."""
    from ui.charts import safe_figure
    from ui.i18n import lang

    config = {"displaylogo": False}
    if lang() == "zh":
        config["displayModeBar"] = False
    if kept is not None:
        shown = _kept_figure(repr((lang(), *kept)), lambda: safe_figure(figure()))
    else:
        shown = safe_figure(figure)
    (container or st).plotly_chart(shown, key=key, config=config)


#: The hidden chart of a session's first run (:func:`load_chart_library`); ``ui.style`` hides it.
CHART_LOADER_KEY = "vs_chart_loader"


def load_chart_library():
    """On a session's first run, have the browser load its chart library while the server
    computes: an empty plotly chart in a hidden container, drawn before anything that waits for
    data. Streamlit's front end fetches and compiles plotly.js (4.7 MB) only when a first chart
    arrives; without this, a first page's charts waited for that until the script was done,
    while the browser's core sat idle. Returns a function that removes the chart, for the end of
    the run (None on a session's later runs: the browser has the library by then)."""
    if st.session_state.get("_chart_library_loaded"):
        return None
    st.session_state["_chart_library_loaded"] = True
    slot = st.empty()
    with slot.container(key=CHART_LOADER_KEY):
        st.plotly_chart(
            {"data": [{"type": "scatter", "x": [], "y": []}], "layout": {"height": 10}},
            config={"staticPlot": True},
        )
    return slot.empty


@st.cache_resource(max_entries=64, show_spinner=False)
def _kept_figure(key: str, _build):
    """Built figures by what they show (never changed once built: plotly_chart only reads)."""
    return _build()


def pii_allowed() -> bool:
    """Only an administrator can reveal personal information (each reveal is audited); every
    other role sees it masked."""
    from ui import auth

    return auth.allowed("reveal_pii")


def mask(column: str, value: object) -> str:
    """Mask one personal value: keep just enough to recognise it.

    name: first character; phone: first 3 and last 4 digits; email: first character and the
    domain; id number: first 3 and last 4 characters; address: the first half, digits hidden.
    """
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


def paged_table(
    frame: pd.DataFrame,
    key: str,
    column_config: dict | None = None,
    page_size: int = 50,
    prepare=None,
) -> None:
    """A table shown a page at a time (large views never ship whole to the browser);
    ``prepare`` turns the page's rows into what is shown (formatting only what is seen)."""
    pages = max(int(np.ceil(len(frame) / page_size)), 1)
    if pages > 1:
        page = st.number_input(
            t("page_n"),
            min_value=1,
            max_value=pages,
            value=1,
            step=1,
            key=f"{key}_page",
            help=t("of_pages", n=f"{pages:,}"),
        )
    else:
        page = 1
    start = (int(page) - 1) * page_size
    rows = frame.iloc[start : start + page_size]
    st.dataframe(
        prepare(rows) if prepare is not None else rows,
        hide_index=True,
        width="stretch",
        column_config=column_config,
    )
    if pages > 1:
        last = min(start + page_size, len(frame))
        st.caption(t("rows_range", first=f"{start + 1:,}", last=f"{last:,}", n=f"{len(frame):,}"))


def customer_table(
    frame: pd.DataFrame, key: str, kinds: dict[str, str], currency: str | None = None
) -> None:
    """A paged table of customers whose headers are the columns' names in the interface's
    language; ``kinds`` says how each column reads: ``text``, ``name`` (a code worded in the
    language), ``money``, ``probability`` (a bar), ``count`` or ``number``. Only the rows of the
    page shown are formatted."""
    from ui import auth
    from ui.formats import fmt_money
    from ui.i18n import column_label, lang, names

    if not auth.allowed("customer_rows"):  # customer-level rows are for marketers and up
        st.caption(t("rows_need_role"))
        return
    language = lang()
    labels = {c: column_label(c) for c in kinds}
    config = {}
    for column, kind in kinds.items():
        label = labels[column]
        if kind == "probability":  # a bar with the percentage, one decimal
            config[label] = st.column_config.ProgressColumn(
                label, min_value=0, max_value=100, format="%.1f%%"
            )
        elif kind == "money":  # whole currency units with the sign, as on every other page
            config[label] = st.column_config.TextColumn(label)
        elif kind == "count":
            config[label] = st.column_config.NumberColumn(label, format="%d")
        elif kind == "number":
            config[label] = st.column_config.NumberColumn(label, format="%.2f")
        else:
            config[label] = st.column_config.TextColumn(label)

    def prepare(rows: pd.DataFrame) -> pd.DataFrame:
        shown = rows[list(kinds)].copy()
        for column, kind in kinds.items():
            if kind == "probability":
                shown[column] = shown[column] * 100
            elif kind == "money":
                shown[column] = [
                    fmt_money(v, currency, language, compact=False) for v in shown[column]
                ]
            elif kind == "name":
                shown[column] = names(shown[column], language)
        return shown.rename(columns=labels)

    paged_table(frame, key=key, column_config=config, prepare=prepare)


def model_agreement(view, start: bool = True) -> None:
    """Whether BG/NBD and Pareto/NBD agree on the customers in view: a warning next to the
    headline when their high-risk shares differ materially, a caption when they agree. The page
    never waits for the other model: until it is fitted (in the background) a small fragment
    checks every two seconds and redraws the page once it is there. ``start=False`` shows the
    comparison only once another page has started it (the Overview, the first page, must not
    share the machine with a model fit while it draws)."""
    from ui.formats import fmt_pct
    from ui.i18n import name

    if not view.fit.has_purchase_model or view.size == 0:
        return
    if not view.comparison_ready():
        if start:
            view.start_comparison()
        elif not view.comparison_started():
            return

        @st.fragment(run_every=2.0)
        def wait() -> None:
            if view.comparison_ready():
                st.rerun()
            st.caption(t("comparing_models", other=name(view.settings.other_model)))

        wait()
        return
    result = view.cached_comparison()
    if result is None:
        return
    values = {
        "model": name(result["model"]),
        "share": fmt_pct(result["shares"]["high"]),
        "other": name(result["other"]),
        "other_share": fmt_pct(result["other_shares"]["high"]),
    }
    if result["disagree"]:
        st.warning(t("models_disagree", **values), icon=":material/compare_arrows:")
    else:
        st.caption(t("models_agree", **values))


def static_table(frame: pd.DataFrame) -> None:
    """A few rows of figures to read, not to sort or scroll, as a Markdown table: the first
    column left-aligned, the others right-aligned, every cell and header shown as text
    (:func:`plain`).

    ``st.dataframe`` and ``st.table`` send their data as Arrow, and the browser loads and runs
    Streamlit's Arrow code for them (0.74 MB of script), and for ``st.dataframe`` its data grid
    too (0.49 MB). On the Overview, a session's first page, the browser's main-thread work until
    the demo's page was drawn (Chromium's ``TaskDuration``, alternating cold starts) was
    6.78 / 7.58 / 6.39 s with a grid, 5.95 / 6.77 / 5.04 s and 6.82 / 5.97 / 6.23 s with
    ``st.table``, and 5.62 / 5.78 / 5.78 s with this table."""

    def cell(value: object) -> str:
        return plain(" ".join(str(value).split()))  # one line: a line break would end the row

    lines = [
        "| " + " | ".join(cell(c) for c in frame.columns) + " |",
        "| :--- |" + " ---: |" * (len(frame.columns) - 1),
        *("| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)),
    ]
    st.markdown("\n".join(lines))


def tier_table(view) -> None:
    """The value tiers of the view: customers, value, shares, churn risk and premium at risk
    (Overview and CLV pages): four rows, a :func:`static_table`."""
    from ui.formats import fmt_int, fmt_money, fmt_pct
    from ui.i18n import lang, name, names

    agg = view.headline()  # the tiers and the value they are ranked by
    tiers = agg.tiers
    currency, language = view.currency, lang()
    table = {
        t("value_tier"): names(tiers["value_tier"]),
        t("customers"): [fmt_int(v) for v in tiers["customers"]],
        t("share"): [fmt_pct(v) for v in tiers["share"]],
        name(agg.value_basis): [fmt_money(v, currency, language) for v in tiers["value"]],
        t("value_share"): [fmt_pct(v) for v in tiers["value_share"]],
    }
    if "mean_churn_risk" in tiers and view.fit.has_purchase_model:
        table[t("mean_churn_risk")] = [fmt_pct(v) for v in tiers["mean_churn_risk"]]
        table[t("premium_at_risk_short")] = [
            fmt_money(v, currency, language) for v in tiers["premium_at_risk"]
        ]
    static_table(pd.DataFrame(table))


@contextlib.contextmanager
def section():
    """Draw a part of a page; if it fails, explain on the page instead of a traceback."""
    try:
        yield
    except Exception:  # noqa: BLE001 - the page must survive any one chart
        # Streamlit's rerun/stop signals derive from BaseException and pass through untouched.
        log.exception("page section failed")
        st.warning(t("page_failed"))


def empty_view_guard(view) -> bool:
    """True (and a message shown) when the filters leave no customers."""
    if view.size == 0:
        st.info(t("no_customers"))
        return True
    return False


def dimension_picker(
    view, label: str, key: str, extra=("channel", "customer_type", "region", "product_line")
) -> tuple[str, str]:
    """A radio of the groupings a view offers (segment, tier, then any of ``extra`` present);
    returns the chosen column and its label."""
    dimensions = {"segment": t("segment"), "value_tier": t("value_tier")}
    for column in extra:
        if column in view.table and view.table[column].notna().any():
            dimensions[column] = t("product_line_first" if column == "product_line" else column)
    if st.session_state.get(key) not in dimensions:
        st.session_state.pop(key, None)
    by = st.radio(label, list(dimensions), format_func=dimensions.get, horizontal=True, key=key)
    return by, dimensions[by]
