"""Synapse creation by co-activity: the rule (which pairs may connect, with what delay, after how many
coincidences) and the running coincidence counts of the pairs that are not connected yet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from modesnn.snn.synapses import Synapses


def pair_key(pre, post) -> np.ndarray:
    """One int64 key per (pre, post) pair: pre << 32 | post (ids below 2**32)."""
    return np.asarray(pre, np.int64) << 32 | np.asarray(post, np.int64)


class PairCounts:
    """Coincidences counted so far, and the STDP they accumulated, for pairs not yet connected.

    Stored as three parallel arrays sorted by pair key, so a window's pairs merge in with a few vectorised
    passes instead of a dictionary update per pair.  `key in counts`, `len(counts)` and `counts[key]` ->
    (count, stdp) work as on a dictionary."""

    def __init__(self, keys=None, counts=None, stdp=None) -> None:
        self.keys = np.zeros(0, np.int64) if keys is None else np.asarray(keys, np.int64)
        self.counts = np.zeros(0, np.int64) if counts is None else np.asarray(counts, np.int64)
        self.stdp = np.zeros(0, np.float64) if stdp is None else np.asarray(stdp, np.float64)
        if not (self.keys.shape == self.counts.shape == self.stdp.shape and self.keys.ndim == 1):
            raise ValueError("counts: keys, counts and stdp must be 1-D arrays of one length")
        order = np.argsort(self.keys, kind="stable")
        self.keys, self.counts, self.stdp = self.keys[order], self.counts[order], self.stdp[order]

    def __len__(self) -> int:
        return int(self.keys.size)

    def __contains__(self, key: int) -> bool:
        i = int(np.searchsorted(self.keys, key))
        return i < self.keys.size and int(self.keys[i]) == key

    def __getitem__(self, key: int) -> tuple[int, float]:
        i = int(np.searchsorted(self.keys, key))
        if i >= self.keys.size or int(self.keys[i]) != key:
            raise KeyError(key)
        return int(self.counts[i]), float(self.stdp[i])

    def add(self, keys: np.ndarray, counts: np.ndarray, stdp: np.ndarray, threshold: int
            ) -> tuple[np.ndarray, np.ndarray]:
        """Add a window's coincidences (keys sorted and unique).  Pairs that reach `threshold` leave the
        table and are returned as (keys, accumulated STDP), in key order."""
        pos = np.searchsorted(self.keys, keys)
        found = pos < self.keys.size
        found[found] = self.keys[pos[found]] == keys[found]
        old = pos[found]
        total = counts.copy()
        total[found] += self.counts[old]
        acc = stdp.copy()
        acc[found] = self.stdp[old] + stdp[found]
        done = total >= threshold
        keep = np.ones(self.keys.size, bool)
        keep[old] = False
        stay = ~done
        merged_keys = np.concatenate([self.keys[keep], keys[stay]])
        order = np.argsort(merged_keys, kind="stable")
        self.keys = merged_keys[order]
        self.counts = np.concatenate([self.counts[keep], total[stay]])[order]
        self.stdp = np.concatenate([self.stdp[keep], acc[stay]])[order]
        return keys[done], acc[done]


@dataclass
class CreationRule:
    """Create a synapse pre -> post (in `target`, with `delay` steps) once the pair has fired together
    `threshold` times: a coincidence is a pre spike at t_pre and a post spike at t_post with
    |t_post - t_pre - delay| <= window steps.  Only neurons whose tag is in pre_tags / post_tags take
    part; `candidates(pre, post, lane)` may narrow the pairs further (returns a bool mask).

    Pairs with different delays: give `delay_of(pre, post, lane)`, each pair's delay in steps (-1: not a
    candidate), between `delay` and `max_delay`; it replaces `candidates`.  One rule then counts them all
    in one pass over the spikes."""

    target: Synapses
    pre_tags: tuple[int, ...]
    post_tags: tuple[int, ...]
    delay: int
    window: int
    threshold: int = 5
    candidates: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    counts: PairCounts = field(default_factory=PairCounts)
    delay_of: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    max_delay: int | None = None

    @property
    def longest(self) -> int:
        return self.delay if self.delay_of is None or self.max_delay is None else self.max_delay
