"""Key finding on score files with a model's learned key profiles: one row per piece, and one-line problems for
files that could not be read (the others are still reported)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from modesnn.corpus import load_corpus
from modesnn.errors import ModesnnError


@dataclass(frozen=True)
class KeyFound:
    """The best key of one piece by the learned profiles, and the label the file carried (if any)."""

    file: str
    key: str
    r: float
    runner_up: str
    runner_up_r: float
    label: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def find_keys(files: list[str], profiles: dict[str, np.ndarray]) -> tuple[list[KeyFound], list[str]]:
    """(a row per piece found in the files, a one-line message per file or piece that failed)."""
    from modesnn.evaluate.keyfinding import find_key

    rows: list[KeyFound] = []
    problems: list[str] = []
    for file in files:
        try:
            corpus = load_corpus([file], voices=None, progress=False)
        except ModesnnError as exc:
            problems.append(str(exc) if str(exc).startswith(file) else f"{file}: {exc}")
            continue
        problems += [f"{file}: {reason}" for _, reason in corpus.skipped]
        for piece in corpus.pieces:
            name = file if len(corpus.pieces) == 1 else f"{file} [{piece.name}]"
            try:
                est = find_key(piece, profiles)
            except ValueError:
                problems.append(f"{name}: no notes to find a key in")
                continue
            label = piece.key.name if piece.key_source in ("filename", "signature") else None
            rows.append(KeyFound(name, est.key.name, est.r, est.runner_up.name, est.runner_up_r, label))
    return rows, problems
