"""The customer picture on a hand-made book (figures worked out in the comments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.picture import (
    cross_sell_gaps,
    holdings,
    product_pairs,
    products_per_customer,
    type_comparison,
)

VIEW = pd.DataFrame(
    {
        "customer_id": ["C1", "C2", "C3", "C4"],
        "customer_type": ["individual", "individual", "organization", "individual"],
        "segment": ["A", "A", "B", "B"],
        "total_spend": [100.0, 300.0, 1000.0, 50.0],
        "churn_band": ["low", "high", "low", "high"],
    }
)
TX = pd.DataFrame(
    {
        "customer_id": ["C1", "C1", "C2", "C3", "C3", "C3", "C4", "C5", "C2"],
        "transaction_date": pd.to_datetime(["2024-01-01"] * 8 + ["2024-06-01"]),
        "amount": [10, 10, 10, 10, 10, 10, -10, 10, 10],
        "product_line": ["health", "savings", "health", "health", "savings", "protection",
                         "health", "health", "savings"],
    }
)  # fmt: skip
AS_OF = (
    "2024-03-01"  # C2's savings payment of June comes later; C4 only has a refund; C5 not in view
)


@pytest.fixture
def held():
    return holdings(TX, VIEW, AS_OF)


def test_holdings(held):
    assert held.loc["C1"].to_dict() == {"health": True, "protection": False, "savings": True}
    assert held.loc["C2"].to_dict() == {"health": True, "protection": False, "savings": False}
    assert not held.loc["C4"].any()
    assert "C5" not in held.index


def test_products_per_customer(held):
    table = products_per_customer(held)
    # C2 one line, C1 two, C3 three; C4 none (left out)
    assert table["customers"].tolist() == [1, 1, 1, 0]


def test_product_pairs(held):
    pairs = product_pairs(held).set_index(["product", "with_product"])
    assert pairs.loc[("health", "health"), "customers"] == 3  # C1 C2 C3
    assert pairs.loc[("health", "savings"), "customers"] == 2  # C1 C3
    assert pairs.loc[("health", "savings"), "share"] == pytest.approx(2 / 3)
    assert pairs.loc[("savings", "health"), "share"] == 1.0


def test_cross_sell_gaps(held):
    gaps = cross_sell_gaps(held, VIEW, "segment", top=10)
    # view penetration: health 3/4, savings 2/4, protection 1/4
    # segment A (C1 C2): health 1, savings 1/2, protection 0 -> protection gap 0.25 x 2 = 0.5
    # segment B (C3 C4): health 1/2 -> gap 0.25 x 2 = 0.5; savings 1/2 -> 0; protection 1/2 -> 0
    assert gaps[["segment", "product_line"]].values.tolist() == [["A", "protection"],
                                                                  ["B", "health"]]  # fmt: skip
    assert gaps["gap_customers"].tolist() == pytest.approx([0.5, 0.5])


def test_individuals_and_organisations_side_by_side(held):
    table = type_comparison(VIEW, held).set_index("customer_type")
    assert table.loc["individual", "customers"] == 3
    assert table.loc["individual", "mean_total_spend"] == pytest.approx(150.0)
    assert table.loc["individual", "mean_products"] == pytest.approx((2 + 1 + 0) / 3)
    assert table.loc["individual", "mean_high_risk"] == pytest.approx(2 / 3)
    assert table.loc["organization", "mean_products"] == 3


def test_the_side_by_side_carries_each_types_persistency(held):
    persisting = pd.DataFrame(
        {
            "customer_type": ["individual", "organization", "individual"],
            "months": [13, 13, 25],
            "count_ratio": [0.8, 0.95, 0.7],
        }
    )
    table = type_comparison(VIEW, held, persistency=persisting).set_index("customer_type")
    assert table.loc["individual", "persistency_13"] == 0.8
    assert table.loc["organization", "persistency_13"] == 0.95
    assert table.loc["individual", "persistency_25"] == 0.7
    assert np.isnan(table.loc["organization", "persistency_25"])  # no 25-month cohort


def test_holdings_of_categorical_lines_equal_the_texts(held):
    """A loaded source's product lines are categoricals: their codes are used as they are,
    unused categories and missing lines hold nothing, columns follow the categories' order."""
    extra = pd.DataFrame({"customer_id": ["C4"], "transaction_date": pd.to_datetime(["2024-01-01"]),
                          "amount": [10], "product_line": [None]})  # fmt: skip
    tx = pd.concat([TX, extra], ignore_index=True)
    order = ["savings", "investment_linked", "protection", "health"]
    coded = holdings(tx.assign(product_line=pd.Categorical(tx["product_line"], order)), VIEW, AS_OF)
    assert list(coded.columns) == ["savings", "protection", "health"]
    assert coded.index.equals(held.index) and not coded.loc["C4"].any()
    np.testing.assert_array_equal(coded[list(held.columns)].to_numpy(), held.to_numpy())


