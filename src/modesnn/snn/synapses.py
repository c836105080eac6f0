"""Sparse synapse groups with transmission delays and optional STDP.

Only created synapses exist: a group is a set of growable parallel arrays (pre, post, weight, delay)
plus two lazily rebuilt indexes (by pre for delivery, by post for potentiation).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from modesnn.snn.ids import pair_key


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


def _broadcast(name: str, x: np.ndarray, shape: tuple) -> np.ndarray:
    try:
        return np.broadcast_to(x, shape)
    except ValueError:
        raise ValueError(f"{name}: shape {x.shape} does not match pre {shape}") from None


def _indptr(keys: np.ndarray, size: int) -> np.ndarray:
    """CSR offsets of non-negative integer keys: out[i] = number of keys < i, for i in 0..max(size, max + 1)."""
    counts = np.bincount(keys, minlength=size)
    out = np.zeros(counts.size + 1, np.int64)
    np.cumsum(counts, out=out[1:])
    return out


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
        # (ids and delays as int32: half the memory of int64; add() checks that they fit)
        self._pre = np.zeros(cap, np.int32)
        self._post = np.zeros(cap, np.int32)
        self._w = np.zeros(cap, np.float64)
        self._delay = np.zeros(cap, np.int32)
        self._keys: np.ndarray | None = None  # sorted pair keys (pre << 32 | post), built on first use
        self._keys_done = 0  # synapses [0, _keys_done) are in _keys
        self.max_delay = 0
        self.min_delay = 0
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
        if pre.shape != post.shape:
            raise ValueError(f"post: shape {post.shape} does not match pre {pre.shape}")
        weight = _broadcast("weight", np.asarray(weight, np.float64), pre.shape)
        delay_arr = np.asarray(delay)
        if delay_arr.dtype.kind == "f":
            _check_finite("delay", delay_arr)
            if np.any(delay_arr != np.round(delay_arr)):
                raise ValueError("delay: must be whole steps")
        delay_arr = _broadcast("delay", delay_arr.astype(np.int64), pre.shape)
        if np.any(delay_arr < 0):
            raise ValueError("delay: must be >= 0 steps")
        _check_finite("weight", weight)
        if np.any(pre < 0) or np.any(post < 0):
            raise ValueError("pre/post: neuron ids must be >= 0")
        if pre.size and max(int(pre.max()), int(post.max())) >= 2**31:
            raise ValueError("pre/post: neuron ids must be below 2**31")
        if delay_arr.size and int(delay_arr.max()) >= 2**31:
            raise ValueError("delay: must be below 2**31 steps")
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
        self.n += k
        if k:
            self.max_delay = max(self.max_delay, int(delay_arr.max()))
            self.min_delay = int(delay_arr.min()) if self.n == k else min(self.min_delay, int(delay_arr.min()))
        return np.arange(sl.start, sl.stop)

    def has(self, pre: np.ndarray, post: np.ndarray) -> np.ndarray:
        """Whether a synapse pre -> post exists (any delay), elementwise."""
        if self._keys is None or self._keys_done > self.n:
            self._keys, self._keys_done = np.zeros(0, np.int64), 0
        if self._keys_done < self.n:  # merge the synapses added since (a linear pass, not a full sort)
            new = np.sort(pair_key(self._pre[self._keys_done:self.n], self._post[self._keys_done:self.n]))
            self._keys = np.insert(self._keys, np.searchsorted(self._keys, new), new)
            self._keys_done = self.n
        keys = pair_key(pre, post)
        pos = np.minimum(np.searchsorted(self._keys, keys), max(self._keys.size - 1, 0))
        return self._keys[pos] == keys if self._keys.size else np.zeros(keys.shape, bool)

    def _index(self, by_post: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The by-pre (or by-post) index, brought up to date: (order, indptr) with order the synapse ids
        sorted by key (stable) and order[indptr[i]:indptr[i + 1]] the synapses of key i (a CSR layout).
        New synapses are merged in (O(n) per update, not a full sort: synapses are created every window
        while learning).  The by-post index is only built for groups that ask for it (plastic ones)."""
        attr, keys = ("_by_post", self.post) if by_post else ("_by_pre", self.pre)
        index = getattr(self, attr)
        done = 0 if index is None else index[0].size
        if done == self.n and index is not None:
            return index
        if done == 0 or done > self.n:
            # (order is stored as int32 while that is enough: half the memory of an index)
            order = np.argsort(keys, kind="stable").astype(np.int32 if self.n < 2**31 else np.int64)
            index = (order, _indptr(keys, 0))
        else:
            new = np.arange(done, self.n)
            index = self._merge(index, new, keys[new])
        setattr(self, attr, index)
        return index

    @staticmethod
    def _merge(index, new_idx: np.ndarray, new_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        order, indptr = index
        srt = np.argsort(new_keys, kind="stable")
        nk = new_keys[srt]
        top = int(nk[-1]) + 2
        if top > indptr.size:
            indptr = np.concatenate([indptr, np.full(top - indptr.size, indptr[-1])])
        pos = indptr[nk + 1]  # after the existing synapses of the same key
        if order.dtype == np.int32 and new_idx[-1] >= 2**31:
            order = order.astype(np.int64)
        order = np.insert(order, pos, new_idx[srt])
        return order, indptr + _indptr(nk, indptr.size - 1)

    @staticmethod
    def _lookup(index: tuple[np.ndarray, np.ndarray], ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Synapse indices whose key is in ids, and for each the position in ids it came from."""
        order, indptr = index
        lo = indptr.take(ids, mode="clip")  # (ids past the last key: indptr[-1], no synapses)
        hi = indptr.take(ids + 1, mode="clip")
        if ids.size == 1:
            return order[lo[0]:hi[0]].astype(np.int64), np.zeros(int(hi[0] - lo[0]), np.int64)
        if 1 < ids.size <= 32:  # (a few ids, as the spikes of one step: slices cost less than index arithmetic)
            los, his = lo.tolist(), hi.tolist()
            syn = np.concatenate([order[a:b] for a, b in zip(los, his, strict=True)]).astype(np.int64)
            return syn, np.repeat(np.arange(ids.size), hi - lo)
        counts = hi - lo
        ends = np.cumsum(counts)
        total = int(ends[-1]) if ends.size else 0
        if total == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        src = np.repeat(np.arange(ids.size), counts)
        pos = np.arange(total) + np.repeat(lo - (ends - counts), counts)
        return order[pos].astype(np.int64), src

    def outgoing(self, pre_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(synapse indices, position in pre_ids) of the synapses leaving the given neurons."""
        return self._lookup(self._index(), np.asarray(pre_ids, np.int64))

    def incoming(self, post_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(synapse indices, position in post_ids) of the synapses entering the given neurons."""
        return self._lookup(self._index(by_post=True), np.asarray(post_ids, np.int64))

    def state(self) -> dict[str, np.ndarray]:
        """Arrays that define the group, for saving."""
        return {"pre": self.pre.astype(np.int64), "post": self.post.astype(np.int64), "w": self.w.copy(),
                "delay": self.delay.astype(np.int64)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.n = 0
        self.max_delay = self.min_delay = 0
        self._keys = None
        self._keys_done = 0
        self._by_pre = self._by_post = None
        self.add(state["pre"], state["post"], state["w"], state["delay"])
