"""Izhikevich neurons: parameter presets and the one Euler step the engine, the tests and the benchmarks use.

Units: membrane potential v and recovery u in mV, time in ms, current I in the model's own units
(mV/ms), as in Izhikevich (2003).  The step order is the paper's release: v first, then u with the
new v, then threshold and reset.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

V_PEAK = 30.0
"""Spike threshold (mV): v >= V_PEAK is a spike."""

V_INIT = -65.0
"""Initial membrane potential (mV); u starts at b * V_INIT."""

SETTLED_DV = 1e-4
"""A neuron with no input whose v moved less than this (mV) in its last step is at rest: it is not stepped."""


class IzhikevichParams(NamedTuple):
    """The four Izhikevich parameters (a, b dimensionless rates; c reset mV; d recovery jump)."""

    a: float | np.ndarray
    b: float | np.ndarray
    c: float | np.ndarray
    d: float | np.ndarray


class IzhikevichState(NamedTuple):
    """Membrane potential v and recovery variable u (mV)."""

    v: np.ndarray
    u: np.ndarray


class Coefficients(NamedTuple):
    """What one step multiplies by: dt for v, dt * a for u (zero for a neuron kept still), b, c, d."""

    dt: float | np.ndarray
    dt_a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray


REGULAR_SPIKING = IzhikevichParams(0.02, 0.2, -65.0, 8.0)
INTRINSICALLY_BURSTING = IzhikevichParams(0.02, 0.2, -55.0, 4.0)
FAST_SPIKING = IzhikevichParams(0.1, 0.2, -65.0, 2.0)
SEQUENCE_MEMORY = IzhikevichParams(0.1, 0.2, -65.0, 8.0)
"""The release's default for sequence-memory neurons."""

PRESETS: dict[str, IzhikevichParams] = {
    "regular_spiking": REGULAR_SPIKING,
    "intrinsically_bursting": INTRINSICALLY_BURSTING,
    "fast_spiking": FAST_SPIKING,
    "sequence_memory": SEQUENCE_MEMORY,
}


class Izhikevich:
    """The Izhikevich (2003) model as a `NeuronModel` (one instance, `IZHIKEVICH`)."""

    name = "izhikevich"
    Params = IzhikevichParams
    State = IzhikevichState

    def params(self, values, size: int) -> IzhikevichParams:
        if len(values) != 4:
            raise ValueError(f"params: need the four Izhikevich parameters (a, b, c, d), got {len(values)}")
        cols = []
        for pname, value in zip("abcd", values, strict=True):
            try:
                arr = np.broadcast_to(np.asarray(value, np.float64), (size,))
            except ValueError:
                raise ValueError(f"params.{pname}: shape {np.shape(value)} does not fit {size} neurons") from None
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"params.{pname}: must be finite (got NaN or inf)")
            cols.append(arr)
        return IzhikevichParams(*cols)

    def initial(self, params: IzhikevichParams) -> IzhikevichState:
        b = np.asarray(params.b, np.float64)
        return IzhikevichState(np.full(b.shape, V_INIT), b * V_INIT)

    def coefficients(self, params: IzhikevichParams, dt: float) -> Coefficients:
        return Coefficients(dt, dt * params.a, params.b, params.c, params.d)

    def asleep(self, coef: Coefficients, awake: np.ndarray | None) -> Coefficients:
        """`coef` (a window's full coefficients) with dt and dt * a multiplied by the mask: the same products
        as a masked update, one multiplication fewer per step."""
        if awake is None or awake.all():
            return coef
        return coef._replace(dt=coef.dt * awake, dt_a=coef.dt_a * awake)

    def step_(self, state: IzhikevichState, currents: tuple[np.ndarray | None, ...], coef: Coefficients,
              track: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """v += dt * (0.04 v^2 + 5 v + 140 - u + I); u += dt * a * (b v - u); v >= V_PEAK: v = c, u += d.
        In place, with the currents added one by one in order (so every caller gets the same floats)."""
        v, u = state
        if track:
            v_old = v.copy()
        dv = 0.04 * v
        dv *= v
        dv += 5.0 * v
        dv += 140.0
        dv -= u
        for current in currents:
            if current is not None:
                dv += current
        dv *= coef.dt
        v += dv
        du = coef.b * v
        du -= u
        du *= coef.dt_a
        u += du
        fired = (v >= V_PEAK).nonzero()[0]
        change = v - v_old if track else None
        if fired.size:
            v[fired] = coef.c.take(fired)
            u[fired] += coef.d.take(fired)
        return fired, change

    def moving(self, change: np.ndarray) -> np.ndarray:
        return np.abs(change) >= SETTLED_DV


IZHIKEVICH = Izhikevich()


def izhikevich_step(
    v: np.ndarray, u: np.ndarray, current: np.ndarray, params: tuple, dt: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One forward-Euler step; returns new (v, u, spiked) and leaves the inputs untouched (the engine's
    in-place step on copies).  params is (a, b, c, d), each a scalar or an array shaped like v."""
    v = np.array(v, np.float64, copy=True)
    u = np.array(u, np.float64, copy=True)
    p = IZHIKEVICH.params(params, v.size)
    fired, _ = IZHIKEVICH.step_(IzhikevichState(v, u), (np.asarray(current, np.float64),),
                                IZHIKEVICH.coefficients(p, dt))
    spiked = np.zeros(v.shape, bool)
    spiked[fired] = True
    return v, u, spiked


def resting_potential(b: float) -> float:
    """The stable fixed point of v with no input (for b = 0.2: -70 mV)."""
    disc = (5.0 - b) ** 2 - 4 * 0.04 * 140.0
    if disc < 0:
        return V_INIT
    return float((-(5.0 - b) - np.sqrt(disc)) / (2 * 0.04))
