"""The persisted, fingerprint-keyed cache (ui.persist): results survive a restart, a file not
written by this server is never unpickled, and a restart on unchanged data computes nothing."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import persist


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VALUESCOPE_CACHE", "1")
    monkeypatch.setenv("VALUESCOPE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(persist, "SETTLE_SECONDS", 0.0)  # write at once
    return tmp_path / "cache"


def test_a_kept_result_reads_back_equal(cache):
    frame = pd.DataFrame({"customer_id": pd.Series(["C1", "C2"], dtype="str"), "x": [1.5, 2.0]})
    persist.save("demo:a", "('base',)", frame)
    persist.flush()
    assert persist.load("demo:a", "('base',)").equals(frame)
    assert persist.load("demo:b", "('base',)") is persist.MISSING  # another fingerprint
    assert persist.load("demo:a", "('models',)") is persist.MISSING  # another key
    files = list(cache.glob("*.pkl"))
    assert len(files) == 1 and (files[0].stat().st_mode & 0o777) == 0o600
    assert ((cache / ".key").stat().st_mode & 0o777) == 0o600
    assert (cache.stat().st_mode & 0o077) == 0  # the folder is the server's alone


def test_a_file_not_signed_by_this_server_is_never_unpickled(cache, monkeypatch):
    persist.save("demo:a", "k", {"ok": 1})
    persist.flush()
    (path,) = cache.glob("*.pkl")

    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled a forged file')",))

    forged = pickle.dumps(Boom())
    path.write_bytes(path.read_bytes()[:36] + forged)  # the old signature, a new body
    assert persist.load("demo:a", "k") is persist.MISSING
    assert not path.exists()  # removed, recomputed next time
    persist.save("demo:a", "k", {"ok": 1})
    persist.flush()
    (path,) = cache.glob("*.pkl")
    path.write_bytes(path.read_bytes()[:-3])  # cut short
    assert persist.load("demo:a", "k") is persist.MISSING


def test_a_code_change_is_a_new_key(cache, monkeypatch):
    persist.save("demo:a", "k", 1)
    persist.flush()
    assert persist.load("demo:a", "k") == 1
    monkeypatch.setattr(persist, "_code", ["another version"])
    assert persist.load("demo:a", "k") is persist.MISSING


def test_only_sources_that_cannot_change_behind_the_server_are_kept():
    from ui.view import durable

    assert durable("demo:/x/insurer_v3.sqlite:1.0") and durable("cdnow:master")
    assert durable("demo-parquet:/x:abc|regions:广东")
    assert not durable("db:1234") and not durable("conn:abcd") and not durable("upload:ff")


def test_a_restart_on_unchanged_data_computes_no_stage(cache, demo_dir, monkeypatch):
    import streamlit as st

    from analytics import pipeline

    st.cache_resource.clear()  # a fresh server: nothing kept in memory by earlier tests
    first = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    first.session_state["source"] = "cdnow"  # a small durable source: a quick first run
    first.run()
    assert not first.exception, [e.value for e in first.exception]
    customers = next(m.value for m in first.metric if m.label == "Customers")
    persist.flush()
    assert len(list(cache.glob("*.pkl"))) >= 5

    st.cache_resource.clear()  # what a restart forgets

    def computed(*args, **kwargs):
        raise AssertionError("a stage was computed on a restart")

    for stage in ("base_stage", "model_stage", "segment_stage", "abc_stage", "tier_stage"):
        monkeypatch.setattr(pipeline, stage, computed)
    again = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    again.session_state["source"] = "cdnow"
    again.run()
    assert not again.exception, [e.value for e in again.exception]
    assert next(m.value for m in again.metric if m.label == "Customers") == customers


def test_a_large_books_persistency_waits_in_the_background(demo_dir, monkeypatch):
    """Above LARGE_BOOK policies the Overview shows a placeholder at once and the figure once
    the background thread has it (here the demo counts as large)."""
    import time

    import streamlit as st

    from ui import view

    monkeypatch.setattr(view, "LARGE_BOOK", 0)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    first = next(m.value for m in at.metric if m.label == "13-month persistency")
    assert first == "…"
    for _ in range(120):
        if view._persistency_done:
            break
        time.sleep(0.5)
    at.run()
    value = next(m.value for m in at.metric if m.label == "13-month persistency")
    assert value.endswith("%") and value != first


def test_a_moved_cut_off_rebuilds_the_pareto_chart_not_the_lorenz_curve(demo_dir, monkeypatch):
    from ui import charts

    built = {"pareto": 0, "lorenz": 0}
    for name in built:
        original = getattr(charts, name)

        def counting(*args, _name=name, _original=original, **kwargs):
            built[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(charts, name, counting)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/abc.py").run()
    before = dict(built)
    at.slider(key="abc_a").set_value(0.71).run()
    assert not at.exception, [e.value for e in at.exception]
    assert built["pareto"] == before["pareto"] + 1  # the cut-off lines moved
    assert built["lorenz"] == before["lorenz"]  # kept: the curve does not depend on cut-offs
    at.slider(key="abc_a").set_value(0.72).run()
    at.slider(key="abc_a").set_value(0.71).run()  # back to a cut-off already drawn
    assert built["pareto"] == before["pareto"] + 2  # 0.72 built; 0.71 again: the kept figure
    assert built["lorenz"] == before["lorenz"]


def test_a_restart_draws_the_overview_without_reading_the_source(cache, demo_dir, monkeypatch):
    """The source's tables are read on first use (data.report.LazyDataset): a restarted server
    draws the Overview from the kept headline, fit and facts, reading no table at all."""
    import streamlit as st

    from analytics.aggregates import Aggregates
    from ui import sources

    st.cache_resource.clear()
    first = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    first.session_state["source"] = "cdnow"
    first.run()
    assert not first.exception, [e.value for e in first.exception]
    shown = {m.label: m.value for m in first.metric}
    persist.flush()

    st.cache_resource.clear()  # what a restart forgets

    def unread(*args, **kwargs):
        raise AssertionError("the source was read on a restart")

    monkeypatch.setattr(sources, "load_cdnow", unread)
    monkeypatch.setattr(Aggregates, "headline", unread)
    again = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    again.session_state["source"] = "cdnow"
    again.run()
    assert not again.exception, [e.value for e in again.exception]
    assert {m.label: m.value for m in again.metric} == shown
    assert (
        again.sidebar.date_input(key="as_of").value == first.sidebar.date_input(key="as_of").value
    )

    monkeypatch.undo()  # a page that needs the payments reads them then
    monkeypatch.setenv("VALUESCOPE_CACHE", "1")
    monkeypatch.setenv("VALUESCOPE_CACHE_DIR", str(cache))
    again.switch_page("app_pages/lookup.py").run()
    assert not again.exception, [e.value for e in again.exception]


def test_arrays_read_back_from_the_file_and_a_changed_number_is_refused(cache):
    """Arrays leave the pickle stream and are mapped back from the file (no copy); the
    signature covers them: one changed byte of a number makes the file a miss."""
    import numpy as np

    frame = pd.DataFrame({"x": np.arange(100_000, dtype=np.float64), "y": np.arange(100_000)})
    persist.save("demo:a", "big", frame)
    persist.flush()
    import mmap

    back = persist.load("demo:a", "big")
    assert back.equals(frame)
    owner = back["x"].to_numpy()
    while isinstance(owner, np.ndarray):
        owner = owner.base
    assert isinstance(owner, memoryview) and isinstance(owner.obj, mmap.mmap)  # no copy
    back.loc[0, "x"] = -1.0  # the frame can be changed (copy on write), the file is not
    assert back["x"].iloc[0] == -1.0 and persist.load("demo:a", "big")["x"].iloc[0] == 0.0
    (path,) = cache.glob("*.pkl")
    blob = bytearray(path.read_bytes())
    at = blob.rfind(np.float64(99_999.0).tobytes())
    blob[at] ^= 1  # one number in the middle of the buffers
    path.write_bytes(bytes(blob))
    assert persist.load("demo:a", "big") is persist.MISSING
    assert not path.exists()
