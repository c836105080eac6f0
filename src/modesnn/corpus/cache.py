"""On-disk cache of what the reader extracted from each file, so a corpus is parsed once.

Parsing the Bach chorales takes about 20 s; loading them from this cache well under 2 s.  An entry is
keyed by the file's content (sha1), the reader version, `key_from`, the expected voice count and the key
written in the file name (the only input besides the bytes).  Entries are written atomically; an entry
that cannot be read is ignored (and rewritten by the caller).  Failing to write is not an error: the
cache only saves time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from modesnn.corpus.reader import READER_VERSION, Outcome
from modesnn.io.atomic import write_bytes


def cache_dir() -> Path:
    """`$MODESNN_CACHE/corpus`, else `$XDG_CACHE_HOME/modesnn/corpus`, else `~/.cache/modesnn/corpus`."""
    root = os.environ.get("MODESNN_CACHE")
    if root:
        return Path(root).expanduser() / "corpus"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "modesnn" / "corpus"


def entry_path(root: Path, content_sha1: str, key_from: str, voices: int | None, label: str) -> Path:
    """One folder per reader version, key_from and voice count; one file per content (+ file-name key)."""
    folder = root / f"reader{READER_VERSION}-{key_from}-{'any' if voices is None else voices}voices"
    extra = "-" + hashlib.sha1(label.encode()).hexdigest()[:10] if label else ""
    return folder / f"{content_sha1}{extra}.pkl"


def load(path: Path) -> list[Outcome] | None:
    """The cached outcomes, or None when missing, corrupt or from another reader version."""
    try:
        with open(path, "rb") as fh:
            payload = pickle.load(fh)
    except Exception:  # missing, truncated, garbage: all mean "not cached"
        return None
    if not isinstance(payload, dict) or payload.get("reader") != READER_VERSION:
        return None
    outcomes = payload.get("outcomes")
    if not isinstance(outcomes, list) or not all(_valid(o) for o in outcomes) or not outcomes:
        return None
    return outcomes


def _valid(o: object) -> bool:
    if not isinstance(o, tuple) or not o:
        return False
    return (o[0] == "skip" and len(o) == 3) or (o[0] == "piece" and len(o) == 7)


def store(path: Path, outcomes: list[Outcome]) -> None:
    """Write atomically (`modesnn.io.atomic`) so a crash never leaves a half-written entry; errors ignored."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, pickle.dumps({"reader": READER_VERSION, "outcomes": outcomes},
                                       protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass
