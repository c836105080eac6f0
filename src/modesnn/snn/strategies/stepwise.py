"""The general window strategy: deliveries, STDP and creation a step at a time through the spike queue.
The per-step skeleton (`loop`) and the delivery and spike handlers are shared with the prefetched and
clamped strategies, which differ only in where a step's deliveries come from and what a spike does."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from modesnn.snn import plasticity
from modesnn.snn.local import Local
from modesnn.snn.queue import Delivery

if TYPE_CHECKING:
    from modesnn.snn.simulation import Simulation, WindowInput

Result = tuple[Local, np.ndarray, np.ndarray]
"""What a strategy returns: the window's local view, and the step and flat id of each spike in time order."""


def external(local: Local, inp: WindowInput) -> Callable[[int], np.ndarray]:
    """A function giving the external input of step k, one value per local neuron (the stimulated neurons
    are made local first)."""
    stim_local = local.ensure(inp.flat)
    cur = inp.currents
    if not inp.per_step:
        ext = np.zeros(local.size)
        np.add.at(ext, stim_local, cur)
        local.ext = ext
        return lambda k: ext
    unique = stim_local.size == 0 or np.bincount(stim_local).max() == 1

    def at(k: int) -> np.ndarray:
        ext = np.zeros(local.size)
        if unique:
            ext[stim_local] = cur[k]
        else:
            np.add.at(ext, stim_local, cur[k])
        local.ext = ext
        return ext
    return at


def loop(sim: Simulation, local: Local, inp: WindowInput, arrive: Callable[[int, int], None],
         spiked: Callable[[np.ndarray, int], None]) -> tuple[np.ndarray, np.ndarray]:
    """Run the window's steps: arrivals (`arrive(k, t)`), the neuron step with noise, the spikes
    (`spiked(flat, t)`), the decay of the synaptic current.  Returns the spikes' steps and flat ids."""
    ext_at = external(local, inp)
    rec_step: list[np.ndarray] = []
    rec_flat: list[np.ndarray] = []
    last = inp.n_steps - 1
    decay = sim.net.syn_decay
    noise = inp.noise
    for k in range(inp.n_steps):
        t = sim.t
        if inp.per_step:
            ext_at(k)
        arrive(k, t)
        fired = local.step(None if noise is None else noise.step(local, t), k == last)
        if fired.size:
            flat = local.flat[fired]
            rec_step.append(np.full(fired.size, t, np.int64))
            rec_flat.append(flat)
            spiked(flat, t)
        if decay != 1.0:
            local.i_syn *= decay
        sim.t = t + 1
    steps = np.concatenate(rec_step) if rec_step else np.zeros(0, np.int64)
    flats = np.concatenate(rec_flat) if rec_flat else np.zeros(0, np.int64)
    return steps, flats


def deliver(sim: Simulation, local: Local, arrivals: list[Delivery], t: int, plastic: bool, clamped: bool) -> None:
    """Spikes due at step t, in the order they were sent; a synapse occurs at most once per step and lane
    unless emit() sent it again (then one entry at a time)."""
    queue = sim.queue
    if t in queue.emit_steps:
        queue.emit_steps.discard(t)
        for entry in arrivals:
            deliver_batch(sim, local, [entry], t, plastic, clamped)
    else:
        deliver_batch(sim, local, arrivals, t, plastic, clamped)


def _by_group(sim: Simulation, local: Local, entries: list[Delivery], clamped: bool) -> list[Delivery]:
    """Entries merged per group, groups in dispatch order, each in sending order."""
    if len(entries) == 1:
        return [entries[0]]
    by_group: dict[str, list[Delivery]] = {}
    for e in entries:
        by_group.setdefault(e.group.name, []).append(e)
    if not clamped and len(by_group) > 1:
        local.ensure(np.concatenate([e.post for e in entries]))  # new neurons in order of arrival
    batches = []
    for name in sim.groups:
        es = by_group.get(name)
        if es is None:
            continue
        if len(es) == 1:
            batches.append(es[0])
        else:
            syn = np.concatenate([e.syn for e in es])
            lanes = sim.queue.zeros(syn.size) if sim.lanes == 1 else np.concatenate([e.lanes for e in es])
            batches.append(Delivery(es[0].group, syn, lanes, np.concatenate([e.post for e in es]), -1))
    return batches


def deliver_batch(sim: Simulation, local: Local, entries: list[Delivery], t: int, plastic: bool,
                  clamped: bool) -> None:
    """Deliver entries group by group: synaptic current += w (weights as they are before this step's
    depression, which touches only the synapses delivering now, each once), then the pre-synaptic side of
    STDP."""
    for group, syn, lanes, post_flat, _ in _by_group(sim, local, entries, clamped):
        if not clamped:
            loc = local.ensure(post_flat)  # (may grow local.i_syn: take the index first)
            np.add.at(local.i_syn, loc, group._w[syn])
        if plastic and group.stdp is not None:
            plasticity.depress(group, syn, lanes, post_flat, t, sim.traces, sim.neurons, sim.net.dt,
                               unique=sim.lanes == 1 and t not in sim.queue.emit_steps)


def on_spikes(sim: Simulation, local: Local, flat: np.ndarray, t: int, plastic: bool, clamped: bool,
              now: bool = True) -> None:
    """The spikes of step t: scheduled, delay-0 deliveries made (unless `now` is False: none can be due),
    then STDP: potentiation, and the post-synaptic traces (after it, so a pair at s = 0 counts once)."""
    groups = sim.queue.schedule(flat, t)
    if now:
        if sim.queue.due <= t:
            sim.queue.flush(t)
        # Delay-0 synapses deliver now (after this step's membrane update, before potentiation).
        arrivals = sim.queue.take(t)
        if arrivals:
            deliver(sim, local, arrivals, t, plastic, clamped)
    if plastic:
        dt = sim.net.dt
        plasticity.potentiate(groups, flat, sim.n, t, sim.traces, dt)
        plasticity.bump_post(sim.neurons, flat, t, plasticity.post_tau(sim.groups.values()), dt)


def window(sim: Simulation, inp: WindowInput) -> Result:
    """Step by step through the queue (always applicable)."""
    local = Local(sim, sim.union(sim.active, inp.flat))
    queue = sim.queue

    def arrive(k: int, t: int) -> None:
        if queue.due <= t:
            queue.flush(t)
        arrivals = queue.take(t)
        if arrivals:
            deliver(sim, local, arrivals, t, inp.plastic, inp.clamped)

    def spiked(flat: np.ndarray, t: int) -> None:
        on_spikes(sim, local, flat, t, inp.plastic, inp.clamped)

    steps, flats = loop(sim, local, inp, arrive, spiked)
    return local, steps, flats
