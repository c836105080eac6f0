"""`modesnn evaluate --model MODEL -o DIR`: generated pieces of the model, the fixed-prior network and the
baselines, judged beside the training corpus (metrics.json, report.md and plots in DIR)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from modesnn.cli.common import model_or_default, progress_enabled, warn
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
    p.add_argument("--paper", metavar="MODEL",
                   help="a model of the paper preset learned from the same sources, judged beside the model "
                        "(system 'paper')")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots and pictures")
    p.add_argument("--harmonize", action="store_true",
                   help="also the held-out harmonisation test: every 10th piece of the sources is held out, a "
                        "model of the same configuration learns the rest, harmonises the held-out sopranos, and "
                        "the chords are compared with the originals beat by beat (skipped with a note when the "
                        "model cannot harmonise)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from modesnn.evaluate.harmony_table import harmony_text
    from modesnn.evaluate.report import check_sentences
    from modesnn.evaluate.run import parse_keys
    from modesnn.workflows.evaluate import evaluate_model

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
    paper = model_or_default(args.paper) if args.paper else None
    try:
        keys = parse_keys(args.keys, model.config.modes)
    except ValueError as exc:
        raise ModesnnError(f"--keys: {exc}") from None
    result, n_files = evaluate_model(model, keys, range(args.seeds), args.length, out, jobs=args.jobs, paper=paper,
                                     harmonize=args.harmonize, plots=not args.no_plots,
                                     progress=progress_enabled(), log=warn)
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
    print(harmony_text(result["harmony"], {"model": "model", "paper": "paper", "fixed_prior": "fixed",
                                           "markov": "markov", "ngram": "ngram", "degree_markov": "deg.markov",
                                           "random_diatonic": "random", "corpus": "corpus"}))
    print(f"wrote {n_files} files to {out} in {result['timing']['total']:.1f} s")
    return 0


def _f(x, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"
