"""The pipeline: column contract, stages that follow their settings, aggregates that add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.aggregates import Aggregates
from analytics.pipeline import SCORE_COLUMNS, Settings, base_stage, run, segment_stage
from analytics.summary import SUMMARY_COLUMNS
from data.sample import DemoConfig, generate


@pytest.fixture(scope="module")
def demo():
    return generate(DemoConfig(customers=3000, random_state=5))


@pytest.fixture(scope="module")
def scored(demo):
    return run(demo["transactions"], Settings(), demo["customers"], demo["loyalty_members"])


def test_scored_table_contract(scored, demo):
    table = scored.table
    assert list(table.columns[: len(SCORE_COLUMNS)]) == SCORE_COLUMNS
    assert table["customer_id"].is_unique
    assert len(table) == demo["transactions"]["customer_id"].nunique()
    assert table[["customer_type", "channel", "region"]].notna().all().all()
    assert set(table["abc_class"]) <= {"A", "B", "C"}
    assert set(table["value_tier"]) == {"Platinum", "Gold", "Silver", "Bronze"}
    assert (table["churn_risk"] == 1 - table["p_alive"]).all()
    assert scored.fit.status == "ok"


def test_enrolments_after_the_as_of_date_do_not_count(demo):
    as_of = "2025-12-31"
    table = run(
        demo["transactions"], Settings(as_of=as_of), demo["customers"], demo["loyalty_members"]
    ).table
    members = demo["loyalty_members"]
    enrolled_by_then = set(members.loc[members["enrolled_at"] <= as_of, "customer_id"])
    assert set(table.loc[table["is_member"], "customer_id"]) == enrolled_by_then & set(
        table["customer_id"]
    )


def test_changing_rfm_edges_changes_segments_only(scored):
    base = scored.table
    edges = ((30.0, 90.0, 180.0, 365.0), (1.0, 2.0, 4.0, 8.0), (1000.0, 5000.0, 20000.0, 80000.0))
    loose = segment_stage(base, Settings(rfm_mode="threshold", rfm_edges=edges))
    recent = ((10.0, 30.0, 60.0, 120.0), edges[1], edges[2])
    strict = segment_stage(base, Settings(rfm_mode="threshold", rfm_edges=recent))
    assert not loose["segment"].equals(strict["segment"])
    assert (loose["f_score"] == strict["f_score"]).all()


def test_eight_class_preset(scored):
    segments = segment_stage(scored.table, Settings(rfm_mode="mean"))
    assert set(segments["segment"]) <= {
        "Important value", "Important development", "Important retention", "Important win-back",
        "General value", "General development", "General retention", "General win-back",
    }  # fmt: skip
    assert set(segments["r_score"]) == {1, 2}


def test_aggregates_add_up(scored, demo):
    agg = Aggregates(scored.table, scored.settings, demo["loyalty_members"])
    n = len(scored.table)
    assert agg.segments["customers"].sum() == n
    assert agg.abc["customers"].sum() == n
    assert n == 3000 and agg.tiers["customers"].tolist() == [300, 600, 900, 1200]
    assert agg.churn_bands["customers"].sum() == n
    assert agg.clusters["customers"].sum() == n
    assert agg.rule_check.ok
    assert agg.rf_grid["customers"].sum() == n
    assert 0 < agg.gini < 1
    assert agg.uptake_by_month["members"].iloc[-1] == scored.table["is_member"].sum()
    assert agg.members_vs_non_members["customers"].sum() == n


def test_filtered_view_aggregates(scored):
    subset = scored.table[scored.table["customer_type"] == "organization"]
    agg = Aggregates(subset, scored.settings)
    assert agg.segments["customers"].sum() == len(subset)


def test_abc_on_clv_and_fallback_to_spend(scored):
    by_clv = run(
        None,
        Settings(abc_value="clv"),
        summary=scored.table[SUMMARY_COLUMNS],
        clustered=False,
    )
    agg = Aggregates(by_clv.table, by_clv.settings)
    assert agg.abc_basis == "clv"
    thin = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "transaction_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [10.0, 20.0, 30.0],
        }
    )
    result = run(thin, Settings(abc_value="clv"))
    assert result.fit.status == "rfm_only"
    assert Aggregates(result.table, result.settings).abc_basis == "total_spend"
    assert result.table["churn_band"].eq("unknown").all()
    # no CLV: tiers by spend; ceil(10%, 30%, 60% of 3) = 1, 1, 2 customers in the top tiers
    assert result.table["value_tier"].tolist() == ["Bronze", "Silver", "Platinum"]


def test_monthly_spend_by_hand():
    from analytics.trend import monthly_spend

    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "b"],
            "transaction_date": pd.to_datetime(
                ["2024-01-03", "2024-01-20", "2024-01-05", "2024-03-01", "2024-04-02"]
            ),
            "amount": [100.0, -30.0, 50.0, 20.0, 999.0],
        }
    )
    customers = pd.DataFrame({"customer_id": ["a", "b"], "channel": ["agency", "online"]})
    table = monthly_spend(tx, customers, as_of="2024-03-31", by=("channel",))
    rows = {
        (str(m.date()), ch if isinstance(ch, str) else "no record"): (sp, rf)
        for m, ch, sp, rf in table.itertuples(index=False)
    }
    assert rows == {
        ("2024-01-01", "agency"): (100.0, -30.0),
        ("2024-01-01", "online"): (50.0, 0.0),
        ("2024-03-01", "no record"): (20.0, 0.0),  # c has no customer record; April is after as-of
    }


@pytest.mark.parametrize("step", [1, 2, 3])
def test_monthly_spend_taken_in_steps_is_the_same(monkeypatch, step):
    """Payments are summed a million at a time at scale: any step gives the whole column's
    figures, the as-of date and customers without a record applied in every step; dates given
    as text are read as dates."""
    import analytics.trend as trend

    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "b", "a", "c"],
            "transaction_date": ["2024-01-03", "2024-01-20", "2024-01-05", "2024-03-01",
                                 "2024-04-02", "2023-12-31", "2024-03-31"],
            "amount": [100.0, -30.0, 50.0, 20.0, 999.0, 7.0, -5.0],
        }
    )  # fmt: skip
    customers = pd.DataFrame({"customer_id": ["a", "b"], "channel": ["agency", "online"]})
    whole = trend.monthly_spend(tx, customers, as_of="2024-03-31", by=("channel",))
    monkeypatch.setattr(trend, "_STEP", step)
    stepped = trend.monthly_spend(tx, customers, as_of="2024-03-31", by=("channel",))
    pd.testing.assert_frame_equal(stepped, whole)
    rows = {
        (str(m.date()), ch if isinstance(ch, str) else "no record"): (sp, rf)
        for m, ch, sp, rf in stepped.itertuples(index=False)
    }
    assert rows == {
        ("2023-12-01", "agency"): (7.0, 0.0),
        ("2024-01-01", "agency"): (100.0, -30.0),
        ("2024-01-01", "online"): (50.0, 0.0),
        ("2024-03-01", "no record"): (20.0, -5.0),
    }
    assert trend.monthly_spend(tx, customers, as_of="2023-06-30").empty  # all after as-of


def test_each_stage_key_holds_exactly_the_settings_it_reads():
    base = Settings()
    keys = {stage: base.key(stage) for stage in ("base", "models", "segments", "abc", "tiers")}
    assert keys["base"] == (
        "base",
        ("regions", None),
        ("merge_identities", False),
        ("as_of", None),
        ("unit", "D"),
        ("products", ()),
    )
    # a threshold changes its own stage's key and nothing upstream or beside it
    moved = base.with_(abc_cuts=(0.7, 0.95))
    assert moved.key("abc") != keys["abc"]
    assert [moved.key(s) for s in ("base", "models", "segments", "tiers")] == [
        keys[s] for s in ("base", "models", "segments", "tiers")
    ]
    # an upstream setting changes every stage that depends on it
    weekly = base.with_(unit="W")
    assert all(weekly.key(s) != keys[s] for s in keys)
    assert base.with_(filters=(("channel", ("online",)),)).key("table") == base.key("table")


def test_run_asks_the_memo_for_every_stage_and_reuses_what_it_keeps(demo):
    kept: dict = {}
    asked: list = []

    def memo(key, compute):
        asked.append(key[0])
        if key not in kept:
            kept[key] = compute()
        return kept[key]

    tx, customers = demo["transactions"], demo["customers"]
    first = run(tx, Settings(), customers, memo=memo, clustered=False)
    # segments are asked for while the model stage may still run in a second process
    assert asked == ["base", "models", "segments", "with_models", "abc", "tiers", "table", "view"]
    size = len(kept)
    second = run(tx, Settings(abc_cuts=(0.6, 0.9)), customers, memo=memo, clustered=False)
    assert len(kept) == size + 3  # only abc, table and view were computed again
    assert second.base is first.base and second.models is first.models
    assert not second.table["abc_class"].equals(first.table["abc_class"])


def test_a_lazy_run_asks_only_for_what_is_not_kept(demo):
    """``lazy=True`` (the dashboard): with the scored table kept, the view is made from it and
    no earlier stage is asked for or computed; the stages behind it still come when asked."""
    tx, customers = demo["transactions"], demo["customers"]
    eager = run(tx, Settings(), customers, clustered=False)
    kept: dict = {}
    asked: list = []

    def memo(key, compute):
        asked.append(key[0])
        if key not in kept:
            kept[key] = compute()
        return kept[key]

    first = run(tx, Settings(), customers, memo=memo, clustered=False, lazy=True)
    pd.testing.assert_frame_equal(first.view, eager.view)
    assert first.fit.purchase_params == eager.fit.purchase_params
    warm = {k: v for k, v in kept.items() if k[0] in ("table", "view")}
    kept.clear()
    kept.update(warm)
    asked.clear()
    again = run(tx, Settings(), customers, memo=memo, clustered=False, lazy=True)
    pd.testing.assert_frame_equal(again.view, eager.view)
    assert asked == ["view"]  # nothing upstream was asked for
    assert again.base.equals(eager.base) and asked[-1] == "base"  # asked when needed
    assert again.clusters is None


def test_filters_narrow_the_view_not_the_model(demo):
    tx, customers = demo["transactions"], demo["customers"]
    everyone = run(tx, Settings(), customers, clustered=False)
    online = run(tx, Settings(filters=(("channel", ("online",)),)), customers, clustered=False)
    assert set(online.view["channel"]) == {"online"} and len(online.table) == len(everyone.table)
    assert online.fit.purchase_params == everyone.fit.purchase_params
    pd.testing.assert_frame_equal(
        online.view, everyone.table[everyone.table["channel"] == "online"]
    )


def test_region_scope_narrows_the_chain_before_any_model(demo):
    tx, customers = demo["transactions"], demo["customers"]
    regions = tuple(sorted(customers["region"].value_counts().index[:2]))
    inside = set(customers.loc[customers["region"].isin(regions), "customer_id"])
    everyone = run(tx, Settings(), customers, clustered=False)
    scoped = run(tx, Settings(regions=regions), customers, clustered=False)
    assert set(scoped.table["customer_id"]) == inside & set(tx["customer_id"])
    assert set(scoped.table["region"]) == set(regions)
    # the scope is applied before the fit: the models know only these customers
    assert scoped.fit.purchase_params != everyone.fit.purchase_params
    expected = tx.loc[tx["customer_id"].isin(inside), "amount"].clip(lower=0).sum()
    assert scoped.table["total_spend"].sum() == pytest.approx(expected)
    # without a customers table nobody's region is known: a scoped user sees no one
    with pytest.raises(ValueError) as caught:
        run(tx, Settings(regions=regions), None, clustered=False)
    assert caught.value.code == "empty_scope"


def test_product_lines_narrow_the_transactions(demo):
    tx = demo["transactions"]
    protection = run(tx, Settings(products=("protection",)), clustered=False)
    expected = tx.loc[tx["product_line"] == "protection", "amount"].clip(lower=0).sum()
    assert protection.table["total_spend"].sum() == pytest.approx(expected)
    with pytest.raises(ValueError, match="product-line filter"):
        run(tx, Settings(products=("no such line",)), clustered=False)


def test_an_upload_without_customers_keeps_its_channel_and_product():
    """A channel or product column on the payments becomes the customer's attribute (as on
    their first purchase): a filter and a grouping."""
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c"],
            "transaction_date": pd.to_datetime(
                ["2024-02-01", "2024-01-01", "2024-01-05", "2024-01-05", "2024-03-01"]
            ),
            "amount": [10.0, 20.0, 5.0, 6.0, 7.0],
            "channel": ["online", "agency", "bancassurance", "agency", "online"],
            "product_line": ["health", "savings", "health", "health", "accident"],
        }
    )
    result = run(tx, Settings(filters=(("channel", ("agency",)),)), clustered=False)
    table = result.table.set_index("customer_id")
    assert table["channel"].to_dict() == {"a": "agency", "b": "bancassurance", "c": "online"}
    assert table["product_line"].to_dict() == {"a": "savings", "b": "health", "c": "accident"}
    assert result.view["customer_id"].tolist() == ["a"]


def test_threshold_mode_without_edges_uses_the_suggested_ones(scored):
    from analytics.rfm import suggest_edges

    base = scored.table
    suggested = suggest_edges(base, 4)
    own_r = (30.0, 90.0, 365.0)
    partial = segment_stage(
        base, Settings(rfm_mode="threshold", rfm_bins=4, rfm_edges=(own_r, None, None))
    )
    spelled = segment_stage(
        base,
        Settings(
            rfm_mode="threshold",
            rfm_bins=4,
            rfm_edges=(own_r, tuple(suggested["f"]), tuple(suggested["m"])),
        ),
    )
    pd.testing.assert_frame_equal(partial, spelled)
    assert set(partial["r_score"]) <= {1, 2, 3, 4}


def test_bad_settings_are_refused():
    for bad in ({"unit": "Q"}, {"model": "magic"}, {"rfm_mode": "kmeans"}, {"abc_value": "x"}):
        with pytest.raises(ValueError):
            Settings(**bad)


def test_year_on_year_change_needs_both_years_observed():
    from analytics.trend import twelve_month_change

    months = pd.date_range("2023-01-01", "2024-12-01", freq="MS")
    trend = pd.DataFrame({"month": months, "spend": [10.0] * 12 + [15.0] * 12})
    recent, prior, change = twelve_month_change(trend, "2024-12-31")
    assert (recent, prior) == (180.0, 120.0) and change == pytest.approx(0.5)
    # the data starting in February leaves January of the earlier year unobserved: no change
    late = trend.iloc[1:]
    assert np.isnan(twelve_month_change(late, "2024-12-31")[2])
    # a view whose own trend starts late is fine when the data covers both years
    assert twelve_month_change(late, "2024-12-31", data_start="2023-01-01")[2] == pytest.approx(
        180 / 110 - 1
    )


def test_an_as_of_date_before_every_transaction_is_one_clear_error():
    from analytics._validate import CodedError

    transactions = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "transaction_date": pd.to_datetime(["2024-03-05", "2024-04-01"]),
            "amount": [10.0, 20.0],
        }
    )
    with pytest.raises(CodedError) as info:
        run(transactions, Settings(as_of="2024-03-04"))
    assert info.value.code == "as_of_before_data"
    assert info.value.params == {"as_of": "2024-03-04", "first": "2024-03-05"}
    assert (
        str(info.value) == "the as-of date 2024-03-04 is before the first transaction (2024-03-05)"
    )
    assert len(run(transactions, Settings(as_of="2024-03-05")).table) == 1  # that day counts


def test_no_transactions_at_all_is_a_coded_error():
    from analytics._validate import CodedError

    empty = pd.DataFrame(
        {
            "customer_id": pd.Series(dtype=str),
            "transaction_date": pd.Series(dtype="datetime64[s]"),
            "amount": pd.Series(dtype=float),
        }
    )
    with pytest.raises(CodedError) as info:
        run(empty, Settings())
    assert info.value.code == "no_transactions"


def test_clusters_on_the_summary_equal_clusters_on_the_scored_table(scored):
    """K-means runs before the model stage when its features need no model: the same labels
    and names as on the scored table (where it ran before)."""
    from analytics.clusters import OPTIONAL_FEATURES
    from analytics.pipeline import cluster_stage

    settings = scored.settings
    assert not set(settings.cluster_features) & set(OPTIONAL_FEATURES)
    early = scored.clusters
    late = cluster_stage(pd.concat([scored.base, scored.models.scores], axis=1), settings)
    assert early.labels.equals(late.labels) and early.names == late.names


def test_labels_are_arrow_text_equal_to_python_strings():
    from analytics._fast import labels_at

    index = np.array([2, 0, 0, 1, 2])
    got = pd.Series(labels_at(["low", "medium", "high"], index), dtype="str")
    want = pd.Series(np.array(["low", "medium", "high"], dtype=object)[index], dtype="str")
    pd.testing.assert_series_equal(got, want)


def test_monthly_spend_counts_days_of_dates_with_a_time_zone_in_utc():
    from analytics.trend import monthly_spend

    naive = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a"],
            "transaction_date": pd.to_datetime(["2024-01-31 23:00", "2024-02-01 01:00",
                                                "2024-03-05 12:00"]),
            "amount": [10.0, 20.0, -5.0],
        }
    )  # fmt: skip
    aware = naive.assign(
        transaction_date=naive["transaction_date"]
        .dt.tz_localize("UTC")
        .dt.tz_convert("Asia/Shanghai")
    )
    got = monthly_spend(aware, as_of="2024-03-31")
    pd.testing.assert_frame_equal(got, monthly_spend(naive, as_of="2024-03-31"))
    assert got["spend"].tolist() == [10.0, 20.0, 0.0]  # 23:00 UTC on 31 Jan is January's


def test_as_datetimes_keeps_a_typed_column_and_reads_text():
    from analytics._validate import as_datetimes

    typed = pd.Series(pd.to_datetime(["2024-01-02"])).astype("datetime64[s]")
    assert as_datetimes(typed) is typed  # no copy
    aware = typed.dt.tz_localize("UTC")
    assert as_datetimes(aware) is aware
    text = as_datetimes(pd.Series(["2024-01-02", "2024-02-03"]))
    assert text.dtype.kind == "M" and text.iloc[1] == pd.Timestamp("2024-02-03")


@pytest.mark.parametrize(
    "customers_of",
    [
        lambda c: c,  # the demo's: has a channel, so the first purchase's channel is not derived
        lambda c: c.drop(columns=["channel"]),  # derived from the first purchase
        lambda c: c.assign(product_line="savings"),  # neither is derived
        lambda c: c.iloc[:0],  # no rows: no attribute, both derived
        lambda c: None,
    ],
    ids=["with_channel", "without_channel", "with_product_line", "empty", "none"],
)
def test_customers_read_after_the_summary_give_the_same_base(demo, customers_of):
    """Passed as functions that read them, the customers and members are read once the summary
    is made (and ``on_summary`` told, where a lazy run starts its fit), to the base the tables
    themselves give; a regional scope needs the customers first, and reads them first."""
    tx, members = demo["transactions"], demo["loyalty_members"]
    customers = customers_of(demo["customers"])
    scoped = customers is not None and len(customers)  # a scope needs customers with regions
    for settings in (Settings(), *([Settings(regions=("广东", "北京"))] if scoped else [])):
        events: list = []

        def read(name, table, events=events):
            def reader():
                events.append(name)
                return table

            return reader

        def on_summary(summary, events=events):
            events.append("summary")
            assert not {"customer_type", "region"} & set(summary.columns)

        expected = base_stage(tx, settings, customers, members)
        got = base_stage(tx, settings, read("customers", customers), read("members", members),
                         on_summary=on_summary)  # fmt: skip
        pd.testing.assert_frame_equal(got, expected)
        assert got.attrs == expected.attrs and got.attrs["as_of"]
        first = ["summary", "customers", "members"]
        assert events == (first if settings.regions is None else [*first[1:], first[0]])
