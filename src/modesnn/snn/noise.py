"""Background noise of a window: sigma * N(0, 1) added to the input current of every stepped neuron at
every step.  A strategy asks for one step's values (`step`) or a whole window's (`window`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from modesnn.snn.local import Local


class GeneratorNoise:
    """Noise drawn from a numpy Generator, one value per local neuron in local order: the values depend on
    which neurons a window steps and in what order."""

    def __init__(self, sigma: float, rng: np.random.Generator) -> None:
        self.sigma, self.rng = float(sigma), rng

    def step(self, local: Local, t: int) -> np.ndarray:
        return self.rng.normal(0.0, self.sigma, local.size)

    def window(self, local: Local, t0: int, n_steps: int) -> np.ndarray:
        """(n_steps, local.size): the same values as drawn step by step (sigma * N(0, 1) is what normal(0,
        sigma) computes, a little faster)."""
        return self.rng.standard_normal((n_steps, local.size)) * self.sigma


def make_noise(noise) -> GeneratorNoise | None:
    """The noise source of run(..., noise=(sigma, generator)), None for no noise."""
    if noise is None:
        return None
    try:
        sigma, rng = noise
    except (TypeError, ValueError):
        raise ValueError("noise: must be (sigma, generator) or None") from None
    if not (np.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"noise: sigma must be a finite number >= 0, got {sigma}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"noise: need a numpy Generator, got {type(rng).__name__}")
    return GeneratorNoise(sigma, rng)
