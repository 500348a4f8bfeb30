"""Customer lookup: find a customer by id or the start of one; scores, segment, tier, risk, the
payment timeline and table, call-centre contacts; personal information masked unless the
deployment grants the role that may see it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data.schema import PII_COLUMNS
from ui import auth, charts, sources
from ui.formats import fmt_date, fmt_int, fmt_money, fmt_number, fmt_pct
from ui.i18n import column_label, lang, name, names, policy_status, programme_tier, t
from ui.view import page_view
from ui.widgets import chart, mask, paged_table, pii_allowed, plain, section

MAX_MATCHES = 50


def find(view) -> str | None:
    """The customer id typed (exact), or chosen among the ids that start with it."""
    ids = view.table["customer_id"]
    examples = ids.head(3).tolist()
    typed = st.text_input(t("find"), key="lookup_id", placeholder=examples[0] if examples else "")
    if examples:
        st.caption(plain(t("examples", ids=", ".join(examples))))
    typed = (typed or "").strip()
    if not typed:
        return None
    if (ids == typed).any():
        return typed
    matches = ids[ids.str.startswith(typed, na=False)]
    if matches.empty:
        st.warning(plain(t("not_found", id=typed)))
        return None
    if len(matches) == 1:
        return matches.iloc[0]
    shown = sorted(matches.head(5_000).tolist())[:MAX_MATCHES]
    label = t("matches", n=fmt_int(len(matches)))
    if len(matches) > MAX_MATCHES:
        st.caption(t("matches_more", n=fmt_int(len(matches)), shown=MAX_MATCHES))
    return st.selectbox(label, shown, key=f"lookup_pick_{typed}")


def facts(view, row) -> None:
    language, currency, settings = lang(), view.currency, view.settings
    platinum, gold, silver = (fmt_pct(s, 0) for s in settings.tier_shares)
    cells = st.columns(5)
    cells[0].metric(t("segment"), name(row["segment"]), help=t("help_segment"), border=True)
    cells[1].metric(
        t("value_tier"),
        name(row["value_tier"]),
        help=t("help_value_tier", platinum=platinum, gold=gold, silver=silver),
        border=True,
    )
    cells[2].metric(
        t("abc_class"),
        row["abc_class"],
        help=t(
            "help_abc_class", a=fmt_pct(settings.abc_cuts[0], 0), b=fmt_pct(settings.abc_cuts[1], 0)
        ),
        border=True,
    )
    cells[3].metric(
        t("churn_risk"),
        fmt_pct(row["churn_risk"]),
        name(row["churn_band"]),
        delta_color="off",
        delta_arrow="off",
        help=t("help_churn_risk", model=name(settings.model)),
        border=True,
    )
    cells[4].metric(
        t("clv_short"),
        fmt_money(row["clv"], currency, language),
        help=t(
            "help_clv", horizon=settings.horizon_months, rate=fmt_pct(settings.discount_rate, 0)
        ),
        border=True,
    )
    items = {
        t("scores"): f"R{row['r_score']} F{row['f_score']} M{row['m_score']}",
        t("first_purchase"): fmt_date(row["first_purchase"], language),
        t("last_purchase"): fmt_date(row["last_purchase"], language),
        t("days_since_last"): fmt_int(row["days_since_last"]),
        t("purchase_days"): fmt_int(row["frequency"] + 1),
        t("total_spend"): fmt_money(row["total_spend"], currency, language, compact=False),
        t("spend_12m"): fmt_money(row["spend_12m"], currency, language, compact=False),
        t("premium_at_risk_short"): fmt_money(row["premium_at_risk"], currency, language, compact=False),
        t("expected_purchases"): fmt_number(row["expected_purchases"]),
        t("p_alive"): fmt_pct(row["p_alive"]),
        t("cluster"): name(row["cluster_name"]),
    }  # fmt: skip
    for column in ("customer_type", "channel", "region", "city", "product_line"):
        if column in row and pd.notna(row[column]):
            items[column_label(column, language)] = name(row[column])
    if row.get("is_member"):
        items[t("membership")] = t(
            "membership_value",
            date=fmt_date(row["enrolled_at"], language),
            tier=programme_tier(row.get("loyalty_tier")),
        )
    st.dataframe(
        pd.DataFrame({t("fact"): list(items), t("fact_value"): [str(v) for v in items.values()]}),
        hide_index=True,
        width="stretch",
        height=35 * (len(items) + 1) + 3,  # every fact visible, no inner scrolling
    )


def personal(view, customer_id: str) -> None:
    record = sources.customer_record(view.data, customer_id)
    if record is None:
        return
    if st.session_state.get("_lookup_shown") != customer_id:  # a new customer starts masked
        st.session_state["_lookup_shown"] = customer_id
        st.session_state["lookup_reveal"] = False
    reveal = pii_allowed() and st.toggle(t("pii_reveal_toggle"), key="lookup_reveal")
    if reveal and st.session_state.get("_revealed") != customer_id:
        st.session_state["_revealed"] = customer_id  # one audit row per customer revealed
        auth.audit("pii_reveal", target=customer_id)
    st.markdown(f"**{t('pii_revealed') if reveal else t('pii')}**")
    shown = {
        t(f"pii_{c}"): (record.get(c) if reveal else mask(c, record.get(c)))
        for c in sorted(PII_COLUMNS)
        if c in record
    }
    st.dataframe(
        pd.DataFrame({t("fact"): list(shown), t("fact_value"): [str(v) for v in shown.values()]}),
        hide_index=True,
        width="stretch",
    )


def contacts(customer_id: str) -> None:
    frame = sources.customer_contacts(customer_id)
    if frame is None:
        return
    st.markdown(f"**{t('contacts')}**")
    if frame.empty:
        st.caption(t("no_contacts"))
        return
    language = lang()
    st.metric(
        t("mean_satisfaction"), f"{frame['satisfaction'].mean():.1f}", help=t("help_satisfaction")
    )
    st.dataframe(
        pd.DataFrame(
            {
                t("contact_at"): [fmt_date(v, language) for v in frame["contact_at"]],
                t("contact_channel"): names(frame["contact_channel"]),
                t("contact_reason"): names(frame["reason"]),
                t("satisfaction"): [
                    "★" * int(v) + "☆" * (5 - int(v)) for v in frame["satisfaction"]
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def policies(view, customer_id: str) -> None:
    """The customer's policies: product, mode, premium, dates, status and installments paid."""
    if view.data.policies is None:
        return
    book = view.data.policies
    own = book[book["customer_id"] == customer_id].sort_values("issue_date")
    st.markdown(f"**{t('customer_policies')}**")
    if own.empty:
        st.caption(t("no_customer_policies"))
        return
    language, currency = lang(), view.currency
    tx = view.data.payments("policy_id")
    paid = tx[(tx["customer_id"] == customer_id) & (tx["amount"] > 0)]
    if "transaction_type" in paid:
        paid = paid[paid["transaction_type"].isin(["new_policy", "renewal"])]
    counts = paid.groupby("policy_id").size() if "policy_id" in paid else pd.Series(dtype=int)
    table = {
        t("policy_id"): own["policy_id"].astype(str),
        t("product_line"): names(own["product_line"]) if "product_line" in own else "",
        t("payment_mode"): names(own["payment_mode"]),
        t("installment_premium"): [fmt_money(v, currency, language, compact=False)
                                   for v in own["installment_premium"]],
        t("issue_date"): [fmt_date(v, language) for v in own["issue_date"]],
        t("status"): [policy_status(v) for v in own["status"]],
        t("status_date"): [fmt_date(v, language) if pd.notna(v) else "" for v in own["status_date"]],
        t("installments_paid"): [fmt_int(counts.get(p, 0)) for p in own["policy_id"]],
    }  # fmt: skip
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")


