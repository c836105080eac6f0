"""`modesnn evaluate --model MODEL -o DIR`: generated pieces of the model, the fixed-prior network and the
baselines, judged beside the training corpus (metrics.json, report.md and plots in DIR)."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from modesnn.cli.common import model_or_default, progress_enabled, warn
from modesnn.corpus import load_corpus
from modesnn.errors import ModesnnError

DEFAULT_SEEDS = 5
DEFAULT_JOBS = min(2, os.cpu_count() or 1)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="judge generated pieces against baselines and the corpus",
                       description="Reload the pieces the model learned (its sources), fit the baselines "
                                   "(unconditioned Markov, key-conditioned n-gram, random diatonic) on them, "
                                   "generate the same keys x seeds with the model, the network with the fixed "
                                   "prior and every baseline, and write DIR/metrics.json, DIR/report.md and plots.")
    p.add_argument("--model", metavar="MODEL", help="model file (default: the Bach model)")
    p.add_argument("--keys", default="all",
                   help="'all' (every key of the model's modes, default) or a comma-separated list, "
                        "e.g. 'G minor,C major'")
    p.add_argument("--seeds", type=int, default=DEFAULT_SEEDS,
                   help=f"random seeds per key: 0..N-1 (default: {DEFAULT_SEEDS}; 24 keys x 5 seeds of the "
                        "default model take about 40 s on 2 cores)")
    p.add_argument("--length", type=int, default=32, help="notes per voice (default: 32)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the report (created)")
    p.add_argument("--json", action="store_true", help="print metrics.json to stdout as well")
    p.add_argument("-j", "--jobs", type=int, default=DEFAULT_JOBS,
                   help=f"worker processes composing the network's pieces (default: {DEFAULT_JOBS}, the cores up "
                        "to 2; the pieces are the same for any number)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots and pictures")
    p.add_argument("--harmonize", action="store_true",
                   help="also the held-out harmonisation test: every 10th piece of the sources is held out, a "
                        "model of the same configuration learns the rest, harmonises the held-out sopranos, and "
                        "the chords are compared with the originals beat by beat (skipped with a note when the "
                        "model cannot harmonise)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from modesnn.evaluate.harmony_table import harmony_text
    from modesnn.evaluate.pictures import write_piece_pictures
    from modesnn.evaluate.report import check_sentences, parse_keys, run_evaluation, write_report

    if args.seeds < 1:
        raise ModesnnError(f"--seeds must be at least 1, got {args.seeds}")
    if args.jobs < 1:
        raise ModesnnError(f"--jobs must be at least 1, got {args.jobs}")
    if args.length < 2:
        raise ModesnnError(f"--length must be at least 2, got {args.length}")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise ModesnnError(f"{args.output}: exists and is not a folder")
    model = model_or_default(args.model)
    try:
        keys = parse_keys(args.keys, model.config.modes)
    except ValueError as exc:
        raise ModesnnError(f"--keys: {exc}") from None
    if not model.sources:
        raise ModesnnError("the model does not record the sources it learned, so the baselines cannot be fitted "
                           "on the same pieces")
    progress = progress_enabled()
    t0 = time.perf_counter()
    corpus = load_corpus(model.sources, voices=model.config.voices, progress=progress)
    if corpus.skipped:
        warn(f"{len(corpus.skipped)} files of the model's sources skipped, as when it learned "
             f"(first: {corpus.skipped[0][0]}: {corpus.skipped[0][1]})")
    if not corpus.pieces:
        raise ModesnnError(f"no pieces read from the model's sources ({', '.join(model.sources)})")
    if model.max_length and args.length > model.max_length:
        warn(f"--length {args.length} passes the longest learned piece ({model.max_length} notes)")
    result = run_evaluation(model, corpus.pieces, keys, range(args.seeds), length=args.length, progress=progress,
                            log=warn, jobs=args.jobs)
    if args.harmonize:
        t1 = time.perf_counter()
        result["harmonization"] = _harmonization(model, corpus.pieces, progress)
        result["timing"]["harmonization"] = round(time.perf_counter() - t1, 3)
    if not args.no_plots:
        t1 = time.perf_counter()
        result["pictures"] = write_piece_pictures(_three_pieces(model, keys, args.length), out)
        result["timing"]["pictures"] = round(time.perf_counter() - t1, 3)
    result["timing"]["total"] = round(time.perf_counter() - t0, 3)
    paths = write_report(result, model, out, plots=not args.no_plots)
    if args.json:
        print((out / "metrics.json").read_text(encoding="utf-8"), end="")
        return 0
    for line in check_sentences(result["checks"]):
        print(line)
    systems = result["systems"]
    print(f"{'system':<16} {'in key':>7} {'KK r':>6} {'key exact':>9} {'PCs':>5} {'entropy':>7}")
    for name, m in systems.items():
        print(f"{name:<16} {_f(m.get('diatonic')):>7} {_f(m.get('tonal_coherence')):>6} "
              f"{_f(m.get('key_exact')):>9} {_f(m.get('distinct_pitch_classes'), 2):>5} "
              f"{_f(m.get('pitch_class_entropy'), 2):>7}")
    print(harmony_text(result["harmony"], {"model": "model", "fixed_prior": "fixed", "markov": "markov",
                                           "ngram": "ngram", "degree_markov": "deg.markov",
                                           "random_diatonic": "random", "corpus": "corpus"}))
    n_files = len(paths) + 2 * len(result.get("pictures") or [])
    print(f"wrote {n_files} files to {out} in {result['timing']['total']:.1f} s")
    return 0


def _f(x, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"




def _three_pieces(model, keys: list, length: int) -> list:
    """The model's pieces drawn in the report: seed 0 in the first, the middle and the last key asked for."""
    from modesnn.model import compose

    chosen = list(dict.fromkeys([keys[0], keys[len(keys) // 2], keys[-1]]))
    return [(f"model, {k.name}, seed 0", compose(model, k, length=length, seed=0)) for k in chosen]


def harmonizer_of(model):
    """The model's harmoniser as harmonize(melody, key, meter) -> Piece: a `harmonize` method of the model,
    else `modesnn.model.harmonize(model, melody, key, meter=...)`; None when there is neither."""
    if callable(getattr(model, "harmonize", None)):
        return lambda melody, key, meter: model.harmonize(melody, key, meter)
    try:
        from modesnn.model import harmonize
    except ImportError:
        return None
    supports = getattr(harmonize, "supports", None)  # (the chorale preset harmonises; the paper's cannot)
    if supports is not None and not supports(model):
        return None
    return lambda melody, key, meter: harmonize(model, melody, key, meter=meter)


def _harmonization(model, pieces: list, progress: bool) -> dict:
    """The held-out test: learn a model of the same configuration on the training split (so it never heard
    the held-out chorales), harmonise their sopranos, compare with Bach.  Skipped with a note when the model
    cannot harmonise."""
    from modesnn.evaluate.harmonization import evaluate_harmonizer
    from modesnn.evaluate.harmony import held_out_split

    if harmonizer_of(model) is None:
        return {"skipped": "this model cannot harmonise yet (no model.harmonize and no modesnn.model.harmonize)"}
    train, held = held_out_split(pieces)
    t0 = time.perf_counter()
    learner = type(model)(model.config)
    learner.learn(train, sources=[f"{', '.join(model.sources)} without every 10th piece"])
    seconds = time.perf_counter() - t0
    result = evaluate_harmonizer(held, harmonizer_of(learner))
    result.pop("examples", None)
    result["harmonizer"] = f"a {type(model).__name__} of the model's configuration"
    result["learned_on"] = f"it learned the other {len(train)} pieces ({seconds:.0f} s), not these."
    return result
