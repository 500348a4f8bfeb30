"""Dashboard benchmark in a real browser (Playwright + Debian chromium + `streamlit run`).

    .venv/bin/python benchmarks/bench_dashboard.py              # the 20,000-customer demo
    .venv/bin/python benchmarks/bench_dashboard.py --million    # 1M customers (Parquet demo)
    .venv/bin/python benchmarks/bench_dashboard.py --scored benchmarks/out/scores_spark_2
                                                     # a scored table (a Spark run's output)

Measures what a user waits for: first page drawn (metrics and every chart) after the server
starts (demo database already generated), a threshold change (the ABC A cut-off, on an idle server) until the page has redrawn,
and a switch to each page until its title shows and the script is idle; and the first page's
script alone (AppTest, a fresh process, no browser), cold and on a restart, to split a first page
between the browser's share (the minimal app's) and the server's own work. Prints tables.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from _common import OUT, ROOT, compile_project, machine, print_table

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Checked on every animation frame (Playwright's default polling would round times up to 100 ms+).
_TITLE_READY = """name => {
  const h1 = document.querySelector('h1');
  const app = document.querySelector('[data-testid="stApp"]');
  return h1 && h1.innerText.trim() === name && app.getAttribute('data-test-script-state') === 'notRunning';
}"""
_METRIC_CHANGED = """([label, before]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
    if (m.innerText.includes(label)) {
      const v = m.querySelector('[data-testid="stMetricValue"]');
      return v && v.innerText !== before;
    }
  }
  return false;
}"""


# A first page is ready when the script is idle and its metrics and every chart are drawn: the
# minimal app's reference "shows six metrics and two plotly charts", so its time includes the
# charts too (the browser loads plotly.js, about 4.7 MB, before the first chart appears).
_PAGE_DRAWN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!document.querySelector('[data-testid="stMetricValue"]')) return false;
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
  return charts.length > 0 && [...charts].every(c => c.querySelector('.main-svg'));
}"""


def wait_drawn(page) -> None:
    page.wait_for_function(_PAGE_DRAWN, polling="raf")


def wait_title(page, name: str) -> None:
    page.wait_for_function(_TITLE_READY, arg=name, polling="raf")


PAGES = [
    "Overview", "Churn risk", "Persistency", "Loyalty programme", "Service", "RFM segments",
    "ABC / Pareto",
    "CLV and value tiers", "Clusters (K-means)", "Customer picture", "Customer lookup", "Data",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, app: str = "app.py") -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", app, "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            time.sleep(0.05)
    return process, url, began


BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def first_page(playwright, env: dict, app: str = "app.py") -> float:
    """Seconds from starting ``streamlit run APP`` until its Overview is drawn: title, metrics
    and every chart (the server then stops)."""
    process, url, began = start_server(env, app)
    try:
        browser, page = open_overview(playwright, url)
        wait_drawn(page)
        seconds = time.perf_counter() - began
        browser.close()
        return seconds
    finally:
        process.terminate()
        process.wait(timeout=30)


_FRONT_END = """() => !!document.querySelector('[data-testid="stApp"]')"""


def first_page_steps(playwright, env: dict, app: str, charts: bool = True) -> dict[str, float]:
    """Seconds from starting ``streamlit run APP`` to each step of its first page: the server
    answering, the browser started, Streamlit's front end loaded, the script done (title) and,
    with ``charts``, the metrics and charts drawn. What a first page cannot go under here."""
    process, url, began = start_server(env, app)
    steps = {"server answering": time.perf_counter() - began}
    try:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=BROWSER_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(600_000)
        steps["browser started"] = time.perf_counter() - began
        page.goto(url)
        page.wait_for_function(_FRONT_END, polling="raf")
        steps["Streamlit's front end loaded"] = time.perf_counter() - began
        wait_title(page, "Overview")
        steps["script done, title shown"] = time.perf_counter() - began
        if charts:
            wait_drawn(page)
            steps["metrics and charts drawn"] = time.perf_counter() - began
        browser.close()
        return steps
    finally:
        process.terminate()
        process.wait(timeout=30)


