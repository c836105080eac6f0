"""The simulation a composition session runs on.

TEMPORARY: until the engine gives independent simulation states over shared weights (`Network.new_state`), a
session runs on the model's own network state and its key -> pitch synapse group, so one model serves one
session at a time; `release()` resets them for the next.
"""

from __future__ import annotations

import numpy as np

from modesnn.model.network import ModeSNN
from modesnn.snn import SpikeRecord, Synapses


class SharedSimulation:
    """The session-facing simulation API over the model's network state."""

    def __init__(self, model: ModeSNN) -> None:
        self.net, self.bias = model.net, model.bias

    @property
    def t(self) -> int:
        return self.net.t

    def reset(self) -> None:
        self.net.reset_state()

    def release(self) -> None:
        self.net.reset_state()
        self.bias.load_state({"pre": np.zeros(0, np.int64), "post": np.zeros(0, np.int64), "w": np.zeros(0),
                              "delay": np.zeros(0, np.int64)})

    def group(self, name: str) -> Synapses:
        assert name == "key_to_sms", name
        return self.bias

    def run(self, n_steps: int, ids, cur, **kw) -> SpikeRecord:
        return self.net.run(n_steps, ids, cur, **kw)

    def emit(self, neurons, steps) -> None:
        self.net.emit(neurons, steps)

    def silence(self, neurons) -> None:
        self.net.silence(neurons)

    def potential(self, neurons) -> np.ndarray:
        return self.net.potential(neurons)

    def active_ids(self) -> np.ndarray:
        return self.net.active % self.net.n


def new_simulation(model: ModeSNN) -> SharedSimulation:
    return SharedSimulation(model)
