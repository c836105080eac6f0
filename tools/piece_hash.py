"""Hash of 48 composed pieces (24 keys x seeds 0-1, 48 notes per voice): the check that a refactor leaves the
music unchanged, byte for byte.  Prints one line: the hash, the model file and the piece count.

    python tools/piece_hash.py [--model MODEL] [--length 48] [--seeds 2]
"""

from __future__ import annotations

import argparse
import hashlib

from modesnn.model import compose, load_model
from modesnn.theory import Key
from modesnn.workflows import default_model, default_model_path


def piece_digest(model, seeds: int, length: int) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    for mode in ("major", "minor"):
        for tonic in range(12):
            for seed in range(seeds):
                piece = compose(model, Key(tonic, mode), length=length, seed=seed)
                h.update(piece.meter.encode())
                for voice in piece.voices:
                    for note in voice.notes:
                        h.update(f"{note.pitch},{note.duration!r},{note.onset!r};".encode())
                    h.update(b"|")
                n += 1
    return h.hexdigest(), n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model file (default: the Bach model in the cache)")
    ap.add_argument("--length", type=int, default=48)
    ap.add_argument("--seeds", type=int, default=2)
    args = ap.parse_args()
    model = load_model(args.model) if args.model else default_model()
    digest, n = piece_digest(model, args.seeds, args.length)
    print(f"{digest} {args.model or default_model_path()} {n} pieces")


if __name__ == "__main__":
    main()
