"""Customer picture (客户画像): individual vs organisational customers side by side, products
per customer, which product lines are held together, and the largest cross-sell gaps by
segment or value tier."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import identity, picture
from ui import charts
from ui.auth import allowed
from ui.formats import fmt_int, fmt_money, fmt_number, fmt_pct
from ui.i18n import lang, name, names, t
from ui.view import page_view
from ui.widgets import chart, empty_view_guard, section


def types(view, held) -> None:
    st.subheader(t("type_comparison"), anchor=False)

    def compute():
        contacts = view.contacts()
        persisting = None
        if view.policies is not None and len(view.policies) and "customer_type" in view.policies:
            from analytics.persistency import ratios_from_status

            status = view.policy_status(["customer_type"], months=[13, 25])
            persisting = ratios_from_status(status, view.as_of, "customer_type")
        return picture.type_comparison(view.table, held, contacts, persisting)

    table = view.keep("type_comparison", compute)
    currency, language = view.currency, lang()
    shown = {
        t("customer_type"): names(table["customer_type"]),
        t("customers"): [fmt_int(v) for v in table["customers"]],
        t("share"): [fmt_pct(v) for v in table["share"]],
    }
    money = {"mean_total_spend": "mean_total_spend", "mean_spend_12m": "mean_spend_12m",
             "mean_clv": "mean_clv"}  # fmt: skip
    for column, key in money.items():
        if column in table:
            shown[t(key)] = [fmt_money(v, currency, language) for v in table[column]]
    if "mean_high_risk" in table:
        shown[t("high_risk_share")] = [fmt_pct(v) for v in table["mean_high_risk"]]
    if "mean_products" in table:
        shown[t("mean_products")] = [fmt_number(v, 2) for v in table["mean_products"]]
    if "mean_satisfaction" in table:
        shown[t("mean_satisfaction")] = [fmt_number(v, 2) for v in table["mean_satisfaction"]]
    for k in (13, 25):
        if f"persistency_{k}" in table:
            shown[t("persistency_k", k=k)] = [fmt_pct(v) for v in table[f"persistency_{k}"]]
    st.dataframe(pd.DataFrame(shown), hide_index=True, width="stretch")


@st.cache_resource(max_entries=4, show_spinner=False)
def _identities(fingerprint: str, _customers: pd.DataFrame) -> pd.DataFrame:
    return identity.duplicate_identities(_customers)


def identities(view) -> None:
    """People under several customer ids (shared id number or phone, compared by keyed hash;
    no personal value is shown), and the switch that scores them as one customer."""
    customers = view.data.customers
    if customers is None or not {"id_number", "phone"} & set(customers.columns):
        return
    st.subheader(t("duplicate_identities"), anchor=False)
    groups = _identities(view.fingerprint, customers)
    summary = identity.identity_summary(groups)
    cells = st.columns(3)
    cells[0].metric(t("identities_found"), fmt_int(summary["identities"]),
                    help=t("identities_found_help"), border=True)  # fmt: skip
    cells[1].metric(t("identity_customers"), fmt_int(summary["customers"]),
                    help=t("identity_customers_help"), border=True)  # fmt: skip
    cells[2].metric(t("identity_extra_ids"), fmt_int(summary["extra_ids"]),
                    help=t("identity_extra_ids_help"), border=True)  # fmt: skip
    st.toggle(t("merge_identities"), key="merge_ids", help=t("merge_identities_help"))
    if allowed("customer_rows") and len(groups):
        with st.expander(t("identity_list")):
            st.dataframe(
                pd.DataFrame(
                    {
                        t("identity"): groups["identity"],
                        t("customer_id"): groups["customer_id"],
                        t("matched_on"): [t(f"matched_{m}") for m in groups["matched_on"]],
                    }
                ),
                hide_index=True,
                width="stretch",
            )


def main() -> None:
    st.title(t("page_picture"))
    view = page_view()
    if empty_view_guard(view):
        return
    if not view.data.has_payments:
        st.info(t("scored_no_payments"))
        return
    if "product_line" not in view.data.transactions:
        st.info(t("no_product_lines"))
        return
    held = view.holdings
    axes = charts.Axes(lang(), view.currency)
    if "customer_type" in view.table:
        with section():
            types(view, held)
    left, right = st.columns(2)
    with left, section():
        per = view.keep("products_per_customer", lambda: picture.products_per_customer(held))
        chart(
            charts.bar(per, "customers", t("products_per_customer"), t("product_lines_held"),
                       t("customers"), list(per["products"]), axes, text=True),
            key="picture_products",
        )  # fmt: skip
    with right, section():
        pairs = view.keep("product_pairs", lambda: picture.product_pairs(held))
        same = pairs["product"] == pairs["with_product"]  # 100% by definition: left blank
        pairs = pairs.assign(share=pairs["share"].where(~same))
        pairs = pairs.assign(product=names(pairs["product"]),
                             with_product=names(pairs["with_product"]))  # fmt: skip
        chart(
            charts.heatmap(pairs, "with_product", "product", "share", t("product_pairs"),
                           t("also_holds"), t("holders_of"), axes, kind=charts.PERCENT),
            key="picture_pairs",
        )  # fmt: skip
    with section():
        st.subheader(t("cross_sell_gaps"), anchor=False)
        words = {"segment": t("segment"), "value_tier": t("value_tier")}
        by = st.radio(t("gaps_by"), list(words), format_func=words.get, horizontal=True,
                      key="picture_gaps_by")  # fmt: skip
        gaps = view.keep(("cross_sell_gaps", by),
                         lambda: picture.cross_sell_gaps(held, view.table, by, top=10))  # fmt: skip
        if gaps.empty:
            st.caption(t("no_gaps"))
            return
        st.dataframe(
            pd.DataFrame(
                {
                    words[by]: names(gaps[by]),
                    t("product_line"): [name(v) for v in gaps["product_line"]],
                    t("customers"): [fmt_int(v) for v in gaps["customers"]],
                    t("penetration"): [fmt_pct(v) for v in gaps["penetration"]],
                    t("view_penetration"): [fmt_pct(v) for v in gaps["view_penetration"]],
                    t("gap_customers"): [fmt_int(round(v)) for v in gaps["gap_customers"]],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(t("gap_note"))
    with section():
        identities(view)


main()
