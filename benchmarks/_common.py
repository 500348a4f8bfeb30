"""Small helpers shared by the benchmark scripts (timing, peak memory, table printing)."""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"  # git-ignored
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hwm_mb(pid: int | str = "self") -> float:
    """Peak resident memory (MB) of a process's own memory since it started its program (its
    ``VmHWM``); 0 once it is gone. Not ``ru_maxrss`` of a child (``wait4``, or ``getrusage``
    inside it): Linux carries that over the fork and exec that start a child, so a child
    started by a process that had grown to 2.3 GB reports 2.3 GB even if it only runs ``pass``
    (checked here)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration, ValueError):
        return 0.0


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _PeakSampler(threading.Thread):
    """Samples resident memory every 5 ms; cheap, and sees numpy and Arrow memory too."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_mb()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return max(self.peak, rss_mb())


@contextmanager
def timed(rows: list, stage: str, **extra):
    """Append a row: stage, seconds, peak resident MB during the block, and ``extra``."""
    sampler = _PeakSampler()
    sampler.start()
    began = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - began
        rows.append({"stage": stage, "seconds": seconds, "peak_rss_mb": sampler.stop(), **extra})


def best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - began)
    return best, value


def print_table(rows: list[dict], title: str) -> None:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[_fmt(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print(f"\n{title}")
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print(
            "  ".join(
                v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(r, widths, strict=True)
            )
        )
    sys.stdout.flush()


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


def compile_project() -> None:
    """Write the project's bytecode (``__pycache__``, git-ignored) before measuring, as a
    deployed server has it after its first start: where ``PYTHONDONTWRITEBYTECODE`` is set
    (this machine sets it), every fresh process would otherwise compile the project's modules
    again (``import dashboard``: 8.0 s against 2.7 s once compiled, one run each), while
    Streamlit's, pandas' and lifetimes' own bytecode was written when pip installed them."""
    import compileall

    for name in ("analytics", "data", "ui", "app_pages", "engines"):
        compileall.compile_dir(str(ROOT / name), quiet=1)
    for name in ("app.py", "dashboard.py"):
        compileall.compile_file(str(ROOT / name), quiet=1)


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
