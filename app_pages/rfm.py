"""RFM segments: scoring mode, bins, editable edges and rules (with the rule checker's findings
beside them), the R x F heat map, the segment table and chart, and downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.rfm import SegmentRule, check_rules
from ui import charts, state
from ui.exports import group_downloads
from ui.formats import fmt_int, fmt_money, fmt_pct
from ui.i18n import lang, name, names, t
from ui.state import rules_from_text, rules_to_text
from ui.view import page_view
from ui.widgets import chart, empty_view_guard, plain, section

RULE_COLUMNS = ["name", "r_min", "r_max", "f_min", "f_max", "m_min", "m_max"]


def _headers(language: str) -> list[str]:
    return [t("rule_name", language), *(t(c, language) for c in RULE_COLUMNS[1:])]


def _rules_frame(rules, language: str) -> pd.DataFrame:
    """The rule table with headers in the language and preset names worded in it (a user's
    names stay as typed)."""
    return pd.DataFrame(
        [(name(r.name, language), r.r[0], r.r[1], r.f[0], r.f[1], r.m[0], r.m[1]) for r in rules],
        columns=_headers(language),
    )


def _rules_from_frame(
    frame: pd.DataFrame, worded: dict[str, str]
) -> tuple[tuple[SegmentRule, ...], list[int]]:
    """Rules from the edited table; a worded preset name goes back to its code."""
    rules, skipped = [], []
    for position, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        label, *values = row  # columns in the order of RULE_COLUMNS
        label = "" if pd.isna(label) else str(label).strip()
        if not label or any(pd.isna(v) for v in values):
            skipped.append(position)
            continue
        v = [int(x) for x in values]
        code = worded.get(label, label)
        rules.append(SegmentRule(code, (v[0], v[1]), (v[2], v[3]), (v[4], v[5])))
    return tuple(rules), skipped


def _reset_rules() -> None:
    for key in ("rules", "rules_base", "rules_editor"):
        st.session_state.pop(key, None)
    st.session_state["rules"] = ""


def _reset_all() -> None:
    _reset_rules()
    for key in ("edges_r", "edges_f", "edges_m"):
        st.session_state[key] = ""


def controls() -> None:
    modes = {
        "quantile": t("mode_quantile"),
        "threshold": t("mode_threshold"),
        "mean": t("mode_mean"),
    }
    left, right = st.columns([2, 1])
    left.radio(
        t("rfm_mode"),
        list(modes),
        format_func=modes.get,
        key="rfm_mode",
        horizontal=True,
        on_change=_reset_all,
    )
    if st.session_state["rfm_mode"] != "mean":
        low, high, _ = state.RANGES["rfm_bins"]
        right.select_slider(
            t("bins"), options=list(range(int(low), int(high) + 1)), key="rfm_bins",
            on_change=_reset_all,
        )  # fmt: skip


def edges_inputs(view) -> None:
    if st.session_state["rfm_mode"] != "threshold":
        return
    st.markdown(f"**{t('edges')}**")
    bins = view.settings.rfm_bins
    suggested = view.suggested_edges(bins)
    cells = st.columns(3)
    for cell, key in zip(cells, "rfm", strict=True):
        text = ", ".join(f"{v:g}" for v in suggested[key])
        state_key = f"edges_{key}"
        if not st.session_state.get(state_key):
            st.session_state[state_key] = text
        cell.text_input(t(f"edges_{key}"), key=state_key, help=t("edges_suggested", edges=text))
    for key in view.edge_errors:
        st.warning(t("edges_invalid", dimension=key.upper(), n=bins - 1))


def rules_editor() -> None:
    """Edit the ordered rule list; the edited rules drive this run's segments."""
    s = st.session_state
    current = state.settings()
    preset = current.preset_rules
    language = lang()
    if s.get("_rules_language") != language:  # headers and names change with the language
        s.pop("rules_editor", None)
        s["_rules_language"] = language
    if "rules_editor" not in s or "rules_base" not in s:
        s["rules_base"] = s.get("rules") or rules_to_text(preset)
    base_rules = rules_from_text(s["rules_base"]) or preset
    worded = {name(r.name, language): r.name for r in base_rules}
    # the editor takes the full width (seven columns must all show); the checker sits below it
    left, right = st.container(), st.container()
    bins = current.score_bins
    with left:
        st.markdown(f"**{t('rules')}**")
        score = {"min_value": 1, "max_value": bins, "step": 1, "required": True}
        headers = _headers(language)
        edited = st.data_editor(
            _rules_frame(base_rules, language),
            key="rules_editor",
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            column_config={
                headers[0]: st.column_config.TextColumn(
                    required=True, max_chars=60, width="medium"
                ),
                **{h: st.column_config.NumberColumn(**score) for h in headers[1:]},
            },
        )
        rules, skipped = _rules_from_frame(edited, worded)
        text = rules_to_text(rules)
        s["rules"] = "" if text == rules_to_text(preset) else text
        if skipped:
            st.warning(t("rules_invalid", rows=", ".join(map(str, skipped))))
        if s["rules"]:
            st.button(t("rules_reset"), key="rules_reset", on_click=_reset_rules)
    with right:
        st.markdown(f"**{t('rule_checker')}**")
        check = check_rules(rules or preset, bins)
        if check.ok:
            st.success(t("rule_ok"))
        for a, b, n in check.overlaps:
            st.warning(plain(t("rule_overlap", a=name(a), b=name(b), n=n)))
        for rule in check.never_fires:
            st.warning(plain(t("rule_never", name=name(rule))))
        if check.uncovered:
            sample = ", ".join(f"R{r}F{f}M{m}" for r, f, m in check.uncovered[:4])
            st.warning(t("rule_uncovered", n=len(check.uncovered), cells=sample))


