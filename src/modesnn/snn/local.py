"""A window's compact view of a simulation: the active neurons gathered into arrays (Local), and, for
windows without plasticity, their synapses shorter than the window as padded per-neuron rows
(LocalSynapses).  Both are built by a window strategy for one window and dropped after it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from modesnn.snn.simulation import Simulation


class Local:
    """The active neurons of one window, gathered into compact arrays (local index = position in `flat`;
    `locate` finds it by binary search in a sorted copy, so no lanes x neurons map is needed).  `state` is
    the neuron model's state of these neurons, `i_syn` their synaptic current, `coef` the model's step
    coefficients (those of the neurons put to sleep make them keep their state)."""

    def __init__(self, sim: Simulation, flat: np.ndarray) -> None:
        self.sim = sim
        self.model = sim.net.model
        self.flat = flat
        neurons, params = sim.neurons, sim.net.params
        # Every neuron of every lane is active (flat is sorted and unique, so it is 0..size-1): the local
        # index is the flat id and the window works on the simulation's own arrays, nothing to gather or
        # write back.
        self.identity = flat.size == sim.lanes * sim.n
        if self.identity:
            self.params = params if sim.lanes == 1 else type(params)(*(np.tile(x, sim.lanes) for x in params))
            if not neurons.dense:
                neurons.set(flat)  # every neuron: the state arrays become indexed by flat id
            fields = [getattr(neurons, f) for f in neurons.model_fields]
            self.i_syn = neurons.i_syn
        else:
            self._sorted, self._pos = flat, np.arange(flat.size)  # (flat arrives sorted and unique)
            ids = flat % sim.n if sim.n else flat
            self.params = type(params)(*(x[ids] for x in params))
            *fields, self.i_syn = neurons.get(flat, *neurons.model_fields, "i_syn")
        self.state = self.model.State(*fields)
        self.full_coef = self.model.coefficients(self.params, sim.net.dt)
        self.coef = self.full_coef
        self.ext = np.zeros(flat.size)
        self.change = np.zeros(flat.size)

    @property
    def size(self) -> int:
        return self.flat.size

    def sleep(self, awake: np.ndarray | None) -> None:
        """Only the neurons of the mask `awake` (None: all) are stepped from now on; the others keep their
        state."""
        self.coef = self.model.asleep(self.full_coef, awake)

    def step(self, noise: np.ndarray | None, last: bool) -> np.ndarray:
        """One step of the neuron model over the active set, in place, with input ext + i_syn + noise (in
        that order); returns the local indices that fired.  `noise`: this step's noise current, one value
        per local neuron.  On the window's last step the change of each neuron is kept (`moving`)."""
        fired, change = self.model.step_(self.state, (self.ext, self.i_syn, noise), self.coef, last)
        if last:
            self.change = change
        return fired

    def moving(self) -> np.ndarray:
        """Mask: neurons whose last step moved them (by the model's measure)."""
        return self.model.moving(self.change)

    def locate(self, flat: np.ndarray) -> np.ndarray:
        """Local indices of flat ids (-1 for those not in the window)."""
        if self.identity:
            return flat
        at = np.minimum(np.searchsorted(self._sorted, flat), self._sorted.size - 1)
        return np.where(self._sorted[at] == flat, self._pos[at], -1) if self._sorted.size else np.full(flat.size, -1)

    def ensure(self, flat: np.ndarray) -> np.ndarray:
        """Local indices of the given flat ids, adding neurons that were not active (in order of first
        appearance)."""
        if self.identity:
            return flat
        out = self.locate(flat)
        missing = out < 0
        if missing.any():
            self._add(flat[missing])
            out = self.locate(flat)
        return out

    def _add(self, cand: np.ndarray) -> None:
        sim = self.sim
        _, first = np.unique(cand, return_index=True)
        add = cand[np.sort(first)]
        ids = add % sim.n
        new_pos = np.arange(self.flat.size, self.flat.size + add.size)
        order = np.argsort(add)
        at = np.searchsorted(self._sorted, add[order])
        self._sorted = np.insert(self._sorted, at, add[order])
        self._pos = np.insert(self._pos, at, new_pos[order])
        self.flat = np.concatenate([self.flat, add])
        params = sim.net.params
        self.params = type(params)(*(np.concatenate([mine, col[ids]]) for mine, col in zip(self.params, params,
                                                                                             strict=True)))
        self.full_coef = self.coef = self.model.coefficients(self.params, sim.net.dt)
        neurons = sim.neurons
        *fields, i_syn = neurons.get(add, *neurons.model_fields, "i_syn")
        self.state = self.model.State(*(np.concatenate([mine, new]) for mine, new in zip(self.state, fields,
                                                                                          strict=True)))
        self.i_syn = np.concatenate([self.i_syn, i_syn])
        self.ext = np.concatenate([self.ext, np.zeros(add.size)])
        self.change = np.concatenate([self.change, np.zeros(add.size)])

    def write_back(self) -> None:
        neurons = self.sim.neurons
        if self.identity:  # (worked in place)
            if self.i_syn is not neurons.i_syn:  # (a window that padded the synaptic current)
                neurons.i_syn[:] = self.i_syn
            return
        neurons.set(self.flat, **dict(zip(neurons.model_fields, self.state, strict=True)), i_syn=self.i_syn)


