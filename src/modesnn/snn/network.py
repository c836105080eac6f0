"""A network of Izhikevich populations, sparse delayed synapses, STDP and synapse creation.

Time is counted in steps of `dt` ms.  `run(n_steps, ...)` advances the network by one window with external
currents held over it; only *active* neurons are stepped: those with external or synaptic input, and those
whose state is still moving.  A neuron with no input keeps its state until input reaches it (a neuron's
clock starts at its first input), so the cost of a window grows with activity, not with network size.

Lanes: the network can hold `lanes` independent copies of the neuron state that share every synapse (like a
mini-batch).  Spikes travel only within their lane; STDP and coincidence counts from all lanes add up on the
shared synapses.  With lanes = 1 this is a plain simulation.

Synaptic current: a spike arriving through a synapse of weight w adds w to the target's synaptic current,
which decays with time constant `tau_syn` ms (tau_syn = inf keeps it on: the release's "gate stays open").
A spike of step t through a synapse of delay d arrives at step t + d, before that step's membrane update
(see `run` for the order within a step; a delay-0 spike arrives after the update of its own step).  Arrivals
of one step are summed group by group, in the order the groups were added.

A window runs one of three ways, with the same dynamics (tests compare each with the first): step by step
through the spike queue (the general case; when no spike of the window can arrive inside it, its deliveries
are taken from the queue at once: `_window_deliveries`); clamped, with its synaptic side (deliveries, STDP,
traces) computed once after the neurons ran (`_window_synapses`); without plasticity, through a local
synapse table (`_window_fixed`, `modesnn.snn.local`).  The neuron state lives in
`modesnn.snn.state.LaneState`, spikes in flight in `modesnn.snn.queue`, creation rules and their counts in
`modesnn.snn.creation`.

Delays and STDP are checked against Brian2 in tests/test_snn_oracle.py (identical spike trains).
"""

from __future__ import annotations

import contextlib
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from modesnn.snn.creation import CreationRule, pair_key
from modesnn.snn.local import Local, LocalSynapses, expand_ranges
from modesnn.snn.neurons import V_INIT, IzhikevichParams
from modesnn.snn.queue import Delivery, Pending, Span
from modesnn.snn.state import NO_STEP, LaneState
from modesnn.snn.synapses import STDP, Synapses

SETTLED_DV = 1e-4
"""A neuron with no input whose v moved less than this (mV) in its last step is at rest: it is not stepped."""


@dataclass(frozen=True)
class Population:
    """A named contiguous block of neuron ids [start, start + size)."""

    name: str
    start: int
    size: int
    tag: int = 0

    @property
    def ids(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.size)


@dataclass
class SpikeRecord:
    """Spikes of one window: absolute step, lane and neuron id of each, in time order."""

    step: np.ndarray
    lane: np.ndarray
    neuron: np.ndarray


