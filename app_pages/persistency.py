"""Persistency (继续率): 13- to 61-month persistency of the regular-premium policies of the
customers in view, by count and premium and by group; its trend; the cohort triangle; contract
retention (sBG) per channel or product line with its projection, backtest and the residual
premium value of the in-force book; and the agents' 13-month persistency. Every table downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from analytics import book, sbg
from analytics import persistency as P
from analytics._validate import CodedError
from ui import charts
from ui.auth import allowed
from ui.exports import download_pair
from ui.formats import fmt_int, fmt_month, fmt_number, fmt_pct
from ui.i18n import describe_error, lang, name, t
from ui.view import page_view
from ui.widgets import chart, empty_view_guard, section, show_error

GROUPS = ("none", "channel", "product_line", "customer_type", "segment", "value_tier", "region")
MODEL_GROUPS = ("channel", "product_line", "none")
AGENT_MINIMUM = 10  # policies in an agent's 13-month cohort before the agent is ranked
POINT_MINIMUM = 30  # policies behind a plotted ratio (fewer: in the table, not on the chart)
CELL_MINIMUM = 20  # policies behind a triangle cell
COHORT_MINIMUM = 100  # policies in the cohort a backtest follows
CURRENT_LABELS = ("segment", "value_tier")  # today's labels, which lapses themselves shape


def discount_rate() -> float:
    """The page's discount rate (a year), set under Contract retention; 8% until changed."""
    return float(st.session_state.get("retention_discount", 8.0)) / 100


def _percent_axis(fig):
    """Ratios close together (80-90%) need more than the round ticks the shared axis draws."""
    fig.update_yaxes(tickmode="auto", tickvals=None, ticktext=None, tickformat=".0%", nticks=6)
    return fig


def _group_name(by: str, value) -> str:
    if by == "none":
        return t("whole_book")
    if by == "is_member":
        return name("member" if value else "non-member")
    return name(value)


def kpis(view, ratios: pd.DataFrame, residual: pd.DataFrame, rate: float) -> None:
    money = charts.Axes(lang(), view.currency).money
    by_k = ratios.set_index("months") if len(ratios) else pd.DataFrame()

    def ratio(k: int, column: str):
        return by_k[column].get(k, np.nan) if len(by_k) else np.nan

    cells = st.columns(3)
    cells[0].metric(t("kpi_persistency_13"), fmt_pct(ratio(13, "count_ratio")),
                    help=t("kpi_persistency_13_help"), border=True)  # fmt: skip
    cells[1].metric(t("kpi_persistency_13_premium"), fmt_pct(ratio(13, "premium_ratio")),
                    help=t("kpi_persistency_13_premium_help"), border=True)  # fmt: skip
    cells[2].metric(t("kpi_persistency_25"), fmt_pct(ratio(25, "count_ratio")),
                    help=t("kpi_persistency_25_help"), border=True)  # fmt: skip
    cells = st.columns(3)
    cells[0].metric(t("kpi_in_force"), fmt_int(residual["policies"].sum()),
                    help=t("kpi_in_force_help"), border=True)  # fmt: skip
    cells[1].metric(t("kpi_in_force_premium"), money(residual["annual_premium"].sum()),
                    help=t("kpi_in_force_premium_help"), border=True)  # fmt: skip
    value = residual["residual_value"]
    cells[2].metric(t("kpi_residual_value"), money(value.sum()) if value.notna().any() else "–",
                    help=t("kpi_residual_value_help", rate=fmt_pct(rate)),
                    border=True)  # fmt: skip


def ratio_table(ratios: pd.DataFrame, by: str, money) -> pd.DataFrame:
    groups = (
        [t("whole_book")] * len(ratios)
        if by == "none"
        else [_group_name(by, v) for v in ratios[by]]
    )
    return pd.DataFrame(
        {
            t(by) if by != "none" else t("group"): groups,
            t("persistency_months"): [t("months_label", k=int(k)) for k in ratios["months"]],
            t("cohort_policies"): [fmt_int(v) for v in ratios["policies"]],
            t("persisting_policies"): [fmt_int(v) for v in ratios["persisting"]],
            t("count_ratio"): [fmt_pct(v) for v in ratios["count_ratio"]],
            t("cohort_premium"): [money(v) for v in ratios["premium"]],
            t("premium_ratio"): [fmt_pct(v) for v in ratios["premium_ratio"]],
        }
    )


