"""A network of neuron populations, sparse delayed synapse groups and creation rules: the learned part.

The network holds what learning changes and composition reads (populations with their neuron model and
parameters, synapse groups with weights and delays, creation rules with their coincidence counts); the
state of a run (neuron state, spikes in flight, clock, traces) is a `Simulation` made by `new_state()`.
Several simulations can run over one network; `net.state` is the default one, and `net.run`, `net.emit`,
`net.silence`, `net.potential`, `net.reset_state` and `net.t` act on it.

Synaptic current: a spike arriving through a synapse of weight w adds w to the target's synaptic current,
which decays with time constant `tau_syn` ms (tau_syn = inf keeps it on: the release's "gate stays open").
A spike of step t through a synapse of delay d arrives at step t + d, before that step's membrane update
(see `Simulation.run` for the order within a step; a delay-0 spike arrives after the update of its own
step).  Arrivals of one step are summed group by group, in the order the groups were added.

A window runs by one of several strategies with the same dynamics (`modesnn.snn.strategies`).  The neuron
model is a `modesnn.snn.neurons.NeuronModel`; spikes in flight live in `modesnn.snn.spike_queue`, STDP in
`modesnn.snn.plasticity`, creation rules and their counts in `modesnn.snn.creation`.

Delays and STDP are checked against Brian2 in tests/test_snn_oracle.py (identical spike trains).
"""

from __future__ import annotations

import contextlib
import math
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from modesnn.snn.creation import CreationRule, PairCounts
from modesnn.snn.ids import as_ids
from modesnn.snn.neurons import IZHIKEVICH, NeuronModel
from modesnn.snn.simulation import Simulation, SpikeRecord
from modesnn.snn.synapses import STDP, Synapses

__all__ = ["CreationRule", "Network", "Population", "SpikeRecord"]


@dataclass(frozen=True)
class Population:
    """A named contiguous block of neuron ids [start, start + size) of one neuron model."""

    name: str
    start: int
    size: int
    tag: int = 0
    model: NeuronModel = IZHIKEVICH

    @property
    def ids(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.size)


