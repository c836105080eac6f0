"""Arguments and small helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import sys

from modesnn.corpus import KEY_FROM
from modesnn.model import ModeSNN, load_model


def add_source_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help="'bach' (the chorales bundled with music21), a score file, or a folder of scores")
    p.add_argument("--key-from", choices=KEY_FROM, default="auto",
                   help="where each piece's key comes from (default: auto = file name, then the key in the "
                        "file, then Krumhansl-Schmuckler analysis)")
    p.add_argument("--strict", action="store_true", help="fail if any file is skipped")


def warn(message: str) -> None:
    print(f"modesnn: {message}", file=sys.stderr)


def report_skipped(skipped: list[tuple[str, str]], limit: int = 10) -> None:
    """One line per skipped file, up to `limit`, then a count (the corpus command lists them all)."""
    for file, reason in skipped[:limit]:
        warn(f"skipped {file}: {reason}")
    if len(skipped) > limit:
        warn(f"... and {len(skipped) - limit} more files skipped (see `modesnn corpus`)")


def progress_enabled() -> bool:
    return sys.stderr.isatty()


def model_or_default(path: str | None, preset: str = "chorale") -> ModeSNN:
    """The model at `path`, or the default Bach model of a preset (learned on first use)."""
    if path:
        return load_model(path)
    from modesnn.workflows import default_model

    return default_model(progress=progress_enabled(), log=warn, preset=preset)
