"""Music out: a `Piece` as MIDI (mido), MusicXML (music21), WAV (the fluidsynth command) or SVG (verovio).
This is the public face of `modesnn.io.outputs` (one module per format, one dispatcher).

`write(piece, path)` picks the format from the extension; `write_all(piece, paths)` writes several and
reports each failure apart, so a machine without fluidsynth still gets its MIDI, MusicXML and SVG.

Why these choices:
- MIDI is written with mido, not music21, so each voice gets its own track, channel and program and the
  file is small and fast to write.  Onsets and ends are converted to ticks from absolute quarter-length
  times, so rounding never drifts one voice against another.
- Every write goes to a temporary file in the target folder and is moved into place with `os.replace`:
  a failure leaves no partial file, and an `ExportError` names the path and the problem.
- The same Piece gives byte-identical .mid, .musicxml and .svg files: music21's encoding date is removed,
  part and instrument ids are fixed (P1, P2 ...), and verovio's ids are seeded.
- SVG is one file: verovio lays the score out on one tall page (`adjustPageHeight`, page height at its
  maximum); a score too long for that is rendered as several pages stacked vertically in one <svg>.
- music21 and verovio are imported only when a notation format is written (music21 adds about 0.25 s);
  MIDI and WAV need neither.

Limits: no anacrusis (the first bar is a full bar), no lyrics or dynamics; a voice shorter than the longest
is padded with a rest in notation; a duration music21 cannot notate raises ExportError.  Onsets and ends
are snapped to the nearest 1/960 quarter for notation (1/480 in MIDI ticks).
"""

from __future__ import annotations

from modesnn.io.outputs.common import (
    DEFAULT_PROGRAM,
    DEFAULT_TEMPO_BPM,
    FLUIDSYNTH_HINT,
    SUPPORTED_EXTENSIONS,
    TICKS_PER_BEAT,
    AudioUnavailable,
    FluidsynthNotFound,
    SoundfontNotFound,
    WriteResult,
)
from modesnn.io.outputs.midi import midi_bytes, to_midi
from modesnn.io.outputs.musicxml import musicxml_bytes, to_score
from modesnn.io.outputs.svg import SVG_OPTIONS, svg_text
from modesnn.io.outputs.wav import find_fluidsynth, find_soundfont
from modesnn.io.outputs.write import write, write_all

__all__ = [
    "AudioUnavailable",
    "DEFAULT_PROGRAM",
    "DEFAULT_TEMPO_BPM",
    "FLUIDSYNTH_HINT",
    "FluidsynthNotFound",
    "SUPPORTED_EXTENSIONS",
    "SVG_OPTIONS",
    "SoundfontNotFound",
    "TICKS_PER_BEAT",
    "WriteResult",
    "find_fluidsynth",
    "find_soundfont",
    "midi_bytes",
    "musicxml_bytes",
    "svg_text",
    "to_midi",
    "to_score",
    "write",
    "write_all",
]
