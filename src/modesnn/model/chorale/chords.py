"""The chord cluster's vocabulary: one neuron per (root degree, quality), relative to the tonic.

A beat's sonority (pitch classes relative to the tonic, and the bass) is named by the chord whose tones
contain it, preferring a complete chord, then fewer missing tones, then triads before sevenths, then the bass
as root; one tone outside the chord is tolerated (a suspension or a passing note on the beat).  Single pitch
classes name no chord.  This is the teacher signal of learning (as a piece's key label is), not a rule of
composition: what follows what, which tones each voice takes, and where cadences fall are all learned.
"""

from __future__ import annotations

QUALITIES: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("maj", (0, 4, 7)), ("min", (0, 3, 7)), ("dim", (0, 3, 6)), ("aug", (0, 4, 8)),
    ("7", (0, 4, 7, 10)), ("m7", (0, 3, 7, 10)), ("hd7", (0, 3, 6, 10)), ("d7", (0, 3, 6, 9)),
    ("M7", (0, 4, 7, 11)),
)
N_CHORDS = 12 * len(QUALITIES)

ROMAN = ("I", "bII", "II", "bIII", "III", "IV", "#IV", "V", "bVI", "VI", "bVII", "VII")


def chord_index(root: int, quality: int) -> int:
    return quality * 12 + root


def chord_tones(index: int) -> frozenset[int]:
    """Pitch classes (relative to the tonic) of a chord neuron."""
    q, root = divmod(index, 12)
    return frozenset((root + i) % 12 for i in QUALITIES[q][1])


def chord_name(index: int) -> str:
    q, root = divmod(index, 12)
    return f"{ROMAN[root]}{QUALITIES[q][0]}"


_TONES = [chord_tones(i) for i in range(N_CHORDS)]


def classify(pcs: list[int], bass: int) -> int:
    """Chord neuron naming a sonority, or -1."""
    s = frozenset(pcs)
    if len(s) < 2:
        return -1
    best, best_key = -1, None
    for i, tones in enumerate(_TONES):
        outside = len(s - tones)
        if outside > 1 or (outside == 1 and len(s & tones) < 3):
            continue
        q, root = divmod(i, 12)
        key = (outside, len(tones - s), len(tones), root != bass, q, root)
        if best_key is None or key < best_key:
            best, best_key = i, key
    return best
