"""A persisted, fingerprint-keyed cache of the expensive stages, so a restarted server on unchanged
data reuses the summary, the fitted models and the scored tables instead of recomputing them.

Each result is one file, ``<sha256(fingerprint, key)>.pkl``, under :func:`cache_dir`
(``VALUESCOPE_CACHE_DIR``, else ``cache/`` beside the demo data). A file is the pickled result
behind an HMAC-SHA256 of its bytes under a random key made on first use (``.key``, readable by
the server's user only): a file that was not written by this server (or was cut short, or
altered) fails the check and is ignored, never unpickled. The cache holds derived figures of the
data the server already reads (customer ids among them), so it lives beside that data with the
same access. Writes happen off the page's thread (a million-customer table takes about a second
to write) and are atomic (a temporary file, then a rename). The directory is bounded: beyond
:data:`MAX_BYTES` the least recently used files go.

A fingerprint that changes when the data changes is the caller's part (:mod:`ui.sources`: file
sizes and modification times, the database file's, an upload's digest). Sources that can change
behind the server's back (databases by URL) are not persisted.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import mmap
import os
import pickle
import queue
import struct
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("valuescope")

#: The most the cache directory may hold; older files are removed beyond it.
MAX_BYTES = int(os.environ.get("VALUESCOPE_CACHE_MAX_BYTES", 8 * 2**30))
MISSING = object()
_MAGIC = b"VSC2"
_writes: queue.Queue = queue.Queue()
_writer: threading.Thread | None = None
_lock = threading.Lock()


def enabled() -> bool:
    return os.environ.get("VALUESCOPE_CACHE", "1") != "0"


def cache_dir() -> Path:
    given = os.environ.get("VALUESCOPE_CACHE_DIR")
    if given:
        return Path(given)
    from data.demo import demo_dir

    return demo_dir() / "cache"


def _secret(folder: Path) -> bytes:
    path = folder / ".key"
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = os.urandom(32)
    with contextlib.suppress(FileExistsError):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secret)
    return path.read_bytes()  # another process may have made it first: theirs is the key


_code: list[str] = []


def code_version() -> str:
    """A digest of the code that computes the results (``analytics/``, ``data/``, ``ui/``): a
    changed definition never reads a result the old code kept."""
    if not _code:
        root = Path(__file__).resolve().parents[1]
        digest = hashlib.sha256()
        for package in ("analytics", "data", "ui"):
            for path in sorted((root / package).glob("*.py")):
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
        _code.append(digest.hexdigest()[:16])
    return _code[0]


def _path(folder: Path, fingerprint: str, key: str) -> Path:
    text = f"{code_version()}\x00{fingerprint}\x00{key}"
    return folder / f"{hashlib.sha256(text.encode()).hexdigest()}.pkl"


def load(fingerprint: str, key: str) -> Any:
    """The kept result for ``(fingerprint, key)``, or :data:`MISSING`."""
    if not enabled():
        return MISSING
    folder = cache_dir()
    path = _path(folder, fingerprint, key)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below; the mapping outlives it
    except OSError:
        return MISSING
    try:
        with handle:
            # mapped copy-on-write: arrays read back are views of the file's pages (no copy,
            # and the kernel may drop them under pressure), and writable as any other array
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
        value = _unpack(memoryview(mapped), _secret(folder))
    except Exception as exc:  # noqa: BLE001 - a bad file is a miss, and is removed
        log.warning("ignoring cache file %s: %s", path.name, exc)
        with contextlib.suppress(OSError):
            path.unlink()
        return MISSING
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept longest
    return value


# A file: MAGIC, the HMAC-SHA256 of everything after it, the length of the pickle stream, the
# stream (protocol 5), the number of out-of-band buffers and their lengths, then the buffers
# (the arrays' bytes), each at a multiple of 64 bytes. The signature covers the buffers too: an
# altered number, or an Arrow offset that would read out of bounds, is refused like an altered
# stream.
_ALIGN = 64


def _unpack(view: memoryview, secret: bytes) -> Any:
    if bytes(view[:4]) != _MAGIC:
        raise ValueError("not a ValueScope cache file")
    mac, body = bytes(view[4:36]), view[36:]
    if not hmac.compare_digest(mac, hmac.new(secret, body, hashlib.sha256).digest()):
        raise ValueError("the signature does not match")
    (length,) = struct.unpack_from("<Q", body, 0)
    stream = body[8 : 8 + length]
    at = 8 + length
    (count,) = struct.unpack_from("<I", body, at)
    sizes = struct.unpack_from(f"<{count}Q", body, at + 4)
    at = _aligned(36 + at + 4 + 8 * count) - 36
    buffers = []
    for size in sizes:
        buffers.append(body[at : at + size])
        at = _aligned(36 + at + size) - 36
    if at > len(body):
        raise ValueError("the file is cut short")
    return pickle.loads(stream, buffers=buffers)  # noqa: S301 - signed by this server (above)


def _aligned(offset: int) -> int:
    return -(-offset // _ALIGN) * _ALIGN


_drawing = 0
_drawn_at = 0.0  # time.monotonic() when the last page's script ended
_quiet = threading.Condition()

#: Seconds a browser goes on drawing after a page's script has ended (its charts: about 1.7 s at
#: a million customers here); background work leaves it those too.
BROWSER_SECONDS = 2.5


#: Seconds without a page being drawn before the memory the pages freed is handed back.
TRIM_SECONDS = 0.5
_trimmer: threading.Thread | None = None


@contextlib.contextmanager
def drawing():
    """A page is being drawn: work no page waits for (writing results to disk, the
    background figures) holds back until no page is (on two cores it would compete). Once
    pages have been drawn, the memory they freed goes back to the system (:func:`_trim_loop`)."""
    global _drawing, _drawn_at, _trimmer
    with _quiet:
        _drawing += 1
        if _trimmer is None:
            _trimmer = threading.Thread(target=_trim_loop, name="valuescope-trim", daemon=True)
            _trimmer.start()
    try:
        yield
    finally:
        with _quiet:
            _drawing -= 1
            _drawn_at = time.monotonic()
            _quiet.notify_all()


def _trim_loop() -> None:
    """After each quiet spell following drawn pages, the heap pages freed meanwhile are handed
    back (:func:`analytics._fast.release_freed_memory`): a page's temporaries would otherwise
    stay resident under the next page's, and the server's peak would be their sum."""
    from analytics import _fast

    trimmed_at = 0.0
    while True:
        with _quiet:
            while _drawing or _drawn_at == trimmed_at:
                _quiet.wait()
            trimmed_at = _drawn_at
        wait_quiet(timeout=10.0, settle=TRIM_SECONDS)
        _fast.release_freed_memory()


def wait_quiet(timeout: float = 60.0, settle: float = 0.0) -> None:
    """Wait until no page is being drawn, nor has been for ``settle`` seconds (the browser may
    still be drawing its charts: :data:`BROWSER_SECONDS`); at most ``timeout`` seconds: busy
    servers still get their background work done."""
    deadline = time.monotonic() + timeout
    with _quiet:
        while True:
            now = time.monotonic()
            left = deadline - now
            if left <= 0:
                return
            if _drawing:
                _quiet.wait(left)
                continue
            pause = _drawn_at + settle - now
            if pause <= 0:
                return
            _quiet.wait(min(pause, left))


def save(fingerprint: str, key: str, value: Any) -> None:
    """Keep ``value`` for ``(fingerprint, key)`` (written by a background thread)."""
    if not enabled():
        return
    global _writer
    _writes.put((fingerprint, key, value))
    with _lock:
        if _writer is None or not _writer.is_alive():
            _writer = threading.Thread(target=_write_loop, name="valuescope-persist", daemon=True)
            _writer.start()


def flush(timeout: float = 60.0) -> None:
    """Wait until every queued result is written (tests, and before a server stops)."""
    done = threading.Event()
    _writes.put(done)
    if _writer is not None and _writer.is_alive():
        done.wait(timeout)


#: Seconds the writer waits after a result is queued before writing: results come in bursts
#: (a first page computes a dozen), and pickling a million-row table holds the GIL, so writing
#: waits until the page is drawn.
SETTLE_SECONDS = 2.0


def _write_loop() -> None:
    # the lowest priority for this thread (Linux lets a thread have its own): pages first
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    last = 0.0
    while True:
        item = _writes.get()
        if isinstance(item, threading.Event):
            item.set()
            continue
        if time.monotonic() - last > SETTLE_SECONDS:
            time.sleep(SETTLE_SECONDS)  # a new burst: the page is drawn first, charts included
            wait_quiet(timeout=10.0, settle=BROWSER_SECONDS)
        fingerprint, key, value = item
        wait_quiet()  # then between pages (a user clicking on would hold a settle back)
        try:
            _write(fingerprint, key, value)
        except Exception:  # noqa: BLE001 - a result that cannot be kept is recomputed later
            log.exception("could not keep a result on disk")
        last = time.monotonic()


def _write(fingerprint: str, key: str, value: Any) -> None:
    folder = cache_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    mac = hmac.new(_secret(folder), digestmod=hashlib.sha256)
    path = _path(folder, fingerprint, key)
    buffers: list[pickle.PickleBuffer] = []
    # arrays leave the stream as buffers of their own (written, not copied into it)
    stream = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    descriptor, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(_MAGIC + bytes(32))
            signing = _Signing(handle, mac)
            signing.write(struct.pack("<Q", len(stream)))
            signing.write(stream)
            sizes = [raw.nbytes for raw in raws]
            signing.write(struct.pack(f"<I{len(sizes)}Q", len(sizes), *sizes))
            for raw in raws:
                signing.write(bytes(_aligned(handle.tell()) - handle.tell()))
                signing.write(raw)
            signing.write(bytes(_aligned(handle.tell()) - handle.tell()))
            handle.seek(len(_MAGIC))
            handle.write(mac.digest())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _bound(folder)


class _Signing:
    """A file that adds everything written to it to an HMAC."""

    def __init__(self, handle, mac) -> None:
        self._handle, self._mac = handle, mac

    def write(self, data) -> int:
        self._mac.update(data)
        return self._handle.write(data)


def _bound(folder: Path) -> None:
    files = sorted((p for p in folder.glob("*.pkl")), key=lambda p: p.stat().st_mtime, reverse=True)
    total = 0
    for path in files:
        total += path.stat().st_size
        if total > MAX_BYTES:
            with contextlib.suppress(OSError):
                path.unlink()