def by_group(view, summary: dict, axes) -> None:
    options = [g for g in GROUPS if g == "none" or g in view.policies]
    words = {g: t("whole_book") if g == "none" else t(g) for g in options}
    cells = st.columns([3, 1])
    by = cells[0].radio(t("persistency_by"), options, format_func=words.get, horizontal=True,
                        key="persistency_by")  # fmt: skip
    bases = {"count_ratio": t("by_count"), "premium_ratio": t("by_premium")}
    basis = cells[1].radio(t("persistency_basis"), list(bases), format_func=bases.get,
                           horizontal=True, key="persistency_basis")  # fmt: skip
    ratios = (
        summary["ratios"]
        if by == "none"
        else view.keep(
            ("ratios", by), lambda: P.ratios_from_status(view.policy_status([by]), view.as_of, by)
        )
    )
    if ratios.empty:
        st.info(t("no_persistency_cohort"))
        return
    key = by if by != "none" else None
    if key:
        ratios = ratios.assign(**{key: ratios[key].astype("object")})
        groups = ratios.groupby(key)["policies"].sum().sort_values(ascending=False)
        labels = {g: _group_name(by, g) for g in groups.index[:8]}
    else:
        labels = {}
    shown = ratios if not key else ratios[ratios[key].isin(list(labels))]
    thin = shown["policies"] < POINT_MINIMUM
    shown = shown.assign(**{basis: shown[basis].where(~thin)})  # too few policies to plot
    fig = charts.group_lines(shown, "months", basis, key, labels, t("persistency_chart"),
                             t("persistency_months"), t(basis), axes,
                             x_text=lambda k: t("months_label", k=int(k)))  # fmt: skip
    chart(_percent_axis(fig), key="persistency_lines")
    if key and len(groups) > len(labels):
        st.caption(t("top_groups_shown", n=len(labels), total=len(groups)))
    if thin.any():
        st.caption(t("thin_points", n=POINT_MINIMUM))
    if by in CURRENT_LABELS:
        st.caption(t("current_labels_note"))
    st.dataframe(ratio_table(ratios, by, axes.money), hide_index=True, width="stretch")
    if allowed("download"):
        download_pair(lambda: ratios, len(ratios), t("what_persistency"),
                      ("persistency", by), view.as_of, key="persistency_dl", columns=None,
                      unit="rows")  # fmt: skip


def trend_and_triangle(view, summary: dict, axes) -> None:
    left, right = st.columns(2)
    with left, section():
        trend = summary["trend"]
        fig = charts.month_line(trend, "as_of",
                                {t("by_count"): "count_ratio", t("by_premium"): "premium_ratio"},
                                t("persistency_trend"), t("as_of"), t("kpi_persistency_13"), axes,
                                kind=charts.PERCENT)  # fmt: skip
        chart(_percent_axis(fig), key="persistency_trend")
    with right, section():
        grid = summary["triangle"]
        long = grid.reset_index().melt(id_vars="issue_month", var_name="months",
                                       value_name="ratio")  # fmt: skip
        long["months"] = [t("months_label", k=int(k)) for k in long["months"]]
        long["issue_month"] = [fmt_month(pd.Timestamp(m), lang()) for m in long["issue_month"]]
        fig = charts.heatmap(long, "months", "issue_month", "ratio", t("persistency_triangle"),
                             t("persistency_months"), t("issue_month"), axes,
                             kind=charts.PERCENT)  # fmt: skip
        fig.update_layout(height=max(420, 9 * len(grid)))
        fig.update_yaxes(
            categoryorder="array",
            autorange="reversed",
            categoryarray=[fmt_month(pd.Timestamp(m), lang()) for m in grid.index],
        )
        fig.update_traces(colorbar={"tickmode": "auto", "tickvals": None, "ticktext": None,
                                    "tickformat": ".0%", "nticks": 6})  # fmt: skip
        chart(fig, key="persistency_triangle")
        st.caption(t("triangle_note", n=CELL_MINIMUM))
        if allowed("download"):
            download_pair(lambda: grid.reset_index(), len(grid), t("what_triangle"),
                          ("persistency", "triangle"), view.as_of, key="triangle_dl",
                          columns=None, unit="rows")  # fmt: skip


