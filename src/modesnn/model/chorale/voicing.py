"""Voice-leading interneurons: inhibition of a voice's candidate pitches from what the voices already
decided this beat.  Two documented principles of four-part writing, measured in docs/model-notes.md:

- no parallel fifths or octaves: a candidate that would move to the same perfect interval (mod 12: 0 or 7,
  upper minus lower) against a voice that moved, from that interval on the beat before;
- no crossing: a candidate above a decided higher voice or below a decided lower voice;
- one doubling only (four voices on a triad: double one tone, so the chord is complete): once a pitch class
  is sung by two of the voices decided this beat, every candidate on a pitch class already sung is inhibited.

The inhibition is a current onto the candidate neurons during their decision window; it does not pick a
note, it only makes the inhibited candidates unlikely to fire.
"""

from __future__ import annotations

import numpy as np

from modesnn.model.chorale.layout import PITCHES, VOICE_ORDER

PERFECT = (0, 7)


def inhibition(pitch: np.ndarray, b: int, v: int, parallel: float, crossing: float, doubling: float = 0.0
               ) -> np.ndarray:
    """Inhibitory current onto each of voice v's 128 pitch candidates at beat b (pitch: beats x voices,
    relative pitches, -1 undecided or resting)."""
    out = np.zeros(PITCHES)
    x = np.arange(PITCHES)
    decided = VOICE_ORDER[: VOICE_ORDER.index(v)]
    sung = [int(pitch[b, u]) % 12 for u in decided if pitch[b, u] >= 0]
    if doubling and len(sung) > len(set(sung)):
        out += np.where(np.isin(x % 12, sung), doubling, 0.0)
    prev_v = int(pitch[b - 1, v]) if b > 0 else -1
    for u in decided:
        now_u = int(pitch[b, u])
        if now_u < 0:
            continue
        if crossing:
            out += np.where((x > now_u) if u < v else (x < now_u), crossing, 0.0)
        if not parallel or b == 0 or prev_v < 0:
            continue
        prev_u = int(pitch[b - 1, u])
        if prev_u < 0 or prev_u == now_u:
            continue
        before = (prev_u - prev_v) % 12 if u < v else (prev_v - prev_u) % 12
        if before not in PERFECT:
            continue
        after = (now_u - x) % 12 if u < v else (x - now_u) % 12
        out += np.where((after == before) & (x != prev_v), parallel, 0.0)
    return out
