"""Sources -> files -> pieces: the public `load_corpus` and its result."""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from modesnn.corpus import cache as _cache
from modesnn.corpus import precheck
from modesnn.corpus.reader import (
    KEY_FROM,
    NO_FILENAME_KEY,
    Outcome,
    describe_error,
    filename_key_label,
    read_score,
    timed_out,
)
from modesnn.errors import CorpusError
from modesnn.music import Note, Piece, Voice
from modesnn.theory import Key

MUSIC_EXTENSIONS = (".xml", ".musicxml", ".mxl", ".mid", ".midi", ".abc")
"""File types read from a folder (case-insensitive); other files in a folder are ignored."""

BACH = "bach"
"""The source name of the Bach chorales bundled with music21."""


@dataclass(frozen=True)
class SourceFile:
    """One file to read: its path and the piece name to give it."""

    path: Path
    name: str


@dataclass
class CorpusResult:
    """The pieces read, the files skipped with their reasons, and how much came from the cache."""

    pieces: list[Piece]
    skipped: list[tuple[str, str]]
    sources: list[str] = field(default_factory=list)
    files: int = 0
    parsed: int = 0
    cached: int = 0

    def summary(self) -> dict:
        """Counts for people and scripts: pieces, voices, notes (sounding, rests apart), keys, skips."""
        keys = Counter(p.key.name for p in self.pieces)
        return {
            "sources": list(self.sources),
            "files": self.files,
            "pieces": len(self.pieces),
            "voices": {str(n): c for n, c in sorted(Counter(len(p.voices) for p in self.pieces).items())},
            "notes": sum(len(v.pitches) for p in self.pieces for v in p.voices),
            "rests": sum(1 for p in self.pieces for v in p.voices for n in v.notes if n.pitch is None),
            "keys": dict(sorted(keys.items(), key=lambda kv: (-kv[1], kv[0]))),
            "key_sources": dict(Counter(p.key_source for p in self.pieces).most_common()),
            "meters": dict(Counter(p.meter for p in self.pieces).most_common()),
            "parts_dropped": {
                p.source: p.meta["dropped_parts"] for p in self.pieces if p.meta.get("dropped_parts")
            },
            "silent_voices": {
                p.source: p.meta["silent_voices"] for p in self.pieces if p.meta.get("silent_voices")
            },
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "parsed": self.parsed,
            "cached": self.cached,
        }


def bach_files() -> list[SourceFile]:
    """The chorales in `music21.corpus.chorales.Iterator` order, duplicates removed (350 files).

    A corpus name that matches several files ('bach/bwv69.6' -> bwv69.6-a.mxl, bwv69.6.xml) resolves to
    the file named exactly so, else the first; `music21.corpus.parse` always takes the first, which
    would read bwv69.6-a twice and bwv69.6 never."""
    from music21 import corpus

    out = []
    for name in dict.fromkeys(corpus.chorales.Iterator(returnType="filename")):
        work = corpus.getWork(name)
        paths = [Path(p) for p in (work if isinstance(work, list) else [work])]
        stem = str(name).rsplit("/", 1)[-1]
        exact = [p for p in paths if p.stem == stem]
        out.append(SourceFile((exact or paths)[0], str(name)))
    return out


def resolve_sources(sources: list[str]) -> list[SourceFile]:
    """Every file to read, in a deterministic order; raises CorpusError for a missing path or empty folder."""
    if not sources:
        raise CorpusError("no sources given (a file, a folder, or 'bach')")
    files: list[SourceFile] = []
    for src in sources:
        if src == BACH:
            files.extend(bach_files())
            continue
        path = Path(src).expanduser()
        if not path.exists():
            raise CorpusError(f"{src}: no such file or folder")
        if path.is_dir():
            found = [f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in MUSIC_EXTENSIONS]
            if not found:
                raise CorpusError(f"{src}: no music files ({' '.join(MUSIC_EXTENSIONS)}) in this folder")
            found.sort(key=lambda f: f.relative_to(path).as_posix())
            files.extend(SourceFile(f, f.stem) for f in found)
        elif path.suffix.lower() in MUSIC_EXTENSIONS:
            files.append(SourceFile(path, path.stem))
        else:
            raise CorpusError(f"{src}: not a music file (readable: {' '.join(MUSIC_EXTENSIONS)})")
    unique: dict[Path, SourceFile] = {}
    for f in files:
        unique.setdefault(f.path.resolve(), f)
    return list(unique.values())


