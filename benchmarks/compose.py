"""Composition speed: seconds to compose 4 voices x 64 notes with a loaded model, and peak RSS.

    python benchmarks/compose.py --json [--model MODEL] [--length 64] [--repeat 5]

Without --model, a model is learned from SHTE first (not timed).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import peak_rss_mb, shte_four_part_dir  # noqa: E402

from modesnn.corpus import load_corpus  # noqa: E402
from modesnn.model import ModeSNN, compose, load_model, save_model  # noqa: E402
from modesnn.theory import parse_key  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model")
    ap.add_argument("--length", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.model
        if path is None:
            model = ModeSNN()
            model.learn(load_corpus([str(shte_four_part_dir(Path(tmp)))], progress=False).pieces)
            path = save_model(model, Path(tmp) / "shte.modesnn")
        t0 = time.perf_counter()
        model = load_model(path)
        load_s = time.perf_counter() - t0
        times = []
        for seed in range(args.repeat):
            t0 = time.perf_counter()
            compose(model, parse_key("G minor"), length=args.length, seed=seed)
            times.append(time.perf_counter() - t0)
    out = {"model": str(args.model or "SHTE (learned here)"), "voices": model.config.voices,
           "notes_per_voice": args.length, "load_s": round(load_s, 3),
           "compose_s_median": round(statistics.median(times), 3), "compose_s_min": round(min(times), 3),
           "peak_rss_mb": round(peak_rss_mb(), 1)}
    print(json.dumps(out) if args.json else out)


if __name__ == "__main__":
    main()
