"""`modesnn sweep SPEC.toml -o DIR`: learn and evaluate every point of a grid of settings and corpora, on
local processes or a Dask cluster (`--scheduler`); a table (CSV, JSON) and plots in DIR."""

from __future__ import annotations

import argparse

from modesnn.cli.common import progress_enabled, warn


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="learn and evaluate a grid of settings and corpora (local or Dask)",
                       description="For every point of the sweep file (a grid or a list over any model setting, "
                                   "times the training corpora) learn, profile and evaluate the model; store each "
                                   "finished point in DIR/points (a rerun skips them), then write DIR/table.csv, "
                                   "DIR/table.json and plots (one per swept setting; a heatmap for two).")
    p.add_argument("spec", metavar="SPEC.toml", help="the sweep file (see README: Parameter sweeps)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for results (created)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask distributed scheduler, e.g. tcp://10.0.0.5:8786 (default: local processes)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="local worker processes (default: the number of cores; ignored with --scheduler)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from modesnn.research import load_spec, run_sweep

    spec = load_spec(args.spec)
    result = run_sweep(spec, args.output, scheduler=args.scheduler, workers=args.workers, log=warn,
                       progress=progress_enabled())
    ok = len(result.results) - sum(r["status"] != "ok" for r in result.results)
    print(f"{len(result.results)} points ({ok} ok, {len(result.results) - ok} failed; {result.ran} run now, "
          f"{result.skipped} done before) in {result.seconds:.1f} s; table: {args.output}/table.csv")
    for r in result.results:
        if r["status"] != "ok":
            print(f"  failed {r['id']} ({r['corpus']}, {r['settings']}): {r['error']}")
    return 1 if ok < len(result.results) else 0
