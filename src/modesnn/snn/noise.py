"""Background noise of a window: sigma * N(0, 1) added to the input current of every stepped neuron at
every step, from a counter-based generator keyed by (seed, step, lane, neuron).

A neuron's noise at a step is a function of those four integers alone, so it does not depend on which
other neurons a window steps, in what order, or by which strategy (stepwise, fixed, ...): a backend that
steps every neuron (dense) gets the same values as one that steps only the active ones.

The generator: each (step) and each (lane, neuron) gets a 64-bit key through murmur3's fmix64 finaliser
(a bijection with full avalanche), seeded; a cell's 64 random bits are fmix64(step key ^ neuron key).  The
top 12 bits pick one of 4,096 equal-probability cells of the normal distribution and the other 52 place
the value inside it by linear interpolation of the normal quantile function (error below 5e-5 sigma);
the 32 cells at each end (|z| > 2.42, 1.6 % of the values) are computed by Acklam's rational
approximation of the quantile instead (relative error 1.2e-9), so the tails reach about 8 sigma.  The
tables are small (64 KB, they stay in cache) and hold sigma already: a window's (step x neuron) table
costs a little more than numpy's ziggurat normals for the same table.
"""

from __future__ import annotations

import functools
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from modesnn.snn.local import Local

_C1 = np.uint64(0xFF51AFD7ED558CCD)  # murmur3 fmix64 multipliers
_C2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: spreads consecutive steps
LANE_SHIFT = np.uint64(32)
"""A neuron's key is lane << 32 | neuron id (ids below 2**31)."""

CELL_BITS = 12
"""The quantile table has 2**CELL_BITS cells of equal probability; the other 52 bits are the fraction."""

TAIL_CELLS = 32
"""Cells at each end computed exactly (u < 32 / 4096, |z| > 2.42), where linear interpolation of the
quantile function would be off by more than 5e-5 sigma."""

_FRACTION = 64 - CELL_BITS
_ONE = np.uint64(0x3FF0000000000000)  # the float64 bits of 1.0: OR-ed with 52 random bits, a float in [1, 2)


def _fmix(x: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """murmur3's fmix64 finaliser, in place (uint64 arithmetic wraps)."""
    np.right_shift(x, _S33, out=scratch)
    x ^= scratch
    x *= _C1
    np.right_shift(x, _S33, out=scratch)
    x ^= scratch
    x *= _C2
    np.right_shift(x, _S33, out=scratch)
    x ^= scratch
    return x


def _mix(values: np.ndarray) -> np.ndarray:
    x = np.array(values, np.uint64)
    return _fmix(x, np.empty_like(x))


@functools.lru_cache(maxsize=8)
def _tables(sigma: float) -> np.ndarray:
    """Per cell, sigma times (the quantile at its start minus its step, its step) as a complex number (one
    gather per value): z = start' + step * f with f in [1, 2).  NaN at the tail cells: computed exactly."""
    cells = 1 << CELL_BITS
    nd = NormalDist()
    knots = np.array([nd.inv_cdf(k / cells) for k in range(TAIL_CELLS, cells - TAIL_CELLS + 1)])
    step = np.diff(knots)
    table = np.full(cells, np.nan, np.complex128)
    table[TAIL_CELLS:cells - TAIL_CELLS] = sigma * (knots[:-1] - step) + 1j * sigma * step
    table.flags.writeable = False
    return table


_ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
             4.374664141464968e+00, 2.938163982698783e+00)
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)


def _lower_tail(u: np.ndarray) -> np.ndarray:
    """The normal quantile for 0 < u < 0.02425 (Acklam's lower-tail approximation)."""
    q = np.sqrt(-2.0 * np.log(u))
    c, d = _ACKLAM_C, _ACKLAM_D
    num = ((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]
    den = (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0
    return num / den


def normals(seed_key: np.uint64, steps: np.ndarray, neuron_keys: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """sigma * N(0, 1) values for every (step, neuron key): a (steps.size, neuron_keys.size) table."""
    with np.errstate(over="ignore"):
        rows = _mix(steps.astype(np.uint64) * _GOLDEN + seed_key)
        x = np.bitwise_xor.outer(rows, neuron_keys)
        scratch = np.empty_like(x)
        _fmix(x, scratch)
    np.right_shift(x, np.uint64(_FRACTION), out=scratch)
    cell = scratch.view(np.int64)
    coef = _tables(float(sigma)).take(cell)
    x &= np.uint64((1 << _FRACTION) - 1)
    x |= _ONE
    f = x.view(np.float64)  # in [1, 2)
    z = coef.imag * f
    z += coef.real
    tail = np.flatnonzero(np.isnan(z))
    if tail.size:
        c = cell.reshape(-1)[tail]
        frac = f.reshape(-1)[tail] - 1.0
        low = c < TAIL_CELLS
        cells = float(1 << CELL_BITS)
        # (u from below for the lower tail, 1 - u for the upper: both exact in float64; + 2**-60 keeps u > 0)
        u = np.where(low, (c + frac) / cells, ((cells - 1 - c) + (1.0 - frac)) / cells) + 2.0 ** -60
        q = _lower_tail(u) * sigma
        z.reshape(-1)[tail] = np.where(low, q, -q)
    return z


def neuron_keys(seed_key: np.uint64, lanes: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The 64-bit key of each (lane, neuron id) under a seed."""
    with np.errstate(over="ignore"):
        return _mix((lanes.astype(np.uint64) << LANE_SHIFT | ids.astype(np.uint64)) ^ (seed_key * _C1))


class CounterNoise:
    """sigma * N(0, 1) for each (step, lane, neuron), a function of (seed, step, lane, neuron) alone."""

    def __init__(self, sigma: float, seed: int) -> None:
        self.sigma = float(sigma)
        self.seed = int(seed)
        self.seed_key = _mix(np.array([self.seed], np.uint64))[0]

    def values(self, steps: np.ndarray, lanes: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """The noise current of each neuron (lanes[j], ids[j]) at each step: (steps.size, ids.size)."""
        return normals(self.seed_key, np.asarray(steps, np.int64), neuron_keys(self.seed_key, lanes, ids),
                       self.sigma)

    def _local(self, local: Local) -> tuple[np.ndarray, np.ndarray]:
        n = local.sim.n
        return local.flat // n, local.flat % n

    def step(self, local: Local, t: int) -> np.ndarray:
        """This step's noise, one value per local neuron."""
        return self.values(np.array([t]), *self._local(local))[0]

    def window(self, local: Local, t0: int, n_steps: int) -> np.ndarray:
        """(n_steps, local.size): the noise of every step of a window."""
        return self.values(np.arange(t0, t0 + n_steps), *self._local(local))


def make_noise(noise) -> CounterNoise | None:
    """The noise source of run(..., noise=(sigma, seed)), None for no noise."""
    if noise is None:
        return None
    try:
        sigma, seed = noise
    except (TypeError, ValueError):
        raise ValueError("noise: must be (sigma, seed) or None") from None
    if not (isinstance(sigma, int | float | np.floating | np.integer) and np.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"noise: sigma must be a finite number >= 0, got {sigma!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) < 2**64:
        raise ValueError(f"noise: seed must be an integer in 0..2**64 - 1, got {seed!r}")
    return CounterNoise(sigma, int(seed))
