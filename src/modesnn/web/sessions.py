"""Composition sessions for the web layer, each on a model replica of its own.

A `ComposeSession` still runs on its model's own network state (main, 22:06: until the engine's
`Network.new_state` lands, one session at a time per loaded model).  A server composes for several pages
at once, so `ModelPool` keeps copies of the loaded model (about 5 MB and 30 ms each for the Bach model) and
lends one to each running session; two sessions never share a network state.  Once sessions get private
state over shared weights, the pool can lend the same model to all of them."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from modesnn.errors import ModesnnError
from modesnn.model import ComposeSession, ComposeSettings
from modesnn.music import Piece
from modesnn.theory import Key


class PoolBusy(ModesnnError):
    """Every replica stayed in use for the whole wait (HTTP 503: try again)."""

    status = 503


class ModelPool:
    """Up to `size` replicas of one model (made when first needed), lent one per session."""

    def __init__(self, model: Any, size: int = 8) -> None:
        self.model, self.size = model, max(1, size)
        self._template = copy.deepcopy(model)  # copied from, never composed with (a copy made mid-session
        self._free: list[Any] = [model]         # would carry that session's state)
        self._made = 1
        self._cond = threading.Condition()

    @contextmanager
    def replica(self, timeout: float = 120.0) -> Iterator[Any]:
        """A model no other session is using, for the block's duration."""
        with self._cond:
            if not self._free and self._made < self.size:
                self._free.append(copy.deepcopy(self._template))
                self._made += 1
            if not self._cond.wait_for(lambda: self._free, timeout):
                raise PoolBusy(f"all {self.size} networks are busy composing; try again in a moment")
            model = self._free.pop()
        try:
            yield model
        finally:
            with self._cond:
                self._free.append(model)
                self._cond.notify()


def compose_all(pool: ModelPool, key: Key, settings: ComposeSettings, seed: int) -> Piece:
    """A whole piece from a fresh session, stepped to the end."""
    with pool.replica() as model:
        return ComposeSession(model, key, settings, seed=seed).finish()


def describe(model: Any, ids: Any) -> list[tuple[str, int]]:
    """(population label, value) per neuron id, from the model's layout."""
    return [(str(a), int(b)) for a, b in model.layout.describe(ids)]
