"""A stage computed in a forked child process while this process goes on (the command line).

The model fit is Python-heavy optimiser code (autograd under the GIL): a thread would not run it
beside other work, a second process does. ``fork`` gives the child the parent's data without
copying or pickling it (pages are shared until written); only the result comes back, pickled
through a pipe. Where there is no ``fork``, or the child fails in any way, the stage is simply
computed in this process when its result is asked for, so the result is always the same.

Only for one-shot processes: a server (the dashboard) must not fork itself, with its threads
and sockets, and uses :func:`inline`.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Job", "forked", "inline"]

T = TypeVar("T")


class Job(Generic[T]):
    """A stage's result, ready now or later: :meth:`result` returns it (or raises its error)."""

    def __init__(self, compute: Callable[[], T]) -> None:
        self._compute = compute

    def result(self) -> T:
        return self._compute()


class _Done(Job[T]):
    def __init__(self, value: T) -> None:
        self._value = value

    def result(self) -> T:
        return self._value


def inline(compute: Callable[[], T]) -> Job[T]:
    """Compute now, in this process (the default, and the dashboard's)."""
    return _Done(compute())


class _Child(Job[T]):
    def __init__(self, pid: int, pipe: int, compute: Callable[[], T]) -> None:
        super().__init__(compute)
        self._pid = pid
        self._chunks: list[bytes] = []
        # Read as the child writes, or a result larger than the pipe's buffer would block it.
        self._reader = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._reader.start()

    def _read(self, pipe: int) -> None:
        with os.fdopen(pipe, "rb", buffering=0) as stream:
            while chunk := stream.read(1 << 22):
                self._chunks.append(chunk)

    def result(self) -> T:
        self._reader.join()
        os.waitpid(self._pid, 0)
        payload = b"".join(self._chunks)
        self._chunks = []
        try:
            ok, value = pickle.loads(payload)
        except Exception:  # noqa: BLE001 - the child died or its error does not unpickle
            return self._compute()  # here, where any error is raised as itself
        if not ok:
            raise value
        return value


def forked(compute: Callable[[], T]) -> Job[T]:
    """Start ``compute()`` in a forked child; the returned job's :meth:`Job.result` waits for it.

    The child runs nothing but ``compute`` and leaves with ``os._exit`` (no exit handlers, no
    buffers of the parent's flushed twice).
    """
    if sys.platform != "linux" or not hasattr(os, "fork"):
        return Job(compute)  # computed when asked for
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return Job(compute)
    if pid == 0:  # the child
        try:
            os.close(read_end)
            try:
                payload = pickle.dumps((True, compute()), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:  # noqa: BLE001 - handed to the parent, raised there
                try:
                    payload = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 - the parent computes it again and sees it
                    payload = b""
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        finally:
            os._exit(0)
    os.close(write_end)
    return _Child(pid, read_end, compute)
