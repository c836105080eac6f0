"""Judging modal music by modal features, not by a major/minor key finder: the final, the characteristic
degree against its major/minor rival, and the degree profile against the labelled corpus's own.

A dorian piece is told from natural minor by its major sixth (rival: the minor sixth), a mixolydian one from
major by its minor seventh (rival: the leading tone), lydian by the raised fourth, phrygian by the minor
second, locrian by the diminished fifth.
"""

from __future__ import annotations

import numpy as np

from modesnn.music import Piece
from modesnn.theory import Key, pearson

CHARACTERISTIC: dict[str, tuple[int, int]] = {
    "dorian": (9, 8), "mixolydian": (10, 11), "lydian": (6, 5), "phrygian": (1, 2), "locrian": (6, 7),
}
"""mode -> (characteristic degree, the degree a major/minor hearing puts there instead), semitones."""

CHURCH_MODES = tuple(CHARACTERISTIC)


def degree_histogram(piece: Piece, key: Key) -> np.ndarray:
    """Sounding notes per scale degree of `key` (all voices, tonic first)."""
    hist = np.zeros(12)
    for voice in piece.voices:
        for n in voice.notes:
            if n.pitch is not None:
                hist[(n.pitch - key.tonic) % 12] += 1
    return hist


def final_degree(piece: Piece, key: Key) -> int | None:
    """Degree of the lowest voice's last sounding note (the final), or None for a silent piece."""
    for voice in reversed(piece.voices):
        pitches = voice.pitches
        if pitches:
            return (pitches[-1] - key.tonic) % 12
    return None


def judge_modal(piece: Piece, key: Key | None = None, reference: np.ndarray | None = None) -> dict:
    """Modal figures of one piece: final on the tonic, share of the characteristic degree and of its rival,
    whether the characteristic degree wins, and (with `reference`, degree counts of a labelled corpus) r."""
    key = key or piece.key
    hist = degree_histogram(piece, key)
    total = hist.sum()
    out: dict = {"key": key.name, "final_is_tonic": final_degree(piece, key) == 0}
    if key.mode in CHARACTERISTIC and total:
        char, rival = CHARACTERISTIC[key.mode]
        out["characteristic_share"] = float(hist[char] / total)
        out["rival_share"] = float(hist[rival] / total)
        out["characteristic_wins"] = bool(hist[char] > 0 and hist[char] > hist[rival])
    if reference is not None and total:
        out["profile_r"] = pearson(hist, reference)
    return out


def summarise_modal(rows: list[dict]) -> dict:
    """Shares over pieces: final on the tonic, characteristic degree wins; means of the shares and r."""
    if not rows:
        return {"pieces": 0}
    out: dict = {"pieces": len(rows), "final_is_tonic": float(np.mean([r["final_is_tonic"] for r in rows]))}
    for name in ("characteristic_wins", "characteristic_share", "rival_share", "profile_r"):
        vals = [float(r[name]) for r in rows if name in r]
        if vals:
            out[name] = float(np.mean(vals))
    return out


def learned_tonics(model, mode: str, n: int = 3) -> tuple[int, ...]:
    """The n tonics of `mode` the model heard most notes in (the keys its sequence memory knows best)."""
    heard = [(float(model.heard_keys.get(f"{t}:{mode}", np.zeros(12)).sum()), t) for t in range(12)]
    return tuple(t for notes, t in sorted(heard, key=lambda x: (-x[0], x[1]))[:n] if notes > 0)


def compose_modal(model, modes: list[str] | None = None, tonics: tuple[int, ...] | None = None,
                  seeds: range = range(4), length: int = 32) -> dict[str, dict]:
    """Compose in every church mode the model learned notes for (its most-heard tonics, or `tonics`, x seeds)
    and judge each piece against the degree counts the model heard in that mode."""
    from modesnn.model import compose

    modes = modes or [m for m in model.config.modes if m in CHARACTERISTIC and model.heard_degrees[m].any()]
    out = {}
    for mode in modes:
        ref = model.heard_degrees[mode]
        keys = [Key(t, mode) for t in (tonics or learned_tonics(model, mode))]
        rows = [judge_modal(compose(model, k, length=length, seed=s), k, ref) for k in keys for s in seeds]
        out[mode] = {"keys": [k.name for k in keys], **summarise_modal(rows)}
    return out


def modal_markdown(result: dict[str, dict]) -> str:
    """One row per mode: pieces, final on the tonic, characteristic degree wins, shares, profile r."""
    lines = ["| mode (keys) | pieces | final on the tonic | characteristic degree beats its rival | characteristic "
             "share | rival share | profile r vs corpus |", "|---|---|---|---|---|---|---|"]
    for mode, r in result.items():
        lines.append(f"| {mode} ({', '.join(r['keys'])}) | {r['pieces']} | {r['final_is_tonic']:.2f} | "
                     f"{r.get('characteristic_wins', float('nan')):.2f} | {r.get('characteristic_share', 0):.3f} | "
                     f"{r.get('rival_share', 0):.3f} | {r.get('profile_r', float('nan')):.3f} |")
    return "\n".join(lines) + "\n"
