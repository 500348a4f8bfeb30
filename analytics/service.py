"""Satisfaction and the call centre: contacts of the customers in view, their 1-5 satisfaction
by contact reason, contact channel and customer group, its monthly trend, contacts per customer,
complaint and surrender-request rates, and lapse after a complaint (observed, not causal).

Inputs are the ``interactions`` table (``customer_id, contact_at, contact_channel, reason,
satisfaction``) and a scored customer table (the view): only contacts of customers in the view
count, so the sidebar filters and the region scope apply. A customer has **lapsed** (observed)
when they made no payment in the 12 months before the as-of date (``spend_12m == 0``). Contacts
after the as-of date do not count. Pure: DataFrames in, DataFrames out, codes not sentences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics._fast import member, positions, take_labels
from analytics._validate import require_columns

__all__ = [
    "COMPLAINT",
    "LOW_SATISFACTION",
    "SURRENDER_REQUEST",
    "contacts_in_view",
    "contacts_per_customer",
    "lapse_after_complaint",
    "satisfaction_by",
    "satisfaction_trend",
    "service_kpis",
]

COMPLAINT = "complaint"
SURRENDER_REQUEST = "surrender_request"
#: Ratings at or below this are "dissatisfied".
LOW_SATISFACTION = 2
INTERACTION_COLUMNS = ("customer_id", "contact_at", "reason", "satisfaction")


def contacts_in_view(interactions: pd.DataFrame, view: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """The contacts of the customers in ``view`` (up to ``as_of``), with the customer's
    ``segment``, ``value_tier``, ``channel`` and ``customer_type`` where the view has them (text
    labels as categoricals)."""
    require_columns(interactions, INTERACTION_COLUMNS, "interactions")
    contacts = interactions[member(interactions["customer_id"], view["customer_id"])]
    if as_of is not None:
        day = pd.to_datetime(contacts["contact_at"]).dt.normalize()  # the as-of day counts whole
        contacts = contacts[day <= pd.Timestamp(as_of).normalize()]
    attributes = [
        c for c in ("segment", "value_tier", "channel", "customer_type") if c in view.columns
    ]
    # a left join on the customer; text labels as categoricals (a customer's segment repeated
    # per contact: :func:`analytics._fast.take_labels`)
    customers = view[["customer_id", *attributes]].drop_duplicates("customer_id")
    rows = positions(contacts["customer_id"], customers["customer_id"])
    out = contacts.reset_index(drop=True)
    return out.assign(**{c: take_labels(customers[c], rows) for c in attributes if c not in out})


def service_kpis(contacts: pd.DataFrame, view: pd.DataFrame) -> dict:
    """Headline figures: contacts, customers who called, mean satisfaction, the dissatisfied
    share of rated contacts, and the shares of customers in view with a complaint or a
    surrender request."""
    rated = contacts["satisfaction"].dropna()
    customers = max(len(view), 1)
    reasons = contacts.groupby("reason")["customer_id"].nunique()
    return {
        "contacts": int(len(contacts)),
        "customers_contacting": int(contacts["customer_id"].nunique()),
        "mean_satisfaction": float(rated.mean()) if len(rated) else float("nan"),
        "dissatisfied_share": float((rated <= LOW_SATISFACTION).mean()) if len(rated) else 0.0,
        "complaint_rate": float(reasons.get(COMPLAINT, 0)) / customers,
        "surrender_request_rate": float(reasons.get(SURRENDER_REQUEST, 0)) / customers,
        "contacts_per_customer": len(contacts) / customers,
    }


def satisfaction_by(contacts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per value of ``by`` (``reason``, ``contact_channel``, ``segment``, ``value_tier`` ...):
    ``contacts, mean_satisfaction, dissatisfied_share``, most contacts first."""
    rated = contacts.assign(low=contacts["satisfaction"] <= LOW_SATISFACTION)
    out = (
        rated.groupby(by, observed=True, dropna=True)
        .agg(
            contacts=("customer_id", "size"),
            mean_satisfaction=("satisfaction", "mean"),
            dissatisfied_share=("low", "mean"),
        )
        .reset_index()
        .sort_values(["contacts", by], ascending=[False, True], kind="stable")
    )
    return out.reset_index(drop=True)


def satisfaction_trend(contacts: pd.DataFrame) -> pd.DataFrame:
    """Per calendar month: ``month`` (first day), ``contacts``, ``mean_satisfaction``,
    ``complaints``."""
    month = pd.to_datetime(contacts["contact_at"]).dt.to_period("M").dt.to_timestamp()
    frame = contacts.assign(month=month, complaint=contacts["reason"] == COMPLAINT)
    out = frame.groupby("month").agg(
        contacts=("customer_id", "size"),
        mean_satisfaction=("satisfaction", "mean"),
        complaints=("complaint", "sum"),
    )
    return out.reset_index()


def contacts_per_customer(contacts: pd.DataFrame, view: pd.DataFrame) -> pd.DataFrame:
    """How many customers in view made 0, 1, 2 or 3+ contacts: ``contacts`` (a label code
    ``0``, ``1``, ``2``, ``3+``), ``customers``, ``share``."""
    counts = contacts.groupby("customer_id").size().reindex(view["customer_id"], fill_value=0)
    bucket = np.minimum(counts.to_numpy(), 3)
    labels = np.array(["0", "1", "2", "3+"])
    tally = np.bincount(bucket, minlength=4)
    total = max(int(tally.sum()), 1)
    return pd.DataFrame({"contacts": labels, "customers": tally, "share": tally / total})


def lapse_after_complaint(contacts: pd.DataFrame, view: pd.DataFrame) -> pd.DataFrame:
    """Observed lapse (no payment in the last 12 months) among customers in view who
    complained and among those who did not: ``group`` (``complained`` / ``no_complaint``),
    ``customers``, ``lapsed``, ``lapse_rate``. An association, not a cause."""
    require_columns(view, ["customer_id", "spend_12m"], "view")
    complained = view["customer_id"].isin(
        contacts.loc[contacts["reason"] == COMPLAINT, "customer_id"]
    )
    lapsed = (view["spend_12m"] <= 0).to_numpy()
    rows = []
    for group, mask in (("complained", complained.to_numpy()), ("no_complaint", ~complained)):
        mask = np.asarray(mask)
        n = int(mask.sum())
        k = int(lapsed[mask].sum())
        rows.append({"group": group, "customers": n, "lapsed": k,
                     "lapse_rate": k / n if n else float("nan")})  # fmt: skip
    return pd.DataFrame(rows)
