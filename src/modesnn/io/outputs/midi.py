"""MIDI with mido: one track, channel and program per voice; ticks from absolute quarter-length times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import mido

from modesnn.music import Piece
from modesnn.theory import mido_key_name

if TYPE_CHECKING:  # pragma: no cover
    pass
from modesnn.io.outputs.common import (
    DEFAULT_PROGRAM,
    DEFAULT_VELOCITY,
    TICKS_PER_BEAT,
    check_piece,
    meter_of,
    programs_of,
    tempo_of,
)


def _ticks(q: float) -> int:
    return int(round(q * TICKS_PER_BEAT))


def to_midi(piece: Piece, *, tempo_bpm: float | None = None,
            program: int | Sequence[int] = DEFAULT_PROGRAM) -> mido.MidiFile:
    """A type-1 MidiFile: a conductor track (name, tempo, time and key signature), then one track and one
    channel per voice, named after the voice.  `program` is one GM program (0-based) or one per voice."""
    length = check_piece(piece)
    bpm = tempo_of(piece, tempo_bpm)
    num, den = meter_of(piece)
    programs = programs_of(piece, program)
    end = _ticks(length)
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name=piece.name, time=0))
    conductor.append(mido.MetaMessage("time_signature", numerator=num, denominator=den, time=0))
    conductor.append(mido.MetaMessage("key_signature", key=mido_key_name(piece.key), time=0))
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    conductor.append(mido.MetaMessage("end_of_track", time=end))
    mid.tracks.append(conductor)
    channels = [c for c in range(16) if c != 9]  # channel 10 (index 9) is drums in General MIDI
    for i, v in enumerate(piece.voices):
        ch = channels[i % len(channels)]
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=v.name, time=0))
        track.append(mido.Message("program_change", channel=ch, program=programs[i], time=0))
        events: list[tuple[int, int, int]] = []  # (tick, 0 = off / 1 = on, pitch): offs first at a tick
        for n in v.notes:
            if n.pitch is None:
                continue
            on = _ticks(n.onset)
            off = max(_ticks(n.onset + n.duration), on + 1)
            events += [(on, 1, n.pitch), (off, 0, n.pitch)]
        events.sort()
        now = 0
        for tick, kind, pitch in events:
            msg = "note_on" if kind else "note_off"
            track.append(mido.Message(msg, channel=ch, note=pitch, velocity=DEFAULT_VELOCITY if kind else 0,
                                      time=tick - now))
            now = tick
        track.append(mido.MetaMessage("end_of_track", time=max(end - now, 0)))
        mid.tracks.append(track)
    return mid


def midi_bytes(piece: Piece, *, tempo_bpm: float | None = None,
               program: int | Sequence[int] = DEFAULT_PROGRAM) -> bytes:
    """The Standard MIDI File bytes of `to_midi`."""
    import io

    buf = io.BytesIO()
    to_midi(piece, tempo_bpm=tempo_bpm, program=program).save(file=buf)
    return buf.getvalue()
