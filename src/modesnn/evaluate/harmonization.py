"""The held-out harmonisation test of issue 13: harmonise the sopranos of chorales a model never learned and
compare the chords with Bach's, beat by beat.

Root finder (our own, on pitch-class sets, so that MIDI pitches need no spelling): the sounding pitch
classes on a beat (held notes included) are matched against every complete triad and seventh chord on
every sounding root; the best match has the most chord tones present minus tones outside it, then the
fewest chord tones missing, then its root in the bass, then the plainer chord (triads before sevenths,
major before minor ...).  Its quality is the triad inside it (a dominant or major seventh is "major", a
minor or minor-major seventh "minor", a half-diminished or diminished seventh "diminished"), or "no third"
when the match lacks its third (a bare fifth, an octave: no quality can be heard) and "unison" for one
pitch class.  Numbers only, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable

from modesnn.evaluate.harmony import SEVENTHS, TRIADS, _Grid, beat_times, harmony_figures
from modesnn.evaluate.harmony_table import mean_harmony
from modesnn.music import Note, Piece, Voice
from modesnn.theory import MODES, Key

__all__ = ["Harmonizer", "beat_chords", "chord_agreement", "chord_of", "chords_at", "evaluate_harmonizer",
           "tonic_drone"]

Harmonizer = Callable[[Voice, Key, str], Piece]
"""harmonize(melody, key, meter) -> a piece whose top voice is the melody."""

_TRIAD_OF = {"major triad": "major", "minor triad": "minor", "diminished triad": "diminished",
             "augmented triad": "augmented", "dominant seventh": "major", "major seventh": "major",
             "minor seventh": "minor", "minor-major seventh": "minor", "half-diminished seventh": "diminished",
             "diminished seventh": "diminished"}
_TEMPLATES = [(name, shape, rank) for rank, (name, shape) in enumerate({**TRIADS, **SEVENTHS}.items())]


def chord_of(pitches: list[int]) -> tuple[int, str] | None:
    """(root pitch class, quality) of sounding MIDI pitches by the module's root finder; None for silence.
    Quality: "major", "minor", "diminished", "augmented", "no third" or "unison"."""
    if not pitches:
        return None
    pcs = {p % 12 for p in pitches}
    bass = min(pitches) % 12
    if len(pcs) == 1:
        return bass, "unison"
    best = None
    for root in sorted(pcs):
        for name, shape, rank in _TEMPLATES:
            tones = {(root + i) % 12 for i in shape}
            score = (len(pcs & tones) - len(pcs - tones), -len(tones - pcs), root == bass, -rank)
            if best is None or score > best[0]:
                best = (score, root, name, tones)
    _, root, name, tones = best
    has_third = bool({(root + 3) % 12, (root + 4) % 12} & pcs & tones)
    return root, _TRIAD_OF[name] if has_third else "no third"


def chords_at(piece: Piece, times: list[float]) -> list[tuple[int, str] | None]:
    """`chord_of` the pitches sounding (held notes included) at each time; None where nothing sounds."""
    grid = _Grid(piece)
    return [chord_of([p for p in grid.pitches_at(t) if p is not None]) for t in times]


def beat_chords(piece: Piece) -> list[tuple[int, str] | None]:
    """`chords_at` every beat of the piece (`harmony.beat_times`).  Empty piece: []."""
    return chords_at(piece, beat_times(piece))


def chord_agreement(reference: Piece, other: Piece) -> dict[str, float | int]:
    """Beat by beat over the reference's beats that sound (both pieces read at the reference's beat times):
    the share where `other`'s chord has the same root and quality ("agreement") and the same root
    ("root_agreement"), with the beat count.  A silent beat in `other` disagrees.  No sounding beat in the
    reference: shares nan."""
    times = beat_times(reference)
    ref, oth = chords_at(reference, times), chords_at(other, times)
    pairs = [(a, b) for a, b in zip(ref, oth, strict=True) if a is not None]
    n = len(pairs)
    same = sum(b is not None and a == b for a, b in pairs)
    same_root = sum(b is not None and a[0] == b[0] for a, b in pairs)
    nan = float("nan")
    return {"beats": n, "agreement": same / n if n else nan, "root_agreement": same_root / n if n else nan}


def evaluate_harmonizer(held_out: list[Piece], harmonize: Harmonizer) -> dict:
    """Harmonise each held-out piece's soprano (in its labelled key and meter) and compare with Bach.

    Returns {"pieces", "harmonized", "failures" [(name, reason)], "beats", "agreement" and "root_agreement"
    (pooled over all beats of the harmonised pieces), "per_piece" [{name, key, beats, agreement,
    root_agreement, melody_kept}], "figures" (mean `harmony_figures` of the harmonised pieces), "bach_figures"
    (the same of the held-out originals), "examples" (the first three harmonised pieces; not JSON)}.
    A harmoniser that raises ValueError for a piece is recorded as a failure and the others go on."""
    rows, figures, bach_figures, failures, examples = [], [], [], [], []
    for piece in held_out:
        melody = piece.voices[0]
        try:
            out = harmonize(melody, piece.key, piece.meter)
        except ValueError as exc:
            failures.append((piece.name, str(exc)))
            continue
        agree = chord_agreement(piece, out)
        kept = [(n.pitch, n.duration) for n in out.voices[0].notes if n.pitch is not None] == [
            (n.pitch, n.duration) for n in melody.notes if n.pitch is not None]
        rows.append({"name": piece.name, "key": piece.key.name, **agree, "melody_kept": kept})
        figures.append(harmony_figures(out, piece.key))
        bach_figures.append(harmony_figures(piece))
        if len(examples) < 3:
            examples.append(out)
    beats = sum(r["beats"] for r in rows)
    return {
        "pieces": len(held_out),
        "harmonized": len(rows),
        "failures": failures,
        "beats": beats,
        "agreement": sum(r["agreement"] * r["beats"] for r in rows if r["beats"]) / beats if beats else None,
        "root_agreement": (sum(r["root_agreement"] * r["beats"] for r in rows if r["beats"]) / beats
                           if beats else None),
        "melody_kept": sum(r["melody_kept"] for r in rows) / len(rows) if rows else None,
        "per_piece": rows,
        "figures": mean_harmony(figures),
        "bach_figures": mean_harmony(bach_figures),
        "examples": examples,
    }


def tonic_drone(melody: Voice, key: Key, meter: str) -> Piece:
    """The floor of the test: the melody over the tonic triad held from start to end (alto the fifth near
    G4, tenor the mode's third near C4, bass the tonic near C3).  Why: agreeing with Bach only as often
    as a drone does means the harmoniser has not learned progressions."""
    third = 3 if MODES[key.mode].is_minor else 4
    end = melody.length
    lower = [Voice(name, (Note(base + (key.tonic + iv - base) % 12, end, 0.0),))
             for name, base, iv in (("alto", 60, 7), ("tenor", 48, third), ("bass", 36, 0))]
    return Piece(f"tonic drone {key.name}", key, (melody, *lower), meter)
