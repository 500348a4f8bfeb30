"""Customer lookup: find a customer by id; scores, segment, tier, risk and purchase history;
personal information masked unless the deployment grants the role that may see it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data.schema import PII_COLUMNS
from ui import charts
from ui.data import customer_contacts, customer_history, customer_record, page_view
from ui.i18n import fmt_date, fmt_int, fmt_money, fmt_pct, name, names, t
from ui.widgets import mask, pii_allowed, section


def main() -> None:
    st.title(t("page_lookup"))
    view = page_view()
    examples = view.table["customer_id"].head(3).tolist()
    customer_id = st.text_input(
        t("find"), key="lookup_id", placeholder=examples[0] if examples else ""
    )
    if examples:
        st.caption(t("examples", ids=", ".join(examples)))
    customer_id = (customer_id or "").strip()
    if not customer_id:
        return
    rows = view.table[view.table["customer_id"] == customer_id]
    if rows.empty:
        st.warning(t("not_found", id=customer_id))
        return
    row = view.with_clusters(rows).iloc[0]
    with section():
        st.subheader(customer_id)
        cells = st.columns(5)
        cells[0].metric(t("segment"), name(row["segment"]))
        cells[1].metric(t("value_tier"), name(row["value_tier"]))
        cells[2].metric(t("abc_class"), row["abc_class"])
        cells[3].metric(
            t("churn_risk"),
            fmt_pct(row["churn_risk"]),
            name(row["churn_band"]),
            delta_color="off",
            delta_arrow="off",
        )
        cells[4].metric(t("clv_short"), fmt_money(row["clv"], view.currency))
        facts = {
            t("scores"): f"R{row['r_score']} F{row['f_score']} M{row['m_score']}",
            t("days_since_last"): fmt_int(row["days_since_last"]),
            t("purchase_days"): fmt_int(row["frequency"] + 1),
            t("total_spend"): fmt_money(row["total_spend"], view.currency, compact=False),
            t("expected_purchases"): f"{row['expected_purchases']:.2f}"
            if pd.notna(row["expected_purchases"])
            else "–",
            t("p_alive"): fmt_pct(row["p_alive"]),
            t("cluster"): name(row["cluster_name"]),
        }
        for column in ("customer_type", "channel", "region", "city"):
            if column in row and pd.notna(row[column]):
                facts[t(column) if column != "city" else "City / 城市"] = name(row[column])
        if row.get("is_member"):
            facts[t("member")] = f"{fmt_date(row['enrolled_at'])} · {name(row.get('loyalty_tier'))}"
        st.dataframe(
            pd.DataFrame({"": list(facts), " ": list(facts.values())}),
            hide_index=True,
            width="stretch",
        )
    with section():
        record = customer_record(view.data, customer_id)
        if record is not None:
            reveal = pii_allowed() and st.toggle(t("pii_revealed"), key="lookup_reveal")
            st.markdown(f"**{t('pii_revealed') if reveal else t('pii')}**")
            shown = {
                c: (record.get(c) if reveal else mask(c, record.get(c)))
                for c in sorted(PII_COLUMNS)
                if c in record
            }
            st.dataframe(
                pd.DataFrame({"": list(shown), " ": [str(v) for v in shown.values()]}),
                hide_index=True,
                width="stretch",
            )
    with section():
        contacts = customer_contacts(customer_id)
        if contacts is not None:
            st.markdown(f"**{t('contacts')}**")
            if contacts.empty:
                st.caption(t("no_contacts"))
            else:
                st.metric(t("mean_satisfaction"), f"{contacts['satisfaction'].mean():.1f}")
                st.dataframe(
                    pd.DataFrame(
                        {
                            t("contact_at"): [fmt_date(v) for v in contacts["contact_at"]],
                            t("contact_channel"): names(contacts["contact_channel"]),
                            t("contact_reason"): names(contacts["reason"]),
                            t("satisfaction"): [
                                "★" * int(v) + "☆" * (5 - int(v)) for v in contacts["satisfaction"]
                            ],
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )
    with section():
        history = customer_history(view.data, customer_id)
        kinds = {k: name(k) for k in ("new_policy", "renewal", "top_up", "refund")}
        st.plotly_chart(
            charts.history(history, t("history"), t("month"), t("premium"), kinds),
            key="lookup_history",
        )


main()
