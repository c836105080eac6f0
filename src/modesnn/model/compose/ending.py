"""How a composition ends: the voices must end together on a barline, on the tonic chord.

Two policies (ComposeSettings.end):
- "align" (non-causal, for files; the paper preset's default): after the last slot, every voice is cut at the
  first barline after the shortest voice ends (a voice ending earlier holds its last note) and each voice's last
  note moves to the nearest tonic-triad tone (the bass to the tonic).  Notes already returned may change.
- "causal" (for streams): once every voice has its `length` notes, the end T is fixed at the first barline
  strictly after the latest voice's end; each voice then goes on until it reaches T, a note that would pass T is
  shortened to end there when it is decided, and the note that reaches T is moved to the tonic triad before it is
  returned.  No returned note is ever changed.
"""

from __future__ import annotations

import math

from modesnn.music import Note, Voice, align_voices, measure_length
from modesnn.theory import MODES, Key, nearest_pitch


def final_pcs(key: Key, voice: int, voices: int) -> set[int]:
    """Pitch classes a voice may end on: the tonic triad, the bass (last voice) the tonic alone."""
    if voice == voices - 1:
        return {key.tonic}
    return {(key.tonic + d) % 12 for d in MODES[key.mode].triad}


def final_note(note: Note, key: Key, voice: int, voices: int, previous: int | None, default_pitch: int,
               span: int) -> Note:
    """note moved to the nearest tone it may end on (a rest: near the voice's previous pitch)."""
    ref = note.pitch if note.pitch is not None else (previous if previous is not None else default_pitch)
    return Note(nearest_pitch(final_pcs(key, voice, voices), ref, span), note.duration, note.onset)


def align_end(voices: tuple[Voice, ...], meter: str, key: Key, default_pitch: int, span: int) -> tuple[Voice, ...]:
    """The non-causal policy: cut to the first barline after the shortest voice, end on the tonic chord."""
    out = []
    aligned = align_voices(voices, meter)
    for i, voice in enumerate(aligned):
        notes = list(voice.notes)
        prev = [n.pitch for n in notes if n.pitch is not None]
        notes[-1] = final_note(notes[-1], key, i, len(aligned), prev[-1] if prev else None, default_pitch, span)
        out.append(Voice(voice.name, tuple(notes)))
    return tuple(out)


class CausalEnd:
    """The causal policy's state: the end T once fixed, and which voices have reached it."""

    def __init__(self, meter: str, voices: int) -> None:
        self.bar = measure_length(meter)
        self.end: float | None = None
        self.finished = [False] * voices

    def fix(self, ends: list[float]) -> None:
        """Fix T at the first barline strictly after the latest of the voices' ends."""
        self.end = (math.floor(max(ends) / self.bar + 1e-9) + 1) * self.bar

    @property
    def done(self) -> bool:
        return all(self.finished)

    def shape(self, note: Note, key: Key, voice: int, previous: int | None, default_pitch: int, span: int
              ) -> Note | None:
        """The note this voice returns (None once it has reached T): shortened to end at T if it would pass it,
        and moved to the tonic triad if it reaches T."""
        if self.end is None or self.finished[voice]:
            return None if self.finished[voice] else note
        if note.onset + note.duration < self.end - 1e-9:
            return note
        self.finished[voice] = True
        cut = Note(note.pitch, self.end - note.onset, note.onset)
        return final_note(cut, key, voice, len(self.finished), previous, default_pitch, span)
