"""A melody in from the page: note names typed in a box, or an uploaded MusicXML, MIDI or ABC file.

Reading files is music21's job (as in `modesnn.corpus`); this module adds what a web upload needs:
a size limit, a one-line reason for anything that is not a single line of notes (several parts, chords,
no notes), and no file name from the request ever reaching the file system (the upload is written to a
fresh temporary folder under a fixed name)."""

from __future__ import annotations

import re
import tempfile
import warnings
from fractions import Fraction
from pathlib import Path

from modesnn.errors import ModesnnError
from modesnn.music import Note, Voice
from modesnn.theory import name_to_midi

MAX_UPLOAD = 1_000_000
"""Bytes: a melody file larger than this is refused (413)."""
MAX_NOTES = 400
SUFFIXES = {".musicxml": ".musicxml", ".xml": ".musicxml", ".mxl": ".mxl", ".mid": ".mid", ".midi": ".mid",
            ".abc": ".abc"}


class MelodyError(ModesnnError):
    """The melody cannot be used; `status` is the HTTP status the page gets."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


_TOKEN = re.compile(r"^(?P<name>[A-Ga-g][#b\-]*-?\d+|r|rest)(?::(?P<dur>\d+(?:\.\d+)?|\d+/\d+))?$")


def parse_note_names(text: str) -> Voice:
    """'E4 D4:0.5 C4 r:2 G4:1/2' -> a voice (duration in quarter notes after ':', default 1; 'r' a rest).
    'C4+E4' or '[C4 E4]' is a chord: refused."""
    tokens = text.replace(",", " ").split()
    if not tokens:
        raise MelodyError("the melody box is empty: type note names such as 'E4 D4 C4:2'", 400)
    if len(tokens) > MAX_NOTES:
        raise MelodyError(f"the melody has {len(tokens)} notes; at most {MAX_NOTES}", 400)
    notes, t = [], 0.0
    for i, tok in enumerate(tokens, 1):
        if "+" in tok or "[" in tok or "]" in tok or "/" in tok.split(":")[0]:
            raise MelodyError(f"note {i} ({tok!r}) is a chord: a melody has one note at a time", 422)
        m = _TOKEN.match(tok)
        if not m:
            raise MelodyError(f"note {i} ({tok!r}) is not a note name such as C4, F#4:2 or r:1", 400)
        dur = float(Fraction(m.group("dur"))) if m.group("dur") else 1.0
        if not 0 < dur <= 16:
            raise MelodyError(f"note {i} ({tok!r}): duration must be between 0 and 16 quarter notes", 400)
        name = m.group("name")
        try:
            pitch = None if name.lower() in ("r", "rest") else name_to_midi(name)
        except ValueError as exc:
            raise MelodyError(f"note {i} ({tok!r}): {exc}", 400) from None
        notes.append(Note(pitch, dur, t))
        t += dur
    if all(n.pitch is None for n in notes):
        raise MelodyError("the melody has only rests", 422)
    return Voice("soprano", tuple(notes))


def parse_upload(data: bytes, filename: str) -> tuple[Voice, str | None]:
    """An uploaded file as one voice, and the meter written in it (or None)."""
    if len(data) > MAX_UPLOAD:
        raise MelodyError(f"{_safe(filename)}: {len(data)} bytes, larger than the {MAX_UPLOAD} byte limit", 413)
    suffix = SUFFIXES.get(Path(filename or "").suffix.lower())
    if suffix is None:
        raise MelodyError(f"{_safe(filename)}: not a melody file; send MusicXML (.musicxml/.xml/.mxl), "
                          "MIDI (.mid) or ABC (.abc)", 415)
    if not data.strip():
        raise MelodyError(f"{_safe(filename)}: the file is empty", 422)
    from music21 import converter

    with tempfile.TemporaryDirectory(prefix="modesnn-melody-") as tmp:
        path = Path(tmp) / f"melody{suffix}"
        path.write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                score = converter.parse(str(path), forceSource=True)
        except Exception:  # music21 raises many unrelated types for bad input
            raise MelodyError(f"{_safe(filename)}: cannot be read as {suffix.lstrip('.')} music", 422) from None
    return _melody_of(score, _safe(filename))


def _melody_of(score, label: str) -> tuple[Voice, str | None]:
    from music21 import chord, note

    parts = list(getattr(score, "parts", [])) or [score]
    with_notes = [p for p in parts if p.recurse().notes]
    if not with_notes:
        raise MelodyError(f"{label}: has no notes", 422)
    if len(with_notes) > 1:
        raise MelodyError(f"{label}: has {len(with_notes)} parts with notes; upload a single melody line", 422)
    part = with_notes[0]
    notes: list[Note] = []
    for el in part.flatten().notesAndRests:
        if isinstance(el, chord.Chord) and not isinstance(el, note.Note):
            if len(el.pitches) > 1:
                bar = el.measureNumber if el.measureNumber is not None else "?"
                raise MelodyError(f"{label}: has a chord in bar {bar}; a melody has one note at a time", 422)
        onset, dur = float(el.offset), float(el.quarterLength)
        if dur <= 0:
            continue  # grace notes
        if notes and onset < notes[-1].onset + notes[-1].duration - 1e-6:
            raise MelodyError(f"{label}: notes overlap at beat {onset:g} (a chord); give one line", 422)
        if notes and onset > notes[-1].onset + notes[-1].duration + 1e-6:
            gap = notes[-1].onset + notes[-1].duration
            notes.append(Note(None, onset - gap, gap))
        pitch = None if el.isRest else int(el.pitches[0].midi)
        notes.append(Note(pitch, dur, onset))
    if len(notes) > MAX_NOTES:
        raise MelodyError(f"{label}: has {len(notes)} notes; at most {MAX_NOTES}", 422)
    ts = part.recurse().getElementsByClass("TimeSignature")
    meter = ts[0].ratioString if ts else None
    return Voice("soprano", tuple(notes)), meter


def _safe(name: str) -> str:
    """The uploaded name as shown in a message (never used as a path)."""
    base = re.sub(r"[^\w.\- ]", "_", Path(name or "upload").name)[:80]
    return base or "upload"
