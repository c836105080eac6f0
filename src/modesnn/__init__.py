"""modesnn: mode-conditioned music learning and composition with a spiking neural network."""

__version__ = "0.1.0"
