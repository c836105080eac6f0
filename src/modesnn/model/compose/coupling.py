"""Cross-voice terms of a composition: how the notes just chosen in one voice shape another voice's candidates.

The paper composes each voice in its own segment with no term between them.  The one term here keeps the voices
in order (docs/model-notes.md has its measurement): a candidate above the previous note of the voice above, or
below that of the voice below, gets key -> pitch inhibition instead of its bias.
"""

from __future__ import annotations

import numpy as np

from modesnn.model.layout import REST


def voice_order(weights: np.ndarray, voices: np.ndarray, pitches: np.ndarray, previous: list[int],
                inhibition: float) -> np.ndarray:
    """weights with every candidate that would cross a neighbouring voice set to -inhibition.

    voices, pitches: each candidate's voice and MIDI pitch; previous: the last note (pitch or REST) of every
    voice, top voice first."""
    if not inhibition:
        return weights
    n = len(previous)
    above = np.array([REST, *previous[:n - 1]], np.int64)[voices]
    below = np.array([previous[v + 1] if v + 1 < n else REST for v in range(n)], np.int64)[voices]
    crossing = ((above != REST) & (pitches > above)) | ((below != REST) & (pitches < below))
    out = weights.copy()
    out[crossing] = -inhibition
    return out
