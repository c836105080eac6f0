"""Learning speed: wall seconds, notes learned, notes per second and peak RSS for SHTE (193 pieces) and the
Bach chorales.  Parsing is done (and cached) first and reported apart.

    python benchmarks/learn.py --json [--corpus shte|bach|both] [--lanes 28] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import peak_rss_mb, shte_four_part_dir  # noqa: E402

from modesnn.corpus import load_corpus  # noqa: E402
from modesnn.evaluate.profiles import profile_report  # noqa: E402
from modesnn.model import ModelConfig, ModeSNN  # noqa: E402


def measure(name: str, sources: list[str], lanes: int, repeat: int) -> dict:
    t0 = time.perf_counter()
    pieces = load_corpus(sources, progress=False).pieces
    parse_s = time.perf_counter() - t0
    walls = []
    for _ in range(repeat):  # (a fresh model each time; the median is robust to a busy machine)
        model = None
        gc.collect()  # (the previous model's memory is not part of this run's peak)
        model = ModeSNN(ModelConfig(lanes=lanes))
        t0 = time.perf_counter()
        report = model.learn(pieces)
        walls.append(time.perf_counter() - t0)
    wall = statistics.median(walls)
    prof = profile_report(model)
    return {
        "corpus": name,
        "pieces": report.pieces,
        "notes": report.notes,
        "slots": report.slots,
        "parse_s": round(parse_s, 3),
        "wall_s": round(wall, 3),
        "wall_s_runs": [round(w, 3) for w in walls],
        "notes_per_s": round(report.notes / wall, 1),
        "synapses": {g: model.net.groups[g].n for g in ("sequence", "sms_to_key", "sms_to_mode")},
        "r_kk": {m: round(v["r_kk"], 4) for m, v in prof["modes"].items()},
        "r_data": {m: round(v["r_data"], 4) for m, v in prof["modes"].items()},
        "keys_mean_r_kk": round(prof["keys_mean_r_kk"], 4),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", choices=("shte", "bach", "both"), default="both")
    ap.add_argument("--lanes", type=int, default=28)
    ap.add_argument("--repeat", type=int, default=1, help="learn N times, report the median wall time")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.repeat < 1 or args.lanes < 1:
        ap.error("--repeat and --lanes must be at least 1")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.corpus in ("shte", "both"):
            results.append(measure("shte", [str(shte_four_part_dir(Path(tmp)))], args.lanes, args.repeat))
        if args.corpus in ("bach", "both"):
            results.append(measure("bach", ["bach"], args.lanes, args.repeat))
    if args.json:
        print(json.dumps(results if len(results) > 1 else results[0]))
    else:
        for r in results:
            print(f"{r['corpus']}: {r['pieces']} pieces, {r['notes']} notes in {r['wall_s']} s "
                  f"({r['notes_per_s']} notes/s; parse {r['parse_s']} s), peak RSS {r['peak_rss_mb']} MB, "
                  f"r_kk {r['r_kk']}, r_data {r['r_data']}")


if __name__ == "__main__":
    main()
