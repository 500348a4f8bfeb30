"""The fit worker (:mod:`analytics._worker`): the dashboard's model fits in a second process give
exactly the stage this process computes, and anything wrong with the worker falls back to it."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics._worker import Worker
from analytics.pipeline import Settings, base_stage, model_stage, risk_stage, run
from data.sample import DemoConfig, generate


@pytest.fixture(scope="module")
def demo():
    return generate(DemoConfig(customers=2000, random_state=11))


@pytest.fixture(scope="module")
def base(demo):
    return base_stage(demo["transactions"], Settings(), demo["customers"])


@pytest.fixture(scope="module")
def worker():
    started = Worker()
    assert started.start()
    yield started
    started.close()


def _same(ours, theirs) -> None:
    assert ours.fit.purchase_params == theirs.fit.purchase_params
    assert ours.fit.spend_params == theirs.fit.spend_params
    assert ours.fit.status == theirs.fit.status
    pd.testing.assert_frame_equal(ours.scores, theirs.scores)


def test_the_worker_fits_exactly_what_this_process_fits(worker, base):
    settings = Settings()
    answer = worker.submit("models", base, settings)
    pid = worker._process.pid
    _same(answer.result(), model_stage(base, settings))
    assert worker._process.pid == pid  # the same process serves the next request
    other = Settings(model="pareto_nbd")
    _same(worker.submit("risk", base, other).result(), risk_stage(base, other))


def test_a_dead_worker_leaves_the_fit_to_this_process_and_is_started_again(worker, base):
    worker.start()
    worker._process.kill()
    worker._process.wait()
    expected = model_stage(base, Settings())
    _same(worker.submit("models", base, Settings()).result(), expected)  # here (or restarted)
    _same(worker.submit("models", base, Settings()).result(), expected)
    assert worker._process is not None and worker._process.poll() is None


def test_a_worker_that_cannot_start_leaves_the_fit_here(base):
    nowhere = Worker(command=["/nonexistent/python"])
    assert not nowhere.start()
    _same(nowhere.submit("models", base, Settings()).result(), model_stage(base, Settings()))


def test_the_stages_own_error_is_raised_as_itself(worker, base):
    # a column missing: the error names the columns found, so it is raised here, from the base
    broken = base.drop(columns=["monetary_value"])
    with pytest.raises(ValueError) as here:
        model_stage(broken, Settings())
    with pytest.raises(ValueError) as there:
        worker.submit("models", broken, Settings()).result()
    assert str(there.value) == str(here.value)
    # an error inside the worker's fit comes back as itself
    bad = base.assign(frequency="many")
    with pytest.raises(Exception) as here:
        model_stage(bad, Settings())
    pid = worker._process.pid
    with pytest.raises(Exception) as there:
        worker.submit("models", bad, Settings()).result()
    assert type(there.value) is type(here.value) and str(there.value) == str(here.value)
    assert worker._process.pid == pid and worker._process.poll() is None  # still serving


def test_a_lazy_run_starts_the_fit_before_scoring_segments_and_only_when_not_kept(
    demo, base, monkeypatch
):
    from analytics import pipeline

    tx, customers = demo["transactions"], demo["customers"]
    kept: dict = {}
    events: list = []
    attach = pipeline.attach

    def attach_seen(summary, *args):
        events.append(("attached", len(summary)))
        return attach(summary, *args)

    monkeypatch.setattr(pipeline, "attach", attach_seen)

    def memo(key, compute):
        if key not in kept:
            value = compute()
            events.append(("computed", key[0]))
            kept[key] = value
        return kept[key]

    def fit_job(stage, given, settings):
        events.append(("started", stage))
        from analytics._forked import Job

        return Job(lambda: model_stage(given, settings))

    eager = run(tx, Settings(), customers, clustered=False)
    events.clear()
    first = run(tx, Settings(), customers, memo=memo, clustered=False, lazy=True, fit_job=fit_job)
    pd.testing.assert_frame_equal(first.view, eager.view)
    watched = (("started", "models"), ("computed", "segments"), ("computed", "abc"),
               ("computed", "models"))  # fmt: skip
    order = [e for e in events if e in watched]
    # ABC on spend (the default) is classed while the models are fitted too
    assert order == list(watched)
    # the fit starts from the summary, before the customers' attributes are attached
    assert events.index(("started", "models")) < events.index(("attached", len(base)))
    saved, events[:] = dict(kept), []
    kept.clear()
    on_clv = Settings(abc_value="clv")
    by_clv = run(tx, on_clv, customers, memo=memo, clustered=False, lazy=True, fit_job=fit_job)
    pd.testing.assert_frame_equal(by_clv.view, run(tx, on_clv, customers, clustered=False).view)
    order = [e for e in events if e in watched]
    assert order.index(("computed", "abc")) > order.index(("computed", "models"))
    kept.clear()
    kept.update(saved)
    # the models kept, the table not: no fit is started
    kept_models = {k: v for k, v in kept.items() if k[0] in ("base", "models")}
    kept.clear()
    kept.update(kept_models)
    events.clear()
    again = run(tx, Settings(), customers, memo=memo, clustered=False, lazy=True, fit_job=fit_job)
    pd.testing.assert_frame_equal(again.view, eager.view)
    assert ("started", "models") not in events


def test_the_dashboard_fits_a_large_base_in_the_worker_and_a_small_one_here(monkeypatch, base):
    from analytics._worker import _Answer
    from ui import view

    monkeypatch.setattr(view, "FIT_WORKER_MIN", 1)
    job = view._fit_job("models", base, Settings())
    try:
        assert isinstance(job, _Answer)  # sent to the worker
        _same(job.result(), model_stage(base, Settings()))
        monkeypatch.setenv("VALUESCOPE_FIT_WORKER", "0")
        assert not isinstance(view._fit_job("models", base, Settings()), _Answer)
        monkeypatch.delenv("VALUESCOPE_FIT_WORKER")
        monkeypatch.setattr(view, "FIT_WORKER_MIN", len(base) + 1)
        here = view._fit_job("models", base, Settings())
        assert not isinstance(here, _Answer)
        _same(here.result(), model_stage(base, Settings()))
    finally:
        view.fit_worker().close()


def test_a_fit_that_fails_to_start_early_is_made_by_the_model_stage(demo):
    """A fit job raising where the summary starts it (an inline fit computes at once) does not
    fail the base: the model stage makes the fit itself, to the same view."""
    tx, customers = demo["transactions"], demo["customers"]
    tried = []

    def failing_job(stage, given, settings):
        tried.append(stage)
        raise RuntimeError("no fit here")

    lazy = run(tx, Settings(), customers, clustered=False, lazy=True, fit_job=failing_job)
    pd.testing.assert_frame_equal(lazy.view, run(tx, Settings(), customers, clustered=False).view)
    assert tried == ["models"]


def test_the_sidebars_base_starts_the_fit_that_the_page_then_takes(tmp_path, monkeypatch):
    """On a cold start the sidebar's filters compute the base first: its fit goes to the worker
    from the summary, before the customers are read (a Parquet demo reads them later), and the
    page's chain takes that job instead of asking for a second fit. The Overview shows what a
    server fitting in its own process shows."""
    from streamlit.testing.v1 import AppTest

    from analytics._worker import Worker
    from data.sample import write
    from tests.conftest import ROOT
    from ui import view

    events: list = []
    folder = tmp_path / "demo_parquet"
    write(generate(DemoConfig(customers=400, random_state=3)), str(folder))
    monkeypatch.setenv("VALUESCOPE_DEMO_PARQUET", str(folder))
    monkeypatch.setenv("VALUESCOPE_CACHE", "1")  # served lazily, as a durable source is

    def overview():
        import streamlit as st

        st.cache_resource.clear()  # a cold start each time: nothing kept, in memory or on disk
        st.cache_data.clear()
        monkeypatch.setenv("VALUESCOPE_CACHE_DIR", str(tmp_path / f"cache{len(events)}"))
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return {m.label: m.value for m in at.metric}

    from data.report import LazyDataset

    submit, table = Worker.submit, LazyDataset._table

    def submit_seen(self, stage, base, settings):
        events.append(("submit", stage))
        return submit(self, stage, base, settings)

    def table_seen(self, name, field_name):
        events.append(("read", name))
        return table(self, name, field_name)

    monkeypatch.setattr(Worker, "submit", submit_seen)
    monkeypatch.setattr(LazyDataset, "_table", table_seen)
    monkeypatch.setattr(view, "FIT_WORKER_MIN", 1)  # 400 customers go to the worker too
    try:
        there = overview()
    finally:
        view.fit_worker().close()
    monkeypatch.setenv("VALUESCOPE_FIT_WORKER", "0")
    assert there == overview() and there  # fitted in this process
    assert events.count(("submit", "models")) == 1  # one fit, the sidebar's
    assert events.index(("submit", "models")) < events.index(("read", "customers"))
    assert not view._early_fits  # taken by the page


def test_the_workers_warm_up_fit_leaves_later_fits_as_they_were(base):
    """The worker fits lifetimes' CDNOW summary while the server reads its data; a fit after it
    is the fit a process that made none gives (checked here, where fits were made before)."""
    from analytics._worker import warm_up

    before = model_stage(base, Settings())
    assert warm_up()  # a fit was made (status ok)
    _same(model_stage(base, Settings()), before)


def test_the_spend_trend_is_computed_before_the_fit_is_waited_for():
    """A cold page's fit job computes the view's spend trend on the page's thread before it
    waits for the fit (no third busy thread beside the fit); a trend that fails leaves the fit's
    result as it is (the page asks for the trend again and says why)."""
    from analytics._forked import Job
    from ui.view import _Then

    order: list = []

    class Current:
        def __init__(self, fails: bool) -> None:
            self.fails = fails

        @property
        def monthly(self):
            order.append("trend")
            if self.fails:
                raise ValueError("no months")
            return "months"

    fit = Job(lambda: order.append("fit") or "fitted")
    assert _Then(Current(False), fit).result() == "fitted" and order == ["trend", "fit"]
    order.clear()
    assert _Then(Current(True), fit).result() == "fitted" and order == ["trend", "fit"]


def test_a_model_fitted_for_the_comparison_is_scored_when_it_is_chosen(demo, monkeypatch):
    """The Churn page's comparison fits the purchase model not chosen; a view that then
    chooses that model scores with that fit (no second fit), and is the view a fit of its own
    gives."""
    from analytics import pipeline
    from data.report import Dataset
    from ui import view

    monkeypatch.setenv("VALUESCOPE_FIT_WORKER", "0")  # 2,000 customers: fitted here anyway
    data = Dataset(name="toy", transactions=demo["transactions"], report=None,
                   customers=demo["customers"])  # fmt: skip
    bgnbd = Settings(model="bgnbd")
    pareto = bgnbd.with_(model="pareto_nbd")
    compared = view.view_of(data, "test-compared", bgnbd).other_models()
    assert compared.fit.model == "pareto_nbd" and compared.fit.has_purchase_model

    fits = []
    fit_clv = pipeline.fit_clv
    monkeypatch.setattr(pipeline, "fit_clv", lambda *a, **k: fits.append(k) or fit_clv(*a, **k))
    chosen = view.view_of(data, "test-compared", pareto)
    assert chosen.size == 2000 and fits == []  # scored with the comparison's fit
    # another source's view (another fingerprint) fits its own, to the same view
    own = view.view_of(data, "test-own", pareto)
    assert own.size == 2000 and [k.get("model") for k in fits] == ["pareto_nbd"]
    assert chosen.fit.purchase_params == own.fit.purchase_params
    pd.testing.assert_frame_equal(chosen.table, own.table)
