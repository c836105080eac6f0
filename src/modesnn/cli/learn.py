"""`modesnn learn SOURCE... -o MODEL`: learn scores into a model file (new, or --model to extend one)."""

from __future__ import annotations

import argparse
import time

from modesnn.cli.common import add_source_arguments, check_writable, progress_enabled, report_skipped, warn
from modesnn.errors import LimitExceeded, ModesnnError
from modesnn.limits import MAX_LANES
from modesnn.model import ModelConfig, load_model, save_model
from modesnn.workflows import learn_sources


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("learn", help="learn scores into a model file",
                       description="Present every piece to the spiking network (one note per 5 ms slot, voices in "
                                   "parallel, the piece's key and mode active) and save the learned network.")
    add_source_arguments(p)
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="model file to write")
    p.add_argument("--model", metavar="MODEL", help="an existing model to learn more data into")
    p.add_argument("--seed", type=int, default=0,
                   help="random seed (learning is deterministic; kept for reproducible command lines)")
    p.add_argument("--modes", default="major,minor",
                   help="modes the new model learns, comma separated (default: major,minor)")
    p.add_argument("--voices", type=int, default=4,
                   help="voices of a new model (default: 4; 1 for melodies such as folk-tune collections)")
    p.add_argument("--preset", choices=("chorale", "paper"), default="chorale",
                   help="network of a new model: 'chorale' (default: beat clock, chord cluster, voices that hear "
                        "each other) or 'paper' (the paper's network, independent voices on note slots)")
    p.add_argument("--lanes", type=int, default=28,
                   help="pieces presented at once (default: 28; fewer use less memory)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_writable(args.output)
    if args.lanes > MAX_LANES:  # each lane holds its own neuron state: memory grows with it
        raise LimitExceeded(f"--lanes: {args.lanes} is over the limit of {MAX_LANES:,}")
    model = load_model(args.model) if args.model else None
    config = None
    if model is None:
        modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
        try:
            config = ModelConfig(modes=modes, lanes=args.lanes, voices=args.voices)
        except ValueError as exc:
            raise ModesnnError(str(exc)) from None
    t0 = time.perf_counter()
    model, corpus, report = learn_sources(args.sources, model=model, key_from=args.key_from, strict=args.strict,
                                          progress=progress_enabled(), config=config, preset=args.preset)
    report_skipped(corpus.skipped)
    for line in report.voice_mismatches + report.skipped_modes[:5]:
        warn(line)
    if len(report.skipped_modes) > 5:
        warn(f"... and {len(report.skipped_modes) - 5} more pieces in modes the model does not learn")
    if report.off_grid_durations:
        warn(f"{report.off_grid_durations} durations were not on the 1/32-note grid and were rounded to it")
    notes_per_mode = {m: int(model.heard_degrees[m].sum()) for m in model.config.modes}
    for mode, n in notes_per_mode.items():
        if n == 0:
            warn(f"mode {mode!r} received no notes (no piece is labelled {mode}): composing in it will be refused")
    save_model(model, args.output)
    print("notes learned per mode: " + ", ".join(f"{m} {n}" for m, n in notes_per_mode.items()))
    print(f"learned {report.pieces} pieces ({report.notes} notes, {report.slots} slots) in "
          f"{time.perf_counter() - t0:.1f} s; {len(corpus.skipped)} files skipped; "
          f"model: {args.output} ({model.pieces_learned} pieces in all)")
    return 0
