"""Persistency (继续率) and sBG retention on a synthetic book of 1,000,000 policies.

    .venv/bin/python benchmarks/bench_persistency.py [--policies 1000000]
    .venv/bin/python benchmarks/bench_persistency.py --demo [--customers 750000]

``--demo`` instead takes the demo insurer's generator (750,000 customers hold about 1,000,000
policies) and times the work the Persistency page does on its first visit, step by step.

The book: issue dates over six years, payment modes 40% annual, 10% semiannual, 15% quarterly,
35% monthly; each policy pays its installments on time, a few days late, or beyond the grace
period, and lapses after a geometric number of them (so the ratios are realistic, 80-90% at 13
months). Prints the time and peak memory of: 13/25/37/49/61-month persistency by count and
premium (whole book, by channel), the cohort triangle, and the sBG fit of the policy-year
survivors per channel plus DERL for every policy. The bar (issue 9): persistency at 1M
policies in at most 5 s with pandas.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from _common import machine, print_table, timed

from analytics import persistency as PE

MODES = np.array(["annual", "semiannual", "quarterly", "monthly"])
PER_YEAR = np.array([1, 2, 4, 12])


def book(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    rng = np.random.default_rng(seed)
    as_of = pd.Timestamp("2026-06-30")
    start = np.datetime64("2020-07-01")
    issue = start + rng.integers(0, 6 * 365, n).astype("timedelta64[D]")
    mode = rng.choice(4, n, p=[0.40, 0.10, 0.15, 0.35])
    m = PER_YEAR[mode]
    channel = rng.choice(np.array(["agency", "bancassurance", "group", "online"]), n,
                         p=[0.5, 0.25, 0.1, 0.15])  # fmt: skip
    # installments due by the as-of date, then a geometric lapse (per policy year)
    months_open = ((as_of.to_datetime64() - issue).astype("timedelta64[D]").astype(int)) / 30.4375
    due_count = np.floor(months_open * m / 12).astype(int) + 1
    years_kept = rng.geometric(np.where(channel == "bancassurance", 0.18, 0.10))
    paid = np.minimum(due_count, years_kept * m)
    policy_ids = np.char.add("P", np.arange(n).astype(str))
    policies = pd.DataFrame({
        "policy_id": policy_ids, "issue_date": pd.to_datetime(issue), "payment_mode": MODES[mode],
        "installment_premium": rng.gamma(2.0, 3000, n).round(2) / m, "channel": channel,
        "status": np.where(paid < due_count, "lapsed", "in_force"), "status_date": pd.NaT,
    })  # fmt: skip
    owner = np.repeat(np.arange(n), paid)
    j = np.arange(len(owner)) - np.repeat(np.cumsum(paid) - paid, paid)  # installment number
    due_days = (j * 12 / m[owner] * 30.4375).astype(int)
    lag = rng.choice([0, 5, 30, 75], len(owner), p=[0.7, 0.2, 0.08, 0.02])
    dates = issue[owner] + (due_days + lag).astype("timedelta64[D]")
    keep = dates <= as_of.to_datetime64()
    payments = pd.DataFrame({
        "policy_id": policy_ids[owner][keep], "transaction_date": pd.to_datetime(dates[keep]),
        "amount": policies["installment_premium"].to_numpy()[owner][keep],
    })  # fmt: skip
    return policies, payments, as_of


def page_work(customers: int) -> None:
    """The Persistency page's computations on the demo generator's book, timed step by step."""
    from analytics import book as B
    from data.sample import DemoConfig, generate

    rows: list[dict] = []
    with timed(rows, "generate the demo (not measured work)"):
        tables = generate(DemoConfig(customers=customers))
    policies, tx = tables["policies"], tables["transactions"]
    view = tables["customers"][["customer_id", "customer_type", "region"]]
    as_of = tx["transaction_date"].max()
    print(f"{machine()}\n{customers:,} customers, {len(policies):,} policies, {len(tx):,} "
          f"transactions, as of {as_of.date()}")  # fmt: skip
    with timed(rows, "policies of the customers in view"):
        inview = B.policies_in_view(policies, view)
    with timed(rows, "policy status at 13-61 months (the page's one pass)"):
        # as the page keeps it: without the policies' own columns (added when grouped by one)
        status = PE.policy_status(inview, tx, until=as_of, ids_unique=True, columns=())
    with timed(rows, "ratios, whole book and by channel"):
        PE.ratios_from_status(status, as_of)
        by_channel = PE.with_policy_columns(status, inview, ["channel"])
        PE.ratios_from_status(by_channel, as_of, "channel")
    with timed(rows, "13-month trend at 24 month-ends"):
        PE.trend_from_status(status, [PE.add_months([as_of], -i)[0] for i in range(24)])
    with timed(rows, "cohort triangle"):
        PE.triangle_from_status(status, as_of)
    with timed(rows, "sBG per channel and for the whole book"):
        models = B.retention_by(by_channel, as_of, "channel")
        whole = B.retention_by(status, as_of, None)
    with timed(rows, "residual value of the in-force book (DERL)"):
        B.residual_values(inview, models, as_of, "channel", 0.08)
        B.residual_values(inview, whole, as_of, None, 0.08)
    with timed(rows, "agents' 13-month persistency"):
        agents = PE.with_policy_columns(status[status["months"] == 13], inview, ["agent_id"])
        agents = agents[agents["agent_id"].notna()]
        PE.ratios_from_status(agents, as_of, "agent_id")
    page = sum(r["seconds"] for r in rows[1:])
    rows.append(
        {
            "stage": "the page's work in all",
            "seconds": page,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
        }
    )
    print_table(rows, f"Persistency page work, {len(policies):,} policies")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--policies", type=int, default=1_000_000)
    parser.add_argument("--demo", action="store_true", help="the Persistency page's work")
    parser.add_argument("--customers", type=int, default=750_000)
    args = parser.parse_args()
    if args.demo:
        page_work(args.customers)
        return
    rows: list[dict] = []
    with timed(rows, "generate the book (not measured work)"):
        policies, payments, as_of = book(args.policies)
    print(
        f"{machine()}\n{len(policies):,} policies, {len(payments):,} payments, as of {as_of.date()}"
    )
    with timed(rows, "persistency 13-61 months, whole book"):
        whole = PE.persistency(policies, payments, as_of)
    with timed(rows, "persistency 13-61 months, by channel"):
        PE.persistency(policies, payments, as_of, by="channel")
    with timed(rows, "13-month persistency only"):
        PE.persistency(policies, payments, as_of, months=(13,))
    with timed(rows, "cohort triangle (issue month x K)"):
        PE.triangle(policies, payments, as_of)
    try:
        from analytics import sbg
    except ImportError:
        sbg = None
    if sbg is not None:
        with timed(rows, "policy-year survivors by channel (5 years)"):
            survivors = PE.policy_year_survivors(policies, payments, as_of, by="channel")
        fits = {}
        with timed(rows, "sBG fit per channel (issue-year cohorts, jointly)"):
            for channel, table in survivors.groupby("channel"):
                fits[channel] = sbg.fit_frame(table[["cohort", "period", "survivors"]])
        with timed(rows, "DERL residual value of every policy"):
            sbg.residual_value(0.7, 1.2, np.full(len(policies), 2),
                               policies["installment_premium"].to_numpy() * 12, 0.08)  # fmt: skip
        for channel, fitted in fits.items():
            print(f"sBG {channel}: a = {fitted.alpha:.3f}, b = {fitted.beta:.3f}, "
                  f"{fitted.n_cohorts} cohorts")  # fmt: skip
    print_table(rows, f"Persistency and sBG, {len(policies):,} policies")
    print(whole.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
