"""Composition sessions for the web layer: how many run at once, over one loaded model.

A `ComposeSession` owns its simulation state (`Network.new_state`) and only reads the model's learned
synapses, so sessions over one model are independent and may be stepped from several threads.  `ModelPool`
only bounds how many run at once (each costs a thread and CPU), lending the same model to each."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from modesnn import model as _model
from modesnn.errors import ModesnnError
from modesnn.model import ComposeSession, ComposeSettings
from modesnn.music import Piece
from modesnn.theory import Key


class PoolBusy(ModesnnError):
    """Every slot stayed in use for the whole wait (HTTP 503: try again)."""

    status = 503


class ModelPool:
    """At most `size` sessions at once over `model`."""

    def __init__(self, model: Any, size: int = 8) -> None:
        self.model, self.size = model, max(1, size)
        self._slots = threading.BoundedSemaphore(self.size)

    @contextmanager
    def slot(self, timeout: float = 120.0) -> Iterator[Any]:
        """The model, once one of the `size` slots is free, for the block's duration."""
        if not self._slots.acquire(timeout=timeout):
            raise PoolBusy(f"all {self.size} composition slots are busy; try again in a moment")
        try:
            yield self.model
        finally:
            self._slots.release()


def new_session(model: Any, key: Key, settings: ComposeSettings, seed: int) -> Any:
    """A composition session for this model: `modesnn.model.open_session` where the package has one (it
    picks the session class of the model's preset), else the paper network's `ComposeSession`."""
    opener = getattr(_model, "open_session", None)
    if opener is not None:
        return opener(model, key, settings, seed)
    return ComposeSession(model, key, settings, seed=seed)


def labeller(model: Any, session: Any = None) -> Any:
    """What labels the neurons a session's spikes come from (an object with `describe(ids)`): the session's
    own layout where it has one, else the model's; None where neither labels its neurons (no raster)."""
    for owner in (session, model):
        layout = getattr(owner, "layout", None)
        if hasattr(layout, "describe"):
            return layout
    return None


def compose_all(pool: ModelPool, key: Key, settings: ComposeSettings, seed: int) -> Piece:
    """A whole piece from a fresh session, stepped to the end."""
    with pool.slot() as model:
        return new_session(model, key, settings, seed).finish()


def describe(layout: Any, ids: Any) -> list[tuple[str, int]]:
    """(population label, value) per neuron id, from a `labeller`."""
    return [(str(a), int(b)) for a, b in layout.describe(ids)]
