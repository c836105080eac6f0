"""Fixed-weight windows through a local table: without STDP or creation, every neuron a spike could reach
within the window is gathered first (the closure of the active, stimulated and receiving neurons under
synapses shorter than the window), their synapses into one local table (`LocalSynapses`), and deliveries
inside the window go through a (step x neuron) input table instead of the queue.  Same dynamics as step by
step (tests compare them): a neuron is stepped (and gets noise) from its first input on, as there."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modesnn.snn.ids import member
from modesnn.snn.local import Local, LocalSynapses
from modesnn.snn.spike_queue import per_group
from modesnn.snn.strategies.stepwise import Result, external

if TYPE_CHECKING:
    from modesnn.snn.simulation import Simulation, WindowInput
    from modesnn.snn.synapses import Synapses


def applicable(sim: Simulation, inp: WindowInput) -> str | None:
    if inp.plastic:
        return "the window is plastic"
    if inp.clamped:
        return "the window is clamped"
    if inp.grow and sim.net.rules:
        return "creation rules apply (grow=True)"
    return None


def reach(sim: Simulation, flat: np.ndarray, n_steps: int) -> tuple[np.ndarray, list[tuple[Synapses, np.ndarray,
                                                                                             np.ndarray]]]:
    """Sorted flat ids of the given neurons and of every neuron a spike of theirs can reach through
    synapses shorter than n_steps (transitively), and those synapses: (group, synapse ids, flat pre ids)
    for every neuron reached (each neuron is a frontier once, so each synapse is found once)."""
    n = sim.n
    seen = frontier = flat
    short = [g for g in sim.groups.values() if g.n and g.min_delay < n_steps]
    synapses = []
    while frontier.size and short:
        found = []
        for group in short:
            syn, src = group.outgoing(frontier % n)
            if group.max_delay >= n_steps:
                keep = group._delay[syn] < n_steps
                syn, src = syn[keep], src[keep]
            pre = frontier[src]
            synapses.append((group, syn, pre))
            found.append((pre // n) * n + group._post[syn])
        targets = np.unique(np.concatenate(found))
        frontier = targets[~member(targets, seen)]
        seen = sim.union(seen, frontier)
    return seen, synapses


class _Arrivals:
    """The deliveries of spikes sent before the window that fall inside it (withdrawn ones left out)."""

    def __init__(self, sim: Simulation, t0: int, t_end: int) -> None:
        queue = sim.queue
        queue.flush()
        arrivals, sizes, self.step = queue.take_window(t0, t_end)
        queue.emit_steps.difference_update(range(t0, t_end))
        self.any = bool(arrivals)
        self.w = None
        self.post = np.zeros(0, np.int64)
        if not arrivals:
            return
        pre, self.w = per_group(arrivals, sizes, "_pre", "_w")
        self.post = np.concatenate([e.post for e in arrivals])
        if queue.withdrawn[0].size:  # (withdrawn deliveries: they neither arrive nor wake anyone)
            kept = queue.kept(arrivals, sizes, t0, pre)
            self.step, self.w, self.post = self.step[kept], self.w[kept], self.post[kept]


def _table(local: Local, short, n: int, steps: int, decay: float) -> LocalSynapses | None:
    """The local synapse table: the synapses shorter than the window that `reach` found, by local index."""
    def loc(flat: np.ndarray) -> np.ndarray:
        return flat if local.identity else local.locate(flat)
    pre_l, post_l, w_l, d_l = [], [], [], []
    for group, syn, pre in short:
        if syn.size:
            pre_l.append(loc(pre))
            post_l.append(loc((pre // n) * n + group._post[syn]))
            w_l.append(group._w[syn])
            d_l.append(group._delay[syn])
    return LocalSynapses(pre_l, post_l, w_l, d_l, local.size, steps, decay) if pre_l else None


def window(sim: Simulation, inp: WindowInput) -> Result:
    t0, n, L = sim.t, sim.n, inp.n_steps
    t_end = t0 + L
    before = _Arrivals(sim, t0, t_end)
    start = sim.union(sim.active, inp.flat)
    local_ids, short = reach(sim, sim.union(start, before.post), L)
    local = Local(sim, local_ids)
    ext_at = external(local, inp)
    size = local.size
    i_syn_pad = np.zeros(size + 1)  # the local synaptic current, and a last cell for padding
    i_syn_pad[:size] = local.i_syn
    local.i_syn = i_syn_pad[:size]
    table_syn = _table(local, short, n, L, sim.net.syn_decay)
    # Input table: arrivals of spikes sent before the window, then of the window's own spikes; a last cell
    # for what falls past the window.
    table = np.zeros(L * size + 1)
    never = np.int64(L + 1)
    wake = np.full(size, never)
    wake[local.locate(start) if not local.identity else start] = 0
    if before.any:
        a_post = local.locate(before.post) if not local.identity else before.post
        np.add.at(table, before.step * size + a_post, before.w)
        np.minimum.at(wake, a_post, before.step)
    rec_step, rec_local = _loop(sim, local, inp, ext_at, table, table_syn, i_syn_pad, wake, never)
    sim.t = t_end
    steps = np.repeat(np.array(rec_step, np.int64), [f.size for f in rec_local])
    flats = local.flat[np.concatenate(rec_local)] if rec_local else np.zeros(0, np.int64)
    # Deliveries past the window go to the queue as usual (those inside it were made here).
    sim.queue.schedule_after(steps, flats, t_end)
    return local, steps, flats


def _loop(sim: Simulation, local: Local, inp: WindowInput, ext_at, table: np.ndarray,
          table_syn: LocalSynapses | None, i_syn_pad: np.ndarray, wake: np.ndarray, never: np.int64
          ) -> tuple[list[int], list[np.ndarray]]:
    """The window's steps; a neuron sleeps (keeps its state) until its wake step, which spikes inside the
    window can bring forward."""
    t0, L, size = sim.t, inp.n_steps, local.size
    rows = table[:L * size].reshape(L, size)
    awake = wake <= 0
    next_wake = int(wake[~awake].min(initial=never))
    wakers = table_syn.wakers(awake) if table_syn is not None else None
    local.sleep(awake)
    noise_rows = inp.noise.window(local, t0, L) if inp.noise is not None else None
    decay = sim.net.syn_decay
    i_syn = local.i_syn
    rec_step: list[int] = []
    rec_local: list[np.ndarray] = []
    last = L - 1
    for k in range(L):
        if inp.per_step:
            ext_at(k)
        if k >= next_wake:
            awake = wake <= k
            next_wake = int(wake[~awake].min(initial=never))
            wakers = table_syn.wakers(awake) if table_syn is not None else None
            local.sleep(awake)
        i_syn += rows[k]
        fired = local.step(None if noise_rows is None else noise_rows[k], k == last)
        if fired.size:
            rec_step.append(t0 + k)
            rec_local.append(fired)
            if table_syn is not None:
                if k < last:
                    table_syn.deliver(fired, k, table)
                else:
                    table_syn.deliver_now(fired, i_syn_pad)
                if wakers is not None and wakers.take(fired).any():
                    woken = table_syn.wakes(fired, k, awake)
                    if woken is not None:
                        np.minimum.at(wake, *woken)
                        next_wake = min(next_wake, int(woken[1].min()))
        if decay != 1.0:
            i_syn *= decay
    return rec_step, rec_local
