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


def test_the_warm_up_thread_starts_once(monkeypatch):
    from ui import startup

    calls = []
    monkeypatch.setattr(startup, "_started", [])
    monkeypatch.setattr(startup, "warm", lambda: calls.append(1))
    first = startup.start()
    second = startup.start()
    first.join(5)
    assert first is second and first.daemon and calls == [1]


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
