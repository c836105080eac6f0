"""Cheap checks of a score file's size before music21 parses it, so the limits in `modesnn.limits` bound
time and memory: a count of note events from the raw bytes (MusicXML `<note>` elements, MIDI note-ons, ABC
note letters), far faster than building music21's objects for them.

A count is meant to be at least what the reader extracts (rests, chord notes and grace notes count too;
music21 does not expand ABC repeats either), and the limit is checked again on the extracted notes.  A file
whose bytes cannot be counted (corrupt, another format) gets None: the reader then decides.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from modesnn.limits import MAX_FILE_BYTES, MAX_NOTES_PER_FILE, MAX_QUARTERS_PER_FILE

_XML_NOTE = re.compile(rb"<note[\s>/]")
_ABC_FIELD = re.compile(rb"^\s*[A-Za-z+]:", re.M)
_ABC_NOTE = re.compile(rb"[A-Ga-gz][,']*(\d{0,12})(/*)(\d{0,12})")  # a note and its length: c, c2, c/2, c3/2
_ABC_UNIT = re.compile(rb"^\s*L:\s*(\d{1,12})\s*/\s*(\d{1,12})")
_ABC_STRIP = re.compile(rb'"[^"\n]*"|![^!\n]*!|%[^\n]*')  # chord symbols, decorations, comments


def too_big(path: Path, data: bytes) -> str:
    """A skip reason naming the limit the file passes, or "" when it is within every limit."""
    notes = count_notes(path, data)
    if isinstance(notes, str):
        return notes
    if notes is not None and notes > MAX_NOTES_PER_FILE:
        more = "+" if path.suffix.lower() in (".mid", ".midi") else ""  # MIDI counting stops past the limit
        return f"{notes:,}{more} notes, over the limit of {MAX_NOTES_PER_FILE:,} notes per file"
    return ""


def file_size_reason(size: int) -> str:
    """The skip reason for a file of `size` bytes over MAX_FILE_BYTES, else ""."""
    if size > MAX_FILE_BYTES:
        return f"{size / 2**20:.0f} MB, over the limit of {MAX_FILE_BYTES // 2**20} MB per score file"
    return ""


def count_notes(path: Path, data: bytes) -> int | str | None:
    """Note events in the file's bytes; a skip reason (str) for an .mxl that unpacks past the size limit;
    None when the format is not counted or the bytes cannot be read as it (the reader reports those)."""
    ext = path.suffix.lower()
    try:
        if ext in (".xml", ".musicxml"):
            return len(_XML_NOTE.findall(data))
        if ext == ".mxl":
            return _count_mxl(data)
        if ext in (".mid", ".midi"):
            return _count_midi(data)
        if ext == ".abc":
            return _count_abc(data)
    except Exception:  # zipfile and mido raise many types for bad bytes; the reader then reports the file
        return None
    return None


def _count_mxl(data: bytes) -> int | str:
    """Unpack the archive's members (bounded by their declared sizes, which zipfile enforces) and count."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        unpacked = sum(i.file_size for i in infos)
        if unpacked > MAX_FILE_BYTES:
            return (f"unpacks to {unpacked / 2**20:.0f} MB, over the limit of {MAX_FILE_BYTES // 2**20} MB "
                    "per score file")
        total = 0
        for info in infos:
            if info.filename.lower().endswith((".xml", ".musicxml")) and not info.filename.startswith("META-INF"):
                with zf.open(info) as fh:
                    total += len(_XML_NOTE.findall(fh.read(MAX_FILE_BYTES + 1)))
        return total


