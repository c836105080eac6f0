"""Music out: a `Piece` as MIDI (mido), MusicXML (music21), WAV (the fluidsynth command) or SVG (verovio).

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

import math
import os
import re
import shutil
import subprocess
import tempfile
import time
import wave
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mido

from modesnn.errors import ExportError
from modesnn.music import Piece
from modesnn.theory import LETTER_PC, key_signature, mido_key_name, music21_mode_name, spelling_map

if TYPE_CHECKING:  # pragma: no cover
    from music21 import stream

__all__ = [
    "AudioUnavailable",
    "DEFAULT_PROGRAM",
    "DEFAULT_TEMPO_BPM",
    "FLUIDSYNTH_HINT",
    "FluidsynthNotFound",
    "SUPPORTED_EXTENSIONS",
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

TICKS_PER_BEAT = 480
"""MIDI resolution: ticks per quarter note (divisible by 2, 3, 4, 5, 8, 16, 32 ...)."""

DEFAULT_TEMPO_BPM = 80.0
"""Quarter notes per minute when neither the caller nor `piece.meta['tempo_bpm']` gives one."""

DEFAULT_PROGRAM = 52
"""General MIDI program (0-based) for every voice: 52 = Choir Aahs."""

DEFAULT_VELOCITY = 80
SAMPLE_RATE = 44100
FLUIDSYNTH_GAIN = 0.5
"""fluidsynth's master gain: its default 0.2 is quiet; at 0.5 four choir voices peak near 0.3 of full scale"""

FLUIDSYNTH_HINT = "fluidsynth not found: install it with `apt-get install --no-install-recommends fluidsynth`"
SOUNDFONT_HINT = (
    "no soundfont found: pass one (--soundfont FILE.sf2), set $MODESNN_SOUNDFONT, or install one with "
    "`apt-get install --no-install-recommends fluid-soundfont-gm`"
)

SOUNDFONT_CANDIDATES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf3/FluidR3_GM.sf3",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
)
"""Soundfonts tried, in order, after the argument and $MODESNN_SOUNDFONT; then any *.sf2/*.sf3 below
SOUNDFONT_DIRS (sorted by path)."""

SOUNDFONT_DIRS = ("/usr/share/sounds", "/usr/share/soundfonts")

_FORMATS = {".mid": "midi", ".midi": "midi", ".musicxml": "musicxml", ".xml": "musicxml",
            ".wav": "wav", ".svg": "svg"}
SUPPORTED_EXTENSIONS = tuple(_FORMATS)

_EPS = 1e-6  # quarter lengths: gaps and overlaps below this are float noise


class AudioUnavailable(ExportError):
    """WAV cannot be rendered on this machine (no fluidsynth, or no soundfont); other formats still can."""


class FluidsynthNotFound(AudioUnavailable):
    """The `fluidsynth` command is not on PATH.  The message is the one-line install hint."""

    def __init__(self, message: str = FLUIDSYNTH_HINT) -> None:
        super().__init__(message)


class SoundfontNotFound(AudioUnavailable):
    """No usable .sf2/.sf3 file: the message says where we looked or which given file is missing."""


@dataclass(frozen=True)
class WriteResult:
    """The outcome of one file in `write_all`: the path, and the error if it was not written."""

    path: Path
    error: ExportError | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


# --------------------------------------------------------------------------------------------------- common


