"""How a ValueScope process asks the system for the memory of large arrays.

A million customers' payments are hundreds of megabytes of Arrow buffers and NumPy arrays, made
and freed stage after stage. Both libraries can back such buffers with 2 MB pages (transparent
huge pages): NumPy does by default, through ``madvise`` for arrays of 4 MB and more; Arrow's
mimalloc allocator does when ``MIMALLOC_ALLOW_LARGE_OS_PAGES`` is set, as this package set it
until it measured the cost below. On this machine's kernel (THP in
``madvise`` mode) those pages cost more kernel time than they save, and a varying amount: reading
the 1M demo's 10.7M payments took 1.55-2.65 s (1.7-3.8 s of it in the kernel) with mimalloc's
large pages, 1.00 s with jemalloc and 4 KB pages; ``python -m analytics score`` on the 1M demo
9.68 s (4.45 s in the kernel) as the libraries come, 8.26-8.31 s (1.7 s) with both settings
below, peak memory 1.77 against 1.57-1.61 GB (fresh processes, alternating).

:func:`configure` sets both as defaults (a value the environment already has wins):
``ARROW_DEFAULT_MEMORY_POOL=jemalloc`` and ``NUMPY_MADVISE_HUGEPAGE=0``. Both are read when the
library is first imported; for a library already imported (a test run, a program embedding us)
the same is set through its own call. Child processes (the fit worker) inherit the environment.
"""

from __future__ import annotations

import contextlib
import os
import sys

#: Environment variable -> the value :func:`configure` gives it unless it is already set.
DEFAULTS = {"ARROW_DEFAULT_MEMORY_POOL": "jemalloc", "NUMPY_MADVISE_HUGEPAGE": "0"}


def configure() -> None:
    """Set :data:`DEFAULTS` in the environment, and in NumPy and Arrow if already imported."""
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
    numpy = sys.modules.get("numpy")
    if numpy is not None and os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0":
        with contextlib.suppress(Exception):  # a private switch: a NumPy without it is left be
            numpy._core.multiarray._set_madvise_hugepage(False)
    arrow = sys.modules.get("pyarrow")
    wanted = os.environ["ARROW_DEFAULT_MEMORY_POOL"]
    if arrow is not None and wanted == "jemalloc":
        with contextlib.suppress(Exception):  # a build without jemalloc keeps its default
            if arrow.default_memory_pool().backend_name != wanted:
                arrow.set_memory_pool(arrow.jemalloc_memory_pool())
