"""Metrics of a piece (evaluation.md section 2): plain functions `metric(piece, ...) -> value`.

Every function states its value for empty input.  A quantity that is undefined (a share of zero notes, the
mean interval of a one-note voice) is `nan`, never 0, so that an empty piece cannot look perfect or
terrible; `all_metrics` writes such values as None (valid JSON) and `mean_metrics` averages over the pieces
where a value is defined.

Conventions: rests are skipped everywhere a pitch is needed; voices are ordered top first (soprano first);
"key" defaults to the piece's own key (for a generated piece: the requested key).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from modesnn.evaluate.keyfinding import KeyEstimate, find_key, pitch_class_histogram, relation
from modesnn.music import Piece, Voice, measure_length
from modesnn.theory import MINOR_FORMS, MODES, Key, pearson

__all__ = [
    "SATB_RANGES",
    "MelodicStats",
    "all_metrics",
    "chord_slices",
    "diatonic_consistency",
    "diatonic_consistency_any_minor",
    "distinct_pitch_classes",
    "distinct_pitches",
    "distinct_pitches_per_voice",
    "duration_distribution",
    "duration_entropy",
    "key_recovered",
    "mean_distinct_pitches_per_voice",
    "mean_metrics",
    "measure_length",
    "melodic_stats",
    "melodic_stats_per_voice",
    "notes_per_measure",
    "out_of_range_share",
    "parallel_motion",
    "pitch_class_entropy",
    "pitch_class_histogram",
    "tonal_coherence",
    "voice_crossings",
    "voices_end_together",
]

NAN = float("nan")

SATB_RANGES: tuple[tuple[int, int], ...] = ((60, 79), (55, 74), (48, 67), (40, 60))
"""Usual ranges, inclusive MIDI numbers, top voice first: S C4-G5, A G3-D5, T C3-G4, B E2-C4."""

MINOR_LIKE_MODES = frozenset(name for name, mode in MODES.items() if mode.minor_form)
"""Modes for which "any minor form" widens the scale to natural + harmonic + melodic minor."""

_END_TOL = 1e-6


def _sounding(piece: Piece) -> list[tuple[int, float]]:
    """(pitch, duration) of every sounding note of every voice."""
    return [(n.pitch, n.duration) for v in piece.voices for n in v.notes if n.pitch is not None]


def _share_in(piece: Piece, pcs: Iterable[int], weighted: bool) -> float:
    pcs = frozenset(pcs)
    notes = _sounding(piece)
    total = sum(d if weighted else 1.0 for _, d in notes)
    if total == 0:
        return NAN
    inside = sum(d if weighted else 1.0 for p, d in notes if p % 12 in pcs)
    return inside / total


# --- tonality -------------------------------------------------------------------------------------------


def diatonic_consistency(piece: Piece, key: Key | None = None, weighted: bool = False) -> float:
    """Share of sounding notes (or of sounding duration, when `weighted`) whose pitch class is in the key's
    scale (minor = harmonic minor).  Why: the plainest test that a piece stays in the requested key.
    Empty piece: nan."""
    key = key or piece.key
    return _share_in(piece, key.scale_pcs, weighted)


def diatonic_consistency_any_minor(piece: Piece, key: Key | None = None, weighted: bool = False) -> float:
    """As `diatonic_consistency`, but for minor keys (minor, natural minor, melodic minor) any minor form
    counts (natural, harmonic or melodic: degrees 0 2 3 5 7 8 9 10 11), so a melodic-minor ascent or a
    natural 7th is not counted as chromatic.  Other modes: identical to `diatonic_consistency`.
    Empty piece: nan."""
    key = key or piece.key
    if key.mode in MINOR_LIKE_MODES:
        pcs = {(key.tonic + d) % 12 for d in MINOR_FORMS}
    else:
        pcs = set(key.scale_pcs)
    return _share_in(piece, pcs, weighted)


def tonal_coherence(piece: Piece, key: Key | None = None) -> float:
    """Pearson r between the duration-weighted pitch-class histogram and the Krumhansl-Kessler profile of
    the key.  Why: it rewards the key's hierarchy (tonic and dominant most), not just staying in scale.
    Empty piece: nan."""
    key = key or piece.key
    hist = pitch_class_histogram(piece, weighted=True)
    if not hist.any():
        return NAN
    return pearson(hist, key.profile())


def key_recovered(
    piece: Piece,
    key: Key | None = None,
    finder: Callable[[Piece], KeyEstimate] = find_key,
) -> Literal["exact", "near", "no"]:
    """Whether an independent key finder (default: Krumhansl-Schmuckler on the duration-weighted histogram)
    hears the key: "exact", "near" (its relative, parallel or dominant, see `keyfinding.relation`) or
    "no".  Empty piece: "no"."""
    key = key or piece.key
    if not pitch_class_histogram(piece).any():
        return "no"
    return _recovered(relation(finder(piece).key, key))


def _recovered(rel: str) -> Literal["exact", "near", "no"]:
    if rel == "exact":
        return "exact"
    return "near" if rel in ("relative", "parallel", "dominant") else "no"


# --- pitch diversity ------------------------------------------------------------------------------------


def distinct_pitch_classes(piece: Piece) -> int:
    """Number of distinct pitch classes sounding anywhere in the piece (0..12).  Empty piece: 0."""
    return len({p % 12 for p, _ in _sounding(piece)})


def distinct_pitches(piece: Piece) -> int:
    """Number of distinct MIDI pitches over all voices.  Empty piece: 0."""
    return len({p for p, _ in _sounding(piece)})


def distinct_pitches_per_voice(piece: Piece) -> list[int]:
    """Distinct MIDI pitches in each voice, top voice first.  A voice of rests: 0; no voices: []."""
    return [len(set(v.pitches)) for v in piece.voices]


def mean_distinct_pitches_per_voice(piece: Piece) -> float:
    """Mean of `distinct_pitches_per_voice`.  No voices: nan."""
    counts = distinct_pitches_per_voice(piece)
    return float(np.mean(counts)) if counts else NAN


def _entropy_bits(weights: Iterable[float]) -> float:
    w = np.asarray([x for x in weights if x > 0], dtype=float)
    if w.size == 0:
        return NAN
    p = w / w.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0


def pitch_class_entropy(piece: Piece, weighted: bool = False) -> float:
    """Shannon entropy in bits of the pitch-class distribution of note counts (or durations, when
    `weighted`): 0 for one pitch class, log2(12) = 3.585 for all twelve equally.  Empty piece: nan."""
    return _entropy_bits(pitch_class_histogram(piece, weighted=weighted))


# --- melody ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MelodicStats:
    """Interval statistics of one voice.  Intervals join consecutive sounding notes (rests skipped).

    step_share counts 1 or 2 semitones (a repeat is not a step; it is counted by repeat_share), so
    step_share + repeat_share + leap share = 1.  All nan when the voice has fewer than two sounding notes.
    """

    n_intervals: int
    mean_abs_interval: float
    step_share: float
    repeat_share: float
    largest_leap: float


def melodic_stats(voice: Voice) -> MelodicStats:
    """Interval statistics of a voice (see MelodicStats).  Why: a model that only repeats or only jumps
    shows up here even when every note is in key."""
    pitches = voice.pitches
    iv = np.abs(np.diff(np.asarray(pitches, dtype=float))) if len(pitches) > 1 else np.zeros(0)
    if iv.size == 0:
        return MelodicStats(0, NAN, NAN, NAN, NAN)
    return MelodicStats(
        n_intervals=int(iv.size),
        mean_abs_interval=float(iv.mean()),
        step_share=float(((iv >= 1) & (iv <= 2)).mean()),
        repeat_share=float((iv == 0).mean()),
        largest_leap=float(iv.max()),
    )


def melodic_stats_per_voice(piece: Piece) -> list[MelodicStats]:
    """`melodic_stats` of each voice, top voice first.  No voices: []."""
    return [melodic_stats(v) for v in piece.voices]


# --- rhythm ---------------------------------------------------------------------------------------------


def duration_distribution(piece: Piece) -> dict[float, float]:
    """Share of sounding notes having each duration (quarter lengths), sorted by duration.  Rests are not
    counted.  Empty piece: {}."""
    counts = Counter(d for _, d in _sounding(piece))
    total = sum(counts.values())
    return {d: counts[d] / total for d in sorted(counts)}


def duration_entropy(piece: Piece) -> float:
    """Entropy in bits of `duration_distribution`: 0 when every note has one value.  Empty piece: nan."""
    return _entropy_bits(duration_distribution(piece).values())


def voices_end_together(piece: Piece) -> float:
    """Share of voices whose last sounding note ends when the last note of the piece ends (1.0 = all end
    together).  Trailing rests are ignored (files pad the last bar with rests of unequal length); voices
    without a sounding note are left out.  No sounding note at all: nan."""
    ends = [max(n.onset + n.duration for n in v.notes if n.pitch is not None)
            for v in piece.voices if v.pitches]
    if not ends:
        return NAN
    last = max(ends)
    return sum(1 for e in ends if abs(e - last) <= _END_TOL) / len(ends)


def notes_per_measure(piece: Piece) -> float:
    """Sounding notes per voice per measure: total sounding notes / (voices x measures), where measures =
    the longest voice's length / the meter's measure length (fractional when there is a pickup).
    Empty piece: nan."""
    if not piece.voices:
        return NAN
    measures = max(v.length for v in piece.voices) / measure_length(piece.meter)
    if measures <= 0:
        return NAN
    return len(_sounding(piece)) / (len(piece.voices) * measures)


# --- voice leading --------------------------------------------------------------------------------------


def _sounding_at(voice: Voice, onsets: list[float], t: float) -> int | None:
    """Pitch sounding in a voice at time t (`onsets`: the voice's note onsets, ascending)."""
    i = bisect.bisect_right(onsets, t + _END_TOL) - 1
    if i < 0:
        return None
    n = voice.notes[i]
    return n.pitch if t < n.onset + n.duration - _END_TOL else None


def chord_slices(piece: Piece) -> list[tuple[int | None, ...]]:
    """The vertical sonorities: at every onset of a note or rest in any voice, the pitch sounding in each
    voice (None = rest or voice finished); consecutive identical slices (a repeated note while the others
    hold) are merged, so every step between two slices is a chord change.  Notes of a voice must be in onset
    order (as `voice_from_durations` and the corpus reader make them).  Empty piece: []."""
    voices = [(v, [n.onset for n in v.notes]) for v in piece.voices]
    slices: list[tuple[int | None, ...]] = []
    for t in sorted({round(n.onset, 6) for v in piece.voices for n in v.notes}):
        chord = tuple(_sounding_at(v, onsets, t) for v, onsets in voices)
        if not slices or chord != slices[-1]:
            slices.append(chord)
    return slices


def parallel_motion(piece: Piece) -> dict[str, float]:
    """Parallel fifths and octaves per 100 chord changes.

    Between two consecutive chord slices, a pair of voices (any two voices) moves in parallel when both
    voices sound in both slices, both move, in the same direction, and their interval (absolute difference
    mod 12) is a perfect fifth (7) in both slices, or a unison/octave (0) in both.  Returns
    {"chord_changes", "parallel_fifths", "parallel_octaves", "parallel_fifths_per_100",
    "parallel_octaves_per_100"}; the rates are nan when there is no chord change.
    """
    slices = chord_slices(piece)
    fifths = octaves = 0
    n_voices = len(piece.voices)
    for a, b in zip(slices, slices[1:], strict=False):
        for i in range(n_voices):
            for j in range(i + 1, n_voices):
                ai, aj, bi, bj = a[i], a[j], b[i], b[j]
                if ai is None or aj is None or bi is None or bj is None:
                    continue
                mi, mj = bi - ai, bj - aj
                if mi == 0 or mj == 0 or (mi > 0) != (mj > 0):
                    continue
                before, after = abs(ai - aj) % 12, abs(bi - bj) % 12
                if before == after == 7:
                    fifths += 1
                elif before == after == 0:
                    octaves += 1
    changes = max(len(slices) - 1, 0)
    return {
        "chord_changes": changes,
        "parallel_fifths": fifths,
        "parallel_octaves": octaves,
        "parallel_fifths_per_100": 100.0 * fifths / changes if changes else NAN,
        "parallel_octaves_per_100": 100.0 * octaves / changes if changes else NAN,
    }


def voice_crossings(piece: Piece) -> int:
    """Number of (chord slice, adjacent voice pair) where the lower voice sounds above the upper one
    (voices are ordered top first; slices as in `chord_slices`).  Empty piece: 0."""
    count = 0
    for chord in chord_slices(piece):
        for upper, lower in zip(chord, chord[1:], strict=False):
            if upper is not None and lower is not None and lower > upper:
                count += 1
    return count


def out_of_range_share(piece: Piece) -> float:
    """Share of sounding notes outside their voice's usual SATB range (`SATB_RANGES`).  Defined for four
    voices only (nan otherwise); four voices without notes: nan."""
    if len(piece.voices) != 4:
        return NAN
    total = outside = 0
    for voice, (lo, hi) in zip(piece.voices, SATB_RANGES, strict=True):
        for p in voice.pitches:
            total += 1
            outside += not lo <= p <= hi
    return outside / total if total else NAN


# --- everything at once ---------------------------------------------------------------------------------


def _json_number(x: float | int) -> float | int | None:
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def _nanmean(values: Iterable[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return float(np.mean(vals)) if vals else NAN


def all_metrics(
    piece: Piece,
    key: Key | None = None,
    finder: Callable[[Piece], KeyEstimate] = find_key,
) -> dict[str, float | int | str | None]:
    """Every metric of one piece as a flat JSON-able dict with stable names; undefined values are None.

    Per-voice melodic figures are averaged over the voices where they are defined (`largest_leap` is the
    mean of the voices' largest leaps; `largest_leap_max` the largest of all).
    """
    key = key or piece.key
    hist = pitch_class_histogram(piece)
    estimate = finder(piece) if hist.any() else None
    rel = relation(estimate.key, key) if estimate else "other"
    recovered = _recovered(rel)
    mel = melodic_stats_per_voice(piece)
    par = parallel_motion(piece)
    out: dict[str, float | int | str | None] = {
        "key": key.name,
        "n_voices": len(piece.voices),
        "n_notes": len(_sounding(piece)),
        "length_ql": max((v.length for v in piece.voices), default=0.0),
        "diatonic": diatonic_consistency(piece, key),
        "diatonic_weighted": diatonic_consistency(piece, key, weighted=True),
        "diatonic_any_minor": diatonic_consistency_any_minor(piece, key),
        "diatonic_any_minor_weighted": diatonic_consistency_any_minor(piece, key, weighted=True),
        "tonal_coherence": tonal_coherence(piece, key),
        "key_found": estimate.key.name if estimate else None,
        "key_found_r": estimate.r if estimate else NAN,
        "key_relation": rel if estimate else None,
        "key_recovered": recovered,
        "key_exact": float(recovered == "exact"),
        "key_exact_or_near": float(recovered != "no"),
        "distinct_pitch_classes": distinct_pitch_classes(piece),
        "distinct_pitches": distinct_pitches(piece),
        "distinct_pitches_per_voice": mean_distinct_pitches_per_voice(piece),
        "pitch_class_entropy": pitch_class_entropy(piece),
        "pitch_class_entropy_weighted": pitch_class_entropy(piece, weighted=True),
        "mean_abs_interval": _nanmean(m.mean_abs_interval for m in mel),
        "step_share": _nanmean(m.step_share for m in mel),
        "repeat_share": _nanmean(m.repeat_share for m in mel),
        "largest_leap": _nanmean(m.largest_leap for m in mel),
        "largest_leap_max": max((m.largest_leap for m in mel if not math.isnan(m.largest_leap)), default=NAN),
        "distinct_durations": len(duration_distribution(piece)),
        "duration_entropy": duration_entropy(piece),
        "voices_end_together": voices_end_together(piece),
        "notes_per_measure": notes_per_measure(piece),
        "chord_changes": par["chord_changes"],
        "parallel_fifths_per_100": par["parallel_fifths_per_100"],
        "parallel_octaves_per_100": par["parallel_octaves_per_100"],
        "voice_crossings": voice_crossings(piece),
        "out_of_range_share": out_of_range_share(piece),
    }
    return {k: _json_number(v) if not isinstance(v, str) else v for k, v in out.items()}


def mean_metrics(rows: list[dict]) -> dict[str, float | int | None]:
    """Per-name mean of the numeric values of several `all_metrics` dicts, skipping None/nan (a metric
    undefined for a piece does not pull the mean); None when no piece defines it.  Text values are left
    out; the rate of exact / near key recovery is the mean of "key_exact" / "key_exact_or_near".
    Adds "n_pieces".  Empty list: {"n_pieces": 0}."""
    out: dict[str, float | int | None] = {"n_pieces": len(rows)}
    names: list[str] = []
    for row in rows:
        names.extend(k for k in row if k not in names)
    for name in names:
        vals = [row.get(name) for row in rows]
        if any(isinstance(v, str) for v in vals):
            continue
        nums = [float(v) for v in vals if isinstance(v, int | float) and not math.isnan(float(v))]
        out[name] = float(np.mean(nums)) if nums else None
    return out
