"""Izhikevich neurons: parameter presets and the pure Euler step.

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


class IzhikevichParams(NamedTuple):
    """The four Izhikevich parameters (a, b dimensionless rates; c reset mV; d recovery jump)."""

    a: float
    b: float
    c: float
    d: float


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


def izhikevich_step(
    v: np.ndarray, u: np.ndarray, current: np.ndarray, params: tuple, dt: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One forward-Euler step; returns new (v, u, spiked) and leaves the inputs untouched.

    params is (a, b, c, d), each a scalar or an array shaped like v.
    """
    a, b, c, d = params
    v = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + current)
    u = u + dt * a * (b * v - u)
    spiked = v >= V_PEAK
    v = np.where(spiked, c, v)
    u = np.where(spiked, u + d, u)
    return v, u, spiked


def resting_potential(b: float) -> float:
    """The stable fixed point of v with no input (for b = 0.2: -70 mV)."""
    disc = (5.0 - b) ** 2 - 4 * 0.04 * 140.0
    if disc < 0:
        return V_INIT
    return float((-(5.0 - b) - np.sqrt(disc)) / (2 * 0.04))
