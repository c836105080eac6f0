"""Simulation: the state of one run over a network's shared synapses (neuron state per lane, the spike
queue, the clock, STDP traces, the spike history for creation rules), advanced window by window.

Time is counted in steps of `dt` ms.  `run(n_steps, ...)` advances by one window with external currents
held over it; only *active* neurons are stepped: those with external or synaptic input, and those whose
state is still moving.  A neuron with no input keeps its state until input reaches it (a neuron's clock
starts at its first input), so the cost of a window grows with activity, not with network size.

Lanes: a simulation holds `lanes` independent copies of the neuron state that share every synapse (like a
mini-batch).  Spikes travel only within their lane; STDP and coincidence counts from all lanes add up on the
shared synapses.  Several simulations of one network are independent except for those shared synapses: a
window without plasticity or creation only reads them.  A synapse group named `private` is this
simulation's own (empty at first, see `group`), in place of the network's group of that name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from modesnn.snn import strategies
from modesnn.snn.creation import count_coincidences
from modesnn.snn.ids import as_ids, member, reflat
from modesnn.snn.noise import make_noise
from modesnn.snn.plasticity import Traces
from modesnn.snn.spike_queue import SpikeQueue
from modesnn.snn.state import LaneState
from modesnn.snn.synapses import Synapses

if TYPE_CHECKING:
    from modesnn.snn.network import Network

SETTLED_I_SYN = 1e-6
"""A neuron whose synaptic current is below this (in absolute value) gets no input from it: with a settled
membrane it is at rest and not stepped (currents decay exponentially, so this cuts the tail)."""

CLOCK_LIMIT = 2**31
"""The clock stays below this: trace steps are stored as int32."""


@dataclass
class SpikeRecord:
    """Spikes of one window: absolute step, lane and neuron id of each, in time order."""

    step: np.ndarray
    lane: np.ndarray
    neuron: np.ndarray


class SpikeMonitor:
    """Every spike of the windows run while it is open (see Simulation.monitor): step, lane and neuron of
    each, in time order; `windows`: (first step, SpikeRecord) per window."""

    def __init__(self) -> None:
        self.windows: list[tuple[int, SpikeRecord]] = []

    def _field(self, name: str) -> np.ndarray:
        parts = [getattr(rec, name) for _, rec in self.windows]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    @property
    def step(self) -> np.ndarray:
        return self._field("step")

    @property
    def lane(self) -> np.ndarray:
        return self._field("lane")

    @property
    def neuron(self) -> np.ndarray:
        return self._field("neuron")


@dataclass
class WindowInput:
    """One window's arguments, checked: its length, the stimulated flat ids and their currents (per step if
    per_step), the noise source and the switches."""

    n_steps: int
    flat: np.ndarray
    currents: np.ndarray
    per_step: bool
    noise: object | None
    plastic: bool
    grow: bool
    clamped: bool
    emitted: bool


class Simulation:
    """Neuron state, spikes in flight, clock and traces of one run of `net` (see the module docstring)."""

    def __init__(self, net: Network, lanes: int = 1, private: tuple[str, ...] = ()) -> None:
        if lanes < 1:
            raise ValueError(f"lanes: must be >= 1, got {lanes}")
        for name in private:
            if name not in net.groups:
                raise ValueError(f"private: no synapse group {name!r} in the network")
        self.net = net
        self.lanes = int(lanes)
        self._private = {name: Synapses(name, net.groups[name].stdp) for name in private}
        self._groups: dict[str, Synapses] = {}
        self.queue = SpikeQueue(self)
        self.traces = Traces(self.lanes)
        self._monitors: list[SpikeMonitor] = []
        self._mask = np.zeros(0, bool)  # scratch for the union of active ids
        self.neurons = LaneState(net.model, net.params, self.lanes)
        self.reset()

    # -- structure ---------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return self.net.n

    @property
    def groups(self) -> dict[str, Synapses]:
        """The synapse groups in dispatch order, this simulation's private copies in place of the network's."""
        if not self._private:
            return self.net.groups
        if len(self._groups) != len(self.net.groups):
            self._groups = {name: self._private.get(name, g) for name, g in self.net.groups.items()}
        return self._groups

    def group(self, name: str) -> Synapses:
        """This simulation's own copy of a private synapse group (write it with load_state)."""
        if name not in self._private:
            raise ValueError(f"name: {name!r} is not a private group of this simulation")
        return self._private[name]

    def _grow(self, old_n: int) -> None:
        """Populations were appended to the network (n grew from old_n)."""
        if old_n == 0 or self.lanes * old_n == 0:
            self.neurons = LaneState(self.net.model, self.net.params, self.lanes)
            self.reset()
            return
        new_n = self.n
        self.neurons.relabel(old_n, new_n, self.net.params)
        self.active = reflat(self.active, old_n, new_n)
        self.hist_flat = reflat(self.hist_flat, old_n, new_n)
        self.queue.relabel(old_n, new_n)

    def reset(self) -> None:
        """Neurons back to their initial state, no spikes in flight, the clock back to 0; synapses and rule
        counts are kept.  (The neuron state only holds touched neurons: clearing it is free; traces are
        rewritten only if STDP used them.)"""
        self.neurons.clear()
        self.t = 0
        self.active = np.zeros(0, np.int64)  # flat ids (lane * n + neuron) carried into the next window
        self.queue.clear()
        self.hist_step = np.zeros(0, np.int64)
        self.hist_flat = np.zeros(0, np.int64)
        self.traces.clear()

    # -- reading the state -------------------------------------------------------------------------
    def field(self, name: str) -> np.ndarray:
        """A dense copy of one state field (the model's, or i_syn, y, ty) over every flat id."""
        return self.neurons.full(name)

    def potential(self, neurons, lane: int = 0) -> np.ndarray:
        """Membrane potential of the given neurons in one lane."""
        return self.neurons.get(lane * self.n + np.asarray(neurons, np.int64), "v")[0]

    def active_ids(self) -> np.ndarray:
        """Sorted unique neuron ids active (carried into the next window) in any lane."""
        ids = np.sort(self.active % self.n if self.n and self.lanes > 1 else self.active)
        keep = np.ones(ids.size, bool)  # (sort and mask: numpy 2's hash-based np.unique costs more here)
        np.not_equal(ids[1:], ids[:-1], out=keep[1:])
        return ids[keep]

    @contextmanager
    def monitor(self) -> Iterator[SpikeMonitor]:
        """Record the spikes of every window run inside the `with` block."""
        mon = SpikeMonitor()
        self._monitors.append(mon)
        try:
            yield mon
        finally:
            self._monitors.remove(mon)

    def union(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Sorted unique flat ids of a and b: by sorting when they are few against the lanes x neurons,
        else with a scratch mask (linear in the ids, plus a scan of the mask)."""
        size = self.lanes * self.n
        if (a.size + b.size) * 64 < size:
            return np.unique(np.concatenate([a, b]).astype(np.int64, copy=False))
        if self._mask.size != size:
            self._mask = np.zeros(size, bool)
        mask = self._mask
        mask[a] = True
        mask[b] = True
        out = np.flatnonzero(mask).astype(np.int64, copy=False)
        mask[out] = False
        return out

    # -- simulation --------------------------------------------------------------------------------
    def run(
        self,
        n_steps: int,
        neurons=None,
        currents=None,
        lanes=None,
        *,
        plastic: bool = True,
        grow: bool = True,
        clamped: bool = False,
        noise: tuple | None = None,
        strategy: str = "auto",
    ) -> SpikeRecord:
        """Advance `n_steps` steps.  `neurons[i]` in lane `lanes[i]` (default 0) receives `currents[i]`
        held over the window, or `currents[step, i]` if currents is 2-D.  With plastic=False, STDP is off;
        with grow=False, creation rules are not applied.  With clamped=True the network is clamped to its
        external input (teacher forcing): spikes still travel and drive STDP, but synaptic current does not
        reach the membranes, so firing is set by the input alone (plastic=False also leaves the STDP
        traces alone: spikes of such a window take no part in later STDP).  noise = (sigma, generator) adds
        sigma * N(0, 1) to the input current of every active neuron at every step (background activity; the
        seeded generator keeps runs reproducible).  `strategy`: how the window runs (see
        `modesnn.snn.strategies`; every strategy gives the same results, "auto" the fastest that applies).
        Returns the window's spikes.

        Order within a step t: spikes due at t arrive (synaptic current += w; pre-synaptic STDP trace and
        depression), every active neuron takes its step of the neuron model, neurons that fire reset, their
        spikes are scheduled (a delay-0 synapse delivers at once, after the membrane update, so it reaches
        the membrane from step t + 1), post-synaptic STDP (potentiation), and finally the synaptic current
        decays by exp(-dt / tau_syn)."""
        inp = self._window_input(n_steps, neurons, currents, lanes, plastic, grow, clamped, noise)
        window = strategies.choose(strategy, self, inp)
        t_end = self.t + inp.n_steps
        local, steps, flats = window(self, inp)
        local.write_back()
        # Carry over neurons that are not at rest.
        moving = local.moving() | (np.abs(local.i_syn) >= SETTLED_I_SYN)
        if not inp.per_step:
            moving |= local.ext != 0
        self.active = local.flat[moving]
        self._keep_history(steps, flats, t_end, inp.n_steps)
        if grow and self.net.rules and flats.size:
            count_coincidences(self.net.rules, self.hist_step, self.hist_flat, self.n, self.net.tag,
                               t_end - inp.n_steps, self.net.dt, plastic, self.net.connect)
        n = self.n
        rec = SpikeRecord(steps, flats // n if n else flats, flats % n if n else flats)
        for mon in self._monitors:
            mon.windows.append((t_end - inp.n_steps, rec))
        return rec

    def _keep_history(self, steps: np.ndarray, flats: np.ndarray, t_end: int, n_steps: int) -> None:
        """Keep a spike history long enough for delays and coincidence windows."""
        history = self.net.history_steps
        self.hist_step = np.concatenate([self.hist_step, steps])
        self.hist_flat = np.concatenate([self.hist_flat, flats])
        keep = self.hist_step >= t_end - max(history, 1) - n_steps
        self.hist_step, self.hist_flat = self.hist_step[keep], self.hist_flat[keep]

    def _window_input(self, n_steps, neurons, currents, lanes, plastic, grow, clamped, noise) -> WindowInput:
        """The run arguments checked, with errors that name the argument."""
        if n_steps < 0:
            raise ValueError(f"n_steps: must be >= 0, got {n_steps}")
        n_steps = int(n_steps)
        if self.t + n_steps >= CLOCK_LIMIT:
            raise ValueError("n_steps: the clock would pass 2**31 steps (reset() restarts it)")
        n = self.n
        neurons = as_ids("neurons", np.zeros(0, np.int64) if neurons is None else neurons)
        lanes_a = np.zeros(neurons.size, np.int64) if lanes is None else as_ids("lanes", lanes)
        if lanes_a.shape != neurons.shape:
            raise ValueError(f"lanes: shape {lanes_a.shape} does not match neurons {neurons.shape}")
        if neurons.size and (neurons.min() < 0 or neurons.max() >= n):
            raise ValueError(f"neurons: ids must lie in 0..{n - 1}")
        if lanes_a.size and (lanes_a.min() < 0 or lanes_a.max() >= self.lanes):
            raise ValueError(f"lanes: must lie in 0..{self.lanes - 1}")
        try:
            cur = np.zeros(neurons.size) if currents is None else np.asarray(currents, np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"currents: not an array of numbers ({exc})") from None
        per_step = cur.ndim == 2
        if per_step and cur.shape != (n_steps, neurons.size):
            raise ValueError(f"currents: shape {cur.shape}, expected ({n_steps}, {neurons.size})")
        if not per_step:
            try:
                cur = np.broadcast_to(cur, neurons.shape)
            except ValueError:
                raise ValueError(f"currents: shape {cur.shape} does not match neurons {neurons.shape}") from None
        if not np.all(np.isfinite(cur)):
            raise ValueError("currents: must be finite (got NaN or inf)")
        t0 = self.t
        emitted = any(t0 <= s < t0 + n_steps for s in self.queue.emit_steps)
        return WindowInput(n_steps, lanes_a * n + neurons, cur, per_step, make_noise(noise), bool(plastic),
                           bool(grow), bool(clamped), emitted)

    # -- outside input -----------------------------------------------------------------------------
    def emit(self, neurons, steps, lane: int = 0) -> None:
        """Send spikes from neurons at absolute steps through their outgoing synapses without touching
        their state (a clamped neuron's output).  A spike is delivered at step + delay; deliveries due
        before the current step are never made."""
        neurons = as_ids("neurons", neurons)
        if neurons.size and (neurons.min() < 0 or neurons.max() >= self.n):
            raise ValueError(f"neurons: ids must lie in 0..{self.n - 1}")
        if not 0 <= lane < self.lanes:
            raise ValueError(f"lane: must lie in 0..{self.lanes - 1}, got {lane}")
        try:
            steps = np.broadcast_to(as_ids("steps", steps), neurons.shape)
        except ValueError as exc:
            if str(exc).startswith("steps:"):
                raise
            raise ValueError(f"steps: shape does not match neurons {neurons.shape}") from None
        self.queue.emit(neurons, steps, lane)

    def cancel_from(self, neurons, lane: int = 0) -> None:
        """Drop the deliveries still in flight from the given neurons in one lane (lateral inhibition of
        a winner-takes-all: the losers' spikes never reach their targets)."""
        drop = np.unique(np.asarray(neurons, np.int64))
        if drop.size:
            self.queue.withdraw(lane * self.n + drop, self.t)

    def silence(self, neurons, lane: int = 0, withdraw: bool = True) -> None:
        """Inhibit neurons in one lane: back to their initial state, synaptic current cleared, and (with
        withdraw) their in-flight spikes withdrawn, as for the losers of a winner-takes-all.  Without
        withdraw, spikes already sent still arrive (a winner whose note is over)."""
        ids = np.atleast_1d(np.asarray(neurons, np.int64))
        if ids.size == 0:
            return
        if withdraw:
            self.cancel_from(ids, lane)
        flat = np.unique(lane * self.n + ids)
        self.neurons.set(flat, **self.neurons.initial_model(flat), i_syn=0.0)
        self.active = self.active[~member(self.active, flat)]
