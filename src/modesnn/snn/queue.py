"""The records of spikes in flight: what a synapse group delivers at a step (Delivery), a flushed batch of
one group sorted by arrival step (Span), and spikes not yet sorted into the queue (Pending).  The queue
itself, which owns them, is `modesnn.snn.spike_queue.SpikeQueue`."""

from __future__ import annotations

import bisect
from typing import NamedTuple

import numpy as np

from modesnn.snn.synapses import Synapses


class Delivery(NamedTuple):
    """Spikes of one synapse group arriving at one step: synapse ids, lanes and flat post ids in sending
    order, and the number of the batch that put them in the queue (withdrawals made after it apply)."""

    group: Synapses
    syn: np.ndarray
    lanes: np.ndarray
    post: np.ndarray
    batch: int


class Span:
    """The deliveries of one flushed batch of one group, sorted by arrival step (`at`, one per synapse;
    `steps`: the distinct steps, `cuts`: where each starts, and the end), taken a step at a time (`take`)
    or a window at a time (`take_until`); `k`: the first step not yet taken."""

    __slots__ = ("delivery", "at", "steps", "cuts", "k")

    def __init__(self, delivery: Delivery, at: np.ndarray, steps: list[int], cuts: list[int]) -> None:
        self.delivery, self.at, self.steps, self.cuts, self.k = delivery, at, steps, cuts, 0

    @property
    def batch(self) -> int:
        return self.delivery.batch

    @property
    def done(self) -> bool:
        return self.k >= len(self.steps)

    @property
    def last(self) -> int:
        return self.steps[-1]

    def _slice(self, k0: int, k1: int) -> Delivery:
        a, b = self.cuts[k0], self.cuts[k1]
        d = self.delivery
        return Delivery(d.group, d.syn[a:b], d.lanes[a:b], d.post[a:b], d.batch)

    def take(self, t: int) -> Delivery | None:
        """The deliveries due at step t (those due before it, never taken, are dropped)."""
        k = bisect.bisect_left(self.steps, t, self.k)
        if k < len(self.steps) and self.steps[k] == t:
            self.k = k + 1
            return self._slice(k, k + 1)
        self.k = k
        return None

    def take_until(self, t0: int, t_end: int) -> tuple[np.ndarray, Delivery] | None:
        """The deliveries due in [t0, t_end), with the arrival step of each."""
        k0 = bisect.bisect_left(self.steps, t0, self.k)
        k1 = bisect.bisect_left(self.steps, t_end, k0)
        self.k = k1
        if k1 == k0:
            return None
        return self.at[self.cuts[k0]:self.cuts[k1]], self._slice(k0, k1)


class Pending:
    """Spikes of one group waiting to be sorted into the queue, in chunks: the step (or, for a window's
    spikes put in at once, a step per spike), the flat ids that fired and the group's size then."""

    __slots__ = ("group", "first", "steps", "flats", "sizes", "not_before", "dropped")

    def __init__(self, group: Synapses, first: int, not_before: int | None = None) -> None:
        self.group = group
        self.first = first
        self.steps: list[int | np.ndarray] = []
        self.flats: list[np.ndarray] = []
        self.sizes: list[int] = []
        self.not_before = not_before  # arrivals before this step were delivered otherwise: drop them
        self.dropped: list[tuple[np.ndarray, int]] = []  # (flat ids, step): spikes before it withdrawn

    @property
    def last(self) -> int:
        """The step of the last spike."""
        s = self.steps[-1]
        return int(s[-1]) if isinstance(s, np.ndarray) else s

    def spikes(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Flat ids of all spikes, and the step of each (None: all at step `first`)."""
        if len(self.flats) == 1:
            s = self.steps[0]
            return self.flats[0], (s if isinstance(s, np.ndarray) else None)
        flat = np.concatenate(self.flats)
        if not any(isinstance(s, np.ndarray) for s in self.steps):
            return flat, np.repeat(self.steps, [f.size for f in self.flats])
        return flat, np.concatenate([s if isinstance(s, np.ndarray) else np.full(f.size, s, np.int64)
                                     for s, f in zip(self.steps, self.flats, strict=True)])
