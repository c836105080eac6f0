"""SpikeQueue: everything in flight in one simulation.  Emitted spikes wait in single-step entries (a dict
by arrival step), spikes of the network's neurons wait unsorted per group (`Pending`) until the group's
shortest delay says the first may arrive, and are then sorted into the queue as one batch (`Span`).  Every
entry carries the number of the batch that queued it: it orders the deliveries of one step (sending order)
and decides which withdrawals apply to it (a withdrawal covers the batches queued before it)."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from modesnn.snn.ids import member, reflat
from modesnn.snn.queue import Delivery, Pending, Span

if TYPE_CHECKING:
    from modesnn.snn.synapses import Synapses

RADIX_LIMIT = 32768
"""Sort keys below this fit int16, and numpy's stable sort of 16-bit keys is a radix sort (2-3x faster)."""


class SpikeQueue:
    """The spikes in flight of one simulation (`owner`: its lanes, its n and its groups in dispatch order,
    read when needed, so that populations and private groups added later are seen)."""

    def __init__(self, owner) -> None:
        self.owner = owner
        self._zero_buf = np.zeros(0, np.int64)
        self.clear()

    def clear(self) -> None:
        """Nothing in flight."""
        self.steps: dict[int, list[Delivery]] = defaultdict(list)  # single-step entries by arrival step
        self.spans: list[Span] = []  # flushed batches, each sorted by arrival step
        self.emit_steps: set[int] = set()  # steps an emitted entry arrives at (delivered one entry at a time)
        self.batches = 0  # batches put into the queue so far
        # Withdrawn senders, sorted by flat id: (flat ids, last batch affected, last step a delivery of
        # theirs that was queued then can arrive).
        self.withdrawn = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        self.pending: dict[str, Pending] = {}  # spikes not yet sorted into the queue, per group
        self.due: float = math.inf  # first step at which a pending spike may arrive

    @property
    def empty(self) -> bool:
        return not any(self.steps.values()) and not self.spans and not self.pending

    def relabel(self, old_n: int, new_n: int) -> None:
        """Populations were appended: flat post ids and senders renumbered."""
        for t, entries in self.steps.items():
            self.steps[t] = [e._replace(post=reflat(e.post, old_n, new_n)) for e in entries]
        for span in self.spans:
            span.delivery = span.delivery._replace(post=reflat(span.delivery.post, old_n, new_n))
        for p in self.pending.values():
            p.flats = [reflat(f, old_n, new_n) for f in p.flats]
            p.dropped = [(reflat(f, old_n, new_n), before) for f, before in p.dropped]
        w = self.withdrawn
        self.withdrawn = (reflat(w[0], old_n, new_n), w[1], w[2])

    def zeros(self, size: int) -> np.ndarray:
        """A read-only view of `size` int64 zeros (the lane of every delivery when there is one lane)."""
        if self._zero_buf.size < size:
            self._zero_buf = np.zeros(max(size, 2 * self._zero_buf.size), np.int64)
            self._zero_buf.flags.writeable = False
        return self._zero_buf[:size]

    # -- putting spikes in ----------------------------------------------------------------------------
    def schedule(self, flat: np.ndarray, t: int) -> list[Synapses]:
        """Queue the spikes of step t for delivery, lazily: a group's spikes wait (with the group's size at
        the time, so that synapses created later do not carry them) until the group's shortest delay says
        the first of them may arrive; then the whole batch is sorted into the queue at once.  Returns the
        groups that have synapses."""
        groups = [g for g in self.owner.groups.values() if g.n]
        for group in groups:
            p = self.pending.get(group.name)
            if p is None:
                p = self.pending[group.name] = Pending(group, t)
            p.steps.append(t)
            p.flats.append(flat)
            p.sizes.append(group.n)
            self.due = min(self.due, p.first + group.min_delay)
        return groups

    def schedule_after(self, steps: np.ndarray, flats: np.ndarray, t_end: int) -> None:
        """A window's spikes (in time order) whose deliveries inside the window were made otherwise: per
        group, the spikes late enough for its longest delay to reach past the window wait for the queue."""
        for group in self.owner.groups.values():
            if not group.n or not steps.size:
                continue
            first = int(np.searchsorted(steps, t_end - group.max_delay))
            if first == steps.size:
                continue
            p = self.pending[group.name] = Pending(group, int(steps[first]), not_before=t_end)
            p.steps.append(steps[first:])  # (one chunk, a step per spike)
            p.flats.append(flats[first:])
            p.sizes.append(group.n)
            self.due = min(self.due, p.first + group.min_delay)

    def emit(self, neurons: np.ndarray, steps: np.ndarray, lane: int) -> None:
        """Spikes from neurons at absolute steps through their outgoing synapses, one entry per emitted spike
        and arrival step (so no entry repeats a synapse)."""
        n = self.owner.n
        self.flush()  # spikes already sent go first
        self.batches += 1
        for group in self.owner.groups.values():
            if group.n == 0:
                continue
            syn, src = group.outgoing(neurons)
            if not syn.size:
                continue
            arrival = steps[src] + group._delay[syn]
            key = src * (group.max_delay + 1) + group._delay[syn]
            order = np.argsort(key, kind="stable")
            key, syn, arrival = key[order], syn[order], arrival[order]
            cuts = np.flatnonzero(key[1:] != key[:-1]) + 1
            posts = lane * n + group._post[syn]
            for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), key.size], strict=True):
                t = int(arrival[a])
                self.steps[t].append(Delivery(group, syn[a:b], np.full(b - a, lane, np.int64), posts[a:b],
                                              self.batches))
                # An emitted spike may repeat a synapse already due at that step: deliver one entry at a time.
                self.emit_steps.add(t)

    def withdraw(self, flats: np.ndarray, t: int) -> None:
        """Drop the deliveries still in flight from the given flat ids (sorted, unique).  Spikes waiting to
        be sorted into the queue are marked; deliveries already in it are filtered when taken."""
        for p in self.pending.values():
            p.dropped.append((flats, t))
        if self.steps or self.spans:  # (each neuron keeps its latest withdrawal: it covers the earlier ones)
            until = max(max(self.steps, default=t), max((span.last for span in self.spans), default=t))
            w_flat, w_batch, w_t = self.withdrawn
            old = ~member(w_flat, flats)
            w_flat = np.concatenate([w_flat[old], flats])
            order = np.argsort(w_flat)
            self.withdrawn = (w_flat[order],
                              np.concatenate([w_batch[old], np.full(flats.size, self.batches)])[order],
                              np.concatenate([w_t[old], np.full(flats.size, until)])[order])

    def flush(self, t: int | None = None) -> None:
        """Sort the pending spikes of every group due by step t (all groups if t is None) into the queue:
        one span per group, synapses in sending order (spike step, spiking neuron, synapse id)."""
        due = math.inf
        for name, p in list(self.pending.items()):
            group = p.group
            if t is not None and p.first + group.min_delay > t:
                due = min(due, p.first + group.min_delay)
                continue
            del self.pending[name]
            if group is not self.owner.groups.get(name) or group.n < max(p.sizes):
                continue  # (the group was replaced or reloaded since: its synapses are not those that were)
            self._flush_one(p)
        self.due = due

    def _sent(self, p: Pending) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """(synapse ids, source position, spike steps or None, flat ids) of a pending batch's deliveries:
        withdrawn spikes dropped, synapses created after a spike not used by it."""
        group = p.group
        flat, steps = p.spikes()
        sizes = None
        if any(size != group.n for size in p.sizes):
            sizes = np.repeat(p.sizes, [f.size for f in p.flats])
        if p.dropped:
            if steps is None:
                steps = np.full(flat.size, p.first, np.int64)
            kept = np.ones(flat.size, bool)
            for dropped, before in p.dropped:
                kept &= ~(member(flat, dropped) & (steps < before))
            flat, steps = flat[kept], steps[kept]
            sizes = None if sizes is None else sizes[kept]
        syn, src = group.outgoing(flat % self.owner.n)
        if sizes is not None and syn.size:
            keep = syn < sizes[src]
            syn, src = syn[keep], src[keep]
        return syn, src, steps, flat

    def _flush_one(self, p: Pending) -> None:
        group, n, lanes = p.group, self.owner.n, self.owner.lanes
        syn, src, steps, flat = self._sent(p)
        if not syn.size:
            return
        if lanes == 1:
            ln = self.zeros(syn.size)
            post_flat = group._post[syn]
        else:
            ln = flat[src] // n
            post_flat = ln * n + group._post[syn]
        # Arrival steps lie in [lo, lo + span] (bounds from the group's delays, no pass over the data).
        lo = p.first + group.min_delay
        span = p.last + group.max_delay - lo
        self.batches += 1
        sent = self.batches
        if span == 0:
            if p.not_before is None or lo >= p.not_before:
                self.steps[lo].append(Delivery(group, syn, ln, post_flat, sent))
            return
        if span < RADIX_LIMIT and group.max_delay < RADIX_LIMIT:
            key = group._delay[syn].astype(np.int16)
            key -= group.min_delay
            if steps is not None:
                key += (steps - p.first).astype(np.int16)[src]
        else:
            key = group._delay[syn] - group.min_delay
            if steps is not None:
                key += (steps - p.first)[src]
        if p.not_before is not None and lo < p.not_before:
            late = key >= p.not_before - lo
            key, syn, post_flat = key[late], syn[late], post_flat[late]
            ln = ln[late] if lanes > 1 else self.zeros(syn.size)
            if not syn.size:
                return
        order = np.argsort(key, kind="stable")
        key = key[order]
        syn, post_flat = syn[order], post_flat[order]
        ln = ln if lanes == 1 else ln[order]  # (one lane: all zeros, a shared view)
        starts = [0, *(np.flatnonzero(key[1:] != key[:-1]) + 1).tolist()]
        self.spans.append(Span(Delivery(group, syn, ln, post_flat, sent), key.astype(np.int64) + lo,
                               [lo + s for s in key[starts].tolist()], [*starts, key.size]))

    # -- taking deliveries out ------------------------------------------------------------------------
    def _prune_spans(self) -> None:
        """Forget the spans whose deliveries have all been taken."""
        if any(span.done for span in self.spans):
            self.spans = [span for span in self.spans if not span.done]

    def take(self, t: int) -> list[Delivery]:
        """The deliveries due at step t, without those withdrawn since their batch entered the queue."""
        entries = self.steps.pop(t, None) or []
        if self.spans:
            due = [e for e in (span.take(t) for span in self.spans) if e is not None]
            if due:
                self._prune_spans()
                entries = sorted(entries + due, key=lambda e: e.batch) if entries else due  # (sending order)
        if not entries or not self.withdrawn[0].size:
            return entries
        kept = self.kept(entries, [e.syn.size for e in entries], t)
        out, at = [], 0
        for e in entries:
            keep = kept[at:at + e.syn.size]
            at += e.syn.size
            if keep.all():
                out.append(e)
            elif keep.any():
                out.append(e._replace(syn=e.syn[keep], lanes=e.lanes[keep], post=e.post[keep]))
        return out

    def take_window(self, t0: int, t_end: int) -> tuple[list[Delivery], list[int], np.ndarray]:
        """The deliveries due in [t0, t_end), taken from the queue in sending order (batch: so that what
        reaches one neuron at one step adds up in the order it would step by step), their sizes, and the
        arrival step of each synapse, counted from t0."""
        chunks: list[tuple[int, int | np.ndarray, Delivery]] = [
            (e.batch, t, e) for t in range(t0, t_end) for e in self.steps.pop(t, ())]
        for span in self.spans:
            got = span.take_until(t0, t_end)
            if got is not None:
                chunks.append((span.batch, *got))
        self._prune_spans()
        if not chunks:
            return [], [], np.zeros(0, np.int64)
        chunks.sort(key=lambda c: c[0])  # (stable)
        arrivals = [e for _, _, e in chunks]
        at = np.concatenate([np.full(e.syn.size, a) if isinstance(a, int) else a for _, a, e in chunks]) - t0
        return arrivals, [e.syn.size for e in arrivals], at

    def window_deliveries(self, t0: int, t_end: int) -> list[list[Delivery]]:
        """The deliveries due in [t0, t_end) (withdrawn ones left out), as they would be taken step by
        step: per step, one per group (in dispatch order), each in sending order."""
        arrivals, sizes, at = self.take_window(t0, t_end)
        span = t_end - t0
        due: list[list[Delivery]] = [[] for _ in range(span)]
        if not arrivals:
            return due
        groups = list(self.owner.groups.values())
        kept = self.kept(arrivals, sizes, t0) if self.withdrawn[0].size else None
        rank = {g.name: i for i, g in enumerate(groups)}
        cell = np.repeat(np.array([rank[e.group.name] for e in arrivals], np.int64), sizes) * span + at
        syn, post = (np.concatenate([getattr(e, f) for e in arrivals]) for f in ("syn", "post"))
        lanes = np.concatenate([e.lanes for e in arrivals]) if self.owner.lanes > 1 else None
        if kept is not None:
            cell, syn, post = cell[kept], syn[kept], post[kept]
            lanes = lanes[kept] if lanes is not None else None
        # By group, then step; sending order kept within (a stable sort: a radix sort on 16-bit keys).
        order = np.argsort(cell.astype(np.int16) if len(groups) * span < RADIX_LIMIT else cell, kind="stable")
        cell, syn, post = cell[order], syn[order], post[order]
        lanes = lanes[order] if lanes is not None else self.zeros(syn.size)
        bounds = np.searchsorted(cell, np.arange(len(groups) * span + 1)).tolist()
        for g, group in enumerate(groups):
            for k in range(span):
                a, b = bounds[g * span + k], bounds[g * span + k + 1]
                if b > a:
                    due[k].append(Delivery(group, syn[a:b], lanes[a:b], post[a:b], -1))
        return due

    def kept(self, arrivals: list[Delivery], sizes: list[int], t: int, pre: np.ndarray | None = None
             ) -> np.ndarray:
        """Mask over the concatenated deliveries of `arrivals`: those not withdrawn since their batch entered
        the queue.  `pre`: their pre-synaptic ids, if known."""
        w_flat, w_batch, w_t = self.withdrawn
        recent = w_t >= t  # (the others: every delivery they covered has arrived)
        if not recent.all():
            w_flat, w_batch, w_t = self.withdrawn = (w_flat[recent], w_batch[recent], w_t[recent])
        pre = per_group(arrivals, sizes, "_pre")[0] if pre is None else pre.copy()
        pre += np.concatenate([e.lanes for e in arrivals]) * self.owner.n
        batch = np.repeat(np.array([e.batch for e in arrivals], np.int64), sizes)
        pos = np.minimum(np.searchsorted(w_flat, pre), max(w_flat.size - 1, 0))
        if not w_flat.size:
            return np.ones(pre.size, bool)
        return ~((w_flat[pos] == pre) & (batch <= w_batch[pos]))


def per_group(arrivals: list[Delivery], sizes: list[int], *fields: str) -> list[np.ndarray]:
    """Synapse fields (`_w`, `_pre`...) of every delivery of `arrivals`, concatenated: one gather per
    synapse group rather than one per entry."""
    groups = {id(e.group): e.group for e in arrivals}
    syn = np.concatenate([e.syn for e in arrivals])
    if len(groups) == 1:
        group = next(iter(groups.values()))
        return [getattr(group, f)[syn].astype(np.float64 if f == "_w" else np.int64) for f in fields]
    gid = np.repeat(np.array([id(e.group) for e in arrivals], np.int64), sizes)
    outs = [np.empty(syn.size, np.float64 if f == "_w" else np.int64) for f in fields]
    for key, group in groups.items():
        sel = gid == key
        s = syn[sel]
        for f, out in zip(fields, outs, strict=True):
            out[sel] = getattr(group, f)[s]
    return outs
