"""`modesnn inspect --key K -o FILE.png`: what the network does and what it learned, as one picture."""

from __future__ import annotations

import argparse
from pathlib import Path

from modesnn.cli.common import model_or_default
from modesnn.errors import ModesnnError
from modesnn.theory import parse_key


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("inspect", help="draw the spike raster of one composition and the learned weight maps",
                       description="Compose once in KEY and write a PNG: the spikes of the key, mode and voice "
                                   "populations while composing, and the learned sequence memory -> key weights "
                                   "per key beside the Krumhansl-Kessler profiles.")
    p.add_argument("--model", metavar="MODEL", help="model file (default: the Bach model)")
    p.add_argument("--key", required=True, help="key to compose in, e.g. 'G minor'")
    p.add_argument("--length", type=int, default=24, help="notes per voice (default 24)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.png", help="the PNG to write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix.lower() != ".png":
        raise ModesnnError(f"-o {args.output}: must end in .png")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise ModesnnError(f"-o {args.output}: folder {out.parent} does not exist")
    if not 2 <= args.length <= 256:
        raise ModesnnError(f"--length must be 2..256, got {args.length}")
    model = model_or_default(args.model)
    try:
        key = parse_key(args.key, model.config.modes)
    except ValueError as exc:
        raise ModesnnError(f"--key: {exc}") from None
    from modesnn.web.figures import write_figure

    tmp = out.with_name(f".{out.name}.part")
    try:
        write_figure(model, key, tmp, length=args.length, seed=args.seed)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"wrote {out}")
    return 0
