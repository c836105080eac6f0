"""`modesnn key FILE...`: the key of a score by the model's learned key profiles; `--compare SOURCE...`: the
learned key finder's accuracy on labelled pieces beside music21's Krumhansl-Schmuckler and Aarden-Essen."""

from __future__ import annotations

import argparse
import json

from modesnn.cli.common import model_or_default, progress_enabled, report_skipped, warn
from modesnn.corpus import KEY_FROM, load_corpus
from modesnn.errors import ModesnnError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("key", help="find the key of scores with the learned key profiles",
                       description="Correlate each score's duration-weighted pitch-class histogram with the "
                                   "model's learned key profiles (SMS -> key weights) and print the best key, its "
                                   "r, and the runner-up. With --compare, the arguments are sources of labelled "
                                   "pieces and the learned finder's accuracy is printed beside music21's "
                                   "Krumhansl-Schmuckler and Aarden-Essen.")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="score files (with --compare: sources, i.e. files, folders or 'bach')")
    p.add_argument("--model", metavar="MODEL", help="model file (default: the Bach model)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--compare", action="store_true",
                   help="accuracy on labelled pieces against Krumhansl-Schmuckler and Aarden-Essen")
    p.add_argument("--key-from", choices=KEY_FROM, default="auto",
                   help="with --compare: where each piece's label comes from (default: auto)")
    p.add_argument("--voices", type=int, default=4,
                   help="with --compare: read pieces with this many voices (default: 4)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.compare:
        return _compare(args)
    from modesnn.workflows.keyfind import find_keys

    model = model_or_default(args.model, preset="paper")
    found, problems = find_keys(args.files, model.key_profiles())
    for message in problems:
        warn(message)
    rows = [row.as_dict() for row in found]
    failed = len(problems)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            label = f"  (labelled {row['label']})" if row["label"] else ""
            print(f"{row['file']}: {row['key']} (r = {row['r']:.3f}); runner-up {row['runner_up']} "
                  f"(r = {row['runner_up_r']:.3f}){label}")
    return 1 if failed else 0


def _compare(args: argparse.Namespace) -> int:
    from modesnn.evaluate.keycompare import compare_key_finders

    model = model_or_default(args.model, preset="paper")
    corpus = load_corpus(args.files, key_from=args.key_from, voices=args.voices, progress=progress_enabled())
    report_skipped(corpus.skipped)
    if not corpus.pieces:
        raise ModesnnError(f"no pieces read from {' '.join(args.files)}")
    res = compare_key_finders(corpus.pieces, model.key_profiles(), progress=progress_enabled())
    if args.json:
        res = {k: v for k, v in res.items() if k != "per_piece"}
        print(json.dumps(res, indent=2))
        return 0
    print(f"{res['pieces']} labelled pieces: key found exactly (near = also relative, parallel or dominant)")
    for name, label in (("learned", "learned key profiles"), ("krumhansl_schmuckler", "Krumhansl-Schmuckler"),
                        ("aarden_essen", "Aarden-Essen (music21)")):
        print(f"  {label:<24} {100 * res[name]:5.1f} %   near {100 * res['near'][name]:5.1f} %")
    print("  (Krumhansl-Schmuckler: numpy reproduction of music21's, same answers)")
    return 0
