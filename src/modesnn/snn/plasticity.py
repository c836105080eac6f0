"""STDP as functions over weights, traces and spikes: the online rule (a step at a time: depression at
each arrival, potentiation at each post spike) and the window rule (a clamped window's changes computed at
once from its spike times, `window_stdp`).  Pre-synaptic traces live per (lane, synapse) in `Traces`, the
post-synaptic trace per neuron in the simulation's neuron state (fields y, ty).  Both rules give the same
weights (tests compare them)."""

from __future__ import annotations

import functools
import math

import numpy as np

from modesnn.snn.ids import expand_ranges
from modesnn.snn.state import NO_STEP, LaneState
from modesnn.snn.synapses import STDP, Synapses

EXP_UNDERFLOW = 746.0
"""exp(-x) is exactly 0.0 in float64 for x above about 745.13: a decay table of exp(-d dt / tau) ends there."""

MAX_DECAY_TABLE = 4_000_000
"""Longest decay table (32 MB of float64): a tau this many steps long is refused rather than tabulated."""

TRACE_GROWTH_MIN = 1024
"""Pre-synaptic trace arrays (lanes x synapses) grow by at least this many synapses, or a quarter."""

DEFAULT_POST_TAU = 5.0
"""The post-synaptic trace's time constant (ms) when no group is plastic (the trace is then never read)."""


@functools.lru_cache(maxsize=64)
def decay_table(tau: float, dt: float) -> np.ndarray:
    """exp(-d dt / tau) for whole steps d = 0, 1, ..., up to the first d where it is exactly 0.0 (so
    that table[min(d, last)] is exp(-d dt / tau) for every d >= 0), computed by the same formula."""
    size = int(math.ceil(EXP_UNDERFLOW * tau / dt)) + 2
    if size > MAX_DECAY_TABLE:
        raise ValueError(f"stdp.tau: {tau} ms is too long for dt = {dt} ms")
    table = np.exp(-np.arange(size, dtype=np.int64) * dt / tau)
    table[-1] = 0.0
    table.flags.writeable = False
    return table


def post_tau(groups) -> float:
    """Time constant of the per-neuron post-synaptic trace: that of the plastic groups (they share one)."""
    return next((g.stdp.tau for g in groups if g.stdp is not None), DEFAULT_POST_TAU)


