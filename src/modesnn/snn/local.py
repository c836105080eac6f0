"""A window's compact view of the network: the active neurons gathered into arrays (Local), and, for
windows without plasticity, their synapses shorter than the window as padded per-neuron rows
(LocalSynapses).  Both are built by `Network.run` for one window and dropped after it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modesnn.snn.neurons import V_PEAK

if TYPE_CHECKING:
    from modesnn.snn.network import Network


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (query, item) pair with item in [lo[query], hi[query]): two aligned index arrays."""
    counts = hi - lo
    total = int(counts.sum())
    if total <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    qi = np.repeat(np.arange(lo.size), counts)
    ji = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(total)
    return qi, ji


class Local:
    """The active neurons of one window, gathered into compact arrays (local index = position in `flat`;
    `locate` finds it by binary search in a sorted copy, so no lanes x neurons map is needed)."""

    def __init__(self, net: Network, flat: np.ndarray) -> None:
        self.net = net
        self.flat = flat
        size = net.lanes * net.n
        # Every neuron of every lane is active (flat is sorted and unique, so it is 0..size-1): the local
        # index is the flat id and the window works on the network's own arrays, nothing to gather or write
        # back.
        self.identity = flat.size == size
        if self.identity:
            if net.lanes == 1:
                self.a, self.b, self.c, self.d = net.a, net.b, net.c, net.d  # (read only)
            else:
                self.a, self.b, self.c, self.d = (np.tile(x, net.lanes) for x in (net.a, net.b, net.c, net.d))
            state = net.state
            if not state.dense:
                state.set(flat)  # every neuron: the state arrays become indexed by flat id
            self.v, self.u, self.i_syn = state.v, state.u, state.i_syn
        else:
            self._sorted, self._pos = flat, np.arange(flat.size)  # (flat arrives sorted and unique)
            ids = flat % net.n if net.n else flat
            self.a, self.b, self.c, self.d = net.a[ids], net.b[ids], net.c[ids], net.d[ids]
            self.v, self.u, self.i_syn = net.state.get(flat, "v", "u", "i_syn")
        self.dta = net.dt * self.a
        self.dt_v, self.dta_u = net.dt, self.dta  # (see sleep)
        self.ext = np.zeros(flat.size)
        self.dv = np.zeros(flat.size)

    @property
    def size(self) -> int:
        return self.flat.size

    def sleep(self, awake: np.ndarray | None) -> None:
        """Only the neurons of the mask `awake` (None: all) are stepped from now on; the others keep their
        state.  (Kept as the time steps dt and dt * a multiplied by the mask: the same products, one
        multiplication fewer per step.)"""
        if awake is None or awake.all():
            self.dt_v, self.dta_u = self.net.dt, self.dta
        else:
            self.dt_v, self.dta_u = self.net.dt * awake, self.dta * awake

    def step(self, noise: np.ndarray | None, last: bool) -> np.ndarray:
        """One Izhikevich step of the active set, in place (v first, u with the new v), then threshold and
        reset; returns the local indices that fired.  `noise`: this step's noise current, one value per
        local neuron (drawn by the caller, so a window can draw all its steps at once: the same values).
        Neurons put to sleep (see `sleep`) keep their state.  The arithmetic is exactly
        v += dt * (0.04 * v * v + 5.0 * v + 140.0 - u + ext + i_syn + noise); u += dt * a * (b * v - u)."""
        v, u = self.v, self.u
        if last:
            v_old = v.copy()
        dv = 0.04 * v
        dv *= v
        dv += 5.0 * v
        dv += 140.0
        dv -= u
        dv += self.ext
        dv += self.i_syn
        if noise is not None:
            dv += noise
        dv *= self.dt_v
        v += dv
        du = self.b * v
        du -= u
        du *= self.dta_u
        u += du
        fired = (v >= V_PEAK).nonzero()[0]
        if last:
            self.dv = v - v_old
        if fired.size:
            v[fired] = self.c.take(fired)
            u[fired] += self.d.take(fired)
        return fired

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
            net = self.net
            cand = flat[missing]
            _, first = np.unique(cand, return_index=True)
            add = cand[np.sort(first)]
            ids = add % net.n
            new_pos = np.arange(self.flat.size, self.flat.size + add.size)
            order = np.argsort(add)
            at = np.searchsorted(self._sorted, add[order])
            self._sorted = np.insert(self._sorted, at, add[order])
            self._pos = np.insert(self._pos, at, new_pos[order])
            self.flat = np.concatenate([self.flat, add])
            a = net.a[ids]
            self.a = np.concatenate([self.a, a])
            self.dta = np.concatenate([self.dta, net.dt * a])
            self.sleep(None)
            self.b = np.concatenate([self.b, net.b[ids]])
            self.c = np.concatenate([self.c, net.c[ids]])
            self.d = np.concatenate([self.d, net.d[ids]])
            v, u, i_syn = net.state.get(add, "v", "u", "i_syn")
            self.v = np.concatenate([self.v, v])
            self.u = np.concatenate([self.u, u])
            self.i_syn = np.concatenate([self.i_syn, i_syn])
            self.ext = np.concatenate([self.ext, np.zeros(add.size)])
            self.dv = np.concatenate([self.dv, np.zeros(add.size)])
            out = self.locate(flat)
        return out

    def write_back(self) -> None:
        net = self.net
        if self.identity:  # (worked in place)
            if self.i_syn is not net.state.i_syn:  # (a window that padded the synaptic current)
                net.state.i_syn[:] = self.i_syn
            return
        net.state.set(self.flat, v=self.v, u=self.u, i_syn=self.i_syn)


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
