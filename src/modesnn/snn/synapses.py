"""Sparse synapse groups with transmission delays and optional STDP.

Only created synapses exist: a group is a set of growable parallel arrays (pre, post, weight, delay)
plus two lazily rebuilt indexes (by pre for delivery, by post for potentiation).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class STDP(NamedTuple):
    """Pair-based STDP with exponential windows and all-to-all pairing.

    With s = t_post - t_pre - delay (ms): dw = +a_plus * exp(-s / tau) for s >= 0,
    dw = -a_minus * exp(s / tau) for s < 0.  Weights are clipped to [w_min, w_max].
    """

    tau: float = 5.0
    a_plus: float = 1.0
    a_minus: float = 1.0
    w_min: float = 0.0
    w_max: float = 100.0


def _check_finite(name: str, x: np.ndarray) -> None:
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: must be finite (got NaN or inf)")


class Synapses:
    """One group of synapses between neurons of a Network (global neuron ids)."""

    def __init__(self, name: str, stdp: STDP | None = None) -> None:
        if stdp is not None:
            for field, value in stdp._asdict().items():
                if not np.isfinite(value):
                    raise ValueError(f"stdp.{field}: must be finite, got {value}")
            if stdp.tau <= 0:
                raise ValueError(f"stdp.tau: must be positive, got {stdp.tau}")
            if stdp.w_min > stdp.w_max:
                raise ValueError("stdp.w_min: must not exceed w_max")
        self.name = name
        self.stdp = stdp
        self.n = 0
        cap = 64
        self._pre = np.zeros(cap, np.int64)
        self._post = np.zeros(cap, np.int64)
        self._w = np.zeros(cap, np.float64)
        self._delay = np.zeros(cap, np.int64)
        self._dirty = True
        self._keys: set[int] | None = None
        self._by_pre: tuple[np.ndarray, np.ndarray] | None = None
        self._by_post: tuple[np.ndarray, np.ndarray] | None = None

    # -- arrays (views of the filled part) --------------------------------------------------------
    @property
    def pre(self) -> np.ndarray:
        return self._pre[: self.n]

    @property
    def post(self) -> np.ndarray:
        return self._post[: self.n]

    @property
    def w(self) -> np.ndarray:
        return self._w[: self.n]

    @property
    def delay(self) -> np.ndarray:
        return self._delay[: self.n]

    def add(self, pre, post, weight, delay) -> np.ndarray:
        """Append synapses; returns their indices.  Delays are in steps (>= 0)."""
        pre = np.atleast_1d(np.asarray(pre, np.int64))
        post = np.atleast_1d(np.asarray(post, np.int64))
        weight = np.broadcast_to(np.asarray(weight, np.float64), pre.shape)
        delay_arr = np.asarray(delay)
        if delay_arr.dtype.kind == "f":
            _check_finite("delay", delay_arr)
            if np.any(delay_arr != np.round(delay_arr)):
                raise ValueError("delay: must be whole steps")
        delay_arr = np.broadcast_to(delay_arr.astype(np.int64), pre.shape)
        if pre.shape != post.shape:
            raise ValueError(f"post: shape {post.shape} does not match pre {pre.shape}")
        if np.any(delay_arr < 0):
            raise ValueError("delay: must be >= 0 steps")
        _check_finite("weight", weight)
        if np.any(pre < 0) or np.any(post < 0):
            raise ValueError("pre/post: neuron ids must be >= 0")
        k = pre.size
        if self.n + k > self._pre.size:
            cap = max(2 * self._pre.size, self.n + k)
            for attr in ("_pre", "_post", "_w", "_delay"):
                old = getattr(self, attr)
                new = np.zeros(cap, old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, attr, new)
        sl = slice(self.n, self.n + k)
        self._pre[sl], self._post[sl], self._w[sl], self._delay[sl] = pre, post, weight, delay_arr
        if self.stdp is not None:
            self._w[sl] = np.clip(self._w[sl], self.stdp.w_min, self.stdp.w_max)
        if self._keys is not None:
            self._keys.update((pre << 32 | post).tolist())
        self.n += k
        self._dirty = True
        return np.arange(sl.start, sl.stop)

    def has(self, pre: np.ndarray, post: np.ndarray) -> np.ndarray:
        """Whether a synapse pre -> post exists (any delay), elementwise."""
        if self._keys is None:
            self._keys = set((self.pre << 32 | self.post).tolist())
        keys = (np.asarray(pre, np.int64) << 32 | np.asarray(post, np.int64)).tolist()
        return np.fromiter((k in self._keys for k in keys), bool, len(keys))

    def _index(self) -> None:
        """Bring the by-pre and by-post indexes up to date, merging new synapses into the sorted
        arrays (O(n) per update, not a full sort: synapses are created every window while learning)."""
        if not self._dirty:
            return
        done = 0 if self._by_pre is None else self._by_pre[0].size
        if done == 0 or done > self.n:
            order = np.argsort(self.pre, kind="stable")
            self._by_pre = (order, self.pre[order])
            order = np.argsort(self.post, kind="stable")
            self._by_post = (order, self.post[order])
        else:
            new = np.arange(done, self.n)
            self._by_pre = self._merge(self._by_pre, new, self.pre[new])
            self._by_post = self._merge(self._by_post, new, self.post[new])
        self._dirty = False

    @staticmethod
    def _merge(index, new_idx: np.ndarray, new_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        order, keys = index
        srt = np.argsort(new_keys, kind="stable")
        pos = np.searchsorted(keys, new_keys[srt], "right")
        return np.insert(order, pos, new_idx[srt]), np.insert(keys, pos, new_keys[srt])

    @staticmethod
    def _lookup(index: tuple[np.ndarray, np.ndarray], ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Synapse indices whose key is in ids, and for each the position in ids it came from."""
        order, sorted_keys = index
        lo = np.searchsorted(sorted_keys, ids, "left")
        hi = np.searchsorted(sorted_keys, ids, "right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        src = np.repeat(np.arange(ids.size), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        return order[np.repeat(lo, counts) + offsets], src

    def outgoing(self, pre_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(synapse indices, position in pre_ids) of the synapses leaving the given neurons."""
        self._index()
        return self._lookup(self._by_pre, pre_ids)

    def incoming(self, post_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(synapse indices, position in post_ids) of the synapses entering the given neurons."""
        self._index()
        return self._lookup(self._by_post, post_ids)

    def state(self) -> dict[str, np.ndarray]:
        """Arrays that define the group, for saving."""
        return {"pre": self.pre.copy(), "post": self.post.copy(), "w": self.w.copy(), "delay": self.delay.copy()}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.n = 0
        self._keys = None
        self._by_pre = self._by_post = None
        self.add(state["pre"], state["post"], state["w"], state["delay"])
