"""Vectorised helpers where pandas is slow at a million rows.

``Series.isin`` against a large pool of repeated strings hashes every repeat (about 40 s for
1.3M ids against 10M payment rows on this machine); hashing the pool's distinct values once with
Arrow and asking ``is_in`` takes about 1.5 s.

Hashing ten million text ids is the other slow step (``pd.factorize`` takes 2.6 s for 10.7M
customer ids, Arrow's ``dictionary_encode`` 1.9 s). Ids of one width (``C00001711``,
``T0000000001``: what systems write) need no hashing of text at all: their bytes form a matrix,
the byte positions that vary are few, and packed big-endian into one unsigned 64-bit integer
they are an exact key that sorts as the text does. :func:`sorted_factorize`, :func:`repeats` and
:func:`positions` use such keys when they can and fall back to pandas otherwise; the results are
the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "descending_order",
    "id_keys",
    "labels_at",
    "member",
    "plain_ids",
    "positions",
    "repeats",
    "sorted_factorize",
]


def member(values: pd.Series, pool) -> np.ndarray:
    """Whether each of ``values`` occurs in ``pool`` (missing values never do), as booleans."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        left = pa.array(values, from_pandas=True)
        right = pc.unique(pa.array(pd.Series(pool), from_pandas=True))
        if left.type != right.type:
            right = right.cast(left.type)
        found = pc.is_in(left, value_set=right, skip_nulls=True)
        return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    except Exception:  # noqa: BLE001 - mixed or unusual types (Arrow cannot type them)
        # pandas on the distinct values still avoids the slow path
        return values.isin(pd.unique(pd.Series(pool))).to_numpy()


def _byte_chunks(values: pd.Series) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """The UTF-8 bytes of Arrow-backed text of one width, per Arrow chunk, as
    ``(present, width)`` uint8 matrices (views, no copy) with each chunk's present-rows mask;
    None for anything else (object or mixed columns, varying widths, no present value)."""
    array = getattr(values, "array", None)
    if getattr(getattr(values, "dtype", None), "storage", None) != "pyarrow" or not len(values):
        return None
    try:
        import pyarrow as pa

        if not hasattr(array, "_pa_array"):
            return None
        chunks, width = [], None
        for arrow in pa.chunked_array(array._pa_array).chunks:
            if pa.types.is_large_string(arrow.type):
                offset_type = np.int64
            elif pa.types.is_string(arrow.type):
                offset_type = np.int32
            else:
                return None
            if not len(arrow):
                continue
            _, offsets_buffer, data_buffer = arrow.buffers()
            offsets = np.frombuffer(offsets_buffer, offset_type)
            offsets = offsets[arrow.offset : arrow.offset + len(arrow) + 1]
            present = (
                np.ones(len(arrow), dtype=bool)
                if arrow.null_count == 0
                else arrow.is_valid().to_numpy(zero_copy_only=False)
            )
            if not present.any():
                chunks.append((np.zeros((0, width or 0), dtype=np.uint8), present))
                continue
            widths = np.diff(offsets)
            width = int(widths[np.argmax(present)]) if width is None else width
            if width == 0 or not (widths[present] == width).all():
                return None
            data = np.frombuffer(data_buffer, np.uint8)[int(offsets[0]) : int(offsets[-1])]
            # A missing row may own bytes: then the bytes are not one stride per present row.
            if len(data) != width * int(present.sum()):
                return None
            chunks.append((data.reshape(-1, width), present))
        if width is None:
            return None
        return [(m.reshape(-1, width), p) for m, p in chunks]
    except Exception:  # noqa: BLE001 - an Arrow layout we do not read: pandas will do
        return None


def plain_ids(values: pd.Series) -> bool:
    """True when ``values`` are Arrow text of one width (more than four bytes), ASCII, with no
    space at either end: ids :func:`data.parse.clean_ids` would return unchanged."""
    chunks = _byte_chunks(values)
    if chunks is None or chunks[0][0].shape[1] <= 4:  # four bytes may be a null token ("null")
        return False
    for matrix, _ in chunks:
        if not len(matrix):
            continue
        ends = matrix[:, [0, -1]]
        if not (ends.min() > 32 and ends.max() < 127 and matrix.max() < 128):
            return False
    return True


