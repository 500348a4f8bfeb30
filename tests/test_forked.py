"""analytics._forked: a stage computed in a forked child gives what computing it here gives."""

from __future__ import annotations

import os

import numpy as np
import pytest

from analytics._forked import forked, inline
from analytics._validate import CodedError


def test_a_forked_result_is_the_child_s_and_may_exceed_the_pipe_buffer():
    parent = os.getpid()
    job = forked(lambda: (os.getpid(), np.arange(3_000_000)))  # 24 MB, far beyond 64 KB
    pid, values = job.result()
    assert pid != parent  # computed in another process
    assert np.array_equal(values, np.arange(3_000_000))
    assert inline(lambda: 2 + 2).result() == 4


def test_an_error_in_the_child_is_raised_here_as_itself():
    def fails():
        raise CodedError("no customer of the regions in scope", code="empty_scope")

    with pytest.raises(CodedError) as caught:
        forked(fails).result()
    assert caught.value.code == "empty_scope"


def test_a_child_that_dies_leaves_the_stage_to_this_process():
    parent = os.getpid()

    def dies_in_the_child():
        if os.getpid() != parent:
            os._exit(9)  # as if killed: nothing comes back
        return "computed here"

    assert forked(dies_in_the_child).result() == "computed here"
