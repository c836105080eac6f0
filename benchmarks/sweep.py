"""Points per minute of `modesnn sweep` on a Bach sweep, with 1 and 2 workers (local processes, or a Dask
LocalCluster with --dask).  Each run starts from an empty results folder; the corpus parse is cached first."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_figures  # noqa: E402

SPEC = """
[corpora]
bach = {{ sources = ["bach"], limit = {limit} }}
[grid]
creation_threshold = [3, 5, 7]
noise_sigma = [50.0, 100.0]
[evaluate]
keys = ["C major", "G minor"]
seeds = [0]
length = 32
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=120, help="Bach chorales per point (default: 120)")
    ap.add_argument("--workers", default="1,2", help="worker counts to measure (default: 1,2)")
    ap.add_argument("--dask", action="store_true", help="run on a Dask LocalCluster instead of local processes")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from modesnn.research import load_spec, run_sweep
    from modesnn.research.sweep import load_pieces

    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "bach.toml"
        spec_path.write_text(SPEC.format(limit=args.limit))
        spec = load_spec(spec_path)
        load_pieces(spec.corpora[0])  # parse (and cache) the chorales before timing
        result: dict = {"points": len(spec.points), "pieces_per_point": args.limit,
                        "backend": "dask LocalCluster" if args.dask else "local processes"}
        for n in (int(x) for x in args.workers.split(",")):
            out = Path(tmp) / f"out{n}"
            t0 = time.perf_counter()
            if args.dask:
                from distributed import LocalCluster

                with LocalCluster(n_workers=n, threads_per_worker=1, dashboard_address=None) as cluster:
                    t0 = time.perf_counter()
                    res = run_sweep(spec, out, scheduler=cluster.scheduler_address, log=lambda s: None)
            else:
                res = run_sweep(spec, out, workers=n, log=lambda s: None)
            seconds = time.perf_counter() - t0
            result[f"workers_{n}_seconds"] = round(seconds, 1)
            result[f"workers_{n}_points_per_minute"] = round(60 * res.ran / seconds, 2)
            result[f"workers_{n}_failed"] = res.failed
    print_figures(result, args.json)


if __name__ == "__main__":
    main()