class Network:
    """Populations, synapse groups and creation rules, simulated window by window."""

    fixed_windows = True
    """Run windows without STDP or creation through a local synapse table (see _window_fixed) instead of
    step by step through the queue; the results are the same (tests compare both)."""

    prefetch_windows = True
    """Take a window's deliveries from the queue at once when none of its own spikes can arrive inside it
    (every delay at least the window), instead of step by step; the results are the same (tests compare
    both)."""

    batch_clamped = True
    """Compute a clamped window's synaptic side (deliveries, STDP, traces) once, after its neurons ran,
    instead of step by step; the results are the same (tests compare both)."""

    def __init__(self, dt: float = 0.1, lanes: int = 1, tau_syn: float = 5.0) -> None:
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
        self.populations: dict[str, Population] = {}
        self.groups: dict[str, Synapses] = {}
        self.rules: list[CreationRule] = []
        self.n = 0
        self.a = np.zeros(0)
        self.b = np.zeros(0)
        self.c = np.zeros(0)
        self.d = np.zeros(0)
        self.tag = np.zeros(0, np.int64)
        self.t = 0
        self._deferred_from: int | None = None  # inside growing(): n before the first deferred population
        self.history_steps = 0
        self._alloc_state()

    # -- construction ------------------------------------------------------------------------------
    def add_population(self, name: str, size: int, params: IzhikevichParams | tuple, tag: int = 0) -> Population:
        """Append `size` neurons with Izhikevich parameters (scalars or arrays of length size)."""
        if name in self.populations:
            raise ValueError(f"name: population {name!r} exists")
        if size < 0:
            raise ValueError(f"size: must be >= 0, got {size}")
        cols = []
        if len(params) != 4:
            raise ValueError(f"params: need the four Izhikevich parameters (a, b, c, d), got {len(params)}")
        for pname, value in zip("abcd", params, strict=True):
            try:
                arr = np.broadcast_to(np.asarray(value, np.float64), (size,))
            except ValueError:
                raise ValueError(f"params.{pname}: shape {np.shape(value)} does not fit {size} neurons") from None
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"params.{pname}: must be finite (got NaN or inf)")
            cols.append(arr)
        pop = Population(name, self.n, size, tag)
        self.populations[name] = pop
        old_n = self.n
        self.n += size
        self.a = np.concatenate([self.a, cols[0]])
        self.b = np.concatenate([self.b, cols[1]])
        self.c = np.concatenate([self.c, cols[2]])
        self.d = np.concatenate([self.d, cols[3]])
        self.tag = np.concatenate([self.tag, np.full(size, tag, np.int64)])
        if self._deferred_from is None:
            self._grow_state(old_n)
        return pop

    @contextlib.contextmanager
    def growing(self) -> Iterator[None]:
        """Add several populations with one re-lay of the per-lane state (each re-lay copies it all)."""
        if self._deferred_from is not None:
            yield
            return
        self._deferred_from = self.n
        try:
            yield
        finally:
            old_n, self._deferred_from = self._deferred_from, None
            if self.n != old_n:
                self._grow_state(old_n)

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
        pre_a, post_a = _as_ids("pre", pre), _as_ids("post", post)
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

    # -- state -------------------------------------------------------------------------------------
    def _alloc_state(self) -> None:
        self.state = LaneState(self.b, self.lanes)  # v, u, synaptic current, post-synaptic trace
        self._traces_used = False
        self.active = np.zeros(0, np.int64)  # flat ids (lane * n + neuron) carried into the next window
        # Spikes in flight: arrival step -> [(group, synapse ids, lanes, flat post ids), ...] in sending order.
        self.queue: dict[int, list[Delivery]] = defaultdict(list)  # single steps (emitted spikes...)
        self._spans: list[Span] = []  # and flushed batches, each sorted by arrival step
        self._emit_steps: set[int] = set()
        self._batches = 0  # batches put into the queue so far
        # Withdrawn senders, sorted by flat id: (flat ids, last batch affected, last step a delivery of
        # theirs that was queued then can arrive).
        self._withdrawn = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        self._pending: dict[str, Pending] = {}  # spikes not yet sorted into the queue, per group
        self._decay_tables: dict[float, np.ndarray] = {}
        self._zero_buf = np.zeros(0, np.int64)
        self._due: float = math.inf  # first step at which a pending spike may arrive
        self._mask = np.zeros(0, bool)  # scratch for the union of active ids
        self._mark = np.zeros(0, bool)  # scratch for sets of (lane, synapse) trace indices
        self.hist_step = np.zeros(0, np.int64)
        self.hist_flat = np.zeros(0, np.int64)
        self.traces: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _grow_state(self, old_n: int) -> None:
        """Re-lay the per-lane state for a larger n (populations were appended)."""
        if old_n == 0 or self.lanes * old_n == 0:
            self._alloc_state()
            return
        new_n = self.n
        self.state.relabel(old_n, new_n, self.b)

        def reflat(flat: np.ndarray) -> np.ndarray:
            return (flat // old_n) * new_n + flat % old_n

        self.active = reflat(self.active)
        self.hist_flat = reflat(self.hist_flat)
        for t, entries in self.queue.items():
            self.queue[t] = [e._replace(post=reflat(e.post)) for e in entries]
        for span in self._spans:
            span.delivery = span.delivery._replace(post=reflat(span.delivery.post))
        for p in self._pending.values():
            p.flats = [reflat(f) for f in p.flats]
            p.dropped = [(reflat(f), before) for f, before in p.dropped]
        self._withdrawn = (reflat(self._withdrawn[0]), self._withdrawn[1], self._withdrawn[2])

    def reset_state(self) -> None:
        """Neurons back to their initial state, no spikes in flight, the clock back to 0; synapses and rule
        counts are kept.  (The neuron state only holds touched neurons: clearing it is free; traces are
        rewritten only if STDP used them.)"""
        self.state.clear()
        self.t = 0
        self.active = np.zeros(0, np.int64)
        self.queue.clear()
        self._spans = []
        self._emit_steps.clear()
        self._withdrawn = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        self._pending.clear()
        self._due = math.inf
        self.hist_step = np.zeros(0, np.int64)
        self.hist_flat = np.zeros(0, np.int64)
        if self._traces_used:
            for x, tx in self.traces.values():
                x[:] = 0.0
                tx[:] = NO_STEP
        self._traces_used = False

    def _trace(self, group: Synapses) -> tuple[np.ndarray, np.ndarray]:
        """Per-lane pre-synaptic traces of a plastic group, grown to its size."""
        self._traces_used = True
        if group.name in self.traces:
            x, tx = self.traces[group.name]
        else:
            x, tx = np.zeros((self.lanes, 0)), np.zeros((self.lanes, 0), np.int32)
        if x.shape[1] < group.n:
            # (grown by a quarter: these arrays are lanes x synapses; steps as int32, below 2**31)
            extra = max(group.n - x.shape[1], x.shape[1] // 4, 1024)
            x = np.concatenate([x, np.zeros((self.lanes, extra))], axis=1)
            tx = np.concatenate([tx, np.full((self.lanes, extra), NO_STEP, np.int32)], axis=1)
            self.traces[group.name] = (x, tx)
        return x, tx

    # -- reading the state ------------------------------------------------------------------------
    @property
    def v(self) -> np.ndarray:
        """Membrane potential of every flat id (lane * n + neuron): a copy, for inspection."""
        return self.state.full("v")

    @property
    def u(self) -> np.ndarray:
        return self.state.full("u")

    @property
    def i_syn(self) -> np.ndarray:
        return self.state.full("i_syn")

    @property
    def y(self) -> np.ndarray:
        """Post-synaptic STDP trace of every flat id, as of its last update (step `ty`)."""
        return self.state.full("y")

    @property
    def ty(self) -> np.ndarray:
        return self.state.full("ty")

    def potential(self, neurons, lane: int = 0) -> np.ndarray:
        """Membrane potential of the given neurons in one lane."""
        return self.state.get(lane * self.n + np.asarray(neurons, np.int64), "v")[0]

    # -- simulation --------------------------------------------------------------------------------
    def run(
        self,
        n_steps: int,
        neurons=None,
        currents=None,
        lanes=None,
        plastic: bool = True,
        grow: bool = True,
        clamped: bool = False,
        noise: tuple[float, np.random.Generator] | None = None,
    ) -> SpikeRecord:
        """Advance `n_steps` steps.  `neurons[i]` in lane `lanes[i]` (default 0) receives `currents[i]`
        held over the window, or `currents[step, i]` if currents is 2-D.  With plastic=False, STDP is off;
        with grow=False, creation rules are not applied.  With clamped=True the network is clamped to its
        external input (teacher forcing): spikes still travel and drive STDP, but synaptic current does not
        reach the membranes, so firing is set by the input alone (plastic=False also leaves the STDP
        traces alone: spikes of such a window take no part in later STDP).  noise = (sigma, generator) adds
        sigma * N(0, 1) to the input current of every active neuron at every step (background activity; the
        seeded generator keeps runs reproducible).  Returns the window's spikes.

        Order within a step t: spikes due at t arrive (synaptic current += w; pre-synaptic STDP trace and
        depression), every active neuron takes its Euler step (v first, then u with the new v), neurons with
        v >= V_PEAK spike and reset, their spikes are scheduled (a delay-0 synapse delivers at once, after the
        membrane update, so it reaches the membrane from step t + 1), post-synaptic STDP (potentiation), and
        finally the synaptic current decays by exp(-dt / tau_syn)."""
        if n_steps < 0:
            raise ValueError(f"n_steps: must be >= 0, got {n_steps}")
        n_steps = int(n_steps)
        if self.t + n_steps >= 2**31:
            raise ValueError("n_steps: the network's clock would pass 2**31 steps (reset_state() restarts it)")
        n = self.n
        neurons = _as_ids("neurons", np.zeros(0, np.int64) if neurons is None else neurons)
        lanes_a = np.zeros(neurons.size, np.int64) if lanes is None else _as_ids("lanes", lanes)
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
        stim_flat = lanes_a * n + neurons

        t_end = self.t + n_steps
        if not plastic and not clamped and not (grow and self.rules) and self.fixed_windows:
            sim, steps, flats = self._window_fixed(n_steps, stim_flat, cur, per_step, noise)
        else:
            sim, steps, flats = self._window_stepwise(n_steps, stim_flat, cur, per_step, noise, plastic, clamped)
        sim.write_back()
        # Carry over neurons that are not at rest.
        moving = (np.abs(sim.dv) >= SETTLED_DV) | (np.abs(sim.i_syn) >= 1e-6)
        if not per_step:
            moving |= sim.ext != 0
        self.active = sim.flat[moving]
        # Keep a spike history long enough for delays and coincidence windows.
        self.hist_step = np.concatenate([self.hist_step, steps])
        self.hist_flat = np.concatenate([self.hist_flat, flats])
        keep = self.hist_step >= t_end - max(self.history_steps, 1) - n_steps
        self.hist_step, self.hist_flat = self.hist_step[keep], self.hist_flat[keep]
        if grow and self.rules and flats.size:
            self._apply_rules(t_end - n_steps, t_end, plastic)
        return SpikeRecord(steps, flats // n if n else flats, flats % n if n else flats)

    def _external(self, sim: Local, stim_flat: np.ndarray, cur: np.ndarray, per_step: bool):
        """Local indices of the stimulated neurons, and a function giving the external input of step k."""
        stim_local = sim.ensure(stim_flat)
        if not per_step:
            ext = np.zeros(sim.size)
            np.add.at(ext, stim_local, cur)
            sim.ext = ext
            return lambda k: ext
        unique = stim_local.size == 0 or np.bincount(stim_local).max() == 1

        def at(k: int) -> np.ndarray:
            ext = np.zeros(sim.size)
            if unique:
                ext[stim_local] = cur[k]
            else:
                np.add.at(ext, stim_local, cur[k])
            sim.ext = ext
            return ext
        return at

    def _window_stepwise(self, n_steps: int, stim_flat: np.ndarray, cur: np.ndarray, per_step: bool, noise,
                         plastic: bool, clamped: bool) -> tuple[Local, np.ndarray, np.ndarray]:
        """The general window: deliveries, STDP and creation step by step.  Clamped (and without noise), the
        synaptic side is computed once after the neurons ran (see _window_synapses)."""
        # Local (active) arrays: the neurons carried over plus the stimulated ones, in id order.
        sim = Local(self, self._union(self.active, stim_flat))
        external = self._external(sim, stim_flat, cur, per_step)
        rec_step: list[np.ndarray] = []
        rec_flat: list[np.ndarray] = []
        t0 = self.t
        t_end = t0 + n_steps
        last = n_steps - 1
        emitted = any(t0 <= s < t_end for s in self._emit_steps)
        batched = clamped and noise is None and self.batch_clamped and not emitted
        # No spike of the window can arrive inside it (every delay is at least the window): its deliveries are
        # all in the queue now, and are taken at once, one per group and step.
        ahead = (not batched and not emitted and self.prefetch_windows
                 and all(g.min_delay >= n_steps for g in self.groups.values() if g.n))
        if ahead:
            self._flush(t_end - 1)
            due = self._window_deliveries(t0, t_end)
        for k in range(n_steps):
            t = self.t
            if per_step:
                external(k)
            if ahead:
                if due[k]:
                    self._deliver_batch(sim, due[k], t, plastic, clamped)
            elif not batched:
                if self._due <= t:
                    self._flush(t)
                arrivals = self._take(t)
                if arrivals:
                    self._deliver(sim, arrivals, t, plastic, clamped)
            fired = sim.step(None if noise is None else noise[1].normal(0.0, noise[0], sim.size), k == last)
            if fired.size:
                flat = sim.flat[fired]
                rec_step.append(np.full(fired.size, t, np.int64))
                rec_flat.append(flat)
                if batched:
                    self._schedule(flat, t)
                else:
                    self._on_spikes(sim, flat, t, plastic, clamped, now=not ahead)
            if self.syn_decay != 1.0:
                sim.i_syn *= self.syn_decay
            self.t = t + 1
        steps = np.concatenate(rec_step) if rec_step else np.zeros(0, np.int64)
        flats = np.concatenate(rec_flat) if rec_flat else np.zeros(0, np.int64)
        if batched:
            self._window_synapses(t0, t_end, steps, flats, plastic)
        return sim, steps, flats

    def _window_fixed(self, n_steps: int, stim_flat: np.ndarray, cur: np.ndarray, per_step: bool, noise
                      ) -> tuple[Local, np.ndarray, np.ndarray]:
        """A window with fixed weights (no STDP, no creation): every neuron a spike could reach within the
        window is gathered first (the closure of the active, stimulated and receiving neurons under synapses
        shorter than the window), their synapses into one local table, and deliveries inside the window go
        through a (step x neuron) input table instead of the queue.  Same dynamics as step by step: a
        neuron is stepped (and gets noise) from its first input on, as there."""
        t0, n, L = self.t, self.n, n_steps
        t_end = t0 + n_steps
        self._flush()
        arrivals, sizes, a_step = self._take_window(t0, t_end)
        self._emit_steps.difference_update(range(t0, t_end))
        start = self._union(self.active, stim_flat)
        a_pre, a_w = self._per_group(arrivals, sizes, "_pre", "_w") if arrivals else (None, None)
        kept = self._kept(arrivals, sizes, t0, a_pre) if arrivals and self._withdrawn[0].size else None
        received = np.concatenate([e.post for e in arrivals]) if arrivals else np.zeros(0, np.int64)
        if kept is not None:  # (withdrawn deliveries: they neither arrive nor wake anyone)
            received = received[kept]
        local, short = self._reach(self._union(start, received), n_steps)
        sim = Local(self, local)
        external = self._external(sim, stim_flat, cur, per_step)
        size = sim.size
        i_syn_pad = np.zeros(size + 1)  # the local synaptic current, and a last cell for padding
        i_syn_pad[:size] = sim.i_syn
        sim.i_syn = i_syn_pad[:size]

        def loc(flat: np.ndarray) -> np.ndarray:
            return flat if sim.identity else sim.locate(flat)
        # Local synapse table: the synapses shorter than the window that _reach found, by local index.
        pre_l, post_l, w_l, d_l = [], [], [], []
        for group, syn, pre in short:
            if syn.size:
                pre_l.append(loc(pre))
                post_l.append(loc((pre // n) * n + group._post[syn]))
                w_l.append(group._w[syn])
                d_l.append(group._delay[syn])
        table_syn = LocalSynapses(pre_l, post_l, w_l, d_l, size, L, self.syn_decay) if pre_l else None
        # Input table: arrivals of spikes sent before the window, then of the window's own spikes.
        table = np.zeros(L * size + 1)  # (step x neuron) input, and a last cell for what falls past the window
        rows = table[:L * size].reshape(L, size)
        never = np.int64(L + 1)
        wake = np.full(size, never)
        wake[loc(start)] = 0
        if arrivals:
            if kept is not None:
                a_step, a_w = a_step[kept], a_w[kept]
            a_post = loc(received)
            np.add.at(table, a_step * size + a_post, a_w)
            np.minimum.at(wake, a_post, a_step)
        awake = wake <= 0
        next_wake = int(wake[~awake].min(initial=never))
        wakers = table_syn.wakers(awake) if table_syn is not None else None
        sim.sleep(awake)
        # (the noise of every step drawn at once: the same values as step by step; sigma * N(0, 1) is what
        # normal(0, sigma) computes, a little faster)
        noise_rows = noise[1].standard_normal((L, size)) * noise[0] if noise is not None else None
        decay = self.syn_decay
        i_syn = sim.i_syn
        rec_step: list[int] = []
        rec_local: list[np.ndarray] = []
        last = n_steps - 1
        for k in range(n_steps):
            if per_step:
                external(k)
            if k >= next_wake:
                awake = wake <= k
                next_wake = int(wake[~awake].min(initial=never))
                wakers = table_syn.wakers(awake) if table_syn is not None else None
                sim.sleep(awake)
            i_syn += rows[k]
            fired = sim.step(None if noise_rows is None else noise_rows[k], k == last)
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
        self.t = t_end
        steps = np.repeat(np.array(rec_step, np.int64), [f.size for f in rec_local])
        flats = sim.flat[np.concatenate(rec_local)] if rec_local else np.zeros(0, np.int64)
        # Deliveries past the window go to the queue as usual (those inside it were made above): per group,
        # the spikes late enough for its longest delay to reach past the window.
        for group in self.groups.values():
            if not group.n or not steps.size:
                continue
            first = int(np.searchsorted(steps, t_end - group.max_delay))  # (steps are in time order)
            if first == steps.size:
                continue
            p = self._pending[group.name] = Pending(group, int(steps[first]), not_before=t_end)
            p.steps.append(steps[first:])  # (one chunk, a step per spike)
            p.flats.append(flats[first:])
            p.sizes.append(group.n)
            self._due = min(self._due, p.first + group.min_delay)
        return sim, steps, flats

    def _take_window(self, t0: int, t_end: int) -> tuple[list[Delivery], list[int], np.ndarray]:
        """The deliveries due in [t0, t_end), taken from the queue in sending order (batch: so that what
        reaches one neuron at one step adds up in the order it would step by step), their sizes, and the
        arrival step of each synapse, counted from t0."""
        chunks: list[tuple[int, int | np.ndarray, Delivery]] = [
            (e.batch, t, e) for t in range(t0, t_end) for e in self.queue.pop(t, ())]
        for span in self._spans:
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

    def _window_deliveries(self, t0: int, t_end: int) -> list[list[Delivery]]:
        """The deliveries due in [t0, t_end) (withdrawn ones left out), as they would be taken step by
        step: per step, one per group (in the order groups were added), each in sending order."""
        arrivals, sizes, at = self._take_window(t0, t_end)
        span = t_end - t0
        due: list[list[Delivery]] = [[] for _ in range(span)]
        if not arrivals:
            return due
        kept = self._kept(arrivals, sizes, t0) if self._withdrawn[0].size else None
        rank = {name: i for i, name in enumerate(self.groups)}
        cell = np.repeat(np.array([rank[e.group.name] for e in arrivals], np.int64), sizes) * span + at
        syn, post = (np.concatenate([getattr(e, f) for e in arrivals]) for f in ("syn", "post"))
        lanes = np.concatenate([e.lanes for e in arrivals]) if self.lanes > 1 else None
        if kept is not None:
            cell, syn, post = cell[kept], syn[kept], post[kept]
            lanes = lanes[kept] if lanes is not None else None
        # By group, then step; sending order kept within (a stable sort: a radix sort on 16-bit keys).
        order = np.argsort(cell.astype(np.int16) if len(self.groups) * span < 32768 else cell, kind="stable")
        cell, syn, post = cell[order], syn[order], post[order]
        lanes = lanes[order] if lanes is not None else self._zeros(syn.size)
        groups = list(self.groups.values())
        bounds = np.searchsorted(cell, np.arange(len(groups) * span + 1)).tolist()
        for g, group in enumerate(groups):
            for k in range(span):
                a, b = bounds[g * span + k], bounds[g * span + k + 1]
                if b > a:
                    due[k].append(Delivery(group, syn[a:b], lanes[a:b], post[a:b], -1))
        return due

    def _reach(self, flat: np.ndarray, n_steps: int) -> tuple[np.ndarray, list[tuple[Synapses, np.ndarray,
                                                                                       np.ndarray]]]:
        """Sorted flat ids of the given neurons and of every neuron a spike of theirs can reach through
        synapses shorter than n_steps (transitively), and those synapses: (group, synapse ids, flat pre ids)
        for every neuron reached (each neuron is a frontier once, so each synapse is found once)."""
        n = self.n
        seen = flat
        frontier = flat
        short = [g for g in self.groups.values() if g.n and g.min_delay < n_steps]
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
            frontier = targets[~_member(targets, seen)]
            seen = self._union(seen, frontier)
        return seen, synapses

    def _union(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
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

    def cancel_from(self, neurons, lane: int = 0) -> None:
        """Drop the deliveries still in flight from the given neurons in one lane (lateral inhibition of
        a winner-takes-all: the losers' spikes never reach their targets).  Spikes waiting to be sorted into
        the queue are marked; deliveries already in it are filtered when their step comes (_take)."""
        drop = np.unique(np.asarray(neurons, np.int64))
        if drop.size == 0:
            return
        flats = lane * self.n + drop
        for p in self._pending.values():
            p.dropped.append((flats, self.t))
        if self.queue or self._spans:  # (each neuron keeps its latest withdrawal: it covers the earlier ones)
            until = max(max(self.queue, default=self.t), max((span.last for span in self._spans), default=self.t))
            w_flat, w_batch, w_t = self._withdrawn
            old = ~_member(w_flat, flats)
            w_flat = np.concatenate([w_flat[old], flats])
            order = np.argsort(w_flat)
            self._withdrawn = (w_flat[order],
                               np.concatenate([w_batch[old], np.full(flats.size, self._batches)])[order],
                               np.concatenate([w_t[old], np.full(flats.size, until)])[order])

    def _kept(self, arrivals: list[Delivery], sizes: list[int], t: int, pre: np.ndarray | None = None
              ) -> np.ndarray:
        """Mask over the concatenated deliveries of `arrivals`: those not withdrawn since their batch entered
        the queue (cancel_from).  `pre`: their pre-synaptic ids, if known."""
        w_flat, w_batch, w_t = self._withdrawn
        recent = w_t >= t  # (the others: every delivery they covered has arrived)
        if not recent.all():
            w_flat, w_batch, w_t = self._withdrawn = (w_flat[recent], w_batch[recent], w_t[recent])
        pre = self._per_group(arrivals, sizes, "_pre")[0] if pre is None else pre.copy()
        pre += np.concatenate([e.lanes for e in arrivals]) * self.n
        batch = np.repeat(np.array([e.batch for e in arrivals], np.int64), sizes)
        pos = np.minimum(np.searchsorted(w_flat, pre), max(w_flat.size - 1, 0))
        if not w_flat.size:
            return np.ones(pre.size, bool)
        return ~((w_flat[pos] == pre) & (batch <= w_batch[pos]))

    @staticmethod
    def _per_group(arrivals: list[Delivery], sizes: list[int], *fields: str) -> list[np.ndarray]:
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

    def _take(self, t: int) -> list[Delivery]:
        """The deliveries due at step t, without those withdrawn since their batch entered the queue."""
        entries = self.queue.pop(t, None) or []
        if self._spans:
            due = [e for e in (span.take(t) for span in self._spans) if e is not None]
            if due:
                self._prune_spans()
                entries = sorted(entries + due, key=lambda e: e.batch) if entries else due  # (sending order)
        if not entries or not self._withdrawn[0].size:
            return entries
        kept = self._kept(entries, [e.syn.size for e in entries], t)
        out, at = [], 0
        for e in entries:
            keep = kept[at:at + e.syn.size]
            at += e.syn.size
            if keep.all():
                out.append(e)
            elif keep.any():
                out.append(e._replace(syn=e.syn[keep], lanes=e.lanes[keep], post=e.post[keep]))
        return out

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
        self.state.set(flat, v=V_INIT, u=self.b[flat % self.n] * V_INIT, i_syn=0.0)
        self.active = self.active[~_member(self.active, flat)]

    def emit(self, neurons, steps, lane: int = 0) -> None:
        """Send spikes from neurons at absolute steps through their outgoing synapses without touching
        their state (a clamped neuron's output).  A spike is delivered at step + delay; deliveries due
        before the network's current step are never made."""
        neurons = _as_ids("neurons", neurons)
        if neurons.size and (neurons.min() < 0 or neurons.max() >= self.n):
            raise ValueError(f"neurons: ids must lie in 0..{self.n - 1}")
        if not 0 <= lane < self.lanes:
            raise ValueError(f"lane: must lie in 0..{self.lanes - 1}, got {lane}")
        try:
            steps = np.broadcast_to(_as_ids("steps", steps), neurons.shape)
        except ValueError as exc:
            if str(exc).startswith("steps:"):
                raise
            raise ValueError(f"steps: shape does not match neurons {neurons.shape}") from None
        self._flush()  # spikes already sent go first
        self._batches += 1
        for group in self.groups.values():
            if group.n == 0:
                continue
            syn, src = group.outgoing(neurons)
            if not syn.size:
                continue
            arrival = steps[src] + group._delay[syn]
            # One entry per emitted spike and arrival step (so no entry repeats a synapse).
            key = src * (group.max_delay + 1) + group._delay[syn]
            order = np.argsort(key, kind="stable")
            key, syn, arrival = key[order], syn[order], arrival[order]
            cuts = np.flatnonzero(key[1:] != key[:-1]) + 1
            posts = lane * self.n + group._post[syn]
            for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), key.size], strict=True):
                t = int(arrival[a])
                self.queue[t].append(Delivery(group, syn[a:b], np.full(b - a, lane, np.int64), posts[a:b],
                                               self._batches))
                # An emitted spike may repeat a synapse already due at that step: deliver one entry at a time.
                self._emit_steps.add(t)

    def _deliver(self, sim: Local, arrivals, t: int, plastic: bool, clamped: bool = False) -> None:
        """Spikes due at step t.  Entries are (group, synapse ids, lanes, flat post ids), in the order they
        were sent; a synapse occurs at most once per step and lane unless emit() sent it again."""
        if t in self._emit_steps:
            self._emit_steps.discard(t)
            for entry in arrivals:
                self._deliver_batch(sim, [entry], t, plastic, clamped)
        else:
            self._deliver_batch(sim, arrivals, t, plastic, clamped)

    def _deliver_batch(self, sim: Local, entries, t: int, plastic: bool, clamped: bool) -> None:
        """Deliver entries group by group (groups in creation order, each in sending order): synaptic
        current += w (weights as they are before this step's depression, which touches only the synapses
        delivering now, each once), then the pre-synaptic side of STDP."""
        if len(entries) == 1:
            batches = [entries[0]]
        else:
            by_group: dict[str, list] = {}
            for e in entries:
                by_group.setdefault(e[0].name, []).append(e)
            if not clamped and len(by_group) > 1:
                sim.ensure(np.concatenate([e[3] for e in entries]))  # new neurons in order of arrival
            batches = []
            for name in self.groups:
                es = by_group.get(name)
                if es is None:
                    continue
                if len(es) == 1:
                    batches.append(es[0])
                else:
                    syn = np.concatenate([e[1] for e in es])
                    lanes = self._zeros(syn.size) if self.lanes == 1 else np.concatenate([e[2] for e in es])
                    batches.append(Delivery(es[0][0], syn, lanes, np.concatenate([e[3] for e in es]), -1))
        for group, syn, lanes, post_flat, _ in batches:
            if not clamped:
                loc = sim.ensure(post_flat)  # (may grow sim.i_syn: take the index first)
                np.add.at(sim.i_syn, loc, group._w[syn])
            if plastic and group.stdp is not None:
                self._depress(group, syn, lanes, post_flat, t, unique=self.lanes == 1 and t not in self._emit_steps)

    def _depress(self, group: Synapses, syn: np.ndarray, lanes: np.ndarray, post_flat: np.ndarray, t: int,
                 unique: bool = False) -> None:
        """Pre-synaptic side of STDP at arrival: bump the trace; depression by post spikes strictly before
        this arrival (s < 0).  unique: no synapse occurs twice in syn (one lane, nothing emitted)."""
        stdp = group.stdp
        x, tx = self._trace(group)
        k = syn if self.lanes == 1 else lanes * x.shape[1] + syn
        xf, txf = x.reshape(-1), tx.reshape(-1)
        decay = self._decay(stdp.tau)  # (take with mode="clip": the last entry, 0.0, for longer gaps)
        xf[k] = xf[k] * decay.take(t - txf[k], mode="clip") + 1.0
        txf[k] = t
        y, ty = self.state.get(post_flat, "y", "ty")
        ypost = y * decay.take(t - ty, mode="clip")
        if ypost.max() > 0:  # (traces are >= 0: same as any(> 0), cheaper)
            _add_clipped(group._w, syn, -stdp.a_minus * ypost, stdp, unique)

    def _schedule(self, flat: np.ndarray, t: int) -> list[Synapses]:
        """Queue the spikes of step t for delivery, lazily: a group's spikes wait (with the group's size at
        the time, so that synapses created later do not carry them) until the group's shortest delay says
        the first of them may arrive; then the whole batch is sorted into the queue at once.  Returns the
        groups that have synapses."""
        groups = [g for g in self.groups.values() if g.n]
        for group in groups:
            p = self._pending.get(group.name)
            if p is None:
                p = self._pending[group.name] = Pending(group, t)
            p.steps.append(t)
            p.flats.append(flat)
            p.sizes.append(group.n)
            self._due = min(self._due, p.first + group.min_delay)
        return groups

    def _on_spikes(self, sim: Local, flat: np.ndarray, t: int, plastic: bool, clamped: bool = False,
                   now: bool = True) -> None:
        """The spikes of step t: scheduled, delay-0 deliveries made (unless `now` is False: none can be
        due), then STDP."""
        n = self.n
        lanes, ids = flat // n, flat % n
        groups = self._schedule(flat, t)
        if now:
            if self._due <= t:
                self._flush(t)
            # Delay-0 synapses deliver now (after this step's membrane update, before potentiation, so that
            # a pair at s = 0 counts once, as potentiation).
            arrivals = self._take(t)
            if arrivals:
                self._deliver(sim, arrivals, t, plastic, clamped)
        if plastic:
            # Potentiation: arrivals at or before now (s >= 0).
            for group in groups:
                stdp = group.stdp
                if stdp is None:
                    continue
                syn, src = group.incoming(ids)
                if not syn.size:
                    continue
                x, tx = self._trace(group)
                k = syn if self.lanes == 1 else lanes[src] * x.shape[1] + syn
                xf, txf = x.reshape(-1), tx.reshape(-1)
                decay = self._decay(stdp.tau)
                xv = xf[k] * decay.take(t - txf[k], mode="clip")
                if xv.max() > 0:
                    # (one spike per neuron and lane: a synapse occurs once per lane)
                    _add_clipped(group._w, syn, stdp.a_plus * xv, stdp, self.lanes == 1)
        # Post-synaptic traces (after potentiation, so a pair at s = 0 counts once, as potentiation).
        if plastic:
            decay = self._decay(self._post_tau())
            y, ty = self.state.get(flat, "y", "ty")
            self.state.set(flat, y=y * decay.take(t - ty, mode="clip") + 1.0, ty=t)

    def _decay(self, tau: float) -> np.ndarray:
        """exp(-d dt / tau) for whole steps d = 0, 1, ..., up to the first d where it is exactly 0.0 (so
        that table[min(d, last)] is exp(-d dt / tau) for every d >= 0), computed by the same formula."""
        table = self._decay_tables.get(tau)
        if table is None:
            size = int(math.ceil(746.0 * tau / self.dt)) + 2
            if size > 4_000_000:
                raise ValueError(f"stdp.tau: {tau} ms is too long for dt = {self.dt} ms")
            table = np.exp(-np.arange(size, dtype=np.int64) * self.dt / tau)
            table[-1] = 0.0
            self._decay_tables[tau] = table
        return table

    def _post_tau(self) -> float:
        """Time constant of the per-neuron post-synaptic trace: that of the plastic groups (they share one)."""
        return next((g.stdp.tau for g in self.groups.values() if g.stdp is not None), 5.0)

    def _window_synapses(self, t0: int, t1: int, steps: np.ndarray, flats: np.ndarray, plastic: bool) -> None:
        """The synaptic side of a clamped window [t0, t1), after its neurons ran: deliveries due in the
        window, STDP and the traces, computed at once.  Clamped, a delivery cannot change firing, so doing
        this after the fact gives what step-by-step processing gives: each synapse's weight changes are
        applied in time order (arrivals before the potentiation of the same step, every lane's change of
        one step summed and then clipped, as step by step), with trace values summed from the spike times.
        """
        self._flush()
        by_group: dict[str, list[tuple[int, tuple]]] = defaultdict(list)
        for t in range(t0, t1):
            for entry in self._take(t):
                by_group[entry[0].name].append((t, entry))
        if plastic:
            # The window's spikes sorted by (neuron, step): a neuron's spikes before a step are one range.
            span = t1 - t0
            s_key = flats * span + (steps - t0)
            order = np.argsort(s_key, kind="stable")
            s_key, s_step = s_key[order], steps[order]
            for group in self.groups.values():
                if group.stdp is not None and group.n:
                    self._window_stdp(group, by_group.get(group.name, []), steps, flats, s_key, s_step, t0, t1)
        if plastic:
            self._post_traces(steps, flats)

    def _post_traces(self, steps: np.ndarray, flats: np.ndarray) -> None:
        """Post-synaptic traces after a window's spikes, as after each neuron's last spike."""
        if not flats.size:
            return
        decay = self._decay(self._post_tau())
        uniq, inv = np.unique(flats, return_inverse=True)
        t_last = np.zeros(uniq.size, np.int64)
        np.maximum.at(t_last, inv, steps)
        y, ty = self.state.get(uniq, "y", "ty")
        y = y * decay.take(t_last - ty, mode="clip")
        y += np.bincount(inv, weights=decay.take(t_last[inv] - steps, mode="clip"), minlength=uniq.size)
        self.state.set(uniq, y=y, ty=t_last)

    def _window_stdp(self, group: Synapses, entries: list[tuple[int, tuple]], steps: np.ndarray,
                     flats: np.ndarray, s_key: np.ndarray, s_step: np.ndarray, t0: int, t1: int) -> None:
        """STDP of one plastic group over a clamped window (see _window_synapses)."""
        stdp, n, span = group.stdp, self.n, t1 - t0
        decay = self._decay(stdp.tau)
        x, tx = self._trace(group)
        cap = x.shape[1]
        xf, txf = x.reshape(-1), tx.reshape(-1)
        keys, dws = [], []
        # Arrivals: depression by the post-synaptic trace just before them (post spikes strictly earlier).
        if entries:
            a_step = np.repeat(np.array([t for t, _ in entries], np.int64), [e.syn.size for _, e in entries])
            a_syn = np.concatenate([e[1] for t, e in entries])
            a_lane = np.concatenate([e[2] for t, e in entries])
            a_post = np.concatenate([e[3] for t, e in entries])
            y, ty = self.state.get(a_post, "y", "ty")
            y = y * decay.take(a_step - ty, mode="clip")
            lo = np.searchsorted(s_key, a_post * span, "left")
            hi = np.searchsorted(s_key, a_post * span + (a_step - t0), "left")
            qi, ji = expand_ranges(lo, hi)
            if qi.size:
                y += np.bincount(qi, weights=decay.take(a_step[qi] - s_step[ji], mode="clip"), minlength=y.size)
            phase = (group._delay[a_syn] == 0).astype(np.int64)  # a delay-0 arrival comes after the update
            hit = y > 0  # (a zero change leaves a weight that is already within its bounds alone)
            keys.append(a_syn[hit] * (3 * span) + (a_step[hit] - t0) * 3 + phase[hit])
            dws.append(-stdp.a_minus * y[hit])
            # The pre-synaptic trace of each (lane, synapse): its arrivals sorted by time.
            a_k = a_lane * cap + a_syn
            a_order = np.argsort(a_k * span + (a_step - t0))  # (unique keys: one arrival per lane, synapse, step)
            ak_sorted = (a_k * span + (a_step - t0))[a_order]
            a_step_sorted = a_step[a_order]
        # Potentiation at each post spike, by the pre-synaptic traces then (arrivals at or before it).
        # (incoming synapses looked up once per firing neuron and lane, then paired with its spikes)
        u_flat, u_first, u_count = np.unique(s_key // span, return_index=True, return_counts=True)
        syn, src = group.incoming(u_flat % n)
        if syn.size:
            k = (u_flat[src] // n) * cap + syn
            # Only synapses with a pre-synaptic trace (an arrival before or in this window) can change.
            live = xf[k] > 0
            if entries:
                mark = self._trace_mark(xf.size)
                mark[a_k] = True
                live |= mark[k]
                mark[a_k] = False
            syn, src, k = syn[live], src[live], k[live]
            # every spike of the neuron: s_step[u_first[src] + j] for j < u_count[src]
            _, ji = expand_ranges(u_first[src], u_first[src] + u_count[src])
            rep = u_count[src]
            syn, k = np.repeat(syn, rep), np.repeat(k, rep)
            p_step = s_step[ji]
            xv = xf[k] * decay.take(p_step - txf[k], mode="clip")
            if entries:
                lo = np.searchsorted(ak_sorted, k * span, "left")
                hi = np.searchsorted(ak_sorted, k * span + (p_step - t0), "right")
                qi, ji = expand_ranges(lo, hi)
                if qi.size:
                    xv += np.bincount(qi, weights=decay.take(p_step[qi] - a_step_sorted[ji], mode="clip"),
                                      minlength=xv.size)
            keys.append(syn * (3 * span) + (p_step - t0) * 3 + 2)
            dws.append(stdp.a_plus * xv)
        if keys and sum(k.size for k in keys):
            # One change per (synapse, step, phase), all lanes summed; applied in time order with clipping.
            uk, inv = np.unique(np.concatenate(keys), return_inverse=True)
            dw = np.bincount(inv, weights=np.concatenate(dws), minlength=uk.size)
            u_syn = uk // (3 * span)
            first = np.r_[True, u_syn[1:] != u_syn[:-1]]
            starts = np.flatnonzero(first)
            rank = np.arange(uk.size) - np.repeat(starts, np.diff(np.r_[starts, uk.size]))
            w = group._w
            for r in range(int(rank.max()) + 1):
                sel = rank == r
                idx = u_syn[sel]
                w[idx] = np.minimum(np.maximum(w[idx] + dw[sel], stdp.w_min), stdp.w_max)
        if entries:
            # Pre-synaptic traces as after each (lane, synapse)'s last arrival.
            ak = ak_sorted // span
            last = np.r_[ak[1:] != ak[:-1], True]
            ends = np.flatnonzero(last)
            grp = np.repeat(np.arange(ends.size), np.diff(np.r_[-1, ends]))
            t_last = a_step_sorted[ends]
            kk = ak[ends]
            xv = xf[kk] * decay.take(t_last - txf[kk], mode="clip")
            xv += np.bincount(grp, weights=decay.take(t_last[grp] - a_step_sorted, mode="clip"), minlength=ends.size)
            xf[kk] = xv
            txf[kk] = t_last

    def _trace_mark(self, size: int) -> np.ndarray:
        """A scratch boolean array of at least `size` entries, all False (callers restore that)."""
        if self._mark.size < size:
            self._mark = np.zeros(max(size, 2 * self._mark.size), bool)
        return self._mark

    def _flush(self, t: int | None = None) -> None:
        """Put the pending spikes of every group due by step t (all groups if t is None) into the queue:
        one entry per (group, arrival step), synapses in sending order (spike step, spiking neuron, synapse
        id)."""
        n = self.n
        queue = self.queue
        due = math.inf
        for name, p in list(self._pending.items()):
            group = p.group
            if t is not None and p.first + group.min_delay > t:
                due = min(due, p.first + group.min_delay)
                continue
            del self._pending[name]
            if group is not self.groups.get(name) or group.n < max(p.sizes):
                continue  # (the group was replaced or reloaded since: its synapses are not those that were)
            flat, steps = p.spikes()
            sizes = None
            if any(size != group.n for size in p.sizes):
                sizes = np.repeat(p.sizes, [f.size for f in p.flats])
            if p.dropped:
                if steps is None:
                    steps = np.full(flat.size, p.first, np.int64)
                kept = np.ones(flat.size, bool)
                for dropped, before in p.dropped:
                    kept &= ~(_member(flat, dropped) & (steps < before))
                flat, steps = flat[kept], steps[kept]
                sizes = None if sizes is None else sizes[kept]
            syn, src = group.outgoing(flat % n)
            if not syn.size:
                continue
            if sizes is not None:
                # Synapses were created after some of these spikes: those spikes do not use them.
                keep = syn < sizes[src]
                syn, src = syn[keep], src[keep]
                if not syn.size:
                    continue
            if self.lanes == 1:
                ln = self._zeros(syn.size)
                post_flat = group._post[syn]
            else:
                ln = flat[src] // n
                post_flat = ln * n + group._post[syn]
            # Arrival steps lie in [lo, lo + span] (bounds from the group's delays, no pass over the data).
            lo = p.first + group.min_delay
            span = p.last + group.max_delay - lo
            self._batches += 1
            sent = self._batches
            if span == 0:
                if p.not_before is None or lo >= p.not_before:
                    queue[lo].append(Delivery(group, syn, ln, post_flat, sent))
                continue
            if span < 32768 and group.max_delay < 32768:
                # (16-bit keys: numpy's stable sort is then a radix sort, 2-3x faster than on int64)
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
                ln = ln[late] if self.lanes > 1 else self._zeros(syn.size)
                if not syn.size:
                    continue
            order = np.argsort(key, kind="stable")
            key = key[order]
            syn, post_flat = syn[order], post_flat[order]
            ln = ln if self.lanes == 1 else ln[order]  # (one lane: all zeros, a shared view)
            starts = [0, *(np.flatnonzero(key[1:] != key[:-1]) + 1).tolist()]
            self._spans.append(Span(Delivery(group, syn, ln, post_flat, sent), key.astype(np.int64) + lo,
                                     [lo + s for s in key[starts].tolist()], [*starts, key.size]))
        self._due = due

    def _prune_spans(self) -> None:
        """Forget the spans whose deliveries have all been taken."""
        if any(span.done for span in self._spans):
            self._spans = [span for span in self._spans if not span.done]

    def _zeros(self, size: int) -> np.ndarray:
        """A read-only view of `size` int64 zeros (the lane of every delivery when there is one lane)."""
        if self._zero_buf.size < size:
            self._zero_buf = np.zeros(max(size, 2 * self._zero_buf.size), np.int64)
            self._zero_buf.flags.writeable = False
        return self._zero_buf[:size]

    def _apply_rules(self, t0: int, t1: int, plastic: bool) -> None:
        """Count coincidences of spike pairs completed in this window (each pair once, in the window of its
        later spike) and create the synapses that reach their rule's threshold.  Each candidate pair also
        accumulates the STDP of its coincident spike pairs, which a new synapse starts with: it has seen the
        pairs that created it, as its trace would have."""
        n = self.n
        h_step, h_flat = self.hist_step, self.hist_flat
        if h_step.size == 0:
            return
        h_lane, h_id = h_flat // n, h_flat % n
        h_tag = self.tag[h_id]
        big = np.int64(1) << 40
        tag_masks: dict[tuple[int, ...], np.ndarray] = {}
        sorted_pre: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

        def mask(tags: tuple[int, ...]) -> np.ndarray:
            if tags not in tag_masks:
                tag_masks[tags] = np.isin(h_tag, tags)
            return tag_masks[tags]

        for rule in self.rules:
            pre_sel = mask(rule.pre_tags)
            lo_q = min(t0, t0 + rule.delay - rule.window)
            longest = rule.longest
            post_sel = mask(rule.post_tags) & (h_step >= lo_q)
            if not post_sel.any() or not pre_sel.any():
                continue
            if rule.pre_tags not in sorted_pre:  # rules with the same pre tags share one sorted copy
                p_key = h_lane[pre_sel] * big + h_step[pre_sel]
                order = np.argsort(p_key, kind="stable")
                sorted_pre[rule.pre_tags] = (p_key[order], h_step[pre_sel][order], h_id[pre_sel][order])
            p_key, p_step, p_id = sorted_pre[rule.pre_tags]
            q_step, q_lane, q_id = h_step[post_sel], h_lane[post_sel], h_id[post_sel]
            centre = q_lane * big + q_step
            lo = np.searchsorted(p_key, centre - longest - rule.window, "left")
            hi = np.searchsorted(p_key, centre - rule.delay + rule.window, "right")
            counts = hi - lo
            total = int(counts.sum())
            if total == 0:
                continue
            qi = np.repeat(np.arange(q_step.size), counts)
            pi = np.repeat(lo, counts) + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
            new_pair = (q_step[qi] >= t0) | (p_step[pi] >= t0)
            qi, pi = qi[new_pair], pi[new_pair]
            if qi.size == 0:
                continue
            pre, post, lane = p_id[pi], q_id[qi], q_lane[qi]
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
            if pre.size == 0:
                continue
            stdp = rule.target.stdp
            if stdp is not None and plastic:
                sm = s * self.dt
                dw = np.where(sm >= 0, stdp.a_plus * np.exp(-sm / stdp.tau), -stdp.a_minus * np.exp(sm / stdp.tau))
            else:
                dw = np.zeros(s.size)
            uk, first, inv, cnt = np.unique(pair_key(pre, post), return_index=True, return_inverse=True,
                                            return_counts=True)
            sums = np.bincount(inv, weights=dw, minlength=uk.size)
            fresh = ~rule.target.has(uk >> 32, uk & 0xFFFFFFFF)
            made, acc = rule.counts.add(uk[fresh], cnt[fresh], sums[fresh], rule.threshold)
            if made.size:
                d = rule.delay if rule.delay_of is None else delay[first[np.searchsorted(uk, made)]]
                self.connect(rule.target, made >> 32, made & 0xFFFFFFFF, acc, d)


def _add_clipped(w: np.ndarray, syn: np.ndarray, dw: np.ndarray, stdp: STDP, unique: bool) -> None:
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


def _member(x: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """Mask over x: which values occur in sorted_ids (sorted, unique); a binary search, cheaper than np.isin
    on the small arrays of one window."""
    if not sorted_ids.size:
        return np.zeros(x.shape, bool)
    pos = np.searchsorted(sorted_ids, x)
    np.minimum(pos, sorted_ids.size - 1, out=pos)
    return sorted_ids[pos] == x


def _as_ids(name: str, x) -> np.ndarray:
    """A 1-D int64 array of ids or steps from x, with errors that name the argument."""
    try:
        arr = np.atleast_1d(np.asarray(x))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: not an array of integers ({exc})") from None
    if arr.ndim != 1:
        raise ValueError(f"{name}: must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name}: must be whole numbers (got NaN, inf or a fraction)")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{name}: must be integers, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)
