"""Running a whole evaluation (evaluation.md): generated pieces of the model, the paper preset or fixed-prior
network and the baselines, scored beside the training corpus.  Returns plain JSON-able dicts (`write_report` in
`modesnn.evaluate.report` writes them)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable

import numpy as np

from modesnn.evaluate.baselines import BASELINES
from modesnn.evaluate.harmony import harmony_figures
from modesnn.evaluate.harmony_table import harmony_checks, mean_harmony
from modesnn.evaluate.keyfinding import pitch_class_histogram
from modesnn.evaluate.metrics import all_metrics, mean_metrics
from modesnn.evaluate.profiles import profile_report
from modesnn.music import Piece
from modesnn.theory import Key, all_keys, parse_key

SYSTEMS = ("model", "paper", "fixed_prior", "markov", "ngram", "degree_markov", "random_diatonic")
"""Generating systems, in report order; "corpus" (the training pieces) is added beside them."""

SYSTEM_LABELS = {
    "model": "model (learned prior)",
    "paper": "paper preset",
    "fixed_prior": "network, fixed prior",
    "markov": "unconditioned Markov",
    "ngram": "key-conditioned n-gram",
    "degree_markov": "scale-degree Markov",
    "random_diatonic": "random diatonic",
    "corpus": "corpus (training pieces)",
}


# --- generated pieces -----------------------------------------------------------------------------------


def parse_keys(text: str, modes: tuple[str, ...]) -> list[Key]:
    """'all' -> every key of the modes; else comma-separated key names ('G minor, C major').  Raises
    ValueError naming the bad key."""
    if text.strip().lower() == "all":
        return all_keys(modes)
    keys = [parse_key(part, modes) for part in text.split(",") if part.strip()]
    if not keys:
        raise ValueError(f"no keys in {text!r}")
    return keys


def _degree_histogram(piece: Piece, key: Key) -> np.ndarray:
    """Duration-weighted pitch-class histogram rotated so index 0 is the key's tonic."""
    return np.roll(pitch_class_histogram(piece, weighted=True), -key.tonic)


def run_evaluation(
    model,
    pieces: list[Piece],
    keys: list[Key],
    seeds: Iterable[int],
    length: int = 32,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    jobs: int = 1,
    paper=None,
) -> dict:
    """Generate `len(keys) x len(seeds)` pieces with every system (same keys, seeds and length), score each
    with `all_metrics` against the requested key, and score the training `pieces` with their labelled key.

    Returns {"settings", "systems": {name: mean metrics}, "by_mode": {name: {mode: mean metrics}},
    "degree_histograms": {name: {mode: 12 shares, tonic first}}, "profiles", "checks", "timing",
    "examples": {name: Piece} (not JSON; dropped by `write_report`)}.

    jobs > 1 composes the network's pieces in that many forked worker processes (Linux/macOS; each has its
    own copy of the model); the pieces are the same as with jobs=1, in the same order.

    paper: a model of the paper preset (independent voice segments on note slots) composed as the system
    "paper" beside the model; the "fixed_prior" system is composed only when the model is the paper's network.
    """
    seeds = list(seeds)
    if not pieces:
        raise ValueError("no training pieces to fit the baselines on")
    timing: dict[str, float] = {}
    generators = _generators(model, pieces, length, paper, timing)
    scores = _Scores(generators)
    failures = _generate_all(generators, scores, model, keys, seeds, length, jobs, progress, timing)
    if log:
        for name, fails in failures.items():
            log(f"{name}: {len(fails)} pieces not generated (first: {fails[0]})")
    t0 = time.perf_counter()
    scores.rows["corpus"], scores.hist["corpus"] = [], {}
    for piece in pieces:
        scores.add("corpus", piece, piece.key)
    timing["corpus"] = time.perf_counter() - t0
    requested_modes = {k.mode for k in keys}
    scores.examples["corpus"] = next((p for p in pieces if p.key.mode in requested_modes), pieces[0])
    systems = {name: mean_metrics(r) for name, r in scores.rows.items()}
    harmony_means = {name: mean_harmony(r) for name, r in scores.harmony.items()}
    return {
        "settings": {
            "sources": list(model.sources),
            "training_pieces": len(pieces),
            "keys": [k.name for k in keys],
            "seeds": seeds,
            "length": length,
            "key_finder": "Krumhansl-Schmuckler (KK profiles, duration-weighted) on each piece",
        },
        "systems": systems,
        "by_mode": scores.by_mode(),
        "degree_histograms": scores.degree_histograms(),
        "profiles": _profile_summary(profile_report(model)),
        "checks": checks(systems),
        "harmony": harmony_means,
        "harmony_checks": harmony_checks(harmony_means),
        "failures": failures,
        "timing": {k: round(v, 3) for k, v in timing.items()},
        "examples": scores.examples,
    }


def _generators(model, pieces: list[Piece], length: int, paper, timing: dict) -> dict[str, Callable]:
    """Every system as generate(key, seed) -> Piece, in report order; the baselines fitted on `pieces`."""
    from modesnn.model import compose

    generators: dict[str, Callable[[Key, int], Piece]] = {
        "model": lambda k, s: compose(model, k, length=length, seed=s, prior="learned"),
        "fixed_prior": lambda k, s: compose(model, k, length=length, seed=s, prior="fixed"),
    }
    if getattr(model, "preset", "paper") != "paper":  # the fixed key prior is a variant of the paper's network
        del generators["fixed_prior"]
    if paper is not None:  # the paper's network learned from the same sources, judged beside the model
        generators = {"model": generators.pop("model"),
                      "paper": lambda k, s: compose(paper, k, length=length, seed=s), **generators}
    for name, cls in BASELINES.items():
        t0 = time.perf_counter()
        baseline = cls().fit(pieces)
        timing[f"{name}_fit"] = time.perf_counter() - t0
        generators[name] = lambda k, s, b=baseline: b.generate(k, length, s)
    return generators


