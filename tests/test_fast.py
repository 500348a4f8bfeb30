"""analytics._fast.member equals pandas' isin, types mixed or not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics._fast import member


def test_member_equals_isin():
    values = pd.Series(["C1", "C2", None, "C4", "C1"], dtype="str")
    pool = pd.Series(["C1", "C1", "C4", "C9", None], dtype="str")
    assert member(values, pool).tolist() == [True, False, False, True, True]
    assert member(values, pool).tolist() == values.isin(pool.dropna()).tolist()


def test_member_with_numbers_objects_and_an_empty_pool():
    assert member(pd.Series([1, 2, 3]), [3, 3, 1]).tolist() == [True, False, True]
    mixed = pd.Series(["1", 2, None], dtype=object)
    assert member(mixed, ["1"]).tolist() == [True, False, False]
    assert not member(pd.Series(["a"]), pd.Series([], dtype="str")).any()
    big = pd.Series(np.arange(1000).astype(str))
    assert member(big, big.iloc[::2]).sum() == 500


# --- ids of one width: keys from their bytes, no hashing of text --------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from analytics._fast import id_keys, plain_ids, repeats, sorted_factorize  # noqa: E402
from data.parse import clean_ids  # noqa: E402


def _reference_repeats(values: pd.Series) -> list[bool]:
    return (values.duplicated() & values.notna()).tolist()


def _check(values: pd.Series) -> None:
    codes, uniques = sorted_factorize(values)
    want_codes, want_uniques = pd.factorize(values, sort=True)
    assert codes.tolist() == want_codes.tolist()
    assert list(uniques) == list(want_uniques)
    assert repeats(values).tolist() == _reference_repeats(values)


ids = st.lists(
    st.one_of(
        st.integers(0, 10**6).map(lambda n: f"C{n:07d}"),  # numbered: dense decimal keys
        st.integers(0, 2**40).map(lambda n: f"P{n:013d}"),  # sparse numbers: hashing
        st.text("AB9", min_size=8, max_size=8),  # letters vary: packed bytes
        st.text("xyz ", min_size=3, max_size=12),  # varying width, spaces
        st.sampled_from(["客户0001", "客户0002", "null", "", None]),
    ),
    min_size=1,
    max_size=60,
)


@given(ids, st.booleans())
@settings(max_examples=200, deadline=None)
def test_sorted_factorize_and_repeats_equal_pandas(values, one_kind):
    series = pd.Series(values, dtype="str")
    if one_kind:  # keep only ids of the first kind's width: the fast path's own ground
        width = len(values[0]) if values[0] is not None else 0
        series = series[series.str.len() == width].reset_index(drop=True)
        if series.empty:
            return
    _check(series)


def test_keys_are_exact_and_ordered_for_numbered_ids():
    series = pd.Series(["C0000010", "C0000002", "C0000010", None, "C0000003"], dtype="str")
    keys, present = id_keys(series)
    assert present.tolist() == [True, True, True, False, True]
    assert keys.tolist() == [10, 2, 10, 3]  # the digits that vary, read as a number
    _check(series)
    letters = pd.Series(["AB", "BA", "AA", "AB"], dtype="str")
    keys, _ = id_keys(letters)
    assert np.argsort(keys, kind="stable").tolist() == [2, 0, 3, 1]  # text order
    _check(letters)


def test_many_varying_positions_and_multi_chunk_columns_fall_back_or_combine():
    import pyarrow as pa

    wide = pd.Series([c * 20 for c in "abac"], dtype="str")
    assert id_keys(wide) is None  # twenty varying letters: not one 64-bit integer
    _check(wide)
    chunked = pd.Series(
        pd.arrays.ArrowStringArray(
            pa.chunked_array([pa.array(["T001", "T003"]), pa.array(["T002", "T001"])])
        )
    )
    _check(chunked)
    assert repeats(chunked).tolist() == [False, False, False, True]


def test_plain_ids_are_exactly_what_clean_ids_leaves_unchanged():
    plain = pd.Series(["C00001", "C00002", None], dtype="str")
    assert plain_ids(plain)
    spaced = pd.Series(["C0001 ", "C00002"], dtype="str")
    assert not plain_ids(spaced)
    assert clean_ids(spaced).tolist() == ["C0001", "C00002"]
    assert not plain_ids(pd.Series(["null", "C001"], dtype="str"))  # short: maybe a null token
    assert not plain_ids(pd.Series(["ＮＵＬＬ", "客户编号"], dtype="str"))  # not ASCII
    assert clean_ids(plain).tolist()[:2] == ["C00001", "C00002"]
    assert clean_ids(plain).isna().tolist() == [False, False, True]


@given(ids, ids)
@settings(max_examples=150, deadline=None)
def test_positions_equal_a_left_merge_on_the_first_match(left, right):
    from analytics import _fast
    from analytics._fast import positions

    left_s, right_s = pd.Series(left, dtype="str"), pd.Series(right, dtype="str")
    table = pd.DataFrame({"customer_id": right_s, "row": np.arange(len(right_s))})
    table = table[table["customer_id"].notna()].drop_duplicates("customer_id")
    want = pd.DataFrame({"customer_id": left_s}).merge(table, on="customer_id", how="left")
    want.loc[left_s.isna().to_numpy(), "row"] = np.nan
    want = want["row"].fillna(-1).astype(int).tolist()
    assert positions(left_s, right_s).tolist() == want
    step = _fast._LOOKUP_STEP
    try:  # the lookup a few keys at a time, as ten million payments are looked up
        _fast._LOOKUP_STEP = 3
        assert positions(left_s, right_s).tolist() == want
    finally:
        _fast._LOOKUP_STEP = step


def test_positions_on_numbered_ids_and_the_attributes_they_carry():
    from analytics._fast import positions
    from analytics.pipeline import attach

    summary = pd.DataFrame({"customer_id": pd.Series(["C003", "C001", "C009"], dtype="str")})
    customers = pd.DataFrame(
        {
            "customer_id": pd.Series(["C001", "C003", "C001", "C004"], dtype="str"),
            "region": pd.Categorical(["广东", "北京", "上海", "广东"]),
            "age": [40, 50, 60, 70],
        }
    )
    assert positions(summary["customer_id"], customers["customer_id"]).tolist() == [1, 0, -1]
    customers = customers.rename(columns={"age": "agent_id"})
    out = attach(summary, customers)
    assert out["region"].tolist()[:2] == ["北京", "广东"] and pd.isna(out["region"][2])
    assert out["agent_id"].tolist()[:2] == [50, 40] and pd.isna(out["agent_id"][2])


# --- value order with ties by id, without sorting text ------------------------------------------

from analytics._fast import descending_order  # noqa: E402

numbered = st.integers(0, 10**6).map(lambda n: f"C{n:07d}")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 1.5, -2.0, 7.0, np.inf, -np.inf]), numbered), max_size=40
    ),
    st.booleans(),
)
def test_descending_order_equals_lexsort_of_the_text(rows, sort_ids):
    """Values with many ties; ids sorted (the scored table) or in any order (other tables)."""
    if sort_ids:
        rows = sorted(rows, key=lambda row: row[1])
    values = np.array([v for v, _ in rows], dtype=float)
    ids = pd.Series([i for _, i in rows], dtype="str")
    want = np.lexsort((ids.to_numpy(dtype=str), -values))
    assert descending_order(values, ids).tolist() == want.tolist()


from analytics._fast import take_labels  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.sampled_from(["Gold", "Bronze", "at risk", "新客户", None]), max_size=30),
    picks=st.lists(st.integers(-1, 40), max_size=50),
)
def test_take_labels_holds_the_values_a_take_gives_in_sorted_categories(labels, picks):
    values = pd.Series(labels * 2, dtype="str")  # labels repeat (an id column stays text)
    rows = np.array([p if p < len(values) else -1 for p in picks], dtype=np.int64)
    taken = take_labels(values, rows)
    assert isinstance(taken, pd.Categorical)
    assert list(taken.categories) == sorted(values.dropna().unique())
    expected = [values.iloc[r] if r >= 0 else None for r in rows]
    assert [None if pd.isna(v) else v for v in taken] == [
        None if pd.isna(v) else v for v in expected
    ]
    # grouped as the text was: the same groups, in the same (sorted) order
    frame = pd.DataFrame({"label": taken, "n": 1})
    text = frame.assign(label=frame["label"].astype("str"))
    coded_sums = frame.groupby("label", observed=True, dropna=False, sort=True)["n"].sum()
    text_sums = text.groupby("label", dropna=False, sort=True)["n"].sum()
    assert [None if pd.isna(k) else k for k in coded_sums.index] == [
        None if pd.isna(k) else k for k in text_sums.index
    ]
    assert coded_sums.tolist() == text_sums.tolist()


def test_take_labels_leaves_numbers_and_many_labels_as_they_are():
    from analytics import _fast

    numbers = pd.Series([1.5, 2.5, 3.5])
    assert take_labels(numbers, np.array([2, 0])).tolist() == [3.5, 1.5]
    assert np.isnan(take_labels(numbers, np.array([-1]))[0])
    many = pd.Series([f"C{i}" for i in range(_fast.LABELS_MAX + 1)] * 2, dtype="str")
    taken = take_labels(many, np.array([5, 0]))
    assert not isinstance(taken, pd.Categorical) and list(taken) == ["C5", "C0"]
    ids = pd.Series(["P1", "P2", "P3", "P1"], dtype="str")  # mostly distinct: ids, not labels
    assert not isinstance(take_labels(ids, np.array([1, 0])), pd.Categorical)


from analytics._fast import _ascending  # noqa: E402

texts = st.text(
    alphabet=st.sampled_from(["a", "b", "Z", "é", "客", "户", "0", " ", "😀"]), max_size=4
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(texts, st.none()), max_size=12), st.booleans(), st.integers(1, 4))
def test_ascending_in_arrow_equals_pandas_on_any_text(values, sort_first, chunks):
    """Arrow compares UTF-8 bytes, Python code points: the same order, also across chunks (a
    Parquet read gives several) and with missing ids (which are never in order)."""
    import pyarrow as pa

    if sort_first:
        values = sorted(values, key=lambda v: (v is None, v or ""))
    step = max(len(values) // chunks, 1)
    parts = [values[i : i + step] for i in range(0, len(values), step)] or [[]]
    column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(parts, pa.large_string())))
    assert _ascending(column) == column.is_monotonic_increasing  # pandas' own answer
