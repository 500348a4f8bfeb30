"""What the server readies as it starts, before any browser has asked for a page.

Between the server answering and a browser's first page running its script, the browser starts
and loads Streamlit's front end: 1.5-2 s here in which the server has nothing to do. A restart
on unchanged data spent most of its first script on things no session owns: importing NumPy,
pandas, SQLAlchemy and the dashboard's own modules, and plotly building its first figures
(validators, the template). :func:`warm` does those on a background thread in that gap, so the
first page only reads its results and draws. Nothing here reads data or touches a session:
what a user may see is still decided by the page, for that user.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator

log = logging.getLogger("valuescope")

#: The modules the dashboard's script and its first page import, in the script's order (a
#: module another thread is importing is waited for, so the two never import it twice).
MODULES = (
    "analytics._validate", "ui.auth", "ui.persist", "ui.segments", "ui.sources", "ui.state",
    "ui.style", "ui.formats", "ui.i18n", "ui.view", "ui.widgets", "analytics.churn",
    "ui.charts", "data.appdb",
)  # fmt: skip

_started: list[threading.Thread] = []


def warm() -> float:
    """Import :data:`MODULES` and build one of each of the first page's figures (plotly loads
    its validators and our template on the first); the seconds it took. Never raises: a
    failure here only means the first page does this work itself."""
    began = time.perf_counter()
    try:
        import importlib

        for name in MODULES:
            importlib.import_module(name)
        from ui import charts

        charts.warm()
    except Exception:  # noqa: BLE001 - the page will meet (and report) any real problem
        log.debug("start-up warm-up stopped", exc_info=True)
    return time.perf_counter() - began


def start() -> threading.Thread:
    """Run :func:`warm` once per process on a daemon thread."""
    if not _started:
        thread = threading.Thread(target=warm, name="valuescope-startup", daemon=True)
        thread.start()
        _started.append(thread)
    return _started[0]


@contextlib.asynccontextmanager
async def lifespan(_app) -> AsyncIterator[None]:
    """``st.App``'s start-up hook: starts the warm-up and lets the server answer at once."""
    start()
    yield
