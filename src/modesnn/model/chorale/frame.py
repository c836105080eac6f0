"""The learning frame of the chorale network: a piece sampled on a shared metrical clock, one step a beat.

At every beat each voice either attacks a note, holds the note it sounds, or rests; pitches are key-relative
(`rel_offset`: the tonic's pitch class taken to the nearest C, so registers stay those of the score and what
was learned in one key serves all 24).  The sonority of each beat (the pitch classes sounding at its onset,
relative to the tonic) is named as a chord (`chords.classify`) for the chord cluster.  Nothing here touches the
network: it turns a `Piece` into plain arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modesnn.model.chorale.chords import classify
from modesnn.music import Piece, measure_length

HOLD, ATTACK, SILENT = 0, 1, 2
"""What a voice does at a beat."""

MAX_BAR_BEATS = 6
"""Beat-in-bar neurons (beats of a 6/4 bar; longer bars wrap)."""

END_BEATS = 4
"""Beats-before-the-end neurons: 0 (the last beat) .. END_BEATS - 1."""


def rel_offset(tonic: int) -> int:
    """Semitones a key sits above C in the relative frame: -6..5 (the nearest C)."""
    return tonic if tonic <= 5 else tonic - 12


@dataclass(frozen=True)
class BeatFrame:
    """One piece on the beat clock.  pitch[b, v]: relative pitch sounding at beat b (-1: rest);
    act[b, v]: HOLD / ATTACK / SILENT; chord[b]: chord neuron index or -1; bar_beat[b], to_end[b];
    passing[b, v]: the voice attacked a note half a beat before beat b (an eighth between two beats)."""

    pitch: np.ndarray
    act: np.ndarray
    chord: np.ndarray
    bar_beat: np.ndarray
    to_end: np.ndarray
    mode: str
    beats_per_bar: int
    passing: np.ndarray | None = None

    @property
    def beats(self) -> int:
        return int(self.pitch.shape[0])


def _bar_beats(meter: str) -> int:
    try:
        return max(1, int(round(measure_length(meter))))
    except ValueError:
        return 4


def _first_downbeat(piece: Piece, bar: int) -> float:
    """Offset of the first full bar: chorales often open with an upbeat, which the written end bar
    completes (onsets here start at 0 at the first note)."""
    end = max(v.length for v in piece.voices)
    return end % bar if bar else 0.0


def encode(piece: Piece, voices: int = 4) -> BeatFrame:
    """Sample every voice at every beat (quarter note) from the first onset to the last."""
    bar = _bar_beats(piece.meter)
    end = max(v.length for v in piece.voices[:voices])
    n = max(1, int(math.ceil(end - 1e-9)))
    off = rel_offset(piece.key.tonic)
    pitch = np.full((n, voices), -1, np.int64)
    act = np.full((n, voices), SILENT, np.int64)
    passing = np.zeros((n, voices), bool)
    for v, voice in enumerate(piece.voices[:voices]):
        for note in voice.notes:
            if note.pitch is None:
                continue
            half = note.onset - math.floor(note.onset + 1e-9)
            if abs(half - 0.5) < 1e-9 and note.onset + 0.5 < n:
                passing[int(note.onset + 0.5 + 1e-9), v] = True
            first = int(math.ceil(note.onset - 1e-9))
            last = int(math.ceil(note.onset + note.duration - 1e-9))
            for b in range(first, min(last, n)):
                pitch[b, v] = note.pitch - off
                act[b, v] = ATTACK if abs(b - note.onset) < 1e-9 else HOLD
    chord = np.array([classify(sorted({int(p) % 12 for p in row if p >= 0}),
                               int(row[-1]) % 12 if row[-1] >= 0 else -1) for row in pitch], np.int64)
    down = _first_downbeat(piece, bar)
    bar_beat = np.array([int(round(b - down)) % bar % MAX_BAR_BEATS for b in range(n)], np.int64)
    to_end = np.minimum(np.arange(n)[::-1], END_BEATS)  # END_BEATS: "not near the end" (no neuron)
    return BeatFrame(pitch, act, chord, bar_beat, to_end, piece.key.mode, bar, passing)
