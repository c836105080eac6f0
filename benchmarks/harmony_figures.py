"""music.md's four-part table, quickly: a model's pieces beside the Bach reference slice and the scale-degree
Markov baseline, with the seconds each part took.

    python benchmarks/harmony_figures.py [--model M] [--seeds 3] [--length 32] [--keys all] [--jobs 2]
                                         [--composer module:function] [--harmonize] [--json]

The model composes every key of its modes x seeds 0..N-1 (`modesnn.model.compose`, or `--composer`, a
function called as f(model, key, length=..., seed=...) -> Piece, for a composer under development).  The
Markov chain is fitted on the pieces the model learned (its sources) and generates the same keys and
seeds.  "Bach" is music.md's reference: the first 30 four-part chorales with the key written in each file.
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing
import os
import sys
import time

from modesnn.corpus import load_corpus
from modesnn.evaluate.baselines import ScaleDegreeMarkov
from modesnn.evaluate.harmony import harmony_figures
from modesnn.evaluate.harmony_table import harmony_checks, harmony_text, mean_harmony, reference_slice
from modesnn.evaluate.run import parse_keys

_STATE: dict = {}


def _composer(spec: str | None):
    if not spec:
        from modesnn.model import compose

        return compose
    module, _, name = spec.partition(":")
    if not name:
        raise SystemExit(f"--composer must look like 'package.module:function', got {spec!r}")
    return getattr(importlib.import_module(module), name)


def _compose_one(task):
    key, seed, length = task
    piece = _STATE["compose"](_STATE["model"], key, length=length, seed=seed)
    return harmony_figures(piece, key)


def _model_rows(model, compose, tasks, jobs: int) -> list[dict]:
    _STATE.update(model=model, compose=compose)
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            return pool.map(_compose_one, tasks, chunksize=max(1, len(tasks) // (4 * jobs)))
    return [_compose_one(t) for t in tasks]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="model file (default: the Bach model, learned on first use)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--length", type=int, default=32, help="notes per voice")
    ap.add_argument("--keys", default="all", help="'all' or comma-separated keys ('G minor,C major')")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes (model)")
    ap.add_argument("--composer", help="module:function composing a piece (default: modesnn.model.compose)")
    ap.add_argument("--harmonize", action="store_true",
                    help="also the held-out harmonisation test (learns a model on 90 %% of the sources first)")
    ap.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    args = ap.parse_args()

    from modesnn.cli.common import model_or_default

    timing: dict[str, float] = {}
    t0 = time.perf_counter()
    model = model_or_default(args.model)
    keys = parse_keys(args.keys, model.config.modes)
    timing["load model"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    training = load_corpus(list(model.sources), voices=model.config.voices, progress=False).pieces
    bach = reference_slice(load_corpus(["bach"], key_from="signature", progress=False).pieces)
    timing["read corpus"] = time.perf_counter() - t0

    tasks = [(key, seed, args.length) for key in keys for seed in range(args.seeds)]
    t0 = time.perf_counter()
    systems = {"model": mean_harmony(_model_rows(model, _composer(args.composer), tasks, args.jobs))}
    timing["model"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    markov = ScaleDegreeMarkov().fit(training)
    systems["degree_markov"] = mean_harmony([harmony_figures(markov.generate(k, n, s), k) for k, s, n in tasks])
    timing["markov"] = time.perf_counter() - t0
    systems["bach"] = mean_harmony([harmony_figures(p) for p in bach])
    held = None
    if args.harmonize:
        from modesnn.cli.evaluate import held_out_harmonization

        t0 = time.perf_counter()
        held = held_out_harmonization(model, training)
        timing["harmonize"] = time.perf_counter() - t0

    if args.json:
        print(json.dumps({"settings": {"keys": len(keys), "seeds": args.seeds, "length": args.length,
                                       "model": args.model or "default", "composer": args.composer},
                          "systems": systems, "checks": harmony_checks(systems), "harmonization": held,
                          "timing": {k: round(v, 3) for k, v in timing.items()}}))
        return
    print(harmony_text(systems, {"model": "model", "degree_markov": "Markov", "bach": "Bach 30"}))
    if held is not None and held.get("skipped"):
        print(f"held-out harmonisation skipped: {held['skipped']}")
    elif held is not None:
        print(f"held-out harmonisation: {held['harmonized']}/{held['pieces']} chorales, root+quality agree on "
              f"{held['agreement']:.3f} of {held['beats']} beats (goal >= 0.40), "
              f"root alone {held['root_agreement']:.3f}")
        print(harmony_text({"harmonized": held["figures"], "bach": held["bach_figures"]}))
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in timing.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