class Network:
    """Populations, synapse groups and creation rules; simulated through `Simulation` states."""

    def __init__(self, dt: float = 0.1, lanes: int = 1, tau_syn: float = 5.0, model: NeuronModel = IZHIKEVICH
                 ) -> None:
        if not (dt > 0 and math.isfinite(dt)):
            raise ValueError(f"dt: must be a positive number of ms, got {dt}")
        if lanes < 1:
            raise ValueError(f"lanes: must be >= 1, got {lanes}")
        if not tau_syn > 0:
            raise ValueError(f"tau_syn: must be positive (inf allowed), got {tau_syn}")
        self.dt = float(dt)
        self.lanes = int(lanes)
        self.tau_syn = float(tau_syn)
        self.syn_decay = math.exp(-self.dt / self.tau_syn)
        self.model = model
        self.populations: dict[str, Population] = {}
        self.groups: dict[str, Synapses] = {}
        self.rules: list[CreationRule] = []
        self.n = 0
        self.params = model.params([np.zeros(0)] * len(model.Params._fields), 0)  # per-neuron columns
        self.tag = np.zeros(0, np.int64)
        self._deferred_from: int | None = None  # inside growing(): n before the first deferred population
        self.history_steps = 0
        self._states: weakref.WeakSet[Simulation] = weakref.WeakSet()
        self.state = self.new_state(self.lanes)

    # -- construction ------------------------------------------------------------------------------
    def add_population(self, name: str, size: int, params, tag: int = 0, model: NeuronModel | None = None
                       ) -> Population:
        """Append `size` neurons of a neuron model (default: the network's) with its parameters (scalars or
        arrays of length size).  The populations of one network share one model."""
        if name in self.populations:
            raise ValueError(f"name: population {name!r} exists")
        if size < 0:
            raise ValueError(f"size: must be >= 0, got {size}")
        model = self.model if model is None else model
        if model is not self.model:
            raise ValueError(f"model: the network's populations are {self.model.name}, got {model.name}")
        cols = model.params(params, size)
        pop = Population(name, self.n, size, tag, model)
        self.populations[name] = pop
        old_n = self.n
        self.n += size
        self.params = type(cols)(*(np.concatenate([mine, new]) for mine, new in zip(self.params, cols, strict=True)))
        self.tag = np.concatenate([self.tag, np.full(size, tag, np.int64)])
        if self._deferred_from is None:
            self._grow_states(old_n)
        return pop

    def _grow_states(self, old_n: int) -> None:
        for sim in list(self._states):
            sim._grow(old_n)

    @contextlib.contextmanager
    def growing(self) -> Iterator[None]:
        """Add several populations with one re-lay of every simulation's state (each re-lay copies it)."""
        if self._deferred_from is not None:
            yield
            return
        self._deferred_from = self.n
        try:
            yield
        finally:
            old_n, self._deferred_from = self._deferred_from, None
            if self.n != old_n:
                self._grow_states(old_n)

    def add_synapses(self, name: str, stdp: STDP | None = None) -> Synapses:
        """A new (empty) synapse group.  All plastic groups share one STDP time constant, because the
        post-synaptic trace is kept per neuron."""
        if name in self.groups:
            raise ValueError(f"name: synapse group {name!r} exists")
        taus = {g.stdp.tau for g in self.groups.values() if g.stdp is not None}
        if stdp is not None and taus and stdp.tau not in taus:
            raise ValueError(f"stdp.tau: plastic groups must share one tau, have {taus.pop()}")
        group = Synapses(name, stdp)
        self.groups[name] = group
        return group

    def connect(self, group: Synapses, pre, post, weight, delay) -> np.ndarray:
        """Add synapses to a group, checking ids against the network."""
        pre_a, post_a = as_ids("pre", pre), as_ids("post", post)
        if pre_a.shape != post_a.shape:
            raise ValueError(f"post: shape {post_a.shape} does not match pre {pre_a.shape}")
        if pre_a.size and (pre_a.max() >= self.n or post_a.max() >= self.n):
            raise ValueError(f"pre/post: neuron id beyond network size {self.n}")
        idx = group.add(pre_a, post_a, weight, delay)
        self.history_steps = max(self.history_steps, group.max_delay + 1)
        return idx

    def add_rule(self, rule: CreationRule) -> CreationRule:
        if rule.delay < 0:
            raise ValueError(f"delay: must be >= 0 steps, got {rule.delay}")
        if rule.window < 0:
            raise ValueError(f"window: must be >= 0 steps, got {rule.window}")
        if rule.threshold < 1:
            raise ValueError(f"threshold: must be >= 1, got {rule.threshold}")
        if rule.delay_of is not None and (rule.max_delay is None or rule.max_delay < rule.delay):
            raise ValueError(f"max_delay: a rule with delay_of needs max_delay >= delay, got {rule.max_delay}")
        self.rules.append(rule)
        self.history_steps = max(self.history_steps, rule.longest + rule.window + 1)
        return rule

    # -- states ------------------------------------------------------------------------------------
    def new_state(self, lanes: int = 1, private: tuple[str, ...] = ()) -> Simulation:
        """An independent simulation state over this network's synapses (see Simulation)."""
        sim = Simulation(self, lanes, tuple(private))
        self._states.add(sim)
        return sim

    # -- the learned part --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """The learned part as named arrays: every synapse group's pre/post/w/delay
        ("groups.<name>.<field>") and every rule's pair counts ("rules.<i>.keys|counts|stdp")."""
        out: dict[str, np.ndarray] = {}
        for name, group in self.groups.items():
            for field, arr in group.state().items():
                out[f"groups.{name}.{field}"] = arr
        for i, rule in enumerate(self.rules):
            out[f"rules.{i}.keys"] = rule.counts.keys
            out[f"rules.{i}.counts"] = rule.counts.counts
            out[f"rules.{i}.stdp"] = rule.counts.stdp
        return out

    def load_state_dict(self, d: dict[str, np.ndarray]) -> None:
        """Load the groups and rules present in d (as state_dict names them; others are left as they are),
        and derive history_steps from the loaded delays."""
        for name, group in self.groups.items():
            if f"groups.{name}.pre" in d:
                state = {f: d[f"groups.{name}.{f}"] for f in ("pre", "post", "w", "delay")}
                group.load_state(state)
                self.history_steps = max(self.history_steps, int(np.max(state["delay"], initial=0)) + 1)
        for i, rule in enumerate(self.rules):
            if f"rules.{i}.keys" in d:
                rule.counts = PairCounts(d[f"rules.{i}.keys"], d[f"rules.{i}.counts"], d[f"rules.{i}.stdp"])

    # -- the default state -------------------------------------------------------------------------
    def run(self, n_steps: int, neurons=None, currents=None, lanes=None, plastic: bool = True, grow: bool = True,
            clamped: bool = False, noise: tuple | None = None, strategy: str = "auto") -> SpikeRecord:
        """Simulation.run on the default state."""
        return self.state.run(n_steps, neurons, currents, lanes, plastic=plastic, grow=grow, clamped=clamped,
                              noise=noise, strategy=strategy)

    def emit(self, neurons, steps, lane: int = 0) -> None:
        self.state.emit(neurons, steps, lane)

    def silence(self, neurons, lane: int = 0, withdraw: bool = True) -> None:
        self.state.silence(neurons, lane, withdraw)

    def cancel_from(self, neurons, lane: int = 0) -> None:
        self.state.cancel_from(neurons, lane)

    def potential(self, neurons, lane: int = 0) -> np.ndarray:
        return self.state.potential(neurons, lane)

    def reset_state(self) -> None:
        self.state.reset()

    @property
    def t(self) -> int:
        """The default state's clock (steps)."""
        return self.state.t

    @property
    def active(self) -> np.ndarray:
        """The default state's active flat ids (lane * n + neuron)."""
        return self.state.active

    @property
    def v(self) -> np.ndarray:
        """Membrane potential of every flat id (lane * n + neuron) of the default state: a copy."""
        return self.state.field("v")

    @property
    def u(self) -> np.ndarray:
        return self.state.field("u")

    @property
    def i_syn(self) -> np.ndarray:
        return self.state.field("i_syn")

    @property
    def y(self) -> np.ndarray:
        """Post-synaptic STDP trace of every flat id, as of its last update (step `ty`)."""
        return self.state.field("y")

    @property
    def ty(self) -> np.ndarray:
        return self.state.field("ty")
