"""Generation: compose N voices in a requested mode and key with a learned network.

`ComposeSession` composes slot by slot (the session owns its simulation; the model is only read); `compose()` runs
one to the end.  The parts: `prior` (the key's drive and key -> pitch synapses), `coupling` (cross-voice terms),
`readout` (winner-takes-all and fallbacks), `ending` (end policies).
"""

from __future__ import annotations

from dataclasses import replace

from modesnn.model.compose.session import ComposeSession, Decided, default_seed
from modesnn.model.network import ModeSNN
from modesnn.model.settings import ComposeSettings
from modesnn.music import Piece
from modesnn.theory import Key

__all__ = ["ComposeSession", "ComposeSettings", "Decided", "compose", "default_seed"]


def compose(
    model: ModeSNN,
    key: Key,
    length: int = 32,
    seed: int = 0,
    seed_notes: list[int] | None = None,
    meter: str | None = None,
    prior: str | None = None,
    settings: ComposeSettings | None = None,
) -> Piece:
    """Compose `length` notes per voice in `key` (before the end policy; default: aligned to whole measures,
    ending on the tonic chord).  seed_notes: one MIDI pitch per voice for the first slot (default: a tonic
    chord).  The model's learned synapses are not changed."""
    s = settings or ComposeSettings()
    s = replace(s, length=length, meter=meter if meter is not None else s.meter, prior=prior or s.prior,
                seed_notes=tuple(seed_notes) if seed_notes is not None else s.seed_notes)
    return ComposeSession(model, key, s, seed).finish()
