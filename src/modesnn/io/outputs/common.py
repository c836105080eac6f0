"""What every output format shares: defaults, the format of a path, tempo, meter, programs, the checks of a
piece, and the errors (see modesnn.export for the choices behind them)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from modesnn.errors import ExportError
from modesnn.music import Piece

if TYPE_CHECKING:  # pragma: no cover
    pass

TICKS_PER_BEAT = 480
"""MIDI resolution: ticks per quarter note (divisible by 2, 3, 4, 5, 8, 16, 32 ...)."""

DEFAULT_TEMPO_BPM = 80.0
"""Quarter notes per minute when neither the caller nor `piece.meta['tempo_bpm']` gives one."""

DEFAULT_PROGRAM = 52
"""General MIDI program (0-based) for every voice: 52 = Choir Aahs."""

DEFAULT_VELOCITY = 80
FLUIDSYNTH_HINT = "fluidsynth not found: install it with `apt-get install --no-install-recommends fluidsynth`"
SOUNDFONT_HINT = (
    "no soundfont found: pass one (--soundfont FILE.sf2), set $MODESNN_SOUNDFONT, or install one with "
    "`apt-get install --no-install-recommends fluid-soundfont-gm`"
)

_FORMATS = {".mid": "midi", ".midi": "midi", ".musicxml": "musicxml", ".xml": "musicxml",
            ".wav": "wav", ".svg": "svg"}
SUPPORTED_EXTENSIONS = tuple(_FORMATS)

_EPS = 1e-6  # quarter lengths: gaps and overlaps below this are float noise


class AudioUnavailable(ExportError):
    """WAV cannot be rendered on this machine (no fluidsynth, or no soundfont); other formats still can."""


class FluidsynthNotFound(AudioUnavailable):
    """The `fluidsynth` command is not on PATH.  The message is the one-line install hint."""

    def __init__(self, message: str = FLUIDSYNTH_HINT) -> None:
        super().__init__(message)


class SoundfontNotFound(AudioUnavailable):
    """No usable .sf2/.sf3 file: the message says where we looked or which given file is missing."""


@dataclass(frozen=True)
class WriteResult:
    """The outcome of one file in `write_all`: the path, and the error if it was not written."""

    path: Path
    error: ExportError | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


# --------------------------------------------------------------------------------------------------- common


def format_of(path: Path) -> str:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ExportError(
            f"cannot write {path}: unknown extension {path.suffix or '(none)'!r}; "
            f"supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    return fmt


def tempo_of(piece: Piece, tempo_bpm: float | None) -> float:
    bpm = tempo_bpm if tempo_bpm is not None else piece.meta.get("tempo_bpm", DEFAULT_TEMPO_BPM)
    try:
        bpm = float(bpm)
    except (TypeError, ValueError):
        raise ExportError(f"tempo must be a number of quarter notes per minute, got {bpm!r}") from None
    # MIDI stores microseconds per quarter in 24 bits: below ~3.6 bpm it overflows.
    if not (math.isfinite(bpm) and 4 <= bpm <= 1000):
        raise ExportError(f"tempo must be between 4 and 1000 quarter notes per minute, got {bpm:g}")
    return bpm


def meter_of(piece: Piece) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", piece.meter or "")
    if m:
        num, den = int(m.group(1)), int(m.group(2))
        if 1 <= num <= 64 and den in (1, 2, 4, 8, 16, 32, 64):
            return num, den
    raise ExportError(f"piece {piece.name!r}: meter {piece.meter!r} is not a time signature "
                      "like '4/4' or '6/8'")


def programs_of(piece: Piece, program: int | Sequence[int]) -> list[int]:
    programs = [program] * len(piece.voices) if isinstance(program, int) else list(program)
    if len(programs) != len(piece.voices) or any(not 0 <= p <= 127 for p in programs):
        raise ExportError(f"program must be 0..127, one value or one per voice ({len(piece.voices)}), "
                          f"got {program!r}")
    return programs


def check_piece(piece: Piece) -> float:
    """Check what every format relies on; return the piece's length in quarter lengths."""
    if not piece.voices:
        raise ExportError(f"piece {piece.name!r} has no voices")
    for v in piece.voices:
        prev_end = 0.0
        for i, n in enumerate(v.notes):
            if n.onset < prev_end - _EPS:
                raise ExportError(
                    f"piece {piece.name!r}, voice {v.name!r}: note {i} starts at {n.onset:g} before the "
                    f"previous note ends at {prev_end:g} (a voice must be monophonic; onsets are absolute)"
                )
            prev_end = n.onset + n.duration
    length = max(v.length for v in piece.voices)
    if length <= 0:
        raise ExportError(f"piece {piece.name!r} has no notes")
    return length
