"""Clamped windows, batched: with the network clamped to its input (and no noise, nothing emitted into
the window), a delivery cannot change firing, so the neurons run first and the synaptic side (deliveries,
STDP, traces) is computed once after them (`plasticity.window_stdp`).  Same results as stepwise (tests
compare them)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from modesnn.snn import plasticity
from modesnn.snn.local import Local
from modesnn.snn.strategies.stepwise import Result, loop

if TYPE_CHECKING:
    from modesnn.snn.simulation import Simulation, WindowInput


def applicable(sim: Simulation, inp: WindowInput) -> str | None:
    if not inp.clamped:
        return "the window is not clamped"
    if inp.noise is not None:
        return "the window has noise"
    if inp.emitted:
        return "spikes were emitted into the window"
    return None


def window(sim: Simulation, inp: WindowInput) -> Result:
    local = Local(sim, sim.union(sim.active, inp.flat))
    t0 = sim.t
    steps, flats = loop(sim, local, inp, lambda k, t: None, sim.queue.schedule)
    synapses_after(sim, t0, t0 + inp.n_steps, steps, flats, inp.plastic)
    return local, steps, flats


def synapses_after(sim: Simulation, t0: int, t1: int, steps: np.ndarray, flats: np.ndarray, plastic: bool) -> None:
    """The synaptic side of a clamped window [t0, t1), after its neurons ran: the deliveries due in it
    taken, and with plastic, STDP of every plastic group and the post-synaptic traces."""
    sim.queue.flush()
    by_group: dict[str, list[tuple[int, tuple]]] = defaultdict(list)
    for t in range(t0, t1):
        for entry in sim.queue.take(t):
            by_group[entry.group.name].append((t, entry))
    if not plastic:
        return
    spikes = plasticity.WindowSpikes(steps, flats, t0, t1)
    dt = sim.net.dt
    for group in sim.groups.values():
        if group.stdp is not None and group.n:
            plasticity.window_stdp(group, by_group.get(group.name, []), spikes, sim.traces, sim.neurons, sim.n, dt)
    plasticity.post_traces_window(sim.neurons, steps, flats, plasticity.post_tau(sim.groups.values()), dt)
