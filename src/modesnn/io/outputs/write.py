"""`write` and `write_all`: the format from the extension, each format made at most once, atomic writes."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from modesnn.errors import ExportError
from modesnn.io.atomic import atomic_path
from modesnn.music import Piece

if TYPE_CHECKING:  # pragma: no cover
    pass
from modesnn.io.outputs.common import (
    DEFAULT_PROGRAM,
    AudioUnavailable,
    WriteResult,
    check_piece,
    format_of,
    tempo_of,
)
from modesnn.io.outputs.midi import midi_bytes
from modesnn.io.outputs.musicxml import musicxml_bytes
from modesnn.io.outputs.svg import svg_from_musicxml
from modesnn.io.outputs.wav import find_fluidsynth, find_soundfont, render_wav


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder")
    parent = path.parent
    if not parent.exists():
        raise ExportError(f"cannot write {path}: folder {parent} does not exist")
    if not parent.is_dir():
        raise ExportError(f"cannot write {path}: {parent} is not a folder")


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """`modesnn.io.atomic_path` with the target checked first and OSError as a one-line ExportError."""
    _check_target(path)
    try:
        with atomic_path(path) as tmp:
            yield tmp
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc


class _Renderer:
    """Makes each format's content at most once, so `write_all` does not rebuild the score per file."""

    def __init__(self, piece: Piece, tempo_bpm: float | None, soundfont: str | None,
                 program: int | Sequence[int]) -> None:
        self.piece, self.tempo_bpm, self.soundfont, self.program = piece, tempo_bpm, soundfont, program
        self._cache: dict[str, bytes] = {}

    def midi(self) -> bytes:
        if "midi" not in self._cache:
            self._cache["midi"] = midi_bytes(self.piece, tempo_bpm=self.tempo_bpm, program=self.program)
        return self._cache["midi"]

    def musicxml(self) -> bytes:
        if "musicxml" not in self._cache:
            self._cache["musicxml"] = musicxml_bytes(self.piece, tempo_bpm=self.tempo_bpm,
                                                     program=self.program)
        return self._cache["musicxml"]

    def svg(self) -> bytes:
        if "svg" not in self._cache:
            label = f"piece {self.piece.name!r}"
            self._cache["svg"] = svg_from_musicxml(self.musicxml(), label).encode("utf-8")
        return self._cache["svg"]

    def write(self, path: Path) -> Path:
        fmt = format_of(path)
        try:
            if fmt == "wav":
                _check_target(path)  # before rendering: a bad path is reported as such
                # fail fast on a missing tool, before the MIDI is made
                seconds = check_piece(self.piece) * 60.0 / tempo_of(self.piece, self.tempo_bpm)
                find_fluidsynth()
                find_soundfont(self.soundfont)
                midi = self.midi()
                with _atomic(path) as tmp:
                    render_wav(midi, tmp, self.soundfont, seconds)
                return path
            _check_target(path)
            data = {"midi": self.midi, "musicxml": self.musicxml, "svg": self.svg}[fmt]()
            with _atomic(path) as tmp:
                tmp.write_bytes(data)
            return path
        except AudioUnavailable:
            raise
        except ExportError as exc:
            msg = str(exc)
            if str(path) not in msg:
                raise ExportError(f"cannot write {path}: {msg}") from exc
            raise


def write(piece: Piece, path: str | os.PathLike[str], *, tempo_bpm: float | None = None,
          soundfont: str | None = None, program: int | Sequence[int] = DEFAULT_PROGRAM) -> Path:
    """Write `piece` to `path` in the format its extension names (.mid/.midi, .musicxml/.xml, .wav, .svg).

    tempo_bpm: quarter notes per minute (default piece.meta['tempo_bpm'], else 80); soundfont: for .wav
    (default: $MODESNN_SOUNDFONT, then common Debian paths).  The write is atomic.  Raises ExportError
    naming the path and the problem; AudioUnavailable (FluidsynthNotFound / SoundfontNotFound) for a .wav
    this machine cannot render."""
    p = Path(path)
    format_of(p)
    return _Renderer(piece, tempo_bpm, soundfont, program).write(p)


def write_all(piece: Piece, paths: Iterable[str | os.PathLike[str]], *, tempo_bpm: float | None = None,
              soundfont: str | None = None,
              program: int | Sequence[int] = DEFAULT_PROGRAM) -> list[WriteResult]:
    """Write `piece` to every path; one failure (say, no fluidsynth for the .wav) does not stop the others.

    Returns one WriteResult per path, in order; `result.error` is the ExportError of a failed file
    (an AudioUnavailable one carries the one-line install hint as its message).  Unknown extensions raise
    ExportError before anything is written: that is a mistake in the request, not in one output."""
    targets = [Path(p) for p in paths]
    for p in targets:
        format_of(p)
    renderer = _Renderer(piece, tempo_bpm, soundfont, program)
    results = []
    for p in targets:
        t0 = time.perf_counter()
        try:
            renderer.write(p)
            results.append(WriteResult(p, None, time.perf_counter() - t0))
        except ExportError as exc:
            results.append(WriteResult(p, exc, time.perf_counter() - t0))
    return results
