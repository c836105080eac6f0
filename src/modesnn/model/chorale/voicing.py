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


def inhibition(pitch: np.ndarray, b: int, v: int, parallel: float, crossing: float, doubling: float = 0.0,
               before: np.ndarray | None = None) -> np.ndarray:
    """Inhibitory current onto each of voice v's 128 pitch candidates at beat b (pitch: beats x voices,
    relative pitches, -1 undecided or resting; before: what each voice sounds just before beat b, if not
    pitch[b - 1]: a passing eighth)."""
    out = np.zeros(PITCHES)
    x = np.arange(PITCHES)
    decided = VOICE_ORDER[: VOICE_ORDER.index(v)]
    sung = [int(pitch[b, u]) % 12 for u in decided if pitch[b, u] >= 0]
    if doubling and len(sung) > len(set(sung)):
        out += np.where(np.isin(x % 12, sung), doubling, 0.0)
    last = pitch[b - 1] if before is None else before
    prev_v = int(last[v]) if b > 0 else -1
    for u in decided:
        now_u = int(pitch[b, u])
        if now_u < 0:
            continue
        if crossing:
            out += np.where((x > now_u) if u < v else (x < now_u), crossing, 0.0)
        if not parallel or b == 0 or prev_v < 0:
            continue
        prev_u = int(last[u])
        if prev_u < 0 or prev_u == now_u:
            continue
        before = (prev_u - prev_v) % 12 if u < v else (prev_v - prev_u) % 12
        if before not in PERFECT:
            continue
        after = (now_u - x) % 12 if u < v else (x - now_u) % 12
        out += np.where((after == before) & (x != prev_v), parallel, 0.0)
    return out


def parallel_with(q: int, target: int, v: int, before: np.ndarray, after: np.ndarray) -> bool:
    """Would voice v, sounding q just before a beat and `target` on it, move in parallel fifths or octaves
    with a voice that sounds before[u] and then after[u] (-1: not known yet)?"""
    for u in range(before.size):
        if u == v or before[u] < 0 or after[u] < 0 or before[u] == after[u]:
            continue
        upper, lower = (u, v) if u < v else (v, u)
        pair_before = {u: int(before[u]), v: q}
        pair_after = {u: int(after[u]), v: target}
        i0 = (pair_before[upper] - pair_before[lower]) % 12
        i1 = (pair_after[upper] - pair_after[lower]) % 12
        if i0 in PERFECT and i0 == i1:
            return True
    return False
