"""Krumhansl-Schmuckler key finding in numpy, for any set of key profiles (fixed or learned).

Why here and not music21: a numpy correlation over 24 (or more) profiles takes about a millisecond per piece,
and the same function scores a *learned* tonal hierarchy as a key finder (evaluation.md section 1).  The
music21 finder (`analysis.discrete.KrumhanslSchmuckler`) is used only as the test oracle; what it does, read
from music21 10.5 `analysis/discrete.py`:

- histogram: every pitch of every note and chord of the flattened score, weighted by its duration in quarter
  lengths (rests ignored; grace notes weigh 0);
- profiles: the Krumhansl-Kessler probe-tone values (since music21 6.3 its "KrumhanslSchmuckler" class and
  "KrumhanslKessler" are the same numbers, equal to `theory.KK_PROFILES`);
- score: the Pearson correlation of the histogram with each of the 12 rotations of the major and the minor
  profile; the best of the 24 wins.  Exact ties go to the higher tonic pitch class, then to minor over major
  (it sorts the tuples (r, tonic, mode) and takes the last);
- spelling: major tonics C C# D E- E F F# G A- A B- B, minor tonics C C# D E- E F F# G G# A B- B.

`find_key_music21_compatible` reproduces all of that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from modesnn.music import Piece
from modesnn.theory import MODES, Key, all_keys, kk_profile, parse_key

Relation = Literal["exact", "relative", "parallel", "dominant", "other"]

# music21's tonic spellings after its `_bestKeyEnharmonic` (pitch.Pitch(pc) then flipped when not valid).
_M21_MAJOR_NAMES = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B")
_M21_MINOR_NAMES = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "G#", "A", "B-", "B")


def pitch_class_histogram(piece: Piece, weighted: bool = False) -> np.ndarray:
    """Pitch-class histogram over all voices (rests skipped): note counts, or summed durations in quarter
    lengths when `weighted`.  Empty piece: twelve zeros."""
    hist = np.zeros(12)
    for voice in piece.voices:
        for note in voice.notes:
            if note.pitch is not None:
                hist[note.pitch % 12] += note.duration if weighted else 1.0
    return hist


@dataclass(frozen=True)
class KeyEstimate:
    """The best key, its correlation, the runner-up, and the correlation of every candidate key (by name)."""

    key: Key
    r: float
    runner_up: Key
    runner_up_r: float
    correlations: dict[str, float]


def kk_key_profiles(keys: list[Key] | None = None) -> dict[str, np.ndarray]:
    """Krumhansl-Kessler profiles rotated to each key, indexed by pitch class (default: the 24 major and
    minor keys with the project's spellings, `theory.all_keys()`)."""
    return {k.name: np.roll(kk_profile(k.mode), k.tonic) for k in (keys or all_keys())}


def _music21_profiles() -> dict[str, np.ndarray]:
    """KK profiles with music21's spellings, ordered so that the first maximum is music21's tie winner."""
    profiles = {}
    for pc in range(11, -1, -1):
        for mode, names in (("minor", _M21_MINOR_NAMES), ("major", _M21_MAJOR_NAMES)):
            key = Key(pc, mode, names[pc])
            profiles[key.name] = np.roll(kk_profile(mode), pc)
    return profiles


DEFAULT_PROFILES: dict[str, np.ndarray] = kk_key_profiles()
MUSIC21_PROFILES: dict[str, np.ndarray] = _music21_profiles()


def _as_key(name: str | Key) -> Key:
    return name if isinstance(name, Key) else parse_key(name)


def find_key(
    histogram_or_piece: np.ndarray | Piece,
    profiles: Mapping[str | Key, np.ndarray] | None = None,
    weighted: bool = True,
) -> KeyEstimate:
    """Krumhansl-Schmuckler: the key whose profile correlates best (Pearson r) with the pitch-class histogram.

    `profiles` maps key names ('F# minor', 'D dorian') or Keys to 12 weights indexed by absolute pitch class,
    e.g. a model's learned key profiles; default: KK rotated to the 24 major and minor keys.  A Piece is
    turned into its histogram, duration-weighted unless `weighted` is False.  Exact ties go to the key
    listed first.  Raises ValueError on an empty histogram (no key can be found in silence) or fewer than
    two profiles.
    """
    if isinstance(histogram_or_piece, Piece):
        hist = pitch_class_histogram(histogram_or_piece, weighted=weighted)
    else:
        hist = np.asarray(histogram_or_piece, dtype=float)
    if hist.shape != (12,):
        raise ValueError(f"a pitch-class histogram has 12 values, got shape {hist.shape}")
    if not hist.any():
        raise ValueError("empty pitch-class histogram: no notes to find a key in")
    profiles = DEFAULT_PROFILES if profiles is None else profiles
    if len(profiles) < 2:
        raise ValueError("need at least two key profiles")
    keys = [_as_key(name) for name in profiles]
    mat = np.array([np.asarray(p, dtype=float) for p in profiles.values()])
    if mat.shape[1:] != (12,):
        raise ValueError(f"each key profile has 12 values, got shape {mat.shape}")
    rs = _pearson_rows(mat, hist)
    order = np.argsort(-rs, kind="stable")
    best, second = int(order[0]), int(order[1])
    return KeyEstimate(
        key=keys[best],
        r=float(rs[best]),
        runner_up=keys[second],
        runner_up_r=float(rs[second]),
        correlations={k.name: float(r) for k, r in zip(keys, rs, strict=True)},
    )


def find_key_music21_compatible(histogram_or_piece: np.ndarray | Piece) -> KeyEstimate:
    """The settings that reproduce music21's `KrumhanslSchmuckler().getSolution`: duration-weighted
    histogram, KK profiles for the 24 major/minor keys, music21's tie order and tonic spellings."""
    return find_key(histogram_or_piece, MUSIC21_PROFILES, weighted=True)


def _pearson_rows(mat: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Pearson r of x with every row of mat; 0.0 where a row or x is constant (as `theory.pearson`)."""
    xc = x - x.mean()
    mc = mat - mat.mean(axis=1, keepdims=True)
    den = np.sqrt((mc**2).sum(axis=1) * (xc**2).sum())
    num = mc @ xc
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return r


def _third(mode: str) -> int:
    """4 for major-like modes (major third above the tonic), 3 for minor-like ones."""
    return 3 if MODES[mode].is_minor else 4


def relation(found: Key, target: Key) -> Relation:
    """How a found key relates to the target, as in MIREX / mir_eval key scoring.

    Keys are compared by tonic pitch class and mode, never by spelling ('C# major' == 'D- major').
    exact: same tonic and mode.  relative: one major-like and one minor-like key sharing a key signature
    (minor tonic 3 semitones below the major tonic).  parallel: same tonic, other mode.  dominant: same mode,
    found tonic a perfect fifth above the target's.  Anything else: other.
    """
    if found.tonic == target.tonic and found.mode == target.mode:
        return "exact"
    f3, t3 = _third(found.mode), _third(target.mode)
    if f3 != t3:
        major, minor = (found, target) if f3 == 4 else (target, found)
        if (major.tonic - minor.tonic) % 12 == 3:
            return "relative"
    if found.tonic == target.tonic:
        return "parallel"
    if found.mode == target.mode and (found.tonic - target.tonic) % 12 == 7:
        return "dominant"
    return "other"
