"""Scoring a model on music it did not learn (`modesnn evaluate --test SOURCE...`).

Per test corpus: how trustworthy its key labels look (a collection whose labels are key signatures calls every
piece major), key finding on its labelled major/minor pieces (the learned hierarchy, the learned per-key
profiles, music21's Krumhansl-Schmuckler and Aarden-Essen), the model's learned mode profiles against that
corpus's own degree counts, and the figures of the model's pieces beside that corpus's.

A source may name a collection bundled with music21 as `music21:NAME` (e.g. `music21:airdsAirs`).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np

from modesnn.errors import ModesnnError
from modesnn.evaluate.keyfinding import (
    find_key,
    find_key_hierarchy,
    find_key_music21_compatible,
    pitch_class_histogram,
    relation,
)
from modesnn.music import Piece
from modesnn.theory import Key, pearson

MUSIC21_PREFIX = "music21:"
FINDERS = ("learned_hierarchy", "learned_keys", "krumhansl_schmuckler", "aarden_essen")
COMPOSED = ("distinct_pitch_classes", "pitch_class_entropy", "mean_abs_interval", "step_share", "tonal_coherence")
LABELLED = ("filename", "signature")


def resolve_source(source: str) -> str:
    """`music21:NAME` -> the folder of that collection in music21's corpus; anything else unchanged."""
    if not source.startswith(MUSIC21_PREFIX):
        return source
    import music21.corpus

    name = source[len(MUSIC21_PREFIX):]
    root = Path(music21.corpus.__file__).parent
    folder = root / name
    if not name or not folder.is_dir() or name.startswith(("_", ".")):
        known = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
        raise ModesnnError(f"{source}: no such collection in music21's corpus (known: {', '.join(known)})")
    return str(folder)


def label_check(pieces: list[Piece]) -> dict:
    """Are the labels keys, or only a tonic or a key signature?  The share labelled major, and how often
    Krumhansl-Schmuckler hears a minor key in a piece labelled major: a collection that labels (nearly) every
    piece major while many sound minor does not label modes (Essen's ABC files: `K: G` for songs in G minor)."""
    labelled = [p for p in pieces if p.key_source in LABELLED and pitch_class_histogram(p).any()]
    modes = Counter(p.key.mode for p in labelled)
    major = [p for p in labelled if p.key.mode == "major"]
    minor_heard = sum(find_key_music21_compatible(p).key.mode == "minor" for p in major)
    share_major = modes["major"] / len(labelled) if labelled else None
    heard = minor_heard / len(major) if major else None
    trustworthy = bool(labelled) and not (share_major is not None and share_major > 0.95
                                          and heard is not None and heard > 0.15)
    return {"labelled": len(labelled), "modes": dict(modes.most_common()), "share_major": share_major,
            "major_labels_heard_minor": heard, "trustworthy": trustworthy}


def key_finding(model, pieces: list[Piece], aarden_essen: bool = True) -> dict:
    """Exact-key accuracy of every finder on the labelled pieces in the model's modes (major/minor for the
    textbook finders)."""
    from modesnn.evaluate.keycompare import aarden_essen_key

    modes = {m: model.mode_profile(m) for m in model.config.modes if model.heard_degrees[m].any()}
    key_profiles = model.key_profiles()
    finders = {
        "learned_hierarchy": lambda p: find_key_hierarchy(p, modes).key,
        "learned_keys": lambda p: find_key(p, key_profiles).key,
        "krumhansl_schmuckler": lambda p: find_key_music21_compatible(p).key,
    }
    if aarden_essen:
        finders["aarden_essen"] = aarden_essen_key
    scored = [p for p in pieces if p.key_source in LABELLED and p.key.mode in ("major", "minor")
              and p.key.mode in modes and pitch_class_histogram(p).any()]
    hits = {name: 0 for name in finders}
    for p in scored:
        for name, finder in finders.items():
            hits[name] += relation(finder(p), p.key) == "exact"
    return {"pieces": len(scored), **{name: (hits[name] / len(scored) if scored else None) for name in finders}}


def profile_r(model, pieces: list[Piece]) -> dict:
    """Per mode the model learned and the corpus labels: r of the learned mode profile with the corpus's own
    degree counts."""
    counts: dict[str, np.ndarray] = {}
    for p in pieces:
        if p.key_source not in LABELLED:
            continue
        h = counts.setdefault(p.key.mode, np.zeros(12))
        h += np.roll(pitch_class_histogram(p), -p.key.tonic)
    return {mode: {"r": pearson(model.mode_profile(mode), h), "notes": int(h.sum())}
            for mode, h in sorted(counts.items()) if mode in model.config.modes and model.heard_degrees[mode].any()}


