"""The chorale network's speed: learning the Bach chorales, and composing 4 voices x 64 beats with a loaded
model (wall and CPU seconds: the machine may be shared).

    python benchmarks/chorale.py [--model MODEL] [--length 64] [--repeat 5] [--json]

Without --model the Bach chorales are learned first (timed).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from modesnn.corpus import load_corpus
from modesnn.model import compose, load_model
from modesnn.model.chorale import ChoraleSNN
from modesnn.theory import parse_key


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model")
    ap.add_argument("--length", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result: dict = {}
    if args.model:
        model = load_model(args.model)
    else:
        pieces = load_corpus(["bach"], progress=False).pieces
        model = ChoraleSNN()
        _, wall, cpu = _timed(lambda: model.learn(pieces))
        result["learn_bach"] = {"pieces": len(pieces), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}
    keys = [parse_key(k) for k in ("C major", "G minor", "E- major", "F# minor", "A major")]
    walls, cpus = [], []
    for i in range(args.repeat):
        _, wall, cpu = _timed(lambda i=i: compose(model, keys[i % len(keys)], length=args.length, seed=i))
        walls.append(wall)
        cpus.append(cpu)
    result["compose"] = {"beats": args.length, "voices": 4, "median_wall_s": round(statistics.median(walls), 3),
                         "median_cpu_s": round(statistics.median(cpus), 3)}
    print(json.dumps(result, indent=1) if args.json else result)


if __name__ == "__main__":
    main()