@pytest.mark.parametrize("step", [1, 2, 4])
def test_holdings_taken_in_steps_equal_a_cross_tabulation(monkeypatch, step):
    """Payments are taken a few at a time (a million at scale): every step size gives what
    a cross-tabulation of the kept payments gives, customers outside the view left out and
    view customers without payments holding nothing."""
    import analytics.picture as picture

    monkeypatch.setattr(picture, "_STEP", step)
    view = pd.concat([VIEW, pd.DataFrame({"customer_id": ["C9"], "customer_type": ["individual"]})],
                     ignore_index=True)  # fmt: skip
    got = picture.holdings(TX, view, AS_OF)
    kept = TX[(TX["amount"] > 0) & (TX["transaction_date"] <= AS_OF)]
    kept = kept[kept["customer_id"].isin(view["customer_id"])]
    expected = pd.crosstab(kept["customer_id"], kept["product_line"]).gt(0)
    expected = expected.reindex(view["customer_id"], fill_value=False)
    assert list(got.index) == ["C1", "C2", "C3", "C4", "C9"]
    np.testing.assert_array_equal(got[list(expected.columns)].to_numpy(), expected.to_numpy())
    assert list(got.columns) == list(expected.columns)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_sell_gaps_equal_a_group_by_of_the_holdings(seed):
    """Groups tallied on integer codes give what a group-by of the holdings gives: every group
    and product line, a customer without a group value left out, the largest gaps first."""
    rng = np.random.default_rng(seed)
    n, lines = 300, ["health", "savings", "protection", "accident"]
    held = pd.DataFrame(rng.random((n, len(lines))) < [0.6, 0.3, 0.15, 0.05], columns=lines,
                        index=pd.Index([f"C{i:04d}" for i in range(n)], name="customer_id"))  # fmt: skip
    segment = rng.choice(["Champions", "Loyal", "At risk", None], n, p=[0.2, 0.3, 0.45, 0.05])
    view = pd.DataFrame({"customer_id": held.index[::-1], "segment": segment})
    for by_values in (view["segment"], pd.Categorical(view["segment"])):
        got = cross_sell_gaps(held, view.assign(segment=by_values), "segment", top=12)
        groups = view.set_index("customer_id")["segment"].reindex(held.index)
        rows = []
        for group, members in held.groupby(groups.to_numpy(), observed=True):
            for line in lines:
                gap = max(held[line].mean() - members[line].mean(), 0.0) * len(members)
                rows.append((group, line, len(members), int(members[line].sum()), gap))
        expected = pd.DataFrame(rows, columns=["segment", "product_line", "customers", "holders",
                                               "gap_customers"])  # fmt: skip
        expected = expected[expected["gap_customers"] > 0].sort_values(
            ["gap_customers", "segment"], ascending=[False, True]).head(12)  # fmt: skip
        assert got["segment"].tolist() == expected["segment"].tolist()
        assert got["product_line"].tolist() == expected["product_line"].tolist()
        assert got["customers"].tolist() == expected["customers"].tolist()
        assert got["holders"].tolist() == expected["holders"].tolist()
        np.testing.assert_allclose(got["gap_customers"], expected["gap_customers"], rtol=1e-12)


def test_holdings_use_the_summarys_kept_codes_and_never_evict_them(monkeypatch, held):
    """Payments whose customer codes the summary kept are looked up per customer; other
    payments (a product filter's) are matched whole and leave the kept codes in place."""
    from analytics import _fast

    tx = TX.assign(customer_id=TX["customer_id"].astype("str"))
    codes, uniques = _fast._sorted_factorize(tx["customer_id"])
    entry = (tx["customer_id"].array._pa_array, codes, uniques)
    monkeypatch.setattr(_fast, "_last_factorized", [entry])
    assert _fast.kept_factorization(tx["customer_id"]) is not None
    kept_route = holdings(tx, VIEW, AS_OF)
    assert kept_route.equals(held)
    filtered = tx[tx["product_line"] != "protection"].reset_index(drop=True)
    assert _fast.kept_factorization(filtered["customer_id"]) is None
    assert not holdings(filtered, VIEW, AS_OF).loc["C3"].get("protection", False)
    assert _fast._last_factorized == [entry]  # not evicted
