"""Shared parts of the browser suites: a `streamlit run` server on a free port and Debian's
chromium through Playwright. Each suite starts one server (module scope)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT, missing_service

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict, args: tuple = (), host: str = "127.0.0.1", port: int | None = None):
    """``streamlit run app.py`` (the README's command: the st.App entry and its start-up
    warm-up) with ``env`` added; yields its base URL."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false", *args],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://{host}:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                process.kill()
                pytest.fail(f"streamlit did not start:\n{output[-2000:]}")
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        missing_service("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        missing_service("the playwright package is not installed")
    expect.set_options(timeout=60_000)  # a busy two-core CI machine can be slow to redraw
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(90_000)
    return page


def settle(page) -> None:
    page.wait_for_selector(IDLE)
    assert page.locator('[data-testid="stException"]').count() == 0


def nav_links(page) -> list[str]:
    nav = page.locator('[data-testid="stSidebarNav"] a')
    nav.first.wait_for()  # the menu is drawn after the page's first script run
    settle(page)
    return [
        text.strip().splitlines()[-1].strip() for text in nav.all_inner_texts()
    ]  # past the icon


def metric_value(page, label: str) -> str:
    return (
        page.locator('[data-testid="stMetric"]')
        .filter(has_text=label)
        .locator('[data-testid="stMetricValue"]')
        .first.inner_text()
    )


def download_csv(page, label_part: str):
    """Click the CSV download whose label contains ``label_part``; the rows read back."""
    import io

    import pandas as pd

    button = page.locator('[data-testid="stDownloadButton"] button').filter(has_text=label_part)
    with page.expect_download() as info:
        button.first.click()
    with open(info.value.path(), "rb") as handle:
        return pd.read_csv(io.BytesIO(handle.read()), encoding="utf-8-sig", dtype=str)
