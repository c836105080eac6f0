"""Pieces the server made, under opaque ids, and their renderings (made once, on first request).

Nothing here takes a path from a request: an id is looked up in memory or refused, so the server can only
ever hand out what it generated itself."""

from __future__ import annotations

import secrets
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from modesnn.export import midi_bytes, musicxml_bytes, svg_text, write
from modesnn.music import Piece

FORMATS = {
    "mid": "audio/midi",
    "musicxml": "application/vnd.recordare.musicxml+xml",
    "wav": "audio/wav",
    "svg": "image/svg+xml",
}
"""What a stored piece can be fetched as, and its media type."""


@dataclass
class _Entry:
    piece: Piece
    tempo: float
    data: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class PieceStore:
    """At most `capacity` pieces (the oldest go first) plus the pinned ones (the listening test's excerpts,
    which trials keep handing out), each rendered at most once per format."""

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, _Entry] = OrderedDict()
        self._pinned: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def add(self, piece: Piece, tempo: float, pinned: bool = False) -> str:
        pid = secrets.token_hex(8)
        with self._lock:
            if pinned:
                self._pinned[pid] = _Entry(piece, float(tempo))
                return pid
            self._items[pid] = _Entry(piece, float(tempo))
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return pid

    def _entry(self, pid: str) -> _Entry | None:
        with self._lock:
            return self._items.get(pid) or self._pinned.get(pid)

    def get(self, pid: str) -> Piece | None:
        entry = self._entry(pid)
        return entry.piece if entry else None

    def render(self, pid: str, fmt: str) -> bytes | None:
        """The piece as `fmt` (see FORMATS), or None for an unknown id.  Raises ExportError (e.g. no
        fluidsynth) with a one-line message."""
        entry = self._entry(pid)
        if entry is None or fmt not in FORMATS:
            return None
        with entry.lock:
            if fmt not in entry.data:
                entry.data[fmt] = _render(entry.piece, fmt, entry.tempo)
            return entry.data[fmt]


def _render(piece: Piece, fmt: str, tempo: float) -> bytes:
    if fmt == "mid":
        return midi_bytes(piece, tempo_bpm=tempo)
    if fmt == "musicxml":
        return musicxml_bytes(piece, tempo_bpm=tempo)
    if fmt == "svg":
        return svg_text(piece, tempo_bpm=tempo).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="modesnn-web-") as tmp:
        out = Path(tmp) / "piece.wav"
        write(piece, out, tempo_bpm=tempo)
        return out.read_bytes()