def _format_of(path: Path) -> str:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ExportError(
            f"cannot write {path}: unknown extension {path.suffix or '(none)'!r}; "
            f"supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    return fmt


def _tempo(piece: Piece, tempo_bpm: float | None) -> float:
    bpm = tempo_bpm if tempo_bpm is not None else piece.meta.get("tempo_bpm", DEFAULT_TEMPO_BPM)
    try:
        bpm = float(bpm)
    except (TypeError, ValueError):
        raise ExportError(f"tempo must be a number of quarter notes per minute, got {bpm!r}") from None
    # MIDI stores microseconds per quarter in 24 bits: below ~3.6 bpm it overflows.
    if not (math.isfinite(bpm) and 4 <= bpm <= 1000):
        raise ExportError(f"tempo must be between 4 and 1000 quarter notes per minute, got {bpm:g}")
    return bpm


def _meter(piece: Piece) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", piece.meter or "")
    if m:
        num, den = int(m.group(1)), int(m.group(2))
        if 1 <= num <= 64 and den in (1, 2, 4, 8, 16, 32, 64):
            return num, den
    raise ExportError(f"piece {piece.name!r}: meter {piece.meter!r} is not a time signature "
                      "like '4/4' or '6/8'")


def _programs(piece: Piece, program: int | Sequence[int]) -> list[int]:
    programs = [program] * len(piece.voices) if isinstance(program, int) else list(program)
    if len(programs) != len(piece.voices) or any(not 0 <= p <= 127 for p in programs):
        raise ExportError(f"program must be 0..127, one value or one per voice ({len(piece.voices)}), "
                          f"got {program!r}")
    return programs


def _check_piece(piece: Piece) -> float:
    """Check what every format relies on; return the piece's length in quarter lengths."""
    if not piece.voices:
        raise ExportError(f"piece {piece.name!r} has no voices")
    for v in piece.voices:
        prev_end = 0.0
        for i, n in enumerate(v.notes):
            if n.onset < prev_end - _EPS:
                raise ExportError(
                    f"piece {piece.name!r}, voice {v.name!r}: note {i} starts at {n.onset:g} before the "
                    f"previous note ends at {prev_end:g} (a voice must be monophonic; onsets are absolute)"
                )
            prev_end = n.onset + n.duration
    length = max(v.length for v in piece.voices)
    if length <= 0:
        raise ExportError(f"piece {piece.name!r} has no notes")
    return length


# --------------------------------------------------------------------------------------------------- MIDI


def _ticks(q: float) -> int:
    return int(round(q * TICKS_PER_BEAT))


def to_midi(piece: Piece, *, tempo_bpm: float | None = None,
            program: int | Sequence[int] = DEFAULT_PROGRAM) -> mido.MidiFile:
    """A type-1 MidiFile: a conductor track (name, tempo, time and key signature), then one track and one
    channel per voice, named after the voice.  `program` is one GM program (0-based) or one per voice."""
    length = _check_piece(piece)
    bpm = _tempo(piece, tempo_bpm)
    num, den = _meter(piece)
    programs = _programs(piece, program)
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


# ----------------------------------------------------------------------------------------------- MusicXML


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
    from music21 import instrument, key, metadata, meter, note, pitch, stream, tempo

    length = _check_piece(piece)
    bpm = _tempo(piece, tempo_bpm)
    num, den = _meter(piece)
    programs = _programs(piece, program)
    tonic_name, _ = key_signature(piece.key)
    spell = spelling_map(piece.key)
    total = _q(length)

    score = stream.Score()
    score.metadata = metadata.Metadata()
    score.metadata.title = piece.name
    score.metadata.composer = str(piece.meta.get("composer", "modesnn"))
    for i, v in enumerate(piece.voices):
        label = v.name[:1].upper() + v.name[1:]
        part = stream.Part()
        part.id = f"P{i + 1}"
        part.partName = label
        inst = instrument.Instrument()
        inst.partId = f"P{i + 1}"
        inst.instrumentId = f"P{i + 1}-I1"
        inst.instrumentName = label
        inst.midiProgram = programs[i]
        inst.midiChannel = [c for c in range(16) if c != 9][i % 15]
        part.insert(0, inst)
        part.insert(0, _clef_for(i, len(piece.voices), v.name, v.pitches))
        m21_mode = music21_mode_name(piece.key.mode)
        part.insert(0, key.Key(tonic_name, m21_mode))
        part.insert(0, meter.TimeSignature(f"{num}/{den}"))
        if i == 0:
            mark = tempo.MetronomeMark(number=round(bpm, 2), referent=1.0)
            part.insert(0, mark)
        t = Fraction(0)
        for n in v.notes:
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


# ---------------------------------------------------------------------------------------------------- SVG

SVG_OPTIONS: dict[str, Any] = {
    "xmlIdSeed": 1,           # verovio's element ids are random unless seeded
    "adjustPageHeight": True,  # one page as tall as the music ...
    "pageHeight": 60000,       # ... up to verovio's maximum
    "pageWidth": 2100,
    "scale": 40,
    "breaks": "auto",
    "footer": "none",          # the default footer names the verovio version: not part of the music
    "svgViewBox": True,
}
"""verovio options for SVG: deterministic ids, one tall page, no footer."""


def _svg_from_musicxml(xml: bytes, label: str) -> str:
    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    tk = verovio.toolkit()
    tk.setOptions(SVG_OPTIONS)
    if not tk.loadData(xml.decode("utf-8")):
        raise ExportError(f"{label}: verovio could not read the MusicXML")
    pages = [tk.renderToSVG(p) for p in range(1, tk.getPageCount() + 1)]
    if not pages:
        raise ExportError(f"{label}: verovio rendered no page")
    if len(pages) == 1:
        return pages[0]
    return _stack_svg_pages(pages)


_SVG_ROOT = re.compile(r"<svg\b[^>]*>")
_VIEWBOX = re.compile(r'viewBox="\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)\s+([\d.]+)\s*"')


def _stack_svg_pages(pages: list[str]) -> str:
    """Several verovio pages as nested <svg> elements one below the other in one document."""
    parts, y, width = [], 0.0, 0.0
    for page in pages:
        body = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", page)
        root = _SVG_ROOT.search(body)
        size = _VIEWBOX.search(root.group(0)) if root else None
        if root is None or size is None:
            raise ExportError("verovio page without a viewBox: cannot stack pages")
        w, h = float(size.group(1)), float(size.group(2))
        body = body.replace("<svg", f'<svg x="0" y="{y:g}" width="{w:g}" height="{h:g}"', 1)
        parts.append(body)
        y += h
        width = max(width, w)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 {width:g} {y:g}">\n'
            + "\n".join(parts) + "\n</svg>\n")


