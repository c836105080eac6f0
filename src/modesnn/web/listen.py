"""Blind listening trials: a real Bach chorale phrase and a phrase the network composed in the same key,
played in random order; the rater says which one a person wrote.

Excerpts are cut to the same number of whole measures (PHRASE_MEASURES) from the chorale's start and from
a composition in the chorale's key and meter.  Pairs are kept in a small pool (made on demand, up to
POOL_SIZE) so trials are answered at once; each trial draws a pair and a fresh random order."""

from __future__ import annotations

import random
import secrets
import threading
import time
from dataclasses import dataclass

from modesnn.errors import ModesnnError
from modesnn.model import ComposeSettings
from modesnn.music import Note, Piece, Voice, measure_length
from modesnn.web.listen_db import ListenDB
from modesnn.web.sessions import ModelPool, compose_all
from modesnn.web.store import PieceStore

PHRASE_MEASURES = 2
MAX_PENDING = 5000
"""Trials handed out and not answered (skipped) are forgotten, oldest first, past this many."""
POOL_SIZE = 16
MIN_POOL = 4
SYSTEM = "modesnn"


def cut(piece: Piece, end: float, name: str, source: str) -> Piece:
    """The first `end` quarter lengths of every voice (a note crossing `end` is shortened)."""
    voices = []
    for v in piece.voices:
        notes = [Note(n.pitch, min(n.duration, end - n.onset), n.onset) for n in v.notes if n.onset < end - 1e-9]
        voices.append(Voice(v.name, tuple(notes)))
    return Piece(name, piece.key, tuple(voices), piece.meter, key_source=piece.key_source, source=source)


@dataclass(frozen=True)
class _Pair:
    key: str
    bach_id: str
    bach_source: str
    composed_id: str
    composed_source: str


class ListeningTest:
    """Hands out trials and stores answers (see the module docstring)."""

    def __init__(self, pool: ModelPool, chorales: list[Piece], db: ListenDB, store: PieceStore,
                 tempo: float = 80.0, rng: random.Random | None = None) -> None:
        model = pool.model
        modes = set(model.config.modes)
        self.chorales = [p for p in chorales if p.key.mode in modes and len(p.voices) == model.config.voices]
        self.pool, self.db, self.store, self.tempo = pool, db, store, tempo
        self.rng = rng or random.Random()
        self._pool: list[_Pair] = []
        self._pending: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._make_lock = threading.Lock()

    def _make_pair(self) -> _Pair:
        if not self.chorales:
            raise ModesnnError("the listening test has no chorale in this model's modes to compare with")
        with self._lock:
            index = self.rng.randrange(len(self.chorales))
            seed = self.rng.randrange(1 << 20)
        bach = self.chorales[index]
        end = PHRASE_MEASURES * measure_length(bach.meter)
        composed = compose_all(self.pool, bach.key, ComposeSettings(length=int(end * 2) + 4, meter=bach.meter),
                               seed)
        src = bach.source or bach.name
        return _Pair(bach.key.name, self.store.add(cut(bach, end, "excerpt", src), self.tempo, pinned=True), src,
                     self.store.add(cut(composed, end, "excerpt", f"seed {seed}"), self.tempo, pinned=True),
                     f"seed {seed}")

    def _pair(self) -> _Pair:
        with self._lock:
            grow = len(self._pool) < MIN_POOL or (len(self._pool) < POOL_SIZE and self.rng.random() < 0.25)
        if grow:
            with self._make_lock:  # one composition at a time; the others reuse the pool meanwhile
                pair = self._make_pair()
            with self._lock:
                self._pool.append(pair)
            return pair
        with self._lock:
            return self.rng.choice(self._pool)

    def trial(self) -> dict:
        """A new trial: its id and the two excerpts' audio, in the order to play them."""
        pair = self._pair()
        with self._lock:
            bach_first = self.rng.random() < 0.5
            tid = secrets.token_hex(8)
            first = ("bach", pair.bach_id, pair.bach_source)
            second = (SYSTEM, pair.composed_id, pair.composed_source)
            if not bach_first:
                first, second = second, first
            while len(self._pending) >= MAX_PENDING:
                del self._pending[next(iter(self._pending))]
            self._pending[tid] = {"key": pair.key, "first": first, "second": second, "issued_at": time.time()}
        return {"trial": tid, "key": pair.key,
                "excerpts": [f"/api/piece/{first[1]}/wav", f"/api/piece/{second[1]}/wav"]}

    def answer(self, tid: str, choice: str, rater: str, experience: str) -> int:
        """Store the answer to trial `tid` (`choice`: 'first' or 'second'); returns the answers stored.
        KeyError for an unknown or already answered trial."""
        with self._lock:
            t = self._pending.pop(tid)
        now = time.time()
        chosen = t["first"] if choice == "first" else t["second"]
        return self.db.insert({
            "trial": tid, "rater": rater, "experience": experience, "key": t["key"],
            "first_system": t["first"][0], "first_source": t["first"][2],
            "second_system": t["second"][0], "second_source": t["second"][2],
            "chosen": choice, "chosen_system": chosen[0], "issued_at": t["issued_at"], "answered_at": now,
            "response_s": round(now - t["issued_at"], 3)})
