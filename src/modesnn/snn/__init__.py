"""A small spiking-network engine: Izhikevich populations, sparse delayed synapses, STDP and synapse
creation by co-activity.  It knows nothing of music."""

from modesnn.snn.network import CreationRule, Network, Population, SpikeRecord
from modesnn.snn.neurons import (
    FAST_SPIKING,
    INTRINSICALLY_BURSTING,
    PRESETS,
    REGULAR_SPIKING,
    SEQUENCE_MEMORY,
    V_INIT,
    V_PEAK,
    IzhikevichParams,
    izhikevich_step,
)
from modesnn.snn.synapses import STDP, Synapses

__all__ = [
    "CreationRule", "Network", "Population", "SpikeRecord", "FAST_SPIKING", "INTRINSICALLY_BURSTING",
    "PRESETS", "REGULAR_SPIKING", "SEQUENCE_MEMORY", "V_INIT", "V_PEAK", "IzhikevichParams",
    "izhikevich_step", "STDP", "Synapses",
]
