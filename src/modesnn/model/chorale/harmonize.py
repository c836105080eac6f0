"""Harmonise a melody: the soprano clamped beat by beat, as the network is clamped while learning; the chord
and the three lower voices decided by the network.  The output's soprano is the melody, note for note."""

from __future__ import annotations

import math

from modesnn.errors import ModesnnError
from modesnn.model.chorale.frame import rel_offset
from modesnn.model.chorale.session import ChoraleSession
from modesnn.music import Piece, Voice
from modesnn.theory import Key, midi_to_name


class HarmonizeError(ModesnnError, ValueError):
    """A melody the network cannot harmonise (empty, chords, out of the soprano's range)."""


def _check(model, melody: Voice) -> None:
    notes = [n for n in melody.notes if n.pitch is not None]
    if not notes:
        raise HarmonizeError("the melody has no notes")
    onsets = [n.onset for n in melody.notes]
    if any(b < a - 1e-9 for a, b in zip(onsets, onsets[1:], strict=False)) or any(
            a.onset + a.duration > b.onset + 1e-6 for a, b in zip(melody.notes, melody.notes[1:], strict=False)):
        raise HarmonizeError("the melody is not monophonic (notes overlap)")
    lo, hi = model.voice_range(0)
    for n in notes:
        if not lo <= n.pitch <= hi:
            raise HarmonizeError(f"melody note {midi_to_name(n.pitch)} at beat {n.onset:g} is outside the soprano's "
                                 f"range ({midi_to_name(lo)}..{midi_to_name(hi)})")


def melody_frame(melody: Voice, key: Key) -> list[tuple[int, bool]]:
    """The melody on the beat clock: per beat, the relative pitch sounding (-1: rest) and whether it starts."""
    off = rel_offset(key.tonic)
    beats = max(1, int(math.ceil(melody.length - 1e-9)))
    out = []
    for b in range(beats):
        here = [n for n in melody.notes if n.onset <= b + 1e-9 < n.onset + n.duration]
        if not here or here[0].pitch is None:
            out.append((-1, True))
        else:
            out.append((here[0].pitch - off, abs(here[0].onset - b) < 1e-9))
    return out


def harmonize(model, melody: Voice, key: Key, meter: str | None = None, seed: int = 0) -> Piece:
    """Write alto, tenor and bass under `melody` (the soprano) in `key`."""
    if getattr(model, "preset", "paper") != "chorale":
        raise HarmonizeError("harmonising needs a chorale-preset model (learn without --preset paper)")
    _check(model, melody)
    session = ChoraleSession(model, key, meter=meter, seed=seed, melody=melody_frame(melody, key))
    piece = session.finish()
    soprano = Voice(piece.voices[0].name, melody.notes)
    voices = (soprano,) + piece.voices[1:]
    return Piece(f"modesnn harmonisation in {key.name}", key, voices, session.meter, key_source="requested",
                 source="modesnn harmonize", meta={"seed": seed, "preset": "chorale"})
