"""Neuron models behind one protocol (`base.NeuronModel`); Izhikevich is the first."""

from modesnn.snn.neurons.base import NeuronModel
from modesnn.snn.neurons.izhikevich import (
    FAST_SPIKING,
    INTRINSICALLY_BURSTING,
    IZHIKEVICH,
    PRESETS,
    REGULAR_SPIKING,
    SEQUENCE_MEMORY,
    V_INIT,
    V_PEAK,
    Izhikevich,
    IzhikevichParams,
    IzhikevichState,
    izhikevich_step,
    resting_potential,
)

__all__ = [
    "NeuronModel", "FAST_SPIKING", "INTRINSICALLY_BURSTING", "IZHIKEVICH", "PRESETS", "REGULAR_SPIKING",
    "SEQUENCE_MEMORY", "V_INIT", "V_PEAK", "Izhikevich", "IzhikevichParams", "IzhikevichState",
    "izhikevich_step", "resting_potential",
]