def retention(view, axes) -> None:
    st.subheader(t("contract_retention"), anchor=False)
    st.caption(t("contract_retention_help"))
    cells = st.columns([2, 1, 1])
    words = {g: t("whole_book") if g == "none" else t(g) for g in MODEL_GROUPS}
    by = cells[0].radio(t("retention_by"), MODEL_GROUPS, format_func=words.get, horizontal=True,
                        key="retention_by")  # fmt: skip
    discount = cells[1].number_input(t("retention_discount"), min_value=0.0, max_value=50.0,
                                     value=8.0, step=1.0, key="retention_discount") / 100  # fmt: skip
    horizon = int(cells[2].number_input(t("retention_horizon"), min_value=5, max_value=30,
                                        value=10, step=1, key="retention_horizon"))  # fmt: skip
    key = None if by == "none" else by
    models = view.retention(key)
    fitted = {g: m for g, m in models.items() if "fit" in m}
    if not fitted:
        st.info(t("no_retention_fit"))
        return
    curves = book.retention_curves(fitted, horizon)
    biggest = sorted(fitted, key=lambda g: -fitted[g]["survivors"].query("period == 0")[
        "survivors"].sum())[:6]  # fmt: skip
    labels = {g: _group_name(by, g) for g in biggest}
    fig = charts.retention(curves, labels, t("retention_chart"), t("policy_year"),
                           t("share_in_force"), t("actual"), t("projected"), axes)  # fmt: skip
    fig.update_layout(margin={"t": 60 + 22 * ((len(labels) + 3) // 4)})
    chart(_percent_axis(fig), key="retention_curves")
    st.caption(t("retention_lines"))
    residual = view.keep(
        ("residual", by, discount),
        lambda: book.residual_values(view.policies, models, view.as_of, key, discount),
    )
    rows = []
    for _, row in residual.iterrows():
        model = models.get(row["group"], {})
        fit = model.get("fit")
        # a fit that ran to the edge of its box (retention nearly the same every year) has
        # a and b too loosely determined to print; its curve is still the right one
        loose = fit is not None and not fit.converged
        rows.append(
            {
                t("group"): _group_name(by, row["group"]),
                "α": "–" if fit is None or loose else fmt_number(fit.alpha, 2),
                "β": "–" if fit is None or loose else fmt_number(fit.beta, 2),
                t("retention_year1"): fmt_pct(sbg.retention_rates(fit.alpha, fit.beta, 1))
                if fit
                else "–",
                t("survival_5"): fmt_pct(sbg.survival(fit.alpha, fit.beta, 5)) if fit else "–",
                t("kpi_in_force"): fmt_int(row["policies"]),
                t("mean_derl"): fmt_number(row["mean_derl"], 2),
                t("residual_short"): axes.money(row["residual_value"]),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(t("derl_note", rate=fmt_pct(discount)))
    if allowed("download"):
        download_pair(lambda: residual, len(residual), t("what_retention"),
                      ("retention", by), view.as_of, key="retention_dl", columns=None,
                      unit="rows")  # fmt: skip
    backtest(models, labels, by, axes)


def backtest(models: dict, labels: dict, by: str, axes) -> None:
    """Fit one issue-year cohort of a group on its first policy years and compare the projection
    with the later ones: the largest cohort observed for at least four years."""
    st.markdown(f"**{t('retention_backtest')}**")
    options = list(labels)
    cells = st.columns([2, 1])
    worded = {g: labels[g] for g in options}
    group = cells[0].selectbox(t("group"), options, format_func=worded.get,
                               key=f"retention_backtest_group_{by}")  # fmt: skip
    survivors = models[group]["survivors"]
    per_cohort = survivors.groupby("cohort").agg(years=("period", "max"),
                                                 size=("survivors", "max"))  # fmt: skip
    long = per_cohort[(per_cohort["years"] >= 4) & (per_cohort["size"] >= COHORT_MINIMUM)]
    if long.empty:
        st.caption(t("backtest_too_short", n=COHORT_MINIMUM))
        return
    cohort = long.sort_values(["size", "years"], ascending=False).index[0]
    counts = survivors[survivors["cohort"] == cohort].sort_values("period")["survivors"]
    last = len(counts) - 1
    periods = cells[1].slider(t("calibration_years"), 2, last - 1, min(3, last - 1),
                              key=f"retention_calibration_{by}")  # fmt: skip
    result = sbg.backtest(counts.to_numpy(), periods)
    start = float(result["actual"].iloc[0])
    frame = pd.DataFrame(
        {
            "group": group,
            "period": result["period"],
            "actual": result["actual"] / start,
            "projected": result["predicted"] / start,
        }
    )
    fig = charts.retention(frame, {group: labels[group]},
                           t("backtest_chart", cohort=str(cohort).split("/")[-1], years=periods,
                             n=fmt_int(start)),
                           t("policy_year"), t("share_in_force"), t("actual"), t("projected"),
                           axes)  # fmt: skip
    fig.add_vrect(x0=periods, x1=len(frame) - 1, fillcolor="#eef2f7", line_width=0, layer="below")
    chart(_percent_axis(fig), key="retention_backtest")
    holdout = result[result["holdout"]]
    error = (holdout["predicted"] - holdout["actual"]).abs() / holdout["actual"]
    st.caption(t("backtest_error", error=fmt_pct(error.mean())))


def agents(view, summary: dict, axes) -> None:
    table = summary["agents"]
    if table is None:
        return
    st.subheader(t("agent_persistency"), anchor=False)
    ranked = table[table["policies"] >= AGENT_MINIMUM].sort_values(["count_ratio", "agent_id"])
    st.caption(t("agent_persistency_help", n=AGENT_MINIMUM, agents=fmt_int(len(ranked))))
    if ranked.empty:
        return
    st.dataframe(
        pd.DataFrame(
            {
                t("agent_id"): ranked["agent_id"].head(15).astype(str),
                t("cohort_policies"): [fmt_int(v) for v in ranked["policies"].head(15)],
                t("count_ratio"): [fmt_pct(v) for v in ranked["count_ratio"].head(15)],
                t("premium_ratio"): [fmt_pct(v) for v in ranked["premium_ratio"].head(15)],
                t("cohort_premium"): [axes.money(v) for v in ranked["premium"].head(15)],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    if allowed("download"):
        download_pair(lambda: table, len(table), t("what_agents"), ("persistency", "agents"),
                      view.as_of, key="agents_dl", columns=None, unit="rows")  # fmt: skip


#: The columns of the 13-month win-back list, as far as the policies have them.
MISSED_COLUMNS = ("policy_id", "customer_id", "channel", "product_line", "agent_id", "payment_mode",
                  "issue_date", "installment_premium", "annual_premium", "status", "segment",
                  "value_tier")  # fmt: skip


def lapsed_list(view) -> None:
    """The policies that did not persist at 13 months (a win-back list), for download."""
    if not allowed("download"):
        return

    def compute() -> pd.DataFrame:
        frame = view.policy_status(months=[13])
        end = pd.Timestamp(view.as_of).normalize() - pd.Timedelta(days=P.GRACE_DAYS)
        start = P.add_months([end], -12)[0]
        window = (frame["due"] > start) & (frame["due"] <= end) & ~frame["excluded"]
        return P.with_policy_columns(frame[window & ~frame["persisting"]], view.policies,
                                     MISSED_COLUMNS)  # fmt: skip

    missed = view.keep("not_persisting_13", compute)
    columns = [c for c in MISSED_COLUMNS if c in missed]
    rows = missed[columns].rename(columns={"product_line": "policy_product_line"})
    download_pair(lambda: rows, len(missed), t("what_not_persisting"),
                  ("persistency", "not-persisting-13"), view.as_of, key="missed_dl",
                  columns=None, unit="rows")  # fmt: skip


def main() -> None:
    st.title(t("page_persistency"))
    view = page_view()
    if empty_view_guard(view):
        return
    if view.policies is None:
        missing_ids = view.data.policies is not None
        st.info(t("no_policy_ids" if missing_ids else "no_policies"))
        return
    if view.policies.empty:
        st.info(t("no_policies_in_view"))
        return
    axes = charts.Axes(lang(), view.currency)
    try:
        view.policy_status()  # a rule the data cannot follow is reported here, once
        summary = view.persistency_summary()
    except (CodedError, ValueError) as exc:  # policies or payments the rule cannot use
        show_error(t("source_error", error=describe_error(exc)), exc)
        return
    with section():
        rate = discount_rate()
        residual = summary["residual"]
        if rate != 0.08:  # the opening figure is kept at 8%; another rate is computed here
            residual = book.residual_values(view.policies, view.retention(None), view.as_of,
                                            None, rate)  # fmt: skip
        kpis(view, summary["ratios"], residual, rate)
        st.caption(t("persistency_rule"))
    with section():
        by_group(view, summary, axes)
        lapsed_list(view)
    trend_and_triangle(view, summary, axes)
    with section():
        retention(view, axes)
    with section():
        agents(view, summary, axes)


main()
