"""RFM scores, segments and the rule checker on hand-computed toy data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.rfm import (
    DEFAULT_RULES,
    EIGHT_CLASS_RULES,
    UNCLASSIFIED,
    SegmentRule,
    assign_segments,
    check_rules,
    default_rules,
    min_rank,
    rfm_scores,
    segment_summary,
)

TOY = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e"],
        "days_since_last": [10, 20, 20, 40, 50],
        "frequency": [0, 0, 1, 3, 5],
        "total_spend": [100.0, 200.0, 200.0, 300.0, 1000.0],
    }
)


def test_quantile_scores_by_hand():
    scores = rfm_scores(TOY, mode="quantile", bins=5)
    # R ranks -days: -50 -> 1/5, -40 -> 2/5, the tied -20s -> 3/5 (min), -10 -> 5/5
    assert scores["r_score"].tolist() == [5, 3, 3, 2, 1]
    # F from purchase days 1, 1, 2, 4, 6: the tied one-time buyers share rank 1 -> score 1
    assert scores["f_score"].tolist() == [1, 1, 3, 4, 5]
    assert scores["m_score"].tolist() == [1, 2, 2, 4, 5]


def test_one_time_buyers_get_f1_even_when_they_are_the_majority():
    frame = pd.DataFrame(
        {"days_since_last": range(10), "frequency": [0] * 8 + [2, 4], "total_spend": range(10)}
    )
    scores = rfm_scores(frame, mode="quantile", bins=5)
    assert scores["f_score"].tolist() == [1] * 8 + [5, 5]


def test_threshold_scores_by_hand_including_edges():
    edges = {"r": [15, 30], "f": [1, 3], "m": [150, 500]}
    scores = rfm_scores(TOY, mode="threshold", bins=3, edges=edges)
    assert scores["r_score"].tolist() == [3, 2, 2, 1, 1]
    assert scores["f_score"].tolist() == [1, 1, 2, 3, 3]
    assert scores["m_score"].tolist() == [1, 2, 2, 2, 3]
    on_edge = pd.DataFrame(
        {"days_since_last": [15, 16], "frequency": [0, 2], "total_spend": [150.0, 150.01]}
    )
    edge_scores = rfm_scores(on_edge, mode="threshold", bins=3, edges=edges)
    assert edge_scores["r_score"].tolist() == [3, 2]  # value <= edge stays in the lower bin
    assert edge_scores["f_score"].tolist() == [1, 2]
    assert edge_scores["m_score"].tolist() == [1, 2]


def test_mean_mode_splits_at_the_mean():
    scores = rfm_scores(TOY, mode="mean")
    # mean days 28 -> a, b, c recent; mean purchase days 2.8 -> d, e; mean spend 360 -> e
    assert scores["r_score"].tolist() == [2, 2, 2, 1, 1]
    assert scores["f_score"].tolist() == [1, 1, 1, 2, 2]
    assert scores["m_score"].tolist() == [1, 1, 1, 1, 2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "quantile", "bins": 6}, "between 3 and 5"),
        (
            {"mode": "threshold", "bins": 3, "edges": {"r": [1], "f": [1, 2], "m": [1, 2]}},
            "need 2 edges",
        ),
        (
            {"mode": "threshold", "bins": 3, "edges": {"r": [5, 1], "f": [1, 2], "m": [1, 2]}},
            "ascending",
        ),
        ({"mode": "threshold", "bins": 3}, "needs edges"),
        ({"mode": "kmeans"}, "unknown RFM mode"),
    ],
)
def test_bad_settings_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        rfm_scores(TOY, **kwargs)


def test_default_segments_on_chosen_cells():
    cells = pd.DataFrame(
        [
            (5, 5, 1),
            (5, 1, 3),
            (4, 1, 2),
            (3, 3, 5),
            (3, 2, 1),
            (1, 5, 5),
            (2, 3, 1),
            (1, 1, 1),
            (4, 4, 4),
        ],
        columns=["r_score", "f_score", "m_score"],
    )
    assert assign_segments(cells, DEFAULT_RULES).tolist() == [
        "Champions", "New", "Promising", "Need attention", "About to sleep",
        "Can't lose", "At risk", "Hibernating", "Loyal",
    ]  # fmt: skip


def test_first_matching_rule_wins_and_unmatched_is_unclassified():
    rules = [SegmentRule("Top", (4, 5), (1, 5)), SegmentRule("Any", (1, 5), (1, 5), (5, 5))]
    cells = pd.DataFrame({"r_score": [5, 2, 2], "f_score": [1, 1, 1], "m_score": [5, 5, 1]})
    assert assign_segments(cells, rules).tolist() == ["Top", "Any", UNCLASSIFIED]


def test_default_and_eight_class_rules_are_sound():
    check = check_rules(DEFAULT_RULES, bins=5)
    assert check.ok
    assert sum(check.cells_per_rule.values()) == 125
    assert check_rules(EIGHT_CLASS_RULES, bins=2).ok


def test_rule_checker_finds_overlaps():
    rules = [
        SegmentRule("A", (4, 5), (1, 5)),
        SegmentRule("B", (5, 5), (4, 5)),
        SegmentRule("C", (1, 3), (1, 5)),
    ]
    check = check_rules(rules, bins=5)
    assert check.overlaps == (("A", "B", 2 * 5),)  # R5 x F4-5 x every M
    assert check.never_fires == ("B",)  # wholly shadowed by A
    assert check.uncovered == ()


def test_rule_checker_finds_rules_that_never_fire_and_gaps():
    rules = [
        SegmentRule("Real", (1, 4), (1, 5)),
        SegmentRule("Out of range", (6, 7), (1, 5)),
        SegmentRule("Empty", (3, 2), (1, 5)),
    ]
    check = check_rules(rules, bins=5)
    assert check.never_fires == ("Out of range", "Empty")
    assert check.overlaps == ()
    assert len(check.uncovered) == 25 and all(cell[0] == 5 for cell in check.uncovered)
    assert not check.ok


@pytest.mark.parametrize("bins", [3, 4, 5])
def test_default_rules_are_sound_at_every_bin_count(bins):
    rules = default_rules(bins)
    check = check_rules(rules, bins=bins)
    assert check.overlaps == () and check.never_fires == () and check.uncovered == ()
    assert sum(check.cells_per_rule.values()) == bins**3
    assert all(check.cells_per_rule[r.name] > 0 for r in rules)
    scores = [v for r in rules for v in (*r.r, *r.f, *r.m)]
    assert min(scores) == 1 and max(scores) == bins  # the rule table never exceeds the scale


def test_three_bins_by_hand():
    # the 3 x 3 grid: recent buyers by frequency, then the middle and the lapsed rows
    cells = pd.DataFrame(
        [(3, 1, 1), (3, 2, 2), (3, 3, 3), (2, 1, 1), (2, 2, 3), (2, 3, 1), (1, 1, 2), (1, 2, 1),
         (1, 3, 3)],
        columns=["r_score", "f_score", "m_score"],
    )  # fmt: skip
    assert assign_segments(cells, default_rules(3)).tolist() == [
        "New", "Potential loyalist", "Champions", "About to sleep", "Need attention", "Loyal",
        "Hibernating", "At risk", "Can't lose",
    ]  # fmt: skip


def test_segment_summary_by_hand():
    scored = TOY.assign(segment=["X", "X", "Y", "Y", "Y"])
    table = segment_summary(scored, order=["Y", "X"]).set_index("segment")
    assert table.index.tolist() == ["Y", "X"]
    assert table.loc["X", "customers"] == 2 and table.loc["X", "share"] == 0.4
    assert table.loc["Y", "total_spend"] == 1500.0
    assert table.loc["Y", "spend_share"] == pytest.approx(1500 / 1800)
    assert table.loc["X", "mean_days_since_last"] == 15.0
    assert table.loc["Y", "mean_frequency"] == 3.0


_RANKED = st.one_of(
    st.lists(st.integers(-5, 40), max_size=60).map(lambda v: np.array(v, dtype=np.int64)),
    st.lists(st.integers(0, 30), max_size=60).map(lambda v: -np.array(v, dtype=float)),
    st.lists(
        st.sampled_from([0.0, -0.0, 0.5, 1.25, 1e9, -3.0, np.inf, -np.inf, np.nan]), max_size=60
    ).map(np.array),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), max_size=60).map(np.array),
    st.lists(st.integers(0, 1 << 23), max_size=20).map(lambda v: np.array(v, dtype=float)),
)


@given(_RANKED)
def test_min_rank_is_pandas_rank(values):
    """Counting (whole numbers of a small span) and one sort (the rest) rank as pandas does:
    ties share the lowest rank, missing values stay missing, -0.0 ties with 0.0."""
    expected = pd.Series(values).rank(method="min").to_numpy()
    np.testing.assert_array_equal(min_rank(values), expected)


@given(
    st.lists(st.tuples(*[st.integers(-2, 18)] * 3), min_size=1, max_size=60),
    st.lists(st.tuples(*[st.tuples(st.integers(-1, 17), st.integers(-1, 17))] * 3), max_size=6),
    st.sampled_from(["int64", "int8", "float64"]),
)
def test_segments_are_the_first_matching_rule_row_by_row(cells, bounds, dtype):
    """Scores in 0..15 are matched once per cell of the score grid and looked up; any score is
    still the first rule that matches it, as a plain loop over the rules finds it."""
    rules = [SegmentRule(f"rule {i}", r, f, m) for i, (r, f, m) in enumerate(bounds)]
    scores = pd.DataFrame(cells, columns=["r_score", "f_score", "m_score"]).astype(dtype)

    def first_match(r, f, m):
        for rule in rules:
            if all(
                lo <= s <= hi
                for s, (lo, hi) in zip((r, f, m), (rule.r, rule.f, rule.m), strict=True)
            ):
                return rule.name
        return UNCLASSIFIED

    assert assign_segments(scores, rules).tolist() == [first_match(*row) for row in cells]