def history(view, customer_id: str) -> None:
    if not view.data.has_payments:
        st.markdown(f"**{t('payments')}**")
        st.info(t("scored_no_payments"))
        return
    frame = sources.customer_history(view.data, customer_id)
    language, currency = lang(), view.currency
    kinds = {k: name(k) for k in ("new_policy", "renewal", "top_up", "refund", "payment")}
    chart(
        charts.payments(frame, t("history"), t("transaction_date"), t("amount"), kinds,
                        charts.Axes(language, currency), until=view.as_of, until_label=t("as_of")),
        key="lookup_history",
    )  # fmt: skip
    st.markdown(f"**{t('payments')}**")
    table = {
        t("transaction_date"): [fmt_date(v, language) for v in frame["transaction_date"]],
        t("amount"): [fmt_money(v, currency, language, compact=False) for v in frame["amount"]],
    }
    if "transaction_type" in frame:
        table[t("transaction_type")] = names(frame["transaction_type"])
    if "product_line" in frame:
        table[t("product_line")] = names(frame["product_line"])
    if "channel" in frame:
        table[t("channel")] = names(frame["channel"])
    paged_table(pd.DataFrame(table).iloc[::-1], key="lookup_payments", page_size=20)


def main() -> None:
    auth.require("lookup")
    st.title(t("page_lookup"))
    view = page_view()
    customer_id = find(view)
    if not customer_id:
        return
    rows = view.table[view.table["customer_id"] == customer_id]
    row = view.with_clusters(rows).iloc[0]
    with section():
        st.subheader(plain(customer_id), anchor=False)
        facts(view, row)
    with section():
        personal(view, customer_id)
    with section():
        policies(view, customer_id)
    with section():
        contacts(customer_id)
    with section():
        history(view, customer_id)


main()
