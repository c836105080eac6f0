"""Small score files written by tests (MusicXML, ABC, MIDI), so every broken-file case is made by its test."""

from __future__ import annotations

from pathlib import Path

SATB = (("Soprano", (72, 74, 76, 77, 79, 77, 76, 74)), ("Alto", (67, 67, 69, 69, 71, 69, 67, 67)),
        ("Tenor", (64, 65, 64, 65, 62, 65, 64, 65)), ("Bass", (48, 50, 52, 53, 55, 53, 52, 50)))
_STEPS = ("C", "C", "D", "D", "E", "F", "F", "G", "G", "A", "A", "B")
_ALTER = (0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0)


def _note_xml(midi: int, duration: int) -> str:
    alter = f"<alter>{_ALTER[midi % 12]}</alter>" if _ALTER[midi % 12] else ""
    return (f"<note><pitch><step>{_STEPS[midi % 12]}</step>{alter}<octave>{midi // 12 - 1}</octave></pitch>"
            f"<duration>{duration}</duration><type>quarter</type></note>")


def musicxml(parts=SATB, duration: int = 1, bad_duration: int | None = None) -> str:
    """A four-part MusicXML score in C major, 4/4, quarter notes (divisions 1); `bad_duration` replaces the
    duration of the soprano's third note (e.g. -1: the issue's negative <duration>)."""
    head = "".join(f'<score-part id="P{i + 1}"><part-name>{name}</part-name></score-part>'
                   for i, (name, _) in enumerate(parts))
    body = []
    for i, (_, pitches) in enumerate(parts):
        measures = []
        for m in range(0, len(pitches), 4):
            attrs = ("<attributes><divisions>1</divisions><key><fifths>0</fifths><mode>major</mode></key>"
                     "<time><beats>4</beats><beat-type>4</beat-type></time></attributes>") if m == 0 else ""
            notes = "".join(_note_xml(p, bad_duration if (i == 0 and m + j == 2 and bad_duration is not None)
                                      else duration) for j, p in enumerate(pitches[m:m + 4]))
            measures.append(f'<measure number="{m // 4 + 1}">{attrs}{notes}</measure>')
        body.append(f'<part id="P{i + 1}">{"".join(measures)}</part>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<score-partwise version="4.0">'
            f"<part-list>{head}</part-list>{''.join(body)}</score-partwise>\n")


def write_musicxml(path: Path, **kw) -> Path:
    path.write_text(musicxml(**kw), encoding="utf-8")
    return path


def midi_bytes() -> bytes:
    """A four-track MIDI file of the SATB lines above (mido), quarter notes at 480 ticks."""
    import io

    import mido

    mid = mido.MidiFile(ticks_per_beat=480)
    for ch, (name, pitches) in enumerate(SATB):
        track = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
        for p in pitches:
            track.append(mido.Message("note_on", note=p, velocity=80, channel=ch, time=0))
            track.append(mido.Message("note_off", note=p, velocity=0, channel=ch, time=480))
        mid.tracks.append(track)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


ABC = """X:1
T:Four voices
M:4/4
L:1/4
K:C
V:1
c d e f | g f e d |]
V:2
G G A A | B A G G |]
V:3
E F E F | D F E F |]
V:4
C, D, E, F, | G, F, E, D, |]
"""