def svg_text(piece: Piece, *, tempo_bpm: float | None = None) -> str:
    """The score engraved by verovio as one SVG document."""
    return _svg_from_musicxml(musicxml_bytes(piece, tempo_bpm=tempo_bpm), f"piece {piece.name!r}")


# ---------------------------------------------------------------------------------------------------- WAV


def find_fluidsynth() -> str:
    """Path of the fluidsynth command; FluidsynthNotFound (message: the install hint) if absent."""
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise FluidsynthNotFound()
    return exe


def find_soundfont(soundfont: str | os.PathLike[str] | None = None) -> Path:
    """The soundfont to render with: the argument, else $MODESNN_SOUNDFONT, else a known Debian path,
    else any *.sf2/*.sf3 under /usr/share/sounds or /usr/share/soundfonts.  A given file that does not
    exist is an error, not a silent fallback."""
    for given, what in ((soundfont, "soundfont"), (os.environ.get("MODESNN_SOUNDFONT") or None,
                                                   "$MODESNN_SOUNDFONT")):
        if given is not None:
            p = Path(given).expanduser()
            if not p.is_file():
                raise SoundfontNotFound(f"{what} {str(given)!r} is not a file")
            return p
    for cand in SOUNDFONT_CANDIDATES:
        if os.path.isfile(cand):
            return Path(cand)
    for folder in SOUNDFONT_DIRS:
        if os.path.isdir(folder):
            found = sorted(p for ext in ("*.sf2", "*.sf3") for p in Path(folder).rglob(ext) if p.is_file())
            if found:
                return found[0]
    raise SoundfontNotFound(SOUNDFONT_HINT)


def _render_wav(midi: bytes, out: Path, soundfont: str | os.PathLike[str] | None, seconds: float) -> None:
    """Render MIDI bytes to the WAV file `out` with the fluidsynth command, and check what it wrote."""
    exe = find_fluidsynth()
    sf = find_soundfont(soundfont)
    with tempfile.TemporaryDirectory(prefix="modesnn-wav-") as tmp:
        mid_path = Path(tmp) / "in.mid"
        mid_path.write_bytes(midi)
        cmd = [exe, "-n", "-i", "-q", "-g", str(FLUIDSYNTH_GAIN), "-r", str(SAMPLE_RATE), "-T", "wav",
               "-F", str(out), str(sf), str(mid_path)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60 + 2 * seconds)
        except subprocess.TimeoutExpired:
            raise ExportError("fluidsynth did not finish in time") from None
        except OSError as exc:
            raise ExportError(f"cannot run {exe}: {exc.strerror or exc}") from exc
    problem = " ".join((proc.stderr or proc.stdout or "").split())[:300]
    if proc.returncode != 0:
        raise ExportError(f"fluidsynth failed (exit {proc.returncode}): {problem or 'no message'}")
    if "failed to load" in problem.lower() or "not a soundfont" in problem.lower():
        raise ExportError(f"fluidsynth could not load soundfont {sf}: {problem}")
    try:
        with wave.open(str(out), "rb") as w:
            frames = w.getnframes()
    except (wave.Error, EOFError, OSError) as exc:
        raise ExportError(f"fluidsynth wrote no valid WAV: {exc}") from exc
    if frames == 0:
        raise ExportError(f"fluidsynth wrote an empty WAV{': ' + problem if problem else ''}")