class Traces:
    """Per-lane pre-synaptic traces of the plastic groups of one simulation: value x and step tx of its last
    update, lanes x synapses, grown with the group."""

    def __init__(self, lanes: int) -> None:
        self.lanes = lanes
        self.arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.used = False
        self._mark = np.zeros(0, bool)

    def mark(self, size: int) -> np.ndarray:
        """A scratch boolean array of at least `size` entries, all False (callers restore that)."""
        if self._mark.size < size:
            self._mark = np.zeros(max(size, 2 * self._mark.size), bool)
        return self._mark

    def __getitem__(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return self.arrays[name]

    def __contains__(self, name: str) -> bool:
        return name in self.arrays

    def get(self, group: Synapses) -> tuple[np.ndarray, np.ndarray]:
        """The traces of a group, grown to its size."""
        self.used = True
        if group.name in self.arrays:
            x, tx = self.arrays[group.name]
        else:
            x, tx = np.zeros((self.lanes, 0)), np.zeros((self.lanes, 0), np.int32)
        if x.shape[1] < group.n:
            # (steps as int32: the clock stays below 2**31)
            extra = max(group.n - x.shape[1], x.shape[1] // 4, TRACE_GROWTH_MIN)
            x = np.concatenate([x, np.zeros((self.lanes, extra))], axis=1)
            tx = np.concatenate([tx, np.full((self.lanes, extra), NO_STEP, np.int32)], axis=1)
            self.arrays[group.name] = (x, tx)
        return x, tx

    def clear(self) -> None:
        """Every trace back to zero (rewritten only if STDP used them)."""
        if self.used:
            for x, tx in self.arrays.values():
                x[:] = 0.0
                tx[:] = NO_STEP
        self.used = False


def add_clipped(w: np.ndarray, syn: np.ndarray, dw: np.ndarray, stdp: STDP, unique: bool) -> None:
    """w[syn] += dw (repeated synapses add up, in order), then clip to [w_min, w_max]."""
    # (np.minimum / np.maximum: the same values as np.clip, without its Python-level overhead)
    if unique:
        new = w[syn]
        new += dw
    else:
        np.add.at(w, syn, dw)
        new = w[syn]
    np.maximum(new, stdp.w_min, out=new)
    np.minimum(new, stdp.w_max, out=new)
    w[syn] = new


def depress(group: Synapses, syn: np.ndarray, lanes: np.ndarray, post_flat: np.ndarray, t: int, traces: Traces,
            neurons: LaneState, dt: float, unique: bool = False) -> None:
    """Pre-synaptic side of STDP at arrival: bump the trace; depression by post spikes strictly before
    this arrival (s < 0).  unique: no synapse occurs twice in syn (one lane, nothing emitted)."""
    stdp = group.stdp
    x, tx = traces.get(group)
    k = syn if traces.lanes == 1 else lanes * x.shape[1] + syn
    xf, txf = x.reshape(-1), tx.reshape(-1)
    decay = decay_table(stdp.tau, dt)  # (take with mode="clip": the last entry, 0.0, for longer gaps)
    xf[k] = xf[k] * decay.take(t - txf[k], mode="clip") + 1.0
    txf[k] = t
    y, ty = neurons.get(post_flat, "y", "ty")
    ypost = y * decay.take(t - ty, mode="clip")
    if ypost.max() > 0:  # (traces are >= 0: same as any(> 0), cheaper)
        add_clipped(group._w, syn, -stdp.a_minus * ypost, stdp, unique)


def potentiate(groups: list[Synapses], flat: np.ndarray, n: int, t: int, traces: Traces, dt: float) -> None:
    """Post-synaptic side of STDP at the spikes of step t (flat ids): potentiation by the pre-synaptic
    traces of arrivals at or before now (s >= 0)."""
    lanes, ids = flat // n, flat % n
    for group in groups:
        stdp = group.stdp
        if stdp is None:
            continue
        syn, src = group.incoming(ids)
        if not syn.size:
            continue
        x, tx = traces.get(group)
        k = syn if traces.lanes == 1 else lanes[src] * x.shape[1] + syn
        xf, txf = x.reshape(-1), tx.reshape(-1)
        decay = decay_table(stdp.tau, dt)
        xv = xf[k] * decay.take(t - txf[k], mode="clip")
        if xv.max() > 0:
            # (one spike per neuron and lane: a synapse occurs once per lane)
            add_clipped(group._w, syn, stdp.a_plus * xv, stdp, traces.lanes == 1)


def bump_post(neurons: LaneState, flat: np.ndarray, t: int, tau: float, dt: float) -> None:
    """Post-synaptic traces after the spikes of step t (after potentiation: a pair at s = 0 counts once)."""
    decay = decay_table(tau, dt)
    y, ty = neurons.get(flat, "y", "ty")
    neurons.set(flat, y=y * decay.take(t - ty, mode="clip") + 1.0, ty=t)


def post_traces_window(neurons: LaneState, steps: np.ndarray, flats: np.ndarray, tau: float, dt: float) -> None:
    """Post-synaptic traces after a window's spikes, as after each neuron's last spike."""
    if not flats.size:
        return
    decay = decay_table(tau, dt)
    uniq, inv = np.unique(flats, return_inverse=True)
    t_last = np.zeros(uniq.size, np.int64)
    np.maximum.at(t_last, inv, steps)
    y, ty = neurons.get(uniq, "y", "ty")
    y = y * decay.take(t_last - ty, mode="clip")
    y += np.bincount(inv, weights=decay.take(t_last[inv] - steps, mode="clip"), minlength=uniq.size)
    neurons.set(uniq, y=y, ty=t_last)


class WindowSpikes:
    """A clamped window's spikes [t0, t1) sorted by (neuron, step), so a neuron's spikes before a step are one
    range: key = flat * span + (step - t0)."""

    def __init__(self, steps: np.ndarray, flats: np.ndarray, t0: int, t1: int) -> None:
        self.t0, self.span = t0, t1 - t0
        s_key = flats * self.span + (steps - t0)
        order = np.argsort(s_key, kind="stable")
        self.key, self.step = s_key[order], steps[order]


def window_stdp(group: Synapses, entries: list[tuple[int, tuple]], spikes: WindowSpikes, traces: Traces,
                neurons: LaneState, n: int, dt: float) -> None:
    """STDP of one plastic group over a clamped window, after its neurons ran.  Clamped, a delivery cannot
    change firing, so this gives what the online rule gives: each synapse's weight changes are applied in
    time order (arrivals before the potentiation of the same step, every lane's change of one step summed
    and then clipped), with trace values summed from the spike times.  `entries`: (step, delivery)."""
    decay = decay_table(group.stdp.tau, dt)
    x, tx = traces.get(group)
    keys, dws = [], []
    arrivals = _Arrivals(entries, x.shape[1], spikes.span, spikes.t0) if entries else None
    if arrivals is not None:
        k, dw = _window_depression(group, arrivals, spikes, neurons, decay)
        keys.append(k)
        dws.append(dw)
    got = _window_potentiation(group, arrivals, spikes, traces, n, decay)
    if got is not None:
        keys.append(got[0])
        dws.append(got[1])
    if keys and sum(k.size for k in keys):
        _apply_in_time_order(group, np.concatenate(keys), np.concatenate(dws), spikes.span)
    if arrivals is not None:
        _window_pre_traces(arrivals, x.reshape(-1), tx.reshape(-1), decay)


class _Arrivals:
    """A window's arrivals of one group: step, synapse, lane and flat post id of each, and the pre-synaptic
    trace index (lane, synapse) of each sorted by time."""

    def __init__(self, entries: list[tuple[int, tuple]], cap: int, span: int, t0: int) -> None:
        self.step = np.repeat(np.array([t for t, _ in entries], np.int64), [e.syn.size for _, e in entries])
        self.syn = np.concatenate([e.syn for _, e in entries])
        self.lane = np.concatenate([e.lanes for _, e in entries])
        self.post = np.concatenate([e.post for _, e in entries])
        self.k = self.lane * cap + self.syn
        self.span = span
        key = self.k * span + (self.step - t0)
        order = np.argsort(key)  # (unique keys: one arrival per lane, synapse, step)
        self.k_sorted = key[order]
        self.step_sorted = self.step[order]


def _window_depression(group: Synapses, a: _Arrivals, spikes: WindowSpikes, neurons: LaneState,
                       decay: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(change key, dw) of the arrivals: depression by the post-synaptic trace just before each (post spikes
    strictly earlier)."""
    span, t0 = spikes.span, spikes.t0
    y, ty = neurons.get(a.post, "y", "ty")
    y = y * decay.take(a.step - ty, mode="clip")
    lo = np.searchsorted(spikes.key, a.post * span, "left")
    hi = np.searchsorted(spikes.key, a.post * span + (a.step - t0), "left")
    qi, ji = expand_ranges(lo, hi)
    if qi.size:
        y += np.bincount(qi, weights=decay.take(a.step[qi] - spikes.step[ji], mode="clip"), minlength=y.size)
    phase = (group._delay[a.syn] == 0).astype(np.int64)  # a delay-0 arrival comes after the update
    hit = y > 0  # (a zero change leaves a weight that is already within its bounds alone)
    return a.syn[hit] * (3 * span) + (a.step[hit] - t0) * 3 + phase[hit], -group.stdp.a_minus * y[hit]


def _window_potentiation(group: Synapses, a: _Arrivals | None, spikes: WindowSpikes, traces: Traces, n: int,
                         decay: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(change key, dw) of potentiation at each post spike, by the pre-synaptic traces then (arrivals at or
    before it).  Incoming synapses are looked up once per firing neuron and lane, then paired with its
    spikes."""
    span, t0 = spikes.span, spikes.t0
    x, tx = traces.get(group)
    cap = x.shape[1]
    xf, txf = x.reshape(-1), tx.reshape(-1)
    u_flat, u_first, u_count = np.unique(spikes.key // span, return_index=True, return_counts=True)
    syn, src = group.incoming(u_flat % n)
    if not syn.size:
        return None
    k = (u_flat[src] // n) * cap + syn
    # Only synapses with a pre-synaptic trace (an arrival before or in this window) can change.
    live = xf[k] > 0
    if a is not None:
        mark = traces.mark(xf.size)
        mark[a.k] = True
        live |= mark[k]
        mark[a.k] = False
    syn, src, k = syn[live], src[live], k[live]
    _, ji = expand_ranges(u_first[src], u_first[src] + u_count[src])  # every spike of the neuron
    rep = u_count[src]
    syn, k = np.repeat(syn, rep), np.repeat(k, rep)
    p_step = spikes.step[ji]
    xv = xf[k] * decay.take(p_step - txf[k], mode="clip")
    if a is not None:
        lo = np.searchsorted(a.k_sorted, k * span, "left")
        hi = np.searchsorted(a.k_sorted, k * span + (p_step - t0), "right")
        qi, ji = expand_ranges(lo, hi)
        if qi.size:
            xv += np.bincount(qi, weights=decay.take(p_step[qi] - a.step_sorted[ji], mode="clip"),
                              minlength=xv.size)
    return syn * (3 * span) + (p_step - t0) * 3 + 2, group.stdp.a_plus * xv


def _apply_in_time_order(group: Synapses, keys: np.ndarray, dws: np.ndarray, span: int) -> None:
    """One change per (synapse, step, phase), all lanes summed; applied in time order with clipping."""
    stdp = group.stdp
    uk, inv = np.unique(keys, return_inverse=True)
    dw = np.bincount(inv, weights=dws, minlength=uk.size)
    u_syn = uk // (3 * span)
    first = np.r_[True, u_syn[1:] != u_syn[:-1]]
    starts = np.flatnonzero(first)
    rank = np.arange(uk.size) - np.repeat(starts, np.diff(np.r_[starts, uk.size]))
    w = group._w
    for r in range(int(rank.max()) + 1):
        sel = rank == r
        idx = u_syn[sel]
        w[idx] = np.minimum(np.maximum(w[idx] + dw[sel], stdp.w_min), stdp.w_max)


def _window_pre_traces(a: _Arrivals, xf: np.ndarray, txf: np.ndarray, decay: np.ndarray) -> None:
    """Pre-synaptic traces as after each (lane, synapse)'s last arrival."""
    ak = a.k_sorted // a.span
    last = np.r_[ak[1:] != ak[:-1], True]
    ends = np.flatnonzero(last)
    grp = np.repeat(np.arange(ends.size), np.diff(np.r_[-1, ends]))
    t_last = a.step_sorted[ends]
    kk = ak[ends]
    xv = xf[kk] * decay.take(t_last - txf[kk], mode="clip")
    xv += np.bincount(grp, weights=decay.take(t_last[grp] - a.step_sorted, mode="clip"), minlength=ends.size)
    xf[kk] = xv
    txf[kk] = t_last
