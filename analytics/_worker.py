"""A second Python process that fits the purchase models while a server goes on (the dashboard).

The fit is optimiser code under the GIL (lifetimes, autograd): a thread of the server would take
turns with the page instead of running beside it. The command line forks for this
(:mod:`analytics._forked`); a server must not fork itself, with its threads and sockets, so it
starts a fresh interpreter once (``python -m analytics._worker``, at its first large fit), which
imports the model libraries while the server scores segments and builds the spend trend. A fit
sends the columns a fit reads (a million customers: about 40 MB) and gets the stage back,
pickled, through the worker's own pipes.

Where the worker cannot start, dies, or its answer cannot be read, the stage is computed in the
caller's process instead, so the result is always the same; an error of the stage itself is
raised as itself, as in the caller.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pandas as pd

from analytics._forked import Job

__all__ = ["FIT_COLUMNS", "Worker", "stages", "warm_up"]

log = logging.getLogger("valuescope")

#: The base columns the model stages read (``total_spend``: the mean spend without a spend model).
FIT_COLUMNS = ("frequency", "recency", "T", "monetary_value", "total_spend")
_HEADER = 8  # bytes of a message's length


def stages() -> dict[str, Callable]:
    """The stages a worker computes: ``stage(base, settings)``."""
    from analytics.pipeline import model_stage, risk_stage

    return {"models": model_stage, "risk": risk_stage}


def _narrow(base: pd.DataFrame) -> pd.DataFrame:
    narrow = base[[c for c in FIT_COLUMNS if c in base]]
    narrow.attrs = dict(base.attrs)  # the summary's time unit
    return narrow


class _Answer(Job):
    """The worker's answer, read on a thread of its own as the worker writes it."""

    def __init__(self, worker: Worker, request: bytes, compute: Callable[[], Any]) -> None:
        super().__init__(compute)
        self._reply: tuple | None = None
        self._thread = threading.Thread(
            target=self._ask, args=(worker, request), name="valuescope-fit", daemon=True
        )
        self._thread.start()

    def _ask(self, worker: Worker, request: bytes) -> None:
        self._reply = worker._exchange(request)

    def result(self):
        self._thread.join()
        reply, self._reply = self._reply, None
        if reply is None:  # no worker, or it died: here, where any error is raised as itself
            return self._compute()
        ok, value = reply
        if not ok:
            raise value
        return value


class Worker:
    """One worker process, started on first use (or by :meth:`start`, ahead of it), serving one
    request at a time; it leaves when this process closes its pipe (exits or dies)."""

    def __init__(self, command: list[str] | None = None) -> None:
        self._command = command or [sys.executable, "-m", "analytics._worker"]
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()  # one exchange at a time
        self._broken = False

    def start(self) -> bool:
        """Start the process if it is not running; False where it cannot be started."""
        with self._lock:
            return self._started()

    def _started(self) -> bool:
        if self._process is not None and self._process.poll() is None:
            return True
        if self._broken:
            return False
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (root, os.environ.get("PYTHONPATH")) if p)}  # fmt: skip
        try:
            self._process = subprocess.Popen(
                self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, env=env, cwd=root, close_fds=True,
            )  # fmt: skip
        except OSError as exc:
            log.warning("the fit worker could not start (%s): fits run in this process", exc)
            self._broken = True
            return False
        return True

    def submit(self, stage: str, base: pd.DataFrame, settings) -> Job:
        """``stages()[stage](base, settings)`` in the worker; :meth:`Job.result` waits for it."""
        compute = lambda: stages()[stage](base, settings)  # noqa: E731 - the fallback
        if not set(FIT_COLUMNS[:4]) <= set(base.columns):  # its error names every column: here
            return Job(compute)
        try:
            request = pickle.dumps((stage, _narrow(base), settings), protocol=5)
        except Exception:  # noqa: BLE001 - cannot be sent: computed here
            return Job(compute)
        return _Answer(self, request, compute)

    def _exchange(self, request: bytes) -> tuple | None:
        with self._lock:
            if not self._started():
                return None
            process = self._process
            try:
                process.stdin.write(len(request).to_bytes(_HEADER, "little") + request)
                process.stdin.flush()
                size = int.from_bytes(_read(process.stdout, _HEADER), "little")
                return pickle.loads(_read(process.stdout, size))
            except Exception as exc:  # noqa: BLE001 - died, or an answer we cannot read
                log.warning("the fit worker failed (%s): the fit runs in this process", exc)
                self._stop(process)
                return None

    def _stop(self, process: subprocess.Popen) -> None:
        with contextlib.suppress(Exception):
            process.kill()
            process.wait(timeout=5)
        self._process = None

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                self._stop(self._process)


def _read(stream, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the worker closed its pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _serve(inp, out) -> None:
    """The worker's loop: a request in, its answer out, until the pipe closes."""
    found = stages()
    while True:
        try:
            header = _read(inp, _HEADER)
        except EOFError:
            return
        stage, base, settings = pickle.loads(_read(inp, int.from_bytes(header, "little")))
        try:
            answer = pickle.dumps((True, found[stage](base, settings)), protocol=5)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            try:
                answer = pickle.dumps((False, exc), protocol=5)
            except Exception:  # noqa: BLE001 - unpicklable: the caller computes it and sees it
                answer = b""
        out.write(len(answer).to_bytes(_HEADER, "little") + answer)
        out.flush()


def warm_up() -> bool:
    """A first fit and scoring, of lifetimes' bundled CDNOW summary (2,357 customers, about
    0.2 s), made while the server reads its data: in a fresh process the first fit of a million
    customers took 1.1-1.4 s where a later one took 0.8-1.0 s. Fits share no state, so the
    fits that follow are the same. Returns False if it could not be made (nothing else
    changes)."""
    try:
        from analytics.clv import cdnow_summary
        from analytics.pipeline import Settings

        return stages()["models"](cdnow_summary(), Settings()).fit.ok
    except Exception:  # noqa: BLE001 - only a head start: the real fit says what is wrong
        return False


def main() -> None:
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever a library prints must not enter the answers
    from analytics.clv import preload

    preload()  # lifetimes, while the server reads its data
    warm_up()  # and its first fit's code paths
    _serve(inp, out)


if __name__ == "__main__":
    main()
