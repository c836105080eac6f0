"""One live composition: a session stepped in its own thread, its notes and spikes kept as a list of
events that any number of event-stream readers follow.

Pacing: with `pace` on, the thread decides a note no earlier than two beats before it sounds (at the
chosen tempo, counted from the first note), so a key change made while listening is heard from the next
note or two on, as the issue asks.  With `pace` off the network runs flat out (benchmarks, tests of speed).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from modesnn.errors import ModesnnError
from modesnn.model import ComposeSettings
from modesnn.theory import Key
from modesnn.web.raster import as_record, spike_event
from modesnn.web.sessions import ModelPool, labeller, new_session
from modesnn.web.store import PieceStore

LOOKAHEAD_BEATS = 2.0


def _slot_ms(model: Any) -> float | None:
    """Simulated ms per composition slot, where the model's config says (the raster's time scale)."""
    c = model.config
    steps, dt = getattr(c, "slot_steps", None), getattr(c, "dt", None)
    return float(steps * dt) if steps and dt else None


class LiveComposition:
    """Runs `ComposeSession.step()` until done, then `finish()`, and stores the piece."""

    def __init__(self, pool: ModelPool, key: Key, settings: ComposeSettings, seed: int, tempo: float, pace: bool,
                 store: PieceStore) -> None:
        model = pool.model
        self.pool, self.key, self.settings, self.seed = pool, key, settings, seed
        self.tempo, self.pace, self.store = tempo, pace, store
        self.events: list[dict] = []
        self.finished = False
        self.cancelled = False
        self.piece_id: str | None = None
        self._pending_key: Key | None = None
        self.can_change_key = True  # (known once the session exists: a preset without set_key cannot)
        self._cond = threading.Condition()
        self._ends = [0.0] * model.config.voices
        self._bands: list[str] = []
        self._thread = threading.Thread(target=self._run, name="modesnn-live", daemon=True)

    def start(self) -> LiveComposition:
        self._thread.start()
        return self

    def change_key(self, key: Key) -> None:
        """From the next step on the session drives `key`."""
        if not self.can_change_key:
            raise ModesnnError("this model's composition session cannot change key while composing")
        with self._cond:
            if self.finished:
                raise ModesnnError("the composition has already finished: compose again to change key")
            self._pending_key = key

    def cancel(self) -> None:
        self.cancelled = True

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _emit(self, event: dict) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def events_from(self, start: int) -> tuple[list[dict], bool]:
        with self._cond:
            return self.events[start:], self.finished

    def _run(self) -> None:
        try:
            self._compose()
        except Exception as exc:  # reported to the page as one line; the server keeps running
            self._emit({"type": "error", "message": " ".join(str(exc).split())[:300] or type(exc).__name__})
        finally:
            with self._cond:
                self.finished = True
                self._cond.notify_all()

    def _compose(self) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        with self.pool.slot() as model:
            session = new_session(model, self.key, self.settings, self.seed)
            self.can_change_key = hasattr(session, "set_key")
            self._emit({"type": "start", "key": self.key.name, "tempo": self.tempo, "length": self.settings.length,
                        "slot_ms": _slot_ms(model),
                        "voices": list(model.config.voice_names)})
            self._steps(model, session)
            if self.cancelled:
                return
            piece = session.finish()
        t1, c1 = time.perf_counter(), time.thread_time()
        self.piece_id = self.store.add(piece, self.tempo)
        self.store.render(self.piece_id, "svg")  # engraved before "done", so the page shows it at once
        timing = {"compose_s": round(t1 - t0, 3), "engrave_s": round(time.perf_counter() - t1, 3),
                  "compose_cpu_s": round(c1 - c0, 3), "engrave_cpu_s": round(time.thread_time() - c1, 3)}
        notes = [[{"pitch": n.pitch, "onset": n.onset, "duration": n.duration} for n in v.notes] for v in piece.voices]
        self._emit({"type": "done", "piece": self.piece_id, "key": piece.key.name, "meter": piece.meter,
                    "modulations": [name for _, name in piece.meta.get("modulations", [])], "notes": notes,
                    "timing": timing})

    def _set_key(self, session: Any, key: Key) -> None:
        """Modulate from the next step on; a session that cannot says so in one line and carries on."""
        try:
            session.set_key(key)
        except (ValueError, ModesnnError) as exc:
            self.can_change_key = False
            self._emit({"type": "notice", "message": " ".join(str(exc).split())[:300]})
            return
        self.key = key
        self._emit({"type": "key", "key": key.name, "at": min(self._ends)})

    def _steps(self, model: Any, session: Any) -> None:
        """Step until done (or cancelled), pacing, applying key changes, emitting notes and spikes."""
        t0 = None
        beat = 60.0 / self.tempo
        layout = labeller(model, session)
        while not session.done and not self.cancelled:
            if self.pace and t0 is not None:
                due = t0 + (min(self._ends) - LOOKAHEAD_BEATS) * beat
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(min(wait, 5.0))
            with self._cond:
                key, self._pending_key = self._pending_key, None
            if key is not None and key != self.key and self.can_change_key:
                self._set_key(session, key)
            decided = session.step()
            if t0 is None:
                t0 = time.perf_counter()
            notes = []
            for d in decided:
                n = d.note
                notes.append({"voice": d.voice, "index": d.index, "pitch": n.pitch, "onset": n.onset,
                              "duration": n.duration})
                self._ends[d.voice] = max(self._ends[d.voice], n.onset + n.duration)
            event = {"type": "notes", "notes": notes}
            spikes = as_record(getattr(session, "last_spikes", None))
            if spikes is not None and np.size(spikes.neuron) and layout is not None:
                event["spikes"] = spike_event(model, spikes, self._bands, layout)
            self._emit(event)
