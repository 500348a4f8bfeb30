"""What the server readies as it starts, before any browser has asked for a page.

Between the server answering and a browser's first page running its script, the browser starts
and loads Streamlit's front end: 1.5-2 s here in which the server has nothing to do. Two
background threads use that gap:

- :func:`warm` imports NumPy, pandas, SQLAlchemy and the dashboard's own modules, and has plotly
  build its first figures (validators, the template);
- :func:`ready_first_page` opens the deployment's default source (``VALUESCOPE_SOURCE``) and
  computes the first page's stages for a new session's default settings, on the whole source,
  into the same caches a page reads (a cold start at a million customers reads, summarises and
  starts the fit before the browser has asked; a restart reads the persisted results). A page
  asking for a stage still being computed waits for it (Streamlit's cache computes a key once).

Nothing here touches a session or shows anything: what a user may see is still decided by the
page, for that user (a user bound to regions gets a scoped source of their own, cut from the
same loaded tables).
"""

from __future__ import annotations

import contextlib
import logging
import os
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


def ready_first_page() -> bool:
    """Open the default source and compute what its first page (the Overview) reads, for a new
    session's settings; whether it did. Never raises: a source that cannot be opened is left
    to the page, which says why."""
    try:
        import analytics  # noqa: F401 - its memory settings before NumPy and Arrow load
        from ui import sources, state, view

        opened = sources.default_dataset()
        if opened is None:
            return False
        data, fingerprint = opened
        if not getattr(data, "facts_known", False):
            view.cold_start(getattr(data, "expected_payments", None))
        sources.date_range(data, fingerprint)  # the sidebar's date range
        settings = state.default_settings()
        view.filter_options(data, fingerprint, settings)  # the base; its fit starts early
        current = view.view_of(data, fingerprint, settings)
        current.size  # noqa: B018 - the scored customers
        current.headline()
    except Exception:  # noqa: BLE001 - the page will meet (and report) any real problem
        log.debug("the first page could not be readied", exc_info=True)
        return False
    return True


def start() -> list[threading.Thread]:
    """Run :func:`warm` and :func:`ready_first_page` once per process, each on a daemon
    thread (``VALUESCOPE_READY_AT_START=0``: only the warm-up)."""
    if not _started:
        jobs = [warm]
        if os.environ.get("VALUESCOPE_READY_AT_START", "1") != "0":
            jobs.insert(0, ready_first_page)
        for job in jobs:
            thread = threading.Thread(target=job, name=f"valuescope-{job.__name__}", daemon=True)
            thread.start()
            _started.append(thread)
    return _started


@contextlib.asynccontextmanager
async def lifespan(_app) -> AsyncIterator[None]:
    """``st.App``'s start-up hook: starts the warm-up and lets the server answer at once."""
    start()
    yield
