"""The music data model: pieces of N voices of notes, as the network sees them.

A note is a MIDI pitch (or a rest) with a duration and onset in quarter lengths.  Tied notes are one note;
a chord inside a voice keeps its top note.  No module here reads or writes files: that is `corpus` and
`export`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from modesnn.theory import Key

VOICE_NAMES_SATB = ("soprano", "alto", "tenor", "bass")


@dataclass(frozen=True)
class Note:
    """One note of a voice.  `pitch` is a MIDI number 0..127, or None for a rest."""

    pitch: int | None
    duration: float
    onset: float = 0.0

    def __post_init__(self) -> None:
        p = self.pitch
        if p is not None and (isinstance(p, bool) or not isinstance(p, numbers.Integral) or not 0 <= p <= 127):
            raise ValueError(f"pitch must be a MIDI number 0..127 or None, got {p!r}")
        if not isinstance(self.duration, numbers.Real) or not (0 < self.duration < math.inf):
            raise ValueError(f"duration must be a positive finite number, got {self.duration!r}")
        if not isinstance(self.onset, numbers.Real) or not (0 <= self.onset < math.inf):
            raise ValueError(f"onset must be a finite number >= 0, got {self.onset!r}")

    @property
    def is_rest(self) -> bool:
        return self.pitch is None


@dataclass(frozen=True)
class Voice:
    """A named monophonic line."""

    name: str
    notes: tuple[Note, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ValueError(f"voice name must be a string, got {self.name!r}")
        if not isinstance(self.notes, tuple) or not all(isinstance(n, Note) for n in self.notes):
            raise ValueError(f"voice {self.name!r}: notes must be a tuple of Note")

    @property
    def length(self) -> float:
        """Total duration in quarter lengths (end of the last note)."""
        return max((n.onset + n.duration for n in self.notes), default=0.0)

    @property
    def pitches(self) -> list[int]:
        """Sounding pitches, rests left out."""
        return [n.pitch for n in self.notes if n.pitch is not None]


@dataclass(frozen=True)
class Piece:
    """A piece: a name, a key, a meter ('4/4') and N voices, top voice first."""

    name: str
    key: Key
    voices: tuple[Voice, ...]
    meter: str = "4/4"
    key_source: str = "given"
    source: str = ""
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, Key):
            raise ValueError(f"piece {self.name!r}: key must be a Key, got {self.key!r}")
        if not isinstance(self.voices, tuple) or not all(isinstance(v, Voice) for v in self.voices):
            raise ValueError(f"piece {self.name!r}: voices must be a tuple of Voice")

    @property
    def n_notes(self) -> int:
        return sum(len(v.notes) for v in self.voices)


def voice_from_durations(name: str, pitches: list[int | None], durations: list[float]) -> Voice:
    """Build a voice from parallel pitch and duration lists, computing onsets."""
    if len(pitches) != len(durations):
        raise ValueError("pitches and durations differ in length")
    notes, t = [], 0.0
    for p, d in zip(pitches, durations, strict=True):
        notes.append(Note(p, float(d), t))
        t += float(d)
    return Voice(name, tuple(notes))


def measure_length(meter: str) -> float:
    """Quarter lengths in one measure of a meter written 'n/d' ('3/4' -> 3.0, '6/8' -> 3.0, '2+3/8' -> 2.5).
    Raises ValueError for anything else."""
    try:
        num, den = meter.strip().split("/")
        beats = sum(int(x) for x in num.split("+"))
        length = Fraction(beats * 4, int(den))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"meter must look like '3/4' or '6/8', got {meter!r}") from None
    if length <= 0:
        raise ValueError(f"meter must have a positive length, got {meter!r}")
    return float(length)


def align_voices(voices: Sequence[Voice], meter: str, keep_all_notes: bool = False) -> tuple[Voice, ...]:
    """Make voices end together on a barline.

    Default: the end T is the first barline at or after the end of the voice that finishes first; longer
    voices are cut there and a voice ending before T holds its last note to T.

    keep_all_notes=True: instead, T = the first barline strictly after the latest onset of any voice's last
    note, and only each voice's last note is cut or stretched to end at T (every voice keeps its notes).
    """
    bar = measure_length(meter)
    voices = list(voices)
    if any(not v.notes for v in voices):
        raise ValueError("cannot align an empty voice")
    if keep_all_notes:
        last_onset = max(v.notes[-1].onset for v in voices)
        end = (math.floor(last_onset / bar + 1e-9) + 1) * bar
    else:
        end = math.ceil(min(v.length for v in voices) / bar - 1e-9) * bar
    out = []
    for v in voices:
        kept = [n for n in v.notes if n.onset < end - 1e-9]
        last = kept[-1]
        out.append(Voice(v.name, tuple(kept[:-1]) + (Note(last.pitch, end - last.onset, last.onset),)))
    return tuple(out)
