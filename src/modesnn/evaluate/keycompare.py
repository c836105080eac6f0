"""The learned key finder beside music21's on labelled pieces: exact and near (relative, parallel, dominant)
accuracy.  music21 is imported only inside `aarden_essen_key` (Aarden-Essen runs on a music21 stream built from
the Piece); Krumhansl-Schmuckler uses the numpy reproduction `find_key_music21_compatible`, which gives music21's
answers exactly and is about a hundred times faster."""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np

from modesnn.evaluate.keyfinding import find_key, find_key_music21_compatible, pitch_class_histogram, relation
from modesnn.music import Piece
from modesnn.theory import Key

NEAR = ("relative", "parallel", "dominant")



# --- key finding ----------------------------------------------------------------------------------------


def piece_to_stream(piece: Piece):
    """A music21 Score with one Part per voice (notes and rests at their onsets), for music21's analyses."""
    from music21 import note, stream

    score = stream.Score()
    for voice in piece.voices:
        part = stream.Part(id=voice.name)
        for n in voice.notes:
            if n.pitch is None:
                el = note.Rest(quarterLength=n.duration)
            else:
                el = note.Note(n.pitch, quarterLength=n.duration)
            part.insert(n.onset, el)
        score.insert(0, part)
    return score


def aarden_essen_key(piece: Piece) -> Key:
    """music21's `analysis.discrete.AardenEssen` key of the piece (duration-weighted pitch classes)."""
    from music21.analysis.discrete import AardenEssen

    found = AardenEssen().getSolution(piece_to_stream(piece))
    return Key(found.tonic.pitchClass, found.mode, found.tonic.name)


def compare_key_finders(
    pieces: list[Piece],
    key_profiles: dict[str, np.ndarray],
    progress: bool = False,
    aarden_essen: bool = True,
) -> dict:
    """Accuracy (exact tonic and mode) of the learned key finder beside Krumhansl-Schmuckler and Aarden-Essen
    on labelled pieces; "near" holds the share where each finder's answer is the label or its relative,
    parallel or dominant key.  Pieces without a sounding note are left out (counted in "empty")."""
    from tqdm import tqdm

    finders: dict[str, Callable[[Piece], Key]] = {
        "learned": lambda p: find_key(p, key_profiles).key,
        "krumhansl_schmuckler": lambda p: find_key_music21_compatible(p).key,
    }
    if aarden_essen:
        finders["aarden_essen"] = aarden_essen_key
    exact = dict.fromkeys(finders, 0)
    near = dict.fromkeys(finders, 0)
    n = empty = 0
    rows = []
    for piece in tqdm(pieces, desc="finding keys", unit="piece", file=sys.stderr, disable=not progress,
                      leave=False):
        if not pitch_class_histogram(piece).any():
            empty += 1
            continue
        n += 1
        row = {"piece": piece.name, "label": piece.key.name}
        for name, finder in finders.items():
            found = finder(piece)
            rel = relation(found, piece.key)
            exact[name] += rel == "exact"
            near[name] += rel == "exact" or rel in NEAR
            row[name] = found.name
        rows.append(row)
    out: dict = {"pieces": n}
    for name in finders:
        out[name] = exact[name] / n if n else None
    out["near"] = {name: near[name] / n if n else None for name in finders}
    out["empty"] = empty
    out["krumhansl_schmuckler_implementation"] = (
        "modesnn.evaluate.keyfinding.find_key_music21_compatible (numpy, identical to music21 KrumhanslSchmuckler)"
    )
    out["per_piece"] = rows
    return out


