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
