"""How a process allocates large arrays (:mod:`analytics._memory`): Arrow's jemalloc pool and
NumPy without huge pages, whether ``analytics`` is imported before or after those libraries,
and a value the environment sets wins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_REPORT = (
    "import json, os, numpy, pyarrow\n"
    "print(json.dumps({'pool': pyarrow.default_memory_pool().backend_name,"
    " 'huge': numpy._core.multiarray._set_madvise_hugepage(False),"
    " 'env': os.environ.get('ARROW_DEFAULT_MEMORY_POOL')}))\n"
)


def _fresh(code: str, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in ("ARROW_DEFAULT_MEMORY_POOL",
             "NUMPY_MADVISE_HUGEPAGE", "MIMALLOC_ALLOW_LARGE_OS_PAGES")}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**clean, **env},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_analytics_first_sets_the_allocators_before_the_libraries_load():
    assert _fresh("import analytics\n" + _REPORT) == {
        "pool": "jemalloc", "huge": False, "env": "jemalloc"
    }  # fmt: skip


def test_libraries_loaded_before_analytics_are_set_the_same_way():
    found = _fresh("import numpy, pyarrow, pandas\nimport analytics\n" + _REPORT)
    assert found == {"pool": "jemalloc", "huge": False, "env": "jemalloc"}


def test_the_libraries_as_they_come_use_huge_pages_and_mimalloc():
    """What the settings change (this test fails if the libraries' own defaults change)."""
    found = _fresh(_REPORT)
    assert found["pool"] == "mimalloc" and found["huge"] is True


def test_the_environment_wins():
    found = _fresh(
        "import analytics\n" + _REPORT, ARROW_DEFAULT_MEMORY_POOL="system",
        NUMPY_MADVISE_HUGEPAGE="1",
    )  # fmt: skip
    assert found == {"pool": "system", "huge": True, "env": "system"}