def _count_midi(data: bytes) -> int | str:
    """Note-ons with a velocity, over every track, from the raw events (no mido or music21 objects: mido
    takes 5 s on 200,000 notes); stops once past the limit, so the time is bounded by it too.  Under the
    limit, a skip reason instead when the file is longer than MAX_QUARTERS_PER_FILE (`_midi_quarters`)."""
    if data[:4] != b"MThd" or len(data) < 14:
        raise ValueError("not a MIDI file")
    pos, count = 8 + int.from_bytes(data[4:8], "big"), 0
    while pos + 8 <= len(data) and count <= MAX_NOTES_PER_FILE:
        chunk, size = data[pos: pos + 4], int.from_bytes(data[pos + 4: pos + 8], "big")
        pos += 8
        if chunk == b"MTrk":
            count += _track_note_ons(data, pos, min(pos + size, len(data)), MAX_NOTES_PER_FILE + 1 - count)
        pos += size
    if count <= MAX_NOTES_PER_FILE:
        quarters = _midi_quarters(data)
        if quarters > MAX_QUARTERS_PER_FILE:
            return f"{quarters:,.0f} quarter notes long, over the limit of {MAX_QUARTERS_PER_FILE:,} per file"
    return count


def _midi_quarters(data: bytes) -> float:
    """The longest track in quarter notes, as music21's own MIDI parser reads the events (a corrupt file
    desyncs differently in each parser, so the length is taken from the one that will build the score).
    Only events, no notes or streams, are made: fast for a file under the note limit."""
    from music21 import midi

    mf = midi.MidiFile()
    mf.readstr(data)
    tpq = mf.ticksPerQuarterNote or 0
    if tpq <= 0:
        return 0.0
    ticks = max((sum(e.time for e in t.events if isinstance(e, midi.DeltaTime)) for t in mf.tracks), default=0)
    return ticks / tpq


def _varlen(data: bytes, i: int, end: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        if i >= end:
            break
        b = data[i]
        i += 1
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            break
    return value, i


def _track_note_ons(data: bytes, i: int, end: int, stop: int) -> int:
    """Note-on events with velocity > 0 in one MTrk chunk (running status honoured), up to `stop`."""
    count, status = 0, 0
    while i < end and count < stop:
        _, i = _varlen(data, i, end)  # delta time
        if i >= end:
            break
        if data[i] & 0x80:
            status, i = data[i], i + 1
        elif not status:
            raise ValueError("running status without a status byte")
        if status == 0xFF:  # meta event: type, length, data
            length, i = _varlen(data, i + 1, end)
            i, status = i + length, 0
        elif status in (0xF0, 0xF7):  # sysex: length, data
            length, i = _varlen(data, i, end)
            i, status = i + length, 0
        else:
            kind = status & 0xF0
            if kind == 0x90 and i + 1 < end and data[i + 1] > 0:
                count += 1
            i += 1 if kind in (0xC0, 0xD0) else 2
    return count


def _count_abc(data: bytes) -> int | str:
    """Note letters (and rests 'z') outside header fields, chord symbols, decorations and comments; a skip
    reason instead when one tune's written lengths add up past MAX_QUARTERS_PER_FILE (music21 ties a huge
    note over every bar, as for MIDI).  A bar longer than its meter can also be slow to re-bar in music21
    (`bestTimeSignature`), but how slow depends on the divisors of its length, not on the length (Josquin's
    one-bar voices in music21's corpus read in 0.1 s): that is left to MAX_PARSE_SECONDS."""
    body = _ABC_STRIP.sub(b"", data)
    count, tune, longest = 0, 0.0, 0.0
    unit = 0.5  # quarters per 'L:' length (default 1/8)
    for line in body.splitlines():
        m = _ABC_UNIT.match(line)
        if m:
            unit = 4 * int(m.group(1)) / max(1, int(m.group(2)))
            continue
        if _ABC_FIELD.match(line):
            if line.lstrip().startswith(b"X:"):  # a new tune of a collection
                tune = 0.0
            continue
        for note in _ABC_NOTE.finditer(line):
            num, slashes, den = note.groups()
            count, tune = count + 1, tune + unit * int(num or 1) / (int(den) if den else 2 ** len(slashes))
            longest = max(longest, tune)
    if longest > MAX_QUARTERS_PER_FILE:
        return f"{longest:,.0f} quarter notes long, over the limit of {MAX_QUARTERS_PER_FILE:,} per score"
    return count
