"""MusicXML with music21: fixed part ids, spelled in the key, the encoding date removed (same piece, same
bytes)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from modesnn.errors import ExportError
from modesnn.music import Piece
from modesnn.theory import LETTER_PC, key_signature, music21_mode_name, spelling_map

if TYPE_CHECKING:  # pragma: no cover
    from music21 import stream
from modesnn.io.outputs.common import (
    DEFAULT_PROGRAM,
    check_piece,
    meter_of,
    programs_of,
    tempo_of,
)


def _q(x: float) -> Fraction:
    """A quarter length as an exact fraction (triplets and quintuplets survive float noise)."""
    return Fraction(x).limit_denominator(960)


def _clef_for(voice_index: int, n_voices: int, name: str, pitches: list[int]) -> Any:
    from music21 import clef

    by_name = {"soprano": clef.TrebleClef, "alto": clef.TrebleClef, "tenor": clef.Treble8vbClef,
               "bass": clef.BassClef}
    lowered = name.strip().lower()
    if lowered in by_name:
        return by_name[lowered]()
    if n_voices == 4:
        return (clef.TrebleClef, clef.TrebleClef, clef.Treble8vbClef, clef.BassClef)[voice_index]()
    if not pitches:
        return clef.TrebleClef()
    median = sorted(pitches)[len(pitches) // 2]
    if median >= 60:
        return clef.TrebleClef()
    return clef.Treble8vbClef() if median >= 50 else clef.BassClef()


def to_score(piece: Piece, *, tempo_bpm: float | None = None,
             program: int | Sequence[int] = DEFAULT_PROGRAM) -> stream.Score:
    """A music21 Score with measures, ties across barlines, beams and accidentals made: one Part per voice
    with its clef, the key and time signature, a metronome mark, and notes spelled for the key."""
    from music21 import metadata, stream

    length = check_piece(piece)
    programs = programs_of(piece, program)
    score = stream.Score()
    score.metadata = metadata.Metadata()
    score.metadata.title = piece.name
    score.metadata.composer = str(piece.meta.get("composer", "modesnn"))
    for i, v in enumerate(piece.voices):
        part = _part_header(piece, i, programs[i], tempo_of(piece, tempo_bpm) if i == 0 else None)
        _insert_notes(part, v.notes, spelling_map(piece.key), _q(length))
        score.insert(0, part)
    try:
        # Bars and ties first, then split durations no single note value can show (2.5 = half + eighth),
        # then beams and accidentals on the final notes.
        for part in score.parts:
            part.makeMeasures(inPlace=True, finalBarline="final")
            part.makeTies(inPlace=True)
            part.splitAtDurations(recurse=True)
            part.streamStatus.accidentals = False  # marked done above: have them made for the key
            part.streamStatus.beams = False
        score.makeNotation(inPlace=True)
    except Exception as exc:  # music21 raises many types for durations it cannot notate
        raise ExportError(f"piece {piece.name!r} cannot be notated: {exc}") from exc
    return score


def _part_header(piece: Piece, i: int, program: int, bpm: float | None) -> stream.Part:
    """An empty Part for voice i: fixed ids (P1, P2 ...), instrument and channel, clef, key, time signature and,
    on the first part, the metronome mark."""
    from music21 import instrument, key, meter, stream, tempo

    v = piece.voices[i]
    num, den = meter_of(piece)
    label = v.name[:1].upper() + v.name[1:]
    part = stream.Part()
    part.id = f"P{i + 1}"
    part.partName = label
    inst = instrument.Instrument()
    inst.partId = f"P{i + 1}"
    inst.instrumentId = f"P{i + 1}-I1"
    inst.instrumentName = label
    inst.midiProgram = program
    inst.midiChannel = [c for c in range(16) if c != 9][i % 15]
    part.insert(0, inst)
    part.insert(0, _clef_for(i, len(piece.voices), v.name, v.pitches))
    tonic_name, _ = key_signature(piece.key)
    part.insert(0, key.Key(tonic_name, music21_mode_name(piece.key.mode)))
    part.insert(0, meter.TimeSignature(f"{num}/{den}"))
    if bpm is not None:
        part.insert(0, tempo.MetronomeMark(number=round(bpm, 2), referent=1.0))
    return part


def _insert_notes(part: stream.Part, notes, spell: dict[int, tuple[str, int]], total: Fraction) -> None:
    """The voice's notes at their onsets, spelled for the key, with rests filling gaps and the end."""
    from music21 import note, pitch

    t = Fraction(0)
    for n in notes:
        on, off = _q(n.onset), _q(n.onset + n.duration)
        if on > t:
            part.insert(t, note.Rest(quarterLength=on - t))
        if off <= on:
            continue
        if n.pitch is None:
            el: note.GeneralNote = note.Rest(quarterLength=off - on)
        else:
            letter, alter = spell[n.pitch % 12]
            octave = (n.pitch - LETTER_PC[letter] - alter) // 12 - 1
            p = pitch.Pitch(step=letter, octave=octave)
            if alter:
                p.accidental = pitch.Accidental(alter)
            el = note.Note(p, quarterLength=off - on)
        part.insert(on, el)
        t = max(t, off)
    if t < total:
        part.insert(t, note.Rest(quarterLength=total - t))


_ENCODING_DATE = re.compile(rb"\s*<encoding-date>[^<]*</encoding-date>")


def musicxml_bytes(piece: Piece, *, tempo_bpm: float | None = None,
                   program: int | Sequence[int] = DEFAULT_PROGRAM) -> bytes:
    """MusicXML 4.0 (partwise) bytes of `to_score`, without the encoding date so equal pieces give equal
    bytes."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    score = to_score(piece, tempo_bpm=tempo_bpm, program=program)
    exporter = GeneralObjectExporter(score)
    exporter.makeNotation = False  # done in to_score; doing it twice costs time and changes nothing
    try:
        data = exporter.parse()
    except Exception as exc:
        raise ExportError(f"piece {piece.name!r} cannot be written as MusicXML: {exc}") from exc
    return _ENCODING_DATE.sub(b"", data)
