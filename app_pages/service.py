"""Service (客户服务): satisfaction and the call centre for the customers in view: contacts,
satisfaction by reason and by group with its monthly trend, contacts per customer, complaint and
surrender-request rates, and lapse after a complaint (observed, not causal)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import service
from ui import charts
from ui.auth import allowed
from ui.exports import download_pair
from ui.formats import fmt_int, fmt_number, fmt_pct
from ui.i18n import lang, names, t
from ui.view import page_view
from ui.widgets import chart, empty_view_guard, section

GROUPINGS = ("segment", "value_tier", "channel", "customer_type", "contact_channel")


def kpis(k: dict) -> None:
    cells = st.columns(3)
    cells[0].metric(t("kpi_contacts"), fmt_int(k["contacts"]), help=t("kpi_contacts_help"),
                    border=True)  # fmt: skip
    cells[1].metric(t("kpi_mean_satisfaction"), fmt_number(k["mean_satisfaction"], 2),
                    help=t("kpi_mean_satisfaction_help"), border=True)  # fmt: skip
    cells[2].metric(t("kpi_dissatisfied"), fmt_pct(k["dissatisfied_share"]),
                    help=t("kpi_dissatisfied_help"), border=True)  # fmt: skip
    cells = st.columns(3)
    cells[0].metric(t("kpi_complaint_rate"), fmt_pct(k["complaint_rate"]),
                    help=t("kpi_complaint_rate_help"), border=True)  # fmt: skip
    cells[1].metric(t("kpi_surrender_rate"), fmt_pct(k["surrender_request_rate"]),
                    help=t("kpi_surrender_rate_help"), border=True)  # fmt: skip
    cells[2].metric(t("kpi_contacts_per_customer"), fmt_number(k["contacts_per_customer"], 2),
                    help=t("kpi_contacts_per_customer_help"), border=True)  # fmt: skip


def main() -> None:
    st.title(t("page_service"))
    view = page_view()
    if empty_view_guard(view):
        return
    interactions = view.data.interactions
    if interactions is None or interactions.empty:
        st.info(t("no_interactions"))
        return
    contacts = view.contacts()
    axes = charts.Axes(lang(), view.currency)
    with section():
        kpis(service.service_kpis(contacts, view.table))
    if contacts.empty:
        st.info(t("no_contacts_in_view"))
        return
    left, right = st.columns(2)
    with left, section():
        reasons = service.satisfaction_by(contacts, "reason")
        chart(
            charts.bar(reasons, "mean_satisfaction", t("satisfaction_by_reason"),
                       t("contact_reason"), t("mean_satisfaction"), names(reasons["reason"]),
                       axes, kind=charts.NUMBER, horizontal=True, text=True),
            key="service_reasons",
        )  # fmt: skip
    with right, section():
        trend = service.satisfaction_trend(contacts)
        chart(
            charts.month_line(trend, "month", {t("mean_satisfaction"): "mean_satisfaction"},
                              t("satisfaction_trend"), t("month"), t("mean_satisfaction"), axes,
                              kind=charts.NUMBER),
            key="service_trend",
        )  # fmt: skip
    with section():
        options = [g for g in GROUPINGS if g in contacts and contacts[g].notna().any()]
        words = {g: t(g) for g in options}  # worded now: the radio keeps no callable state
        by = st.radio(t("satisfaction_by"), options, format_func=words.get, horizontal=True,
                      key="service_by")  # fmt: skip
        table = service.satisfaction_by(contacts, by)
        st.dataframe(
            pd.DataFrame(
                {
                    t(by): names(table[by]),
                    t("kpi_contacts"): [fmt_int(v) for v in table["contacts"]],
                    t("mean_satisfaction"): [fmt_number(v, 2) for v in table["mean_satisfaction"]],
                    t("kpi_dissatisfied"): [fmt_pct(v) for v in table["dissatisfied_share"]],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    left, right = st.columns(2)
    with left, section():
        per = service.contacts_per_customer(contacts, view.table)
        chart(
            charts.bar(per, "customers", t("contacts_per_customer"), t("kpi_contacts"),
                       t("customers"), list(per["contacts"]), axes, text=True),
            key="service_per_customer",
        )  # fmt: skip
    with right, section():
        st.subheader(t("lapse_after_complaint"), anchor=False)
        lapse = service.lapse_after_complaint(contacts, view.table)
        st.dataframe(
            pd.DataFrame(
                {
                    t("group"): [t(f"group_{g}") for g in lapse["group"]],
                    t("customers"): [fmt_int(v) for v in lapse["customers"]],
                    t("lapsed_customers"): [fmt_int(v) for v in lapse["lapsed"]],
                    t("lapse_rate"): [fmt_pct(v) for v in lapse["lapse_rate"]],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(t("lapse_note"))
    if allowed("download"):
        complainers = contacts.loc[contacts["reason"] == service.COMPLAINT, "customer_id"]
        rows = view.table[view.table["customer_id"].isin(complainers)]
        download_pair(lambda: rows, len(rows), t("what_complainers"), ("service", "complaints"),
                      view.as_of, key="service_dl", enrich=view.with_clusters)  # fmt: skip


main()
