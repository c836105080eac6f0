"""The music data model: pieces of N voices of notes, as the network sees them.

A note is a MIDI pitch (or a rest) with a duration and onset in quarter lengths.  Tied notes are one note;
a chord inside a voice keeps its top note.  No module here reads or writes files: that is `corpus` and
`export`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modesnn.theory import Key

VOICE_NAMES_SATB = ("soprano", "alto", "tenor", "bass")


@dataclass(frozen=True)
class Note:
    """One note of a voice.  `pitch` is a MIDI number 0..127, or None for a rest."""

    pitch: int | None
    duration: float
    onset: float = 0.0

    def __post_init__(self) -> None:
        if self.pitch is not None and not 0 <= self.pitch <= 127:
            raise ValueError(f"pitch must be a MIDI number 0..127 or None, got {self.pitch}")
        if not self.duration > 0:
            raise ValueError(f"duration must be positive, got {self.duration}")
        if self.onset < 0:
            raise ValueError(f"onset must be >= 0, got {self.onset}")

    @property
    def is_rest(self) -> bool:
        return self.pitch is None


@dataclass(frozen=True)
class Voice:
    """A named monophonic line."""

    name: str
    notes: tuple[Note, ...]

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
