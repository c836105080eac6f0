"""Synapse creation by co-activity: the rule (which pairs may connect, with what delay, after how many
coincidences) and the running coincidence counts of the pairs that are not connected yet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from modesnn.snn.ids import pair_key, split_key
from modesnn.snn.synapses import Synapses

__all__ = ["CreationRule", "PairCounts", "count_coincidences", "pair_key"]

LANE_STRIDE = np.int64(1) << 40
"""Spikes are sorted by lane * LANE_STRIDE + step: more steps than a clock can count (2**31)."""


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


class _History:
    """The spike history of a window's rules: lane, id, tag and step of each spike, and per set of tags the
    mask of its spikes and (for pre sides) a copy sorted by (lane, step)."""

    def __init__(self, h_step: np.ndarray, h_flat: np.ndarray, n: int, tag: np.ndarray) -> None:
        self.step, self.lane, self.id = h_step, h_flat // n, h_flat % n
        self.tag = tag[self.id]
        self._masks: dict[tuple[int, ...], np.ndarray] = {}
        self._sorted: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def mask(self, tags: tuple[int, ...]) -> np.ndarray:
        if tags not in self._masks:
            self._masks[tags] = np.isin(self.tag, tags)
        return self._masks[tags]

    def pre_sorted(self, tags: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lane-step key, step, id) of the spikes with these tags, sorted by key (rules with the same pre
        tags share one sorted copy)."""
        if tags not in self._sorted:
            sel = self.mask(tags)
            p_key = self.lane[sel] * LANE_STRIDE + self.step[sel]
            order = np.argsort(p_key, kind="stable")
            self._sorted[tags] = (p_key[order], self.step[sel][order], self.id[sel][order])
        return self._sorted[tags]


def _rule_pairs(rule: CreationRule, h: _History, t0: int):
    """The coincident (pre, post) pairs of one rule completed in the window from t0: pre ids, post ids, the
    timing error s (steps) and delay of each; None if there are none."""
    pre_sel = h.mask(rule.pre_tags)
    lo_q = min(t0, t0 + rule.delay - rule.window)
    post_sel = h.mask(rule.post_tags) & (h.step >= lo_q)
    if not post_sel.any() or not pre_sel.any():
        return None
    p_key, p_step, p_id = h.pre_sorted(rule.pre_tags)
    q_step, q_lane, q_id = h.step[post_sel], h.lane[post_sel], h.id[post_sel]
    centre = q_lane * LANE_STRIDE + q_step
    lo = np.searchsorted(p_key, centre - rule.longest - rule.window, "left")
    hi = np.searchsorted(p_key, centre - rule.delay + rule.window, "right")
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return None
    qi = np.repeat(np.arange(q_step.size), counts)
    pi = np.repeat(lo, counts) + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
    new_pair = (q_step[qi] >= t0) | (p_step[pi] >= t0)  # (each pair once: in the window of its later spike)
    qi, pi = qi[new_pair], pi[new_pair]
    if qi.size == 0:
        return None
    pre, post, lane = p_id[pi], q_id[qi], q_lane[qi]
    delay = None
    if rule.delay_of is not None:
        delay = rule.delay_of(pre, post, lane)
        s = q_step[qi] - p_step[pi] - delay
        m = (delay >= 0) & (np.abs(s) <= rule.window)
        pre, post, s, delay = pre[m], post[m], s[m], delay[m]
    else:
        s = q_step[qi] - p_step[pi] - rule.delay
        if rule.candidates is not None:
            m = rule.candidates(pre, post, lane)
            pre, post, s = pre[m], post[m], s[m]
    return (pre, post, s, delay) if pre.size else None


def count_coincidences(rules: list[CreationRule], h_step: np.ndarray, h_flat: np.ndarray, n: int,
                       tag: np.ndarray, t0: int, dt: float, plastic: bool,
                       connect: Callable[[Synapses, np.ndarray, np.ndarray, np.ndarray, object], object]) -> None:
    """Count the coincidences of spike pairs completed in the window from t0 (each pair once, in the
    window of its later spike; h_step/h_flat: the spike history) and create, through `connect(target, pre,
    post, w, delay)`, the synapses that reach their rule's threshold (rule by rule: a later rule sees the
    synapses an earlier one made).  Each candidate pair also accumulates the STDP of its coincident spike
    pairs, which a new synapse starts with: it has seen the pairs that created it, as its trace would have."""
    if h_step.size == 0:
        return
    h = _History(h_step, h_flat, n, tag)
    for rule in rules:
        got = _rule_pairs(rule, h, t0)
        if got is None:
            continue
        pre, post, s, delay = got
        stdp = rule.target.stdp
        if stdp is not None and plastic:
            sm = s * dt
            dw = np.where(sm >= 0, stdp.a_plus * np.exp(-sm / stdp.tau), -stdp.a_minus * np.exp(sm / stdp.tau))
        else:
            dw = np.zeros(s.size)
        uk, first, inv, cnt = np.unique(pair_key(pre, post), return_index=True, return_inverse=True,
                                        return_counts=True)
        sums = np.bincount(inv, weights=dw, minlength=uk.size)
        fresh = ~rule.target.has(*split_key(uk))
        made, acc = rule.counts.add(uk[fresh], cnt[fresh], sums[fresh], rule.threshold)
        if made.size:
            d = rule.delay if delay is None else delay[first[np.searchsorted(uk, made)]]
            connect(rule.target, *split_key(made), acc, d)
