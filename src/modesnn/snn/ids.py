"""Small helpers over sorted id arrays and argument checks, shared by the engine's modules."""

from __future__ import annotations

import numpy as np


def member(x: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """Mask over x: which values occur in sorted_ids (sorted, unique); a binary search, cheaper than np.isin
    on the small arrays of one window."""
    if not sorted_ids.size:
        return np.zeros(x.shape, bool)
    pos = np.searchsorted(sorted_ids, x)
    np.minimum(pos, sorted_ids.size - 1, out=pos)
    return sorted_ids[pos] == x


def as_ids(name: str, x) -> np.ndarray:
    """A 1-D int64 array of ids or steps from x, with errors that name the argument."""
    try:
        arr = np.atleast_1d(np.asarray(x))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: not an array of integers ({exc})") from None
    if arr.ndim != 1:
        raise ValueError(f"{name}: must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name}: must be whole numbers (got NaN, inf or a fraction)")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{name}: must be integers, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (query, item) pair with item in [lo[query], hi[query]): two aligned index arrays."""
    counts = hi - lo
    total = int(counts.sum())
    if total <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    qi = np.repeat(np.arange(lo.size), counts)
    ji = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(total)
    return qi, ji


def reflat(flat: np.ndarray, old_n: int, new_n: int) -> np.ndarray:
    """Flat ids (lane * n + neuron) after n grew from old_n to new_n."""
    return (flat // old_n) * new_n + flat % old_n


def pair_key(pre, post) -> np.ndarray:
    """One int64 key per (pre, post) pair: pre << 32 | post (ids below 2**32)."""
    return np.asarray(pre, np.int64) << 32 | np.asarray(post, np.int64)


def split_key(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pre, post) of pair keys made by pair_key."""
    return key >> 32, key & 0xFFFFFFFF