def _varying(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The AND and the OR of each byte position over the rows (a position varies where they
    differ), reduced over wide lines of many ids at once so numpy's loop runs long."""
    width = matrix.shape[1]
    block = 256
    whole = (len(matrix) // block) * block
    flat = matrix[:whole].reshape(-1, width * block)
    both = np.bitwise_and.reduce(flat, axis=0).reshape(block, width) if whole else matrix[:0]
    either = np.bitwise_or.reduce(flat, axis=0).reshape(block, width) if whole else matrix[:0]
    rest = matrix[whole:]
    return (
        np.bitwise_and.reduce(np.vstack([both, rest]), axis=0),
        np.bitwise_or.reduce(np.vstack([either, rest]), axis=0),
    )


def id_keys(values: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Exact uint64 keys of text ids of one width (equal keys = equal ids, key order = text
    order) and the present-rows mask; None when the ids are not text of one width, or vary in
    more than nineteen digit positions, or (not all digits) in more than eight byte positions.

    Varying digits are read as a decimal number (``C00001711`` -> 1711), so numbered ids make
    small, dense keys."""
    chunks = _byte_chunks(values)
    if chunks is None:
        return None
    spec = _key_spec(chunks)
    return None if spec is None else _keys(chunks, *spec)


def _key_spec(*columns: list) -> tuple[np.ndarray, bool] | None:
    """The byte positions that vary over the ``columns`` (each :func:`_byte_chunks`' chunks, of
    one width) and whether they are all digits, for keys that agree across the columns; None
    when the widths differ or the ids vary too much (see :func:`id_keys`)."""
    widths = {chunks[0][0].shape[1] for chunks in columns}
    if len(widths) != 1:
        return None
    width = widths.pop()
    both = np.full(width, 0xFF, dtype=np.uint8)
    either = np.zeros(width, dtype=np.uint8)
    every = [matrix for chunks in columns for matrix, _ in chunks]
    for matrix in every:
        if len(matrix):
            low, high = _varying(matrix)
            both &= low
            either |= high
    varying = np.flatnonzero(both != either)
    digits = bool(len(varying)) and bool((both[varying] & 0xF0 == 0x30).all())
    if digits and len(varying) <= 19:  # every varying byte a digit? (one chunk at a time)
        for matrix in every:
            part = matrix[:, varying]
            if len(part) and not (part.min() >= 48 and part.max() <= 57):
                digits = False
                break
    if digits and len(varying) <= 19:
        return varying, True
    if len(varying) <= 8:
        return varying, False
    return None


def _keys(chunks: list, varying: np.ndarray, digits: bool) -> tuple[np.ndarray, np.ndarray]:
    """The keys of one column's present rows (by :func:`_key_spec`) and its present-rows mask."""
    keys = np.zeros(sum(len(matrix) for matrix, _ in chunks), dtype=np.uint64)
    start = 0
    for matrix, _ in chunks:  # filled chunk by chunk, in place: one array of keys in all
        if digits:
            key = keys[start : start + len(matrix)]
            for column in np.ascontiguousarray(matrix[:, varying].T):
                key *= np.uint64(10)
                key += column - np.uint8(48)
        else:
            packed = np.zeros((len(matrix), 8), dtype=np.uint8)
            packed[:, 8 - len(varying) :] = matrix[:, varying]
            keys[start : start + len(matrix)] = packed.view(">u8").ravel()
        start += len(matrix)
    present = chunks[0][1] if len(chunks) == 1 else np.concatenate([p for _, p in chunks])
    return keys, present


def _dense(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Sorted codes and sorted distinct keys by direct addressing, when the keys' range is at
    most a few times their number (numbered ids); None otherwise."""
    if not len(keys):
        return None
    low, high = int(keys.min()), int(keys.max())
    if high - low > 4 * len(keys) + 4096:
        return None
    offset = np.subtract(keys, np.uint64(low)).view(np.int64)  # below 2**63: the same bits
    seen = np.zeros(high - low + 1, dtype=bool)
    seen[offset] = True
    rank = np.cumsum(seen) - 1
    return rank[offset], np.flatnonzero(seen)


_last_factorized: list = []  # (Arrow data, codes, uniques) of the last large column


def sorted_factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes whose order is the ids' sort order (-1 for missing) and the sorted distinct ids:
    ``pd.factorize(values, sort=True)``, without hashing text for numbered ids of one width.

    The last large Arrow column's result is kept: the summary, the monthly trend and the
    customer picture all factorise the same payments' customer ids. (Arrow data is immutable,
    so the same data object means the same ids; the codes are read-only.)"""
    data = getattr(getattr(values, "array", None), "_pa_array", None)
    if data is not None and len(values) >= 1_000_000:
        if _last_factorized and _last_factorized[0][0] is data:
            return _last_factorized[0][1], _last_factorized[0][2]
        codes, uniques = _sorted_factorize(values)
        codes.flags.writeable = False
        _last_factorized[:] = [(data, codes, uniques)]
        return codes, uniques
    return _sorted_factorize(values)


def kept_factorization(values: pd.Series) -> tuple[np.ndarray, pd.Index] | None:
    """:func:`sorted_factorize`'s kept result when it is for these very values (the last large
    Arrow column factorised), else None: nothing is computed, nothing evicted."""
    data = getattr(getattr(values, "array", None), "_pa_array", None)
    if data is not None and _last_factorized and _last_factorized[0][0] is data:
        return _last_factorized[0][1], _last_factorized[0][2]
    return None


def _sorted_factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    found = id_keys(values)
    dense = _dense(found[0]) if found is not None else None
    if dense is None:
        codes, uniques = pd.factorize(values)
        uniques = pd.Index(uniques)
        if not len(uniques):
            return codes.astype(np.int64), uniques
        order = np.asarray(uniques.argsort())  # Arrow-backed strings sort fast
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return np.where(codes >= 0, rank[np.maximum(codes, 0)], -1), uniques[order]
    keys, present = found
    key_codes, _ = dense
    codes = np.full(len(values), -1, dtype=np.int64) if not present.all() else key_codes
    if not present.all():
        codes[present] = key_codes
    # A row of each code (equal keys are equal ids, so any row will do), a million at a time.
    where = np.empty(int(key_codes.max()) + 1, dtype=np.int64)
    rows = np.flatnonzero(present) if not present.all() else None
    step = 1 << 20
    for start in range(0, len(key_codes), step):
        stop = min(start + step, len(key_codes))
        where[key_codes[start:stop]] = (
            rows[start:stop] if rows is not None else np.arange(start, stop)
        )
    return codes, pd.Index(values.array.take(where), dtype=values.dtype)


def repeats(values: pd.Series) -> np.ndarray:
    """True where a non-missing value already appeared in an earlier row."""
    found = id_keys(values)
    if found is not None:
        keys, present = found
        if len(keys) < 2 or bool((keys[1:] > keys[:-1]).all()):  # ascending ids: none repeat
            return np.zeros(len(values), dtype=bool)
        dense = _dense(keys)
        if dense is not None:
            codes, _ = dense
            counts = np.bincount(codes)
            if counts.max() == 1:
                return np.zeros(len(values), dtype=bool)
            first = np.full(len(counts), len(keys), dtype=np.int64)
            np.minimum.at(first, codes, np.arange(len(keys)))
            repeat = np.zeros(len(values), dtype=bool)
            repeat[np.flatnonzero(present)] = first[codes] != np.arange(len(keys))
            return repeat
    codes, _ = pd.factorize(values)
    # factorize numbers values in order of first appearance: a first occurrence exceeds every
    # earlier code
    running_max = np.maximum.accumulate(np.r_[-1, codes[:-1]])
    return (codes >= 0) & (codes <= running_max)


_LOOKUP_STEP = 1 << 20


def positions(left: pd.Series, right: pd.Series) -> np.ndarray:
    """For each of ``left``, the position of its first occurrence in ``right`` (-1 where it has
    none, and for a missing value): a left join's row numbers. Numbered ids of one width are
    matched on their keys (both sides keyed alike, neither copied) by direct addressing; others
    through a pandas index."""
    n_left = len(left)
    if n_left and len(right) and left.dtype == right.dtype == "str":
        left_chunks, right_chunks = _byte_chunks(left), _byte_chunks(right)
        spec = None
        if left_chunks is not None and right_chunks is not None:
            spec = _key_spec(left_chunks, right_chunks)
        if spec is not None:
            left_keys, left_present = _keys(left_chunks, *spec)
            right_keys, right_present = _keys(right_chunks, *spec)
            if not len(right_keys):
                return np.full(n_left, -1, dtype=np.int64)
            right_rows = np.flatnonzero(right_present)  # the row of each right key
            low, high = int(right_keys.min()), int(right_keys.max())
            if high - low <= 4 * (n_left + len(right)) + 4096:
                table = np.full(high - low + 1, -1, dtype=np.int64)
                # reversed: the first occurrence is written last and wins
                table[(right_keys[::-1] - np.uint64(low)).astype(np.int64)] = right_rows[::-1]
                found = np.full(len(left_keys), -1, dtype=np.int64)
                # a million keys at a time: ten million payments' temporaries would be 0.4 GB
                for start in range(0, len(left_keys), _LOOKUP_STEP):
                    part = left_keys[start : start + _LOOKUP_STEP]
                    inside = (part >= np.uint64(low)) & (part <= np.uint64(high))
                    offsets = (part[inside] - np.uint64(low)).astype(np.int64)
                    found[start : start + _LOOKUP_STEP][inside] = table[offsets]
            else:  # sparse keys: hash the integers (far cheaper than hashing the text)
                unique_keys, first = np.unique(right_keys, return_index=True)
                hit = pd.Index(unique_keys).get_indexer(left_keys)
                found = np.where(hit >= 0, right_rows[first[hit]], -1)
            if left_present.all():
                return found
            out = np.full(n_left, -1, dtype=np.int64)
            out[np.flatnonzero(left_present)] = found
            return out
    index = pd.Index(right)
    keep = ~index.duplicated(keep="first") & np.asarray(pd.notna(right))
    rows = np.flatnonzero(keep)
    found = index[keep].get_indexer(pd.Index(left))
    out = np.where(found >= 0, rows[np.maximum(found, 0)], -1) if len(rows) else found
    return np.where(np.asarray(pd.notna(left)), out, -1).astype(np.int64)


def descending_order(values: np.ndarray, ids: pd.Series) -> np.ndarray:
    """Row order by ``values`` descending, ties by ``ids`` ascending (as text), as
    ``np.lexsort((ids.to_numpy(dtype=str), -values))`` gives it.

    Scored tables are sorted by customer id, so a stable sort of the values alone keeps tied rows
    in id order; other tables sort their ids' codes (integers), never text.
    """
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return np.arange(len(values))
    if not _ascending(ids):
        codes, _ = sorted_factorize(ids)
        return np.lexsort((codes, -values))
    return np.argsort(-values, kind="stable")


def _ascending(ids: pd.Series) -> bool:
    """``ids.is_monotonic_increasing``; for an Arrow text column compared in Arrow (UTF-8 bytes
    order as code points do), not through a Python string per row (0.1 s a million ids)."""
    data = getattr(getattr(ids, "array", None), "_pa_array", None)
    if data is None or data.null_count or len(data) < 2:
        return bool(ids.is_monotonic_increasing)
    import pyarrow.compute as pc

    return bool(pc.all(pc.less_equal(data.slice(0, len(data) - 1), data.slice(1))).as_py())


def labels_at(names, index: np.ndarray) -> pd.arrays.ArrowStringArray | np.ndarray:
    """Text ``names[index]`` for every row, as a text column (what
    ``pd.Series(np.array(names, dtype=object)[index], dtype="str")`` gives, without making a
    Python string per row)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a dependency; NumPy objects otherwise
        return np.array(names, dtype=object)[index]
    taken = pa.array(list(names), type=pa.large_string()).take(pa.array(index))
    return pd.array(taken, dtype="str")


def reuse_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse instead of handing it back to the system.

    Arrays of ten million rows are allocated and freed stage after stage; by default glibc maps
    each one afresh and unmaps it when freed, so every stage pays the kernel to fault in and zero
    the same pages again (half of the summary's time at 10M rows on this machine was system
    time). Serving large blocks from the heap and never trimming it keeps those pages. Peak
    memory is unchanged: what is kept was in use a moment before. Returns False where this is
    not glibc (nothing is changed then).
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_max = -1, -4
    return bool(mallopt(m_mmap_max, 0)) and bool(mallopt(m_trim_threshold, 2**31 - 1))


def release_freed_memory() -> bool:
    """Hand the pages of freed heap memory back to the system (glibc's ``malloc_trim``).

    A long-running server allocates and frees million-row arrays page after page; glibc keeps
    what was freed inside its heaps, where no later allocation may fit it (at a million
    customers, 0.5 GB of a dashboard server's resident memory after a tour of the pages; the
    call took 16 ms and gave it back). Returns False where this is not glibc.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    trim(0)
    return True


#: Distinct labels up to which :func:`take_labels` hands text back as a categorical.
LABELS_MAX = 4096


def take_labels(values: pd.Series, rows: np.ndarray):
    """``values`` at ``rows`` (-1: missing), for a customer's attribute repeated per policy or
    contact: text with few distinct labels (a segment, a region: at most :data:`LABELS_MAX`,
    and at most half as many as values, so ids stay text) comes back as a categorical
    whose categories are in sorted order, so a group-by sorts it as it sorted the text, while
    each row costs one small code instead of its own string (a million policies' segments
    were 23 MB of text, their codes are 1.3 MB). Anything else is taken as it is."""
    rows = np.asarray(rows, dtype=np.int64)
    missing = rows < 0
    if values.dtype == "str":
        codes, labels = pd.factorize(values, sort=True)  # a missing value's code is -1
        if len(labels) <= min(LABELS_MAX, len(values) // 2):  # not an id: labels repeat
            if len(codes):
                taken = codes.take(np.where(missing, 0, rows))
            else:  # no values: every row is missing
                taken = np.zeros(len(rows), dtype=np.int64)
            taken[missing] = -1
            return pd.Categorical.from_codes(taken, categories=labels)
    if not missing.any():
        return values.array.take(rows)
    return values.array.take(rows, allow_fill=True)