class _Scores:
    """Per system: the metric rows, harmony figures, degree histograms and one example piece."""

    def __init__(self, names) -> None:
        self.rows: dict[str, list[dict]] = {name: [] for name in names}
        self.harmony: dict[str, list[dict]] = {name: [] for name in names}
        self.hist: dict[str, dict[str, np.ndarray]] = {name: {} for name in names}
        self.examples: dict[str, Piece] = {}

    def add(self, name: str, piece: Piece, key: Key) -> None:
        self.examples.setdefault(name, piece)
        self.rows[name].append(all_metrics(piece, key))
        self.harmony.setdefault(name, []).append(harmony_figures(piece, key))
        h = self.hist[name].setdefault(key.mode, np.zeros(12))
        h += _degree_histogram(piece, key)

    def by_mode(self) -> dict:
        return {name: {mode: mean_metrics([row for row in r if _mode_of(row) == mode])
                       for mode in sorted({_mode_of(row) for row in r})}
                for name, r in self.rows.items()}

    def degree_histograms(self) -> dict:
        return {name: {mode: (h / h.sum()).round(6).tolist() if h.sum() else [0.0] * 12
                       for mode, h in sorted(hs.items())}
                for name, hs in self.hist.items()}


def _generate_all(generators: dict, scores: _Scores, model, keys: list[Key], seeds: list[int], length: int,
                  jobs: int, progress: bool, timing: dict) -> dict[str, list[str]]:
    """Generate and score every system's pieces (the network's in a pool of forked workers when jobs > 1);
    returns the failures by system (e.g. a mode a baseline never saw)."""
    from tqdm import tqdm

    failures: dict[str, list[str]] = {}
    tasks = [(key, seed) for key in keys for seed in seeds]
    pool = _compose_pool(model, jobs) if jobs > 1 else None
    try:
        with tqdm(total=len(generators) * len(tasks), desc="evaluating", unit="piece", file=sys.stderr,
                  disable=not progress, leave=False) as bar:
            for name, generate in generators.items():
                bar.set_postfix_str(name)
                t0 = time.perf_counter()
                if pool is not None and name in NETWORK_PRIORS:
                    produced = pool.imap(_compose_task, [(k, s, length, NETWORK_PRIORS[name]) for k, s in tasks])
                else:
                    produced = (_generate_one(generate, key, seed) for key, seed in tasks)
                for (key, seed), piece in zip(tasks, produced, strict=True):
                    bar.update(1)
                    if isinstance(piece, str):
                        failures.setdefault(name, []).append(f"{key.name} seed {seed}: {piece}")
                    else:
                        scores.add(name, piece, key)
                timing[name] = time.perf_counter() - t0
    finally:
        if pool is not None:
            pool.terminate()
    return failures


NETWORK_PRIORS = {"model": "learned", "fixed_prior": "fixed"}
_WORKER_MODEL = None


def _generate_one(generate: Callable[[Key, int], Piece], key: Key, seed: int) -> Piece | str:
    try:
        return generate(key, seed)
    except ValueError as exc:
        return str(exc)


def _compose_task(task: tuple[Key, int, int, str]) -> Piece | str:
    from modesnn.model import compose

    key, seed, length, prior = task
    try:
        return compose(_WORKER_MODEL, key, length=length, seed=seed, prior=prior)
    except ValueError as exc:
        return str(exc)


def _compose_pool(model, jobs: int):
    """A pool of forked workers that inherit the model (None where fork is unavailable: run in-process)."""
    import multiprocessing

    global _WORKER_MODEL
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    _WORKER_MODEL = model
    return multiprocessing.get_context("fork").Pool(jobs)


def _mode_of(row: dict) -> str:
    return str(row["key"]).split(" ", 1)[1]


def _profile_summary(rep: dict) -> dict:
    """The r values of `profile_report` (the weight vectors are left to `modesnn profile --json`)."""
    return {
        "modes": {m: {k: v[k] for k in ("r_kk", "r_data", "data_r_kk", "notes")} for m, v in rep["modes"].items()},
        "keys": {k: v["r_kk"] for k, v in rep["keys"].items()},
        "keys_mean_r_kk": rep["keys_mean_r_kk"],
    }


def num_or_nan(x) -> float:
    return float("nan") if x is None else float(x)


def checks(systems: dict[str, dict]) -> dict:
    """The pass/fail questions of the issue: does the model beat the unconditioned Markov chain on key
    recovery and diatonic consistency, and is its pitch diversity within 10 % of the corpus."""
    model, markov, corpus = systems.get("model", {}), systems.get("markov", {}), systems.get("corpus", {})
    out = {}
    for metric in ("key_exact", "diatonic"):
        a, b = num_or_nan(model.get(metric)), num_or_nan(markov.get(metric))
        out[f"{metric}_beats_markov"] = {"model": a, "markov": b, "pass": bool(a > b)}
    a, c = num_or_nan(model.get("distinct_pitch_classes")), num_or_nan(corpus.get("distinct_pitch_classes"))
    rel = (a - c) / c if c else float("nan")
    out["distinct_pitch_classes_within_10pct_of_corpus"] = {
        "model": a, "corpus": c, "relative_difference": rel, "pass": bool(abs(rel) <= 0.10)
    }
    return out


