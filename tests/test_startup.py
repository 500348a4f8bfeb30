"""The server's entry (``app.py``: an ``st.App`` serving ``dashboard.py``) and its start-up
warm-up (:mod:`ui.startup`)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported(path: Path) -> set[str]:
    """The modules a file imports at its top level (the ones its first run pays for)."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter at the repository's root; the JSON it prints."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_warm_imports_what_the_dashboard_and_its_first_page_import():
    wanted = _imported(ROOT / "dashboard.py") | _imported(ROOT / "app_pages" / "overview.py")
    result = _fresh(
        "import json, sys\n"
        "from ui import startup\n"
        "before = set(sys.modules)\n"
        "startup.warm()\n"
        "from ui import charts\n"
        "print(json.dumps({'before': sorted(before), 'after': sorted(sys.modules),"
        " 'template': len(charts._TEMPLATE)}))\n"
    )
    after = set(result["after"])
    # a name imported "from a module" may be a function, not a module: its module is enough
    missing = sorted(n for n in wanted if n not in after and n.rpartition(".")[0] not in after)
    assert missing == []
    # the heavy libraries came in through the warm-up, not through importing ui.startup
    for heavy in ("pandas", "numpy", "plotly.graph_objects", "sqlalchemy", "ui.view"):
        assert heavy not in result["before"] and heavy in after
    assert result["template"] == 1  # plotly's template is built, for the first chart


def test_warm_never_raises(monkeypatch, caplog):
    from ui import charts, startup

    def broken() -> None:
        raise RuntimeError("plotly missing")

    monkeypatch.setattr(charts, "warm", broken)
    with caplog.at_level("DEBUG", logger="valuescope"):
        seconds = startup.warm()
    assert seconds >= 0
    assert "warm-up stopped" in caplog.text


def test_the_start_up_threads_start_once(monkeypatch):
    from ui import startup

    calls = []
    monkeypatch.setattr(startup, "_started", [])
    monkeypatch.setattr(startup, "warm", lambda: calls.append("warm"))
    monkeypatch.setattr(startup, "ready_first_page", lambda: calls.append("ready"))
    monkeypatch.delenv("VALUESCOPE_READY_AT_START", raising=False)
    first = list(startup.start())
    second = startup.start()
    for thread in first:
        thread.join(5)
    assert first == second and all(t.daemon for t in first)
    assert sorted(calls) == ["ready", "warm"]


def test_ready_at_start_can_be_turned_off(monkeypatch):
    from ui import startup

    calls = []
    monkeypatch.setattr(startup, "_started", [])
    monkeypatch.setattr(startup, "warm", lambda: calls.append("warm"))
    monkeypatch.setattr(startup, "ready_first_page", lambda: calls.append("ready"))
    monkeypatch.setenv("VALUESCOPE_READY_AT_START", "0")
    for thread in startup.start():
        thread.join(5)
    assert calls == ["warm"]


def test_lifespan_starts_the_warm_up_and_yields_at_once(monkeypatch):
    import asyncio

    from ui import startup

    calls = []
    monkeypatch.setattr(startup, "start", lambda: calls.append("started"))

    async def serve() -> None:
        async with startup.lifespan(None):
            calls.append("serving")

    asyncio.run(serve())
    assert calls == ["started", "serving"]


def test_streamlit_run_app_py_serves_the_dashboard_through_st_app():
    """``streamlit run app.py`` finds app.py's ``st.App`` (so its lifespan runs) and that App
    serves dashboard.py; the browser walks (tests/e2e.py) start the server this way."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app and found.app_name == "app"
    result = _fresh(
        "import json, app\n"
        "from ui import startup\n"
        "print(json.dumps({'script': str(app.app.script_path),"
        " 'lifespan': app.app._user_lifespan is startup.lifespan}))\n"
    )
    assert Path(result["script"]).resolve() == (ROOT / "dashboard.py").resolve()
    assert result["lifespan"]


def test_the_first_page_readied_at_start_is_what_the_page_draws_without_computing_it(
    tmp_path, monkeypatch
):
    """:func:`ui.startup.ready_first_page` opens the default source and computes the Overview's
    stages for a new session's settings; the page then computes none of them again (had the
    two settings differed, it would have made its own base), and shows what a page computing
    everything itself shows."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from analytics import pipeline as P
    from data.sample import DemoConfig, generate, write
    from ui import startup, view

    folder = tmp_path / "demo_parquet"
    write(generate(DemoConfig(customers=400, random_state=5)), str(folder))
    monkeypatch.setenv("VALUESCOPE_DEMO_PARQUET", str(folder))
    monkeypatch.setenv("VALUESCOPE_FIT_WORKER", "0")
    monkeypatch.delenv("VALUESCOPE_SOURCE", raising=False)
    stages: list[str] = []
    for name in ("base_stage", "model_stage", "segment_stage"):
        real = getattr(P, name)

        def seen(*args, _real=real, _name=name, **kwargs):
            stages.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(P, name, seen)

    def overview(ready: bool) -> dict:
        st.cache_resource.clear()  # a new server each time: nothing kept, in memory or on disk
        st.cache_data.clear()
        monkeypatch.setenv("VALUESCOPE_CACHE_DIR", str(tmp_path / f"cache{ready}"))
        if ready:
            assert startup.ready_first_page()
            assert set(stages) == {"base_stage", "model_stage", "segment_stage"}
            stages.clear()
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return {m.label: m.value for m in at.metric}

    try:
        readied = overview(True)
        assert stages == []  # the page computed no stage: every one was ready
        computed = overview(False)
    finally:
        view._early_fits.clear()
    assert "base_stage" in stages  # the second page did compute them
    assert readied == computed and len(readied) >= 8


def test_nothing_is_readied_before_the_demo_database_exists(tmp_path, monkeypatch):
    """The demo database is generated by the first page, which shows its progress; the server's
    start leaves it to that page."""
    from ui import startup

    monkeypatch.delenv("VALUESCOPE_DEMO_PARQUET", raising=False)
    monkeypatch.delenv("VALUESCOPE_SOURCE", raising=False)
    monkeypatch.setenv("VALUESCOPE_DATA_DIR", str(tmp_path / "empty"))
    assert startup.ready_first_page() is False
    assert not list(tmp_path.rglob("*.sqlite"))
