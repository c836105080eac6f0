"""A small spiking-network engine: neuron populations (Izhikevich first), sparse delayed synapses, STDP and
synapse creation by co-activity, simulated in independent states over shared synapses.  It knows nothing
of music."""

from modesnn.snn.creation import CreationRule
from modesnn.snn.network import Network, Population
from modesnn.snn.neurons import (
    FAST_SPIKING,
    INTRINSICALLY_BURSTING,
    IZHIKEVICH,
    PRESETS,
    REGULAR_SPIKING,
    SEQUENCE_MEMORY,
    V_INIT,
    V_PEAK,
    IzhikevichParams,
    NeuronModel,
    izhikevich_step,
)
from modesnn.snn.simulation import Simulation, SpikeMonitor, SpikeRecord
from modesnn.snn.synapses import STDP, Synapses

__all__ = [
    "CreationRule", "Network", "Population", "Simulation", "SpikeMonitor", "SpikeRecord", "FAST_SPIKING",
    "INTRINSICALLY_BURSTING", "IZHIKEVICH", "PRESETS", "REGULAR_SPIKING", "SEQUENCE_MEMORY", "V_INIT", "V_PEAK",
    "IzhikevichParams", "NeuronModel", "izhikevich_step", "STDP", "Synapses",
]
