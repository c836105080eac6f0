"""Prefetched windows: when no spike of a window can arrive inside it (every delay at least the window)
and nothing was emitted into it, its deliveries are all in the queue when it starts, and are taken at
once, one per group and step (`SpikeQueue.window_deliveries`) instead of step by step.  Same results as
stepwise (tests compare them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modesnn.snn.local import Local
from modesnn.snn.strategies.stepwise import Result, deliver_batch, loop, on_spikes

if TYPE_CHECKING:
    from modesnn.snn.simulation import Simulation, WindowInput


def applicable(sim: Simulation, inp: WindowInput) -> str | None:
    """None if this strategy can run the window, else why not."""
    if inp.emitted:
        return "spikes were emitted into the window"
    if not all(g.min_delay >= inp.n_steps for g in sim.groups.values() if g.n):
        return "a delay is shorter than the window"
    return None


def window(sim: Simulation, inp: WindowInput) -> Result:
    local = Local(sim, sim.union(sim.active, inp.flat))
    t0 = sim.t
    sim.queue.flush(t0 + inp.n_steps - 1)
    due = sim.queue.window_deliveries(t0, t0 + inp.n_steps)

    def arrive(k: int, t: int) -> None:
        if due[k]:
            deliver_batch(sim, local, due[k], t, inp.plastic, inp.clamped)

    def spiked(flat: np.ndarray, t: int) -> None:
        on_spikes(sim, local, flat, t, inp.plastic, inp.clamped, now=False)

    steps, flats = loop(sim, local, inp, arrive, spiked)
    return local, steps, flats