def composed_vs_corpus(model, pieces: list[Piece], seeds: int = 2, length: int = 32) -> dict:
    """Mean figures of the model's pieces in the corpus's three commonest labelled keys beside the corpus's."""
    from modesnn.evaluate.metrics import all_metrics, mean_metrics
    from modesnn.model import compose

    labelled = [p for p in pieces if p.key_source in LABELLED and p.key.mode in model.config.modes
                and model.heard_degrees[p.key.mode].any()]
    common = Counter((p.key.tonic, p.key.mode) for p in labelled).most_common(3)
    keys = [Key(t, m) for (t, m), _ in common]
    composed = [all_metrics(compose(model, k, length=length, seed=s)) for k in keys for s in range(seeds)]
    corpus = [all_metrics(p) for p in labelled]
    mc, mk = mean_metrics(composed), mean_metrics(corpus)
    return {"keys": [k.name for k in keys], "model": {m: mc.get(m) for m in COMPOSED},
            "corpus": {m: mk.get(m) for m in COMPOSED}}


def modal_pieces(model, pieces: list[Piece]) -> dict:
    """The corpus's own church-mode pieces judged as the model's are (final, characteristic degree, and r with
    the degree counts the model heard in that mode, where it learned it)."""
    from modesnn.research.modal import CHARACTERISTIC, judge_modal, summarise_modal

    out = {}
    for mode in CHARACTERISTIC:
        chosen = [p for p in pieces if p.key_source in LABELLED and p.key.mode == mode]
        if chosen:
            heard = model.heard_degrees.get(mode)
            ref = heard if heard is not None and heard.any() else None
            out[mode] = summarise_modal([judge_modal(p, reference=ref) for p in chosen])
    return out


def evaluate_test_sources(model, sources: list[str], aarden_essen: bool = True, progress: bool = False,
                          log=None) -> dict:
    """Every test source scored on its own (one bad source is an error before anything is written)."""
    from modesnn.corpus import load_corpus

    log = log or (lambda s: print(s, file=sys.stderr))
    resolved = [resolve_source(s) for s in sources]
    out: dict = {"model_sources": list(model.sources), "corpora": {}}
    for name, src in zip(sources, resolved, strict=True):
        corpus = load_corpus([src], voices=None, progress=progress)
        if not corpus.pieces:
            raise ModesnnError(f"{name}: no pieces read")
        log(f"{name}: {len(corpus.pieces)} pieces ({len(corpus.skipped)} skipped)")
        out["corpora"][name] = {
            "pieces": len(corpus.pieces),
            "labels": label_check(corpus.pieces),
            "key_finding": key_finding(model, corpus.pieces, aarden_essen),
            "profile_r": profile_r(model, corpus.pieces),
            "composed": composed_vs_corpus(model, corpus.pieces),
            "modal_pieces": modal_pieces(model, corpus.pieces),
        }
    from modesnn.research.modal import compose_modal

    modal = compose_modal(model)
    if modal:
        out["modal"] = modal
    return out


def markdown(result: dict) -> str:
    """The cross-corpus tables (key finding; profile r and labels)."""
    lines = ["| test corpus | labelled major/minor | learned hierarchy | learned per-key | Krumhansl-Schmuckler | "
             "Aarden-Essen |", "|---|---|---|---|---|---|"]
    for name, c in result["corpora"].items():
        k = c["key_finding"]
        lines.append(f"| {name} | {k['pieces']} | " + " | ".join(_f(k.get(f)) for f in FINDERS) + " |")
    lines += ["", "| test corpus | labels | share labelled major | major labels KS hears as minor | "
              "profile r (learned vs corpus) |", "|---|---|---|---|---|"]
    for name, c in result["corpora"].items():
        lab = c["labels"]
        rs = ", ".join(f"{m} {v['r']:.3f}" for m, v in c["profile_r"].items())
        lines.append(f"| {name} | {'trustworthy' if lab['trustworthy'] else 'key signatures only'} | "
                     f"{_f(lab['share_major'])} | {_f(lab['major_labels_heard_minor'])} | {rs} |")
    if result.get("modal"):
        from modesnn.research.modal import modal_markdown

        lines += ["", "Church modes composed by the model (judged by final, characteristic degree and profile):", "",
                  modal_markdown(result["modal"]).rstrip("\n")]
    return "\n".join(lines) + "\n"


def _f(x, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"
