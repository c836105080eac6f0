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
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from modesnn.snn.neurons import V_INIT, V_PEAK, IzhikevichParams
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
class CreationRule:
    """Create a synapse pre -> post (in `target`, with `delay` steps) once the pair has fired together
    `threshold` times: a coincidence is a pre spike at t_pre and a post spike at t_post with
    |t_post - t_pre - delay| <= window steps.  Only neurons whose tag is in pre_tags / post_tags take
    part; `candidates(pre, post, lane)` may narrow the pairs further (returns a bool mask)."""

    target: Synapses
    pre_tags: tuple[int, ...]
    post_tags: tuple[int, ...]
    delay: int
    window: int
    threshold: int = 5
    candidates: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    counts: dict[int, int] = field(default_factory=dict)


@dataclass
class SpikeRecord:
    """Spikes of one window: absolute step, lane and neuron id of each, in time order."""

    step: np.ndarray
    lane: np.ndarray
    neuron: np.ndarray


class Network:
    """Populations, synapse groups and creation rules, simulated window by window."""

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
        for pname, value in zip("abcd", params, strict=True):
            arr = np.broadcast_to(np.asarray(value, np.float64), (size,))
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
        self._grow_state(old_n)
        return pop

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
        pre_a, post_a = np.atleast_1d(np.asarray(pre)), np.atleast_1d(np.asarray(post))
        if pre_a.size and (pre_a.max() >= self.n or post_a.max() >= self.n):
            raise ValueError(f"pre/post: neuron id beyond network size {self.n}")
        idx = group.add(pre, post, weight, delay)
        self.history_steps = max(self.history_steps, int(group.delay.max(initial=0)) + 1)
        return idx

    def add_rule(self, rule: CreationRule) -> CreationRule:
        if rule.delay < 0:
            raise ValueError(f"delay: must be >= 0 steps, got {rule.delay}")
        if rule.window < 0:
            raise ValueError(f"window: must be >= 0 steps, got {rule.window}")
        if rule.threshold < 1:
            raise ValueError(f"threshold: must be >= 1, got {rule.threshold}")
        self.rules.append(rule)
        self.history_steps = max(self.history_steps, rule.delay + rule.window + 1)
        return rule

    # -- state -------------------------------------------------------------------------------------
    def _alloc_state(self) -> None:
        size = self.lanes * self.n
        self.v = np.full(size, V_INIT)
        self.u = np.tile(self.b, self.lanes) * V_INIT
        self.i_syn = np.zeros(size)
        self.y = np.zeros(size)  # post-synaptic STDP trace value
        self.ty = np.full(size, -(10**9), np.int64)  # step of its last update
        self.active = np.zeros(0, np.int64)  # flat ids (lane * n + neuron) carried into the next window
        self.queue: dict[int, list[tuple[Synapses, np.ndarray, np.ndarray]]] = defaultdict(list)
        self.hist_step = np.zeros(0, np.int64)
        self.hist_flat = np.zeros(0, np.int64)
        self.traces: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _grow_state(self, old_n: int) -> None:
        """Re-lay the per-lane state for a larger n (populations were appended)."""
        if old_n == 0 or self.lanes * old_n == 0:
            self._alloc_state()
            return
        new_n, extra = self.n, self.n - old_n

        def regrow(arr: np.ndarray, fill) -> np.ndarray:
            shaped = arr.reshape(self.lanes, old_n)
            pad = np.broadcast_to(np.asarray(fill, arr.dtype), (self.lanes, extra)) if np.ndim(fill) < 2 else fill
            return np.concatenate([shaped, pad], axis=1).reshape(-1)

        self.v = regrow(self.v, V_INIT)
        self.u = regrow(self.u, np.tile(self.b[old_n:] * V_INIT, (self.lanes, 1)))
        self.i_syn = regrow(self.i_syn, 0.0)
        self.y = regrow(self.y, 0.0)
        self.ty = regrow(self.ty, -(10**9))

        def reflat(flat: np.ndarray) -> np.ndarray:
            return (flat // old_n) * new_n + flat % old_n

        self.active = reflat(self.active)
        self.hist_flat = reflat(self.hist_flat)
        for t, entries in self.queue.items():
            self.queue[t] = entries  # entries hold lanes + synapse ids, independent of n

    def reset_state(self) -> None:
        """Neurons back to their initial state, no spikes in flight; synapses and rule counts are kept."""
        self.v[:] = V_INIT
        self.u[:] = np.tile(self.b, self.lanes) * V_INIT
        self.i_syn[:] = 0.0
        self.y[:] = 0.0
        self.ty[:] = -(10**9)
        self.active = np.zeros(0, np.int64)
        self.queue.clear()
        self.hist_step = np.zeros(0, np.int64)
        self.hist_flat = np.zeros(0, np.int64)
        for x, tx in self.traces.values():
            x[:] = 0.0
            tx[:] = -(10**9)

    def _trace(self, group: Synapses) -> tuple[np.ndarray, np.ndarray]:
        """Per-lane pre-synaptic traces of a plastic group, grown to its size."""
        x, tx = self.traces.get(group.name, (np.zeros((self.lanes, 0)), np.zeros((self.lanes, 0), np.int64)))
        if x.shape[1] < group.n:
            extra = max(group.n - x.shape[1], x.shape[1])
            x = np.concatenate([x, np.zeros((self.lanes, extra))], axis=1)
            tx = np.concatenate([tx, np.full((self.lanes, extra), -(10**9), np.int64)], axis=1)
            self.traces[group.name] = (x, tx)
        return x, tx

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
    ) -> SpikeRecord:
        """Advance `n_steps` steps.  `neurons[i]` in lane `lanes[i]` (default 0) receives `currents[i]`
        held over the window, or `currents[step, i]` if currents is 2-D.  With plastic=False, STDP is off;
        with grow=False, creation rules are not applied.  With clamped=True the network is clamped to its
        external input (teacher forcing): spikes still travel and drive STDP, but synaptic current does not
        reach the membranes, so firing is set by the input alone.  Returns the window's spikes."""
        if n_steps < 0:
            raise ValueError(f"n_steps: must be >= 0, got {n_steps}")
        n = self.n
        if neurons is None:
            neurons = np.zeros(0, np.int64)
        neurons = np.atleast_1d(np.asarray(neurons, np.int64))
        lanes_a = np.zeros(neurons.size, np.int64) if lanes is None else np.atleast_1d(np.asarray(lanes, np.int64))
        if lanes_a.shape != neurons.shape:
            raise ValueError(f"lanes: shape {lanes_a.shape} does not match neurons {neurons.shape}")
        if neurons.size and (neurons.min() < 0 or neurons.max() >= n):
            raise ValueError(f"neurons: ids must lie in 0..{n - 1}")
        if lanes_a.size and (lanes_a.min() < 0 or lanes_a.max() >= self.lanes):
            raise ValueError(f"lanes: must lie in 0..{self.lanes - 1}")
        cur = np.zeros(neurons.size) if currents is None else np.asarray(currents, np.float64)
        per_step = cur.ndim == 2
        if per_step and cur.shape != (n_steps, neurons.size):
            raise ValueError(f"currents: shape {cur.shape}, expected ({n_steps}, {neurons.size})")
        if not per_step:
            cur = np.broadcast_to(cur, neurons.shape)
        if not np.all(np.isfinite(cur)):
            raise ValueError("currents: must be finite (got NaN or inf)")
        stim_flat = lanes_a * n + neurons

        # Local (active) arrays.
        act = np.unique(np.concatenate([self.active, stim_flat]))
        local_of = {}
        sim = _Local(self, act)
        local_of = sim.local_of
        stim_local = np.array([local_of[f] for f in stim_flat.tolist()], np.int64)
        if not per_step:
            ext = np.zeros(act.size)
            np.add.at(ext, stim_local, cur)
            sim.ext = ext
        rec_step: list[np.ndarray] = []
        rec_flat: list[np.ndarray] = []
        dt = self.dt
        t_end = self.t + n_steps
        for k in range(n_steps):
            t = self.t
            if per_step:
                sim.ext = np.zeros(sim.size)
                np.add.at(sim.ext, stim_local, cur[k])
            arrivals = self.queue.pop(t, None)
            if arrivals:
                self._deliver(sim, arrivals, t, plastic, clamped)
            # Izhikevich step on the active set (v first, u with the new v).
            v, u = sim.v, sim.u
            v_old = v.copy()
            v += dt * (0.04 * v * v + 5.0 * v + 140.0 - u + sim.ext + sim.i_syn)
            u += dt * sim.a * (sim.b * v - u)
            fired = np.flatnonzero(v >= V_PEAK)
            sim.dv = v - v_old
            if fired.size:
                v[fired] = sim.c[fired]
                u[fired] += sim.d[fired]
                flat = sim.flat[fired]
                rec_step.append(np.full(fired.size, t, np.int64))
                rec_flat.append(flat)
                self._on_spikes(flat, t, plastic)
            sim.i_syn *= self.syn_decay
            self.t = t + 1
        sim.write_back()
        # Carry over neurons that are not at rest.
        moving = (np.abs(sim.dv) >= SETTLED_DV) | (np.abs(sim.i_syn) >= 1e-6)
        if not per_step:
            moving |= sim.ext != 0
        self.active = sim.flat[moving]
        steps = np.concatenate(rec_step) if rec_step else np.zeros(0, np.int64)
        flats = np.concatenate(rec_flat) if rec_flat else np.zeros(0, np.int64)
        # Keep a spike history long enough for delays and coincidence windows.
        self.hist_step = np.concatenate([self.hist_step, steps])
        self.hist_flat = np.concatenate([self.hist_flat, flats])
        keep = self.hist_step >= t_end - max(self.history_steps, 1) - n_steps
        self.hist_step, self.hist_flat = self.hist_step[keep], self.hist_flat[keep]
        if grow and self.rules and flats.size:
            self._apply_rules(t_end - n_steps, t_end, plastic)
        return SpikeRecord(steps, flats // n if n else flats, flats % n if n else flats)

    def cancel_from(self, neurons, lane: int = 0) -> None:
        """Drop the deliveries still in flight from the given neurons in one lane (lateral inhibition of
        a winner-takes-all: the losers' spikes never reach their targets)."""
        drop = np.asarray(neurons, np.int64)
        for t, entries in list(self.queue.items()):
            kept = []
            for group, syn, ln in entries:
                keep = ~(np.isin(group.pre[syn], drop) & (ln == lane))
                if keep.any():
                    kept.append((group, syn[keep], ln[keep]))
            self.queue[t] = kept

    def emit(self, neurons, steps, lane: int = 0) -> None:
        """Send spikes from neurons at absolute steps through their outgoing synapses without touching
        their state (a clamped neuron's output)."""
        neurons = np.atleast_1d(np.asarray(neurons, np.int64))
        steps = np.broadcast_to(np.asarray(steps, np.int64), neurons.shape)
        for group in self.groups.values():
            if group.n == 0:
                continue
            syn, src = group.outgoing(neurons)
            for s_i, j in zip(syn.tolist(), src.tolist(), strict=True):
                self.queue[int(steps[j]) + int(group.delay[s_i])].append(
                    (group, np.array([s_i]), np.array([lane])))

    def _deliver(self, sim: _Local, arrivals, t: int, plastic: bool, clamped: bool = False) -> None:
        n = self.n
        for group, syn, lanes in arrivals:
            post_flat = lanes * n + group.post[syn]
            if not clamped:
                loc = sim.ensure(post_flat)
                np.add.at(sim.i_syn, loc, group.w[syn])
            stdp = group.stdp
            if plastic and stdp is not None:
                x, tx = self._trace(group)
                decay = np.exp(-(t - tx[lanes, syn]) * self.dt / stdp.tau)
                x[lanes, syn] = x[lanes, syn] * decay + 1.0
                tx[lanes, syn] = t
                # Depression: post spikes strictly before this arrival (s < 0).
                ypost = self.y[post_flat] * np.exp(-(t - self.ty[post_flat]) * self.dt / stdp.tau)
                if np.any(ypost > 0):
                    np.add.at(group._w, syn, -stdp.a_minus * ypost)
                    group._w[syn] = np.clip(group._w[syn], stdp.w_min, stdp.w_max)

    def _on_spikes(self, flat: np.ndarray, t: int, plastic: bool) -> None:
        n = self.n
        lanes, ids = flat // n, flat % n
        for group in self.groups.values():
            if group.n == 0:
                continue
            stdp = group.stdp
            if plastic and stdp is not None:
                # Potentiation: arrivals at or before now (s >= 0).
                syn, src = group.incoming(ids)
                if syn.size:
                    ln = lanes[src]
                    x, tx = self._trace(group)
                    xv = x[ln, syn] * np.exp(-(t - tx[ln, syn]) * self.dt / stdp.tau)
                    if np.any(xv > 0):
                        np.add.at(group._w, syn, stdp.a_plus * xv)
                        group._w[syn] = np.clip(group._w[syn], stdp.w_min, stdp.w_max)
            # Schedule deliveries.
            syn, src = group.outgoing(ids)
            if syn.size:
                ln = lanes[src]
                delays = group.delay[syn]
                for dly in np.unique(delays):
                    sel = delays == dly
                    self.queue[t + int(dly)].append((group, syn[sel], ln[sel]))
        # Post-synaptic traces (after potentiation, so a pair at s = 0 counts once, as potentiation).
        tau = next((g.stdp.tau for g in self.groups.values() if g.stdp is not None), 5.0)
        self.y[flat] = self.y[flat] * np.exp(-(t - self.ty[flat]) * self.dt / tau) + 1.0
        self.ty[flat] = t

    def _apply_rules(self, t0: int, t1: int, plastic: bool) -> None:
        """Count coincidences for spikes of this window (as post) against the history (as pre)."""
        n = self.n
        h_step, h_flat = self.hist_step, self.hist_flat
        h_lane, h_id = h_flat // n, h_flat % n
        h_tag = self.tag[h_id]
        in_window = h_step >= t0
        for rule in self.rules:
            post_sel = in_window & np.isin(h_tag, rule.post_tags)
            pre_sel = np.isin(h_tag, rule.pre_tags)
            if not post_sel.any() or not pre_sel.any():
                continue
            q_step, q_lane, q_id = h_step[post_sel], h_lane[post_sel], h_id[post_sel]
            p_step, p_lane, p_id = h_step[pre_sel], h_lane[pre_sel], h_id[pre_sel]
            # All pairs in the same lane (spike counts per window are small).
            qi, pi = np.nonzero(q_lane[:, None] == p_lane[None, :])
            s = q_step[qi] - p_step[pi] - rule.delay
            ok = np.abs(s) <= rule.window
            # Each pair is counted once, in the window of its post spike, against the pre spikes seen so far.
            qi, pi, s = qi[ok], pi[ok], s[ok]
            if qi.size == 0:
                continue
            pre, post = p_id[pi], q_id[qi]
            if rule.candidates is not None:
                m = rule.candidates(pre, post, q_lane[qi])
                pre, post, s = pre[m], post[m], s[m]
            if pre.size == 0:
                continue
            keys = pre << 32 | post
            uk, inv, cnt = np.unique(keys, return_inverse=True, return_counts=True)
            exists = rule.target.has(uk >> 32, uk & 0xFFFFFFFF)
            new_pre, new_post, new_w = [], [], []
            stdp = rule.target.stdp
            for j in np.flatnonzero(~exists):
                key = int(uk[j])
                total = rule.counts.get(key, 0) + int(cnt[j])
                if total >= rule.threshold:
                    rule.counts.pop(key, None)
                    w0 = 0.0
                    if plastic and stdp is not None:
                        # The new synapse has seen the spike pairs that created it (trace form).
                        sj = s[inv == j] * self.dt
                        w0 = float(np.sum(np.where(sj >= 0, stdp.a_plus * np.exp(-sj / stdp.tau),
                                                   -stdp.a_minus * np.exp(sj / stdp.tau))))
                    new_pre.append(key >> 32)
                    new_post.append(key & 0xFFFFFFFF)
                    new_w.append(w0)
                else:
                    rule.counts[key] = total
            if new_pre:
                self.connect(rule.target, new_pre, new_post, new_w, rule.delay)


class _Local:
    """The active neurons of one window, gathered into compact arrays."""

    def __init__(self, net: Network, flat: np.ndarray) -> None:
        self.net = net
        self.flat = flat
        self.local_of = {f: i for i, f in enumerate(flat.tolist())}
        ids = flat % net.n if net.n else flat
        self.a, self.b, self.c, self.d = net.a[ids], net.b[ids], net.c[ids], net.d[ids]
        self.v, self.u, self.i_syn = net.v[flat], net.u[flat], net.i_syn[flat]
        self.ext = np.zeros(flat.size)
        self.dv = np.zeros(flat.size)

    @property
    def size(self) -> int:
        return self.flat.size

    def ensure(self, flat: np.ndarray) -> np.ndarray:
        """Local indices of the given flat ids, adding neurons that were not active."""
        new = [f for f in dict.fromkeys(flat.tolist()) if f not in self.local_of]
        if new:
            net = self.net
            add = np.array(new, np.int64)
            ids = add % net.n
            base = self.flat.size
            for f in new:
                self.local_of[f] = base
                base += 1
            self.flat = np.concatenate([self.flat, add])
            self.a = np.concatenate([self.a, net.a[ids]])
            self.b = np.concatenate([self.b, net.b[ids]])
            self.c = np.concatenate([self.c, net.c[ids]])
            self.d = np.concatenate([self.d, net.d[ids]])
            self.v = np.concatenate([self.v, net.v[add]])
            self.u = np.concatenate([self.u, net.u[add]])
            self.i_syn = np.concatenate([self.i_syn, net.i_syn[add]])
            self.ext = np.concatenate([self.ext, np.zeros(add.size)])
            self.dv = np.concatenate([self.dv, np.zeros(add.size)])
        lo = self.local_of
        return np.fromiter((lo[f] for f in flat.tolist()), np.int64, flat.size)

    def write_back(self) -> None:
        net = self.net
        net.v[self.flat] = self.v
        net.u[self.flat] = self.u
        net.i_syn[self.flat] = self.i_syn