def load_corpus(
    sources: list[str],
    key_from: str = "auto",
    voices: int | None = 4,
    progress: bool = True,
    strict: bool = False,
    cache: bool = True,
    on_skip: Callable[[str, str], None] | None = None,
) -> CorpusResult:
    """Read pieces from files, folders and/or 'bach', one bad file never stopping the others.

    key_from: 'filename' (SHTE style 'x_G minor.xml'), 'signature' (a key with a mode in the file),
    'analysis' (Krumhansl-Schmuckler) or 'auto' (those three in turn).  voices: the voice count every
    piece must have (None: any).  Skipped files are collected with a reason and passed to `on_skip`
    (file, reason) after reading; with strict=True any skip then raises CorpusError."""
    if key_from not in KEY_FROM:
        raise CorpusError(f"key_from must be one of {', '.join(KEY_FROM)}, got {key_from!r}")
    if voices is not None and voices < 1:
        raise CorpusError(f"voices must be a positive number, got {voices}")
    files = resolve_sources(sources)
    outcomes, todo, hits = _from_cache(files, key_from, voices, cache)
    _read_missing(files, outcomes, todo, key_from, voices, progress)
    pieces, skipped = _collect(files, outcomes)
    if on_skip is not None:
        for file, reason in skipped:
            on_skip(file, reason)
    if strict and skipped:
        file, reason = skipped[0]
        more = f" (and {len(skipped) - 1} more skipped)" if len(skipped) > 1 else ""
        raise CorpusError(f"{file}: {reason}{more}")
    return CorpusResult(pieces, skipped, list(sources), len(files), len(todo), hits)


_Todo = list[tuple[int, str, Path | None]]
"""Files still to parse: (index, file-name key label, cache entry or None)."""


def _from_cache(files, key_from: str, voices: int | None, cache: bool
                ) -> tuple[list[list[Outcome] | None], _Todo, int]:
    """Each file's outcomes where known without parsing (a skip found from the name or the bytes, or a cache
    hit); the rest as to-do.  Returns (outcomes, to-do, cache hits)."""
    root = _cache.cache_dir()
    outcomes: list[list[Outcome] | None] = [None] * len(files)
    todo: _Todo = []
    hits = 0
    for i, f in enumerate(files):
        label = filename_key_label(f.path) if key_from in ("auto", "filename") else ""
        if key_from == "filename" and not label:
            outcomes[i] = [("skip", "", NO_FILENAME_KEY)]  # known without parsing
            continue
        data, why = _read_checked(f.path)
        if why:
            outcomes[i] = [("skip", "", why)]
            continue
        entry = _cache.entry_path(root, hashlib.sha1(data).hexdigest(), key_from, voices, label) if cache else None
        found = _cache.load(entry) if entry is not None else None
        if found is not None:
            outcomes[i] = found
            hits += 1
        else:
            todo.append((i, label, entry))
    return outcomes, todo, hits


def _read_missing(files, outcomes: list, todo: _Todo, key_from: str, voices: int | None, progress: bool) -> None:
    """Parse the to-do files (a progress bar on stderr), caching each result unless it timed out."""
    if not todo:
        return
    from tqdm import tqdm

    for i, label, entry in tqdm(todo, desc="reading scores", unit="file", file=sys.stderr, disable=not progress,
                                leave=False):
        result = read_score(files[i].path, key_from, voices, label)
        outcomes[i] = result
        if entry is not None and not timed_out(result):
            _cache.store(entry, result)


def _collect(files, outcomes: list) -> tuple[list[Piece], list[tuple[str, str]]]:
    """Pieces and (file, reason) skips, in file order."""
    pieces: list[Piece] = []
    skipped: list[tuple[str, str]] = []
    for f, outs in zip(files, outcomes, strict=True):
        for out in outs or []:
            piece, why = _piece_or_reason(f, out)
            if piece is None:
                skipped.append((str(f.path) + out[1], why))
            else:
                pieces.append(piece)
    return pieces, skipped


def _read_checked(path: Path) -> tuple[bytes, str]:
    """The file's bytes, or a skip reason: unreadable, empty, or past a limit (checked before parsing)."""
    try:
        why = precheck.file_size_reason(path.stat().st_size)
        if why:
            return b"", why
        data = path.read_bytes()
    except OSError as exc:
        return b"", f"cannot open ({exc.strerror or exc})"
    if not data.strip():
        return b"", "empty file"
    return data, precheck.too_big(path, data)


def _piece_or_reason(f: SourceFile, out: Outcome) -> tuple[Piece | None, str]:
    """The piece of a reader outcome, or why not: the reader's skip reason, or what the data model refused
    (a negative duration, a pitch out of range ...), so no per-file failure escapes the batch."""
    if out[0] == "skip":
        return None, out[2]
    try:
        return _piece(f, out), ""
    except Exception as exc:  # a value the reader passed but Note/Voice/Piece/Key refuse
        return None, f"cannot build the piece ({describe_error(exc)})"


def _piece(f: SourceFile, out: Outcome) -> Piece:
    _, suffix, meter, (tonic, mode, spelling), key_source, lines, meta = out
    voices = tuple(Voice(name, tuple(Note(p, d, o) for p, d, o in notes)) for name, notes in lines)
    return Piece(
        f.name + suffix, Key(tonic, mode, spelling), voices, meter, key_source, str(f.path), dict(meta)
    )
