"""Where the web layer gets composition sessions and neuron labels from.

The real `modesnn.model.ComposeSession` is used when the model package has it.  Until then
`_CompatSession` (TEMPORARY: delete it once the session is on main) gives the same interface over
`modesnn.model.compose()`: it composes the whole piece at once, recording the spikes of every slot, and
hands the notes out one slot per `step()`.  Its `set_key` composes the rest of the piece in the new key
from the chord reached so far, so a key change is heard from the next note on."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from modesnn import model as _model
from modesnn.model.layout import DURATION, KEY, MODE, PITCH, REST
from modesnn.music import Note, Piece, Voice
from modesnn.theory import Key

HAVE_SESSION = hasattr(_model, "ComposeSession")
_MODEL_LOCK = threading.Lock()  # compose() mutates the shared model: one at a time (compat only)


@dataclass(frozen=True)
class Decided:
    """One note decided by a step (the real session's Decided has the same fields)."""

    voice: int
    voice_name: str
    index: int
    note: Note


@dataclass
class Settings:
    """What a composition is asked for (passed on as the session's ComposeSettings)."""

    length: int = 32
    meter: str | None = None
    seed_notes: list[int] | None = None
    prior: str | None = None
    end: str = "align"
    extra: dict = field(default_factory=dict)


def new_session(model: Any, key: Key, settings: Settings, seed: int) -> Any:
    """A composition session over `model` (independent of any other session)."""
    if HAVE_SESSION:
        cs = _model.ComposeSettings(length=settings.length, meter=settings.meter, prior=settings.prior,
                                    seed_notes=settings.seed_notes, end=settings.end)
        return _model.ComposeSession(model, key, cs, seed=seed)
    return _CompatSession(model, key, settings, seed)


def compose_all(model: Any, key: Key, settings: Settings, seed: int) -> Piece:
    """A whole piece from a fresh session, stepped to the end."""
    session = new_session(model, key, settings, seed)
    while not session.done:
        session.step()
    return session.finish()


def describe(model: Any, ids: np.ndarray) -> list[tuple[str, int]]:
    """(population label, value) per neuron id: the layout's own `describe` when it has one."""
    lay = model.layout
    if hasattr(lay, "describe"):
        return [(str(a), int(b)) for a, b in lay.describe(ids)]
    out = []
    names = model.config.voice_names
    for i in np.asarray(ids, np.int64).tolist():
        kind, val = int(lay.kind[i]), int(lay.val[i])
        if kind == PITCH:
            out.append((f"{names[int(lay.voice[i])]} pitch", val if val != REST else -1))
        elif kind == DURATION:
            out.append((f"{names[int(lay.voice[i])]} duration", val))
        elif kind == KEY:
            tonic, mode = lay.keys[int(lay.group[i])]
            out.append((f"key {Key(tonic, mode).name}", val))
        elif kind == MODE:
            out.append((f"mode {lay.modes[int(lay.group[i])]}", val))
        else:
            out.append(("other", val))
    return out


class _CompatSession:
    """TEMPORARY adapter with the ComposeSession interface over compose() (see the module docstring)."""

    def __init__(self, model: Any, key: Key, settings: Settings, seed: int) -> None:
        self.model, self.key, self.settings, self.seed = model, key, settings, seed
        self.voices: list[list[Note]] = []   # notes handed out so far, per voice
        self._plan: list[list[Note]] = []    # the composed notes still to hand out, per voice
        self._spikes: list[Any] = []
        self.last_spikes = None
        self._meter = settings.meter
        self._compose(key, settings.length, settings.seed_notes, offsets=None)
        self.voices = [[] for _ in self._plan]

    def _compose(self, key: Key, length: int, seed_notes: list[int] | None, offsets: list[float] | None) -> None:
        net = self.model.net
        records: list[Any] = []
        with _MODEL_LOCK:
            run = net.run

            def recording(*a, **k):
                rec = run(*a, **k)
                records.append(rec)
                return rec

            net.run = recording
            try:
                piece = _model.compose(self.model, key, length=length, seed=self.seed, seed_notes=seed_notes,
                                       meter=self._meter, prior=self.settings.prior)
            finally:
                del net.run
        self._meter = piece.meter
        plan = []
        for v, voice in enumerate(piece.voices):
            shift = offsets[v] if offsets else 0.0
            notes = list(voice.notes[1:] if offsets else voice.notes)  # a continuation repeats its seed
            plan.append([Note(n.pitch, n.duration, n.onset + shift - (notes[0].onset if offsets else 0.0))
                         for n in notes])
        self._plan = plan
        self._spikes = records[1:] if offsets else records

    @property
    def done(self) -> bool:
        return not any(self._plan)

    def step(self) -> tuple[Decided, ...]:
        out = []
        for v, plan in enumerate(self._plan):
            if plan:
                note = plan.pop(0)
                self.voices[v].append(note)
                out.append(Decided(v, self.model.config.voice_names[v], len(self.voices[v]) - 1, note))
        self.last_spikes = self._spikes.pop(0) if self._spikes else None
        return tuple(out)

    def set_key(self, key: Key) -> None:
        if self.done or key == self.key:
            self.key = key
            return
        self.key = key
        left = max(len(p) for p in self._plan)
        seeds = []
        for v, notes in enumerate(self.voices):
            sounding = [n.pitch for n in notes if n.pitch is not None]
            seeds.append(sounding[-1] if sounding else self._plan[v][0].pitch or 60)
        ends = [max((n.onset + n.duration for n in notes), default=0.0) for notes in self.voices]
        self._compose(key, max(left + 1, 2), seeds, offsets=ends)

    def finish(self) -> Piece:
        while not self.done:
            self.step()
        voices = tuple(Voice(self.model.config.voice_names[v], tuple(n)) for v, n in enumerate(self.voices))
        return Piece(f"modesnn {self.key.name}", self.key, voices, self._meter or "4/4", key_source="requested",
                     source="modesnn serve", meta={"seed": self.seed, "length": self.settings.length})