def main() -> None:
    st.title(t("page_rfm"))
    controls()
    with section():
        rules_editor()
    view = page_view()
    edges_inputs(view)
    if empty_view_guard(view):
        return
    agg = view.agg
    axes = charts.Axes(lang(), view.currency)
    left, right = st.columns(2)
    with left, section():
        metric = st.radio(
            t("rf_heatmap"),
            ["customers", "mean_spend"],
            format_func={"customers": t("heat_customers"), "mean_spend": t("heat_spend")}.get,
            horizontal=True,
            key="rfm_heat",
        )
        kind = charts.COUNT if metric == "customers" else charts.MONEY
        chart(
            charts.heatmap(agg.rf_grid, "f_score", "r_score", metric, t("rf_heatmap"),
                           t("frequency"), t("recency"), axes, kind=kind),
            key="rfm_heatmap",
        )  # fmt: skip
    with right, section():
        segments = agg.segments
        chart(
            charts.bar(segments, "customers", t("segment_table"), t("segment"), t("customers"),
                       names(segments["segment"]), axes, horizontal=True),
            key="rfm_segments",
        )  # fmt: skip
    with section():
        segments = agg.segments
        currency, language = view.currency, lang()
        shown = pd.DataFrame(
            {
                t("segment"): names(segments["segment"]),
                t("customers"): [fmt_int(v) for v in segments["customers"]],
                t("share"): [fmt_pct(v) for v in segments["share"]],
                t("total_spend"): [
                    fmt_money(v, currency, language) for v in segments["total_spend"]
                ],
                t("mean_days_since_last"): [fmt_int(v) for v in segments["mean_days_since_last"]],
                t("mean_frequency"): segments["mean_frequency"].round(2),
                t("mean_spend"): [fmt_money(v, currency, language) for v in segments["mean_spend"]],
            }
        )
        st.dataframe(shown, hide_index=True, width="stretch")
        options = segments["segment"].tolist()
        group_downloads(view, "segment", options, names(options), "what_segment",
                        "choose_segment", "rfm", key="rfm_dl", enrich=view.with_clusters)  # fmt: skip


main()
