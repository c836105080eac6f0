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


QUIET = False
"""Set by `--quiet` (global or per command): no progress bars."""


def progress_enabled() -> bool:
    """Progress bars go to stderr only when it is a terminal, and never with --quiet."""
    return not QUIET and sys.stderr.isatty()


def model_or_default(path: str | None, require_learned: bool = True, preset: str = "chorale") -> ModeSNN:
    """The model at `path`, or the default Bach model of a preset (learned on first use); one that learned no
    pieces is refused (every command needs learned weights)."""
    from modesnn.workflows import check_composable, default_model

    model = load_model(path) if path else default_model(progress=progress_enabled(), log=warn, preset=preset)
    if require_learned:
        check_composable(model, path or "the default model")
    return model



def check_writable(raw: str) -> None:
    """Refuse, before any work, an output path that could not be written: a folder, a missing or read-only
    folder."""
    import os
    from pathlib import Path

    from modesnn.errors import ModesnnError

    path = Path(raw)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ModesnnError(f"{raw}: is a folder")
    if not folder.is_dir():
        raise ModesnnError(f"{raw}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ModesnnError(f"{raw}: folder {folder} is not writable")


def write_outputs(piece, outputs: list[str], tempo: float | None, soundfont: str | None) -> int:
    """Write the piece to every output, a line per file; returns how many failed (missing audio tools are a
    warning, not a failure: the other formats are still written)."""
    from modesnn.export import AudioUnavailable, write_all

    failed = 0
    for result in write_all(piece, outputs, tempo_bpm=tempo, soundfont=soundfont):
        if result.ok:
            print(f"wrote {result.path}")
        elif isinstance(result.error, AudioUnavailable):
            warn(f"{result.path}: {result.error}")
        else:
            warn(str(result.error))
            failed += 1
    return failed