def _children(pid: int) -> list[int]:
    """The server's child processes (its fit worker, :mod:`analytics._worker`)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def wait_idle(pid: int, timeout: float = 180.0) -> float:
    """Wait until the server (with its fit worker) has used under 5% of a core for a whole
    second (its background work, such as the prefetch after a page, the other model's fit or
    results being written to disk, is done); returns the seconds waited."""
    began = time.perf_counter()

    def cpu() -> float:  # the server's and its fit worker's
        total = 0.0
        for each in (pid, *_children(pid)):
            try:
                fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    while time.perf_counter() - began < timeout:
        before = cpu()
        time.sleep(1.0)
        if cpu() - before < 0.05:
            break
    return time.perf_counter() - began


def slider_changes(page, label: str, clicks: int = 16) -> list[float]:
    """Click the page's first slider track at alternating places (one change per click) and
    time each until the metric labelled ``label`` shows a new value and the script is idle."""
    value = (
        page.locator('[data-testid="stMetric"]')
        .filter(has_text=label)
        .locator('[data-testid="stMetricValue"]')
    )
    track = (
        page.locator('[data-testid="stSlider"]').first.locator('[data-orientation="horizontal"]')
    ).nth(1)
    box = track.bounding_box()
    changes = []
    for step in range(clicks):
        before = value.inner_text()
        t0 = time.perf_counter()
        page.mouse.click(
            box["x"] + box["width"] * (0.2 if step % 2 == 0 else 0.45),
            box["y"] + box["height"] / 2,
        )
        page.wait_for_function(_METRIC_CHANGED, arg=[label, before], polling="raf")
        changes.append(time.perf_counter() - t0)
    return changes


def open_overview(playwright, url: str):
    """A headless browser on ``url`` with the Overview drawn; (browser, page)."""
    browser = playwright.chromium.launch(
        executable_path=shutil.which("chromium"), args=BROWSER_ARGS
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(600_000)
    page.goto(url)
    wait_title(page, "Overview")
    return browser, page


def minimal_threshold(playwright, env: dict, app: str = "benchmarks/minimal_app.py") -> float:
    """Median seconds for a minimal app's slider to move its metric (the same clicks and wait
    as the ABC cut-off below): the floor a threshold change cannot go under here
    (``minimal_chart_app.py``: one that also redraws a chart following the cut)."""
    process, url, _ = start_server(env, app)
    try:
        browser, page = open_overview(playwright, url)
        wait_idle(process.pid)
        changes = slider_changes(page, "High risk")
        browser.close()
        return statistics.median(changes)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _cpu_split(pid: int) -> tuple[float, float]:
    """User and system CPU seconds the server and its fit worker have used so far."""
    user = system = 0.0
    for each in (pid, *_children(pid)):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user += int(fields[11]) / os.sysconf("SC_CLK_TCK")
        system += int(fields[12]) / os.sysconf("SC_CLK_TCK")
    return user, system


class RssByPage:
    """Samples the server's resident memory every 0.1 s on a thread and keeps the largest
    sample seen while each page was being visited (:meth:`visiting` names it)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.page, self.peaks = pid, "first page", {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def visiting(self, name: str) -> None:
        self.page = name

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            try:
                for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        mb = int(line.split()[1]) / 1024
                        self.peaks[self.page] = max(self.peaks.get(self.page, 0.0), mb)
            except OSError:
                return

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        return self.peaks


def _peak_rss_mb(pid: int) -> float:
    """The server's peak resident memory so far (Linux's VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _script_alone_child() -> None:
    """(In a fresh process) run the dashboard's first script in AppTest, with no browser, and
    print its seconds; then wait for its results to be written to the disk cache."""
    sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    from ui import persist

    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
    began = time.perf_counter()
    app.run()
    seconds = time.perf_counter() - began
    drawn = bool(app.title) and app.title[0].value == "Overview" and not app.exception
    persist.flush(timeout=300)
    print(f"{seconds if drawn else float('nan')}")


def script_alone(env: dict, cache: Path) -> tuple[float, float]:
    """Seconds the Overview's first script takes with no browser (AppTest, each run a fresh
    process, imports included): on a cold start (``cache`` emptied first), then on a restart
    reading what the first wrote. The minimal app's first page plus this is where the browser
    measurement would be if the server did nothing but run the script: the floor's split
    between the browser (and Streamlit's front end) and the server's own work."""
    shutil.rmtree(cache, ignore_errors=True)
    child_env = {**env, "VALUESCOPE_CACHE_DIR": str(cache)}
    times = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, __file__, "--script-alone"], cwd=ROOT, env=child_env,
            capture_output=True, text=True, timeout=1800, check=True,
        )  # fmt: skip
        times.append(float(done.stdout.strip().splitlines()[-1]))
    shutil.rmtree(cache, ignore_errors=True)
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--million", action="store_true", help="1,000,000 customers from Parquet")
    parser.add_argument(
        "--scored", metavar="PATH",
        help="a scored table (score's output, e.g. a Spark run's Parquet folder) as the source",
    )  # fmt: skip
    parser.add_argument("--script-alone", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.script_alone:
        _script_alone_child()
        return
    compile_project()  # measured as deployed: the project's bytecode written
    from playwright.sync_api import sync_playwright

    env = {**os.environ}
    if args.scored:
        scored = Path(args.scored).resolve()
        offered = OUT / "scored_sources"
        shutil.rmtree(offered, ignore_errors=True)
        offered.mkdir(parents=True)
        (offered / scored.name).symlink_to(scored, target_is_directory=scored.is_dir())
        env["VALUESCOPE_SCORED_DIR"] = str(offered)
        env["VALUESCOPE_SOURCE"] = f"scored:{scored.name}"
        label = f"scored table {scored.name}"
    elif args.million:
        folder = OUT / "demo_1000000"
        if not (folder / "transactions.parquet").exists():
            from data.sample import DemoConfig, generate, write

            write(generate(DemoConfig(customers=1_000_000)), str(folder))
        env["VALUESCOPE_DEMO_PARQUET"] = str(folder)
        label = "1,000,000 customers"
    else:
        env["VALUESCOPE_DATA_DIR"] = str(OUT / "demo_db")
        env.pop("VALUESCOPE_DEMO_PARQUET", None)
        os.environ["VALUESCOPE_DATA_DIR"] = env["VALUESCOPE_DATA_DIR"]
        from data.demo import ensure_demo

        ensure_demo()  # "when the demo database exists"
        label = "20,000-customer demo"
    print(f"machine: {machine()}; {label}")

    # A cold start: nothing kept on disk from an earlier server.
    cache = OUT / (
        "cache_scored" if args.scored else "cache_million" if args.million else "cache_demo"
    )
    shutil.rmtree(cache, ignore_errors=True)
    env["VALUESCOPE_CACHE_DIR"] = str(cache)
    rows = []
    with sync_playwright() as playwright:
        minimal = [first_page(playwright, env, "benchmarks/minimal_app.py") for _ in range(2)]
        # the steps of a first page, twice each, alternately: an app showing its title only
        # (the floor under any first page here) and the minimal app
        empty, steps = [], []
        for _ in range(2):
            empty.append(first_page_steps(playwright, env, "benchmarks/empty_app.py", False))
            steps.append(first_page_steps(playwright, env, "benchmarks/minimal_app.py"))
        floor = minimal_threshold(playwright, env)
        chart_floor = minimal_threshold(playwright, env, "benchmarks/minimal_chart_app.py")
    reference = min(minimal)
    rows.append({"action": "minimal app (6 metrics, 2 charts of 20k rows): first page",
                 "seconds": reference})  # fmt: skip
    rows.append({"action": "minimal app: its slider moves a metric (median of 16)",
                 "seconds": floor})  # fmt: skip
    rows.append({"action": "minimal chart app: its slider moves a metric and redraws a chart",
                 "seconds": chart_floor})  # fmt: skip
    alone_cold, alone_restart = script_alone(env, OUT / f"{cache.name}_script")

    process, url, began = start_server(env)
    try:
        rss = RssByPage(process.pid)
        with sync_playwright() as playwright:
            browser, page = open_overview(playwright, url)
            wait_drawn(page)
            cold = time.perf_counter() - began
            user, system = _cpu_split(process.pid)
            rows.append({"action": "first page, cold start (no cache on disk)", "seconds": cold,
                         "x_minimal": cold / reference})  # fmt: skip
            rows.append({"action": "  its script alone (AppTest, no browser, fresh process)",
                         "seconds": alone_cold})  # fmt: skip
            rows.append({"action": "  minimal app + script alone (this design's floor here)",
                         "seconds": reference + alone_cold,
                         "x_minimal": (reference + alone_cold) / reference})  # fmt: skip
            rows.append({"action": "  CPU of server and fit worker until then: user",
                         "seconds": user})  # fmt: skip
            rows.append({"action": "  CPU of server and fit worker until then: system",
                         "seconds": system})  # fmt: skip

            nav = page.locator('[data-testid="stSidebarNav"]')
            switches = []
            for name in [*PAGES[1:], PAGES[0]]:
                rss.visiting(name)
                t0 = time.perf_counter()
                nav.get_by_text(name, exact=True).click()
                wait_title(page, name)
                switches.append((name, time.perf_counter() - t0))
            # second visit: every page's caches are warm
            warm = []
            rss.visiting("warm visits, threshold changes")
            for name in PAGES:
                t0 = time.perf_counter()
                nav.get_by_text(name, exact=True).click()
                wait_title(page, name)
                warm.append((name, time.perf_counter() - t0))

            nav.get_by_text("ABC / Pareto", exact=True).click()
            wait_title(page, "ABC / Pareto")
            waited = wait_idle(process.pid)  # the prefetch and the other model's fit done
            changes = slider_changes(page, "Class A")
            browser.close()
        peak = _peak_rss_mb(process.pid)
        peaks = rss.stop()
        rows.append({"action": "server peak RSS after every page (VmHWM)", "mb": peak})
        for child in _children(process.pid):
            rows.append({"action": "its fit worker's peak RSS (VmHWM)", "mb": _peak_rss_mb(child)})
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=20)
    # A restart on unchanged data: the expensive stages come from the disk cache.
    time.sleep(5)  # the last results are written off the page's thread
    with sync_playwright() as playwright:
        restarts, bare = [], []
        for _ in range(2):  # alternately, so both meet the machine in the same state
            restarts.append(first_page(playwright, env))
            bare.append(first_page(playwright, env, "dashboard.py"))
        # two more cold starts (nothing on disk again), for a median of three
        colds = [cold]
        again = OUT / f"{cache.name}_again"
        for _ in range(2):
            shutil.rmtree(again, ignore_errors=True)
            colds.append(first_page(playwright, {**env, "VALUESCOPE_CACHE_DIR": str(again)}))
            time.sleep(3)  # a pause between cold starts
        shutil.rmtree(again, ignore_errors=True)
    rows.insert(
        [r["action"] for r in rows].index("first page, cold start (no cache on disk)") + 1,
        {"action": f"  cold starts, median of 3 ({' / '.join(f'{c:.2f}' for c in colds)})",
         "seconds": statistics.median(colds), "x_minimal": statistics.median(colds) / reference},
    )  # fmt: skip
    restart = min(restarts)
    rows.append({"action": "first page, restart on unchanged data", "seconds": restart,
                 "x_minimal": restart / reference})  # fmt: skip
    rows.append({"action": "  its script alone (AppTest, no browser, fresh process)",
                 "seconds": alone_restart})  # fmt: skip
    # the same script served without app.py's start-up warm-up (ui.startup)
    rows.append({"action": "  the same, served as dashboard.py (no start-up warm-up)",
                 "seconds": min(bare), "x_minimal": min(bare) / reference})  # fmt: skip

    rows.append(
        {
            "action": f"threshold change re-rendered (median of 16, idle server after {waited:.0f} s)",
            "seconds": statistics.median(changes),
        }
    )
    rows.append({"action": "threshold change re-rendered (worst of 16)", "seconds": max(changes)})
    rows.append(
        {
            "action": "page switch, first visit (median)",
            "seconds": statistics.median(s for _, s in switches),
        }
    )
    rows.append(
        {"action": "page switch, warm (median)", "seconds": statistics.median(s for _, s in warm)}
    )
    print_table(rows, f"Dashboard timings, {label}")
    print_table(
        [
            {"step": step, "empty_app_s": min(e[step] for e in empty) if step in empty[0] else "",
             "minimal_app_s": min(m[step] for m in steps)}
            for step in steps[0]
        ],
        "A first page's steps, seconds after the server was started (the earlier of two runs "
        "each; the empty app shows its title only)",
    )  # fmt: skip
    print_table(
        [
            {"page": n, "first_visit_s": a, "warm_visit_s": b,
             "rss_first_visit_mb": peaks.get(n, float("nan"))}
            for (n, a), (_, b) in zip(switches[-1:] + switches[:-1], warm, strict=True)
        ],
        "Per page (rss: the server's largest resident memory, sampled every 0.1 s, while the "
        "page was first visited; the first page's own visit is the cold start's)",
    )  # fmt: skip
    print(f"rss during the cold start: {peaks.get('first page', float('nan')):,.0f} MB; "
          f"during warm visits and threshold changes: "
          f"{peaks.get('warm visits, threshold changes', float('nan')):,.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
