"""The chorale network (the default preset): four voices on a shared beat clock, a chord cluster, key-relative
voice memories that hear each other, and voice-leading interneurons; see docs/model-notes.md."""

from modesnn.model.chorale.harmonize import harmonize
from modesnn.model.chorale.network import ChoraleConfig, ChoraleReport, ChoraleSNN
from modesnn.model.chorale.session import ChoraleSession


def compose_chorale(model: ChoraleSNN, key, length: int = 32, seed: int = 0, seed_notes=None, meter=None):
    """A chorale of `length` beats (whole bars) in `key`."""
    return ChoraleSession(model, key, length=length, meter=meter, seed=seed, seed_notes=seed_notes).finish()


__all__ = ["ChoraleConfig", "ChoraleReport", "ChoraleSNN", "ChoraleSession", "compose_chorale", "harmonize"]
