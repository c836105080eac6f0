"""A wall-clock limit on reading one score file: the backstop behind the size checks of `precheck`.

The size checks bound the work for what they can see (notes, bytes, MIDI and ABC lengths), but music21 has
other slow paths a few hostile bytes reach (the fuzz suite found an ABC tune with a note of length '/-0.5'
sending `bestTimeSignature` into a loop).  Past MAX_PARSE_SECONDS the file is skipped with a reason naming the
limit, and the outcome is not cached (a faster machine may read it).

SIGALRM is used, so the limit applies in the main thread only (elsewhere the read is unbounded, as before);
a timer already running (a caller's own limit) is respected: when it is due first, no limit is set here, and
it is restored afterwards.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class ReadTimeout(BaseException):
    """The limit passed.  A BaseException so that music21's many `except Exception` do not swallow it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ReadTimeout in the body after `seconds` (main thread only; see the module docstring)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer and outer <= seconds:
        yield
        return

    def fire(*_: object) -> None:
        raise ReadTimeout

    old = signal.signal(signal.SIGALRM, fire)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old if old is not None else signal.SIG_DFL)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(1e-3, outer - (time.monotonic() - start)))
