"""The neuron-model protocol (Norse style): a model is its parameters and state as small NamedTuples of
arrays, an initial state, and one step function.  The engine stores each state field per (lane, neuron),
gathers the parameters of the neurons a window steps, and calls the model's in-place step; nothing outside
a model's module knows its equations or its state fields."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

import numpy as np


class NeuronModel(Protocol):
    """What the engine needs of a neuron model.

    `Params` and `State` are NamedTuple classes; every field is a float array (or a scalar) per neuron.
    `coefficients(params, dt)` turns parameters into what one step multiplies by (computed once per window,
    not per step); `asleep(coef, awake)` gives, from a window's full coefficients, those under which the
    neurons outside the mask `awake` keep their state; `step_` is the one place the model's arithmetic
    lives."""

    name: str
    Params: type[NamedTuple]
    State: type[NamedTuple]

    def params(self, values: Any, size: int) -> NamedTuple:
        """Validated per-neuron parameter columns (length size) from scalars or arrays."""

    def initial(self, params: NamedTuple) -> NamedTuple:
        """The state of neurons with these parameters before any input."""

    def coefficients(self, params: NamedTuple, dt: float) -> NamedTuple:
        """What one step of length dt multiplies by (per neuron)."""

    def asleep(self, coef: NamedTuple, awake: np.ndarray | None) -> NamedTuple:
        """Coefficients under which neurons outside `awake` (None: every neuron) keep their state."""

    def step_(self, state: NamedTuple, currents: tuple[np.ndarray | None, ...], coef: NamedTuple,
              track: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """One step in place; currents are added in the given order (None: skipped).  Returns the indices
        that fired and, with track, the change of each neuron's state for `moving`."""

    def moving(self, change: np.ndarray) -> np.ndarray:
        """Mask: neurons whose last step changed them enough that, without input, they are not at rest."""