# ------------------------------------------------------------------------------------------ atomic writes


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder")
    parent = path.parent
    if not parent.exists():
        raise ExportError(f"cannot write {path}: folder {parent} does not exist")
    if not parent.is_dir():
        raise ExportError(f"cannot write {path}: {parent} is not a folder")


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; move it onto `path` only if the body succeeds."""
    _check_target(path)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink()
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


class _Renderer:
    """Makes each format's content at most once, so `write_all` does not rebuild the score per file."""

    def __init__(self, piece: Piece, tempo_bpm: float | None, soundfont: str | None,
                 program: int | Sequence[int]) -> None:
        self.piece, self.tempo_bpm, self.soundfont, self.program = piece, tempo_bpm, soundfont, program
        self._cache: dict[str, bytes] = {}

    def midi(self) -> bytes:
        if "midi" not in self._cache:
            self._cache["midi"] = midi_bytes(self.piece, tempo_bpm=self.tempo_bpm, program=self.program)
        return self._cache["midi"]

    def musicxml(self) -> bytes:
        if "musicxml" not in self._cache:
            self._cache["musicxml"] = musicxml_bytes(self.piece, tempo_bpm=self.tempo_bpm,
                                                     program=self.program)
        return self._cache["musicxml"]

    def svg(self) -> bytes:
        if "svg" not in self._cache:
            label = f"piece {self.piece.name!r}"
            self._cache["svg"] = _svg_from_musicxml(self.musicxml(), label).encode("utf-8")
        return self._cache["svg"]

    def write(self, path: Path) -> Path:
        fmt = _format_of(path)
        try:
            if fmt == "wav":
                _check_target(path)  # before rendering: a bad path is reported as such
                # fail fast on a missing tool, before the MIDI is made
                seconds = _check_piece(self.piece) * 60.0 / _tempo(self.piece, self.tempo_bpm)
                find_fluidsynth()
                find_soundfont(self.soundfont)
                midi = self.midi()
                with _atomic(path) as tmp:
                    _render_wav(midi, tmp, self.soundfont, seconds)
                return path
            _check_target(path)
            data = {"midi": self.midi, "musicxml": self.musicxml, "svg": self.svg}[fmt]()
            with _atomic(path) as tmp:
                tmp.write_bytes(data)
            return path
        except AudioUnavailable:
            raise
        except ExportError as exc:
            msg = str(exc)
            if str(path) not in msg:
                raise ExportError(f"cannot write {path}: {msg}") from exc
            raise


def write(piece: Piece, path: str | os.PathLike[str], *, tempo_bpm: float | None = None,
          soundfont: str | None = None, program: int | Sequence[int] = DEFAULT_PROGRAM) -> Path:
    """Write `piece` to `path` in the format its extension names (.mid/.midi, .musicxml/.xml, .wav, .svg).

    tempo_bpm: quarter notes per minute (default piece.meta['tempo_bpm'], else 80); soundfont: for .wav
    (default: $MODESNN_SOUNDFONT, then common Debian paths).  The write is atomic.  Raises ExportError
    naming the path and the problem; AudioUnavailable (FluidsynthNotFound / SoundfontNotFound) for a .wav
    this machine cannot render."""
    p = Path(path)
    _format_of(p)
    return _Renderer(piece, tempo_bpm, soundfont, program).write(p)


def write_all(piece: Piece, paths: Iterable[str | os.PathLike[str]], *, tempo_bpm: float | None = None,
              soundfont: str | None = None,
              program: int | Sequence[int] = DEFAULT_PROGRAM) -> list[WriteResult]:
    """Write `piece` to every path; one failure (say, no fluidsynth for the .wav) does not stop the others.

    Returns one WriteResult per path, in order; `result.error` is the ExportError of a failed file
    (an AudioUnavailable one carries the one-line install hint as its message).  Unknown extensions raise
    ExportError before anything is written: that is a mistake in the request, not in one output."""
    targets = [Path(p) for p in paths]
    for p in targets:
        _format_of(p)
    renderer = _Renderer(piece, tempo_bpm, soundfont, program)
    results = []
    for p in targets:
        t0 = time.perf_counter()
        try:
            renderer.write(p)
            results.append(WriteResult(p, None, time.perf_counter() - t0))
        except ExportError as exc:
            results.append(WriteResult(p, exc, time.perf_counter() - t0))
    return results