class LocalSynapses:
    """The synapses of a fixed-weight window among its local neurons, as padded per-neuron rows (so that
    the deliveries of the neurons firing at one step are one gather and one add): every spike of step k
    goes into the (step x neuron) input table at row k + delay, a delay-0 one at row k + 1 with its current
    decayed once (it reaches the synaptic current after the update of step k, before the decay).  Padding
    and rows past the window point at the table's spare last cell."""

    def __init__(self, pre_l, post_l, w_l, d_l, size: int, steps: int, decay: float) -> None:
        pre = np.concatenate(pre_l)
        order = np.argsort(pre, kind="stable")  # (rows are built from synapses sorted by their source)
        pre = pre[order]
        post, w, d = (np.concatenate(x)[order] for x in (post_l, w_l, d_l))
        self.size, self.steps = size, steps
        self.spare = steps * size
        now = d == 0
        self.off, self.val = self._pad(pre, np.where(now, 1, d) * size + post, np.where(now, w * decay, w), size,
                                       self.spare)
        # The window's last step: delay-0 synapses straight onto the synaptic current (padding: its spare cell).
        self.post0, self.w0 = self._pad(pre[now], post[now], w[now], size, size)
        # Who a spike can wake, and when: read off the delivery rows (row k + max(delay, 1), padding to the
        # spare neuron), when first needed.
        self._wake: tuple[np.ndarray, np.ndarray] | None = None

    @staticmethod
    def _pad(pre: np.ndarray, target: np.ndarray, value: np.ndarray, size: int, spare: int
             ) -> tuple[np.ndarray, np.ndarray]:
        """Rows per pre-synaptic neuron (pre sorted): targets (spare where padded) and values (0 there)."""
        counts = np.bincount(pre, minlength=size)
        width = int(counts.max(initial=0))
        rank = np.arange(pre.size) - np.repeat(np.cumsum(counts) - counts, counts)
        t_pad = np.full((size, width), spare, np.int64)
        v_pad = np.zeros((size, width))
        t_pad[pre, rank] = target
        v_pad[pre, rank] = value
        return t_pad, v_pad

    def deliver(self, fired: np.ndarray, k: int, table: np.ndarray) -> None:
        """Deliveries of the spikes of step k (not the window's last) into the input table."""
        # (take along axis 0: the same rows as off[fired], a third of the cost)
        idx = self.off.take(fired, axis=0).ravel()
        idx += k * self.size
        np.minimum(idx, self.spare, out=idx)
        np.add.at(table, idx, self.val.take(fired, axis=0).ravel())

    def deliver_now(self, fired: np.ndarray, i_syn_pad: np.ndarray) -> None:
        """Deliveries of the spikes of the window's last step: the delay-0 ones onto the synaptic current
        (the others arrive after the window, through the queue)."""
        if self.post0.shape[1]:
            np.add.at(i_syn_pad, self.post0.take(fired, axis=0).ravel(), self.w0.take(fired, axis=0).ravel())

    def wakers(self, awake: np.ndarray) -> np.ndarray | None:
        """Which local neurons have a synapse onto a sleeping one (None if nobody sleeps)."""
        if awake.all():
            return None
        asleep = np.zeros(self.size + 1, bool)
        asleep[:self.size] = ~awake
        return asleep[self._wake_rows()[0]].any(axis=1)

    def _wake_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(target, step offset) per row entry: padding targets the spare neuron `size`."""
        if self._wake is None:
            pad = self.off == self.spare
            self._wake = np.where(pad, self.size, self.off % self.size), self.off // self.size
        return self._wake

    def wakes(self, fired: np.ndarray, k: int, awake: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(local ids, step) of sleeping targets the spikes of step k reach inside the window, or None."""
        wake_post, wake_at = self._wake_rows()
        post = wake_post.take(fired, axis=0).ravel()
        at = k + wake_at.take(fired, axis=0).ravel()
        asleep = np.ones(self.size + 1, bool)
        asleep[:self.size] = ~awake
        new = asleep[post] & (post < self.size) & (at < self.steps)
        if not new.any():
            return None
        return post[new], at[new]
