"""One score file -> plain data for pieces (voices of notes, meter, key label), or a reason to skip it.

This is the only place that parses score files (with music21).  The output is plain tuples so it can be
cached without depending on the shape of the data classes in `modesnn.music`.

Rules (issue 2): tied notes become one note; a chord, or any notes sounding together inside one part,
keeps its top note; rests are kept (gaps between notes are rests too) and consecutive rests merge; grace
notes are dropped.  A score with as many parts as expected voices takes them in part order (SHTE: the
alto and tenor staves of one "Piano" part come out of music21 as two parts), except that four parts named
Soprano/Alto/Tenor/Bass are put in that order.  With 4 expected voices and more parts than that, the
four vocal parts are chosen by name (S/A/T/B abbreviations too) or the file is skipped with a reason:
never guessed.
"""

from __future__ import annotations

import heapq
import re
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

from modesnn import limits
from modesnn.corpus.timelimit import ReadTimeout, time_limit
from modesnn.limits import MAX_NOTES_PER_FILE
from modesnn.theory import MODES, MUSIC21_MODE_NAMES, Key, parse_key, pitch_class_of

READER_VERSION = 1
"""Bump when extraction rules change: cached results of older readers are then ignored."""

KEY_FROM = ("auto", "filename", "signature", "analysis")

NO_FILENAME_KEY = "no key in the file name (expected e.g. 'name_G minor.xml' or 'name_B- major.xml')"

# Outcomes (plain data, picklable):
#   ("piece", suffix, meter, (tonic, mode, spelling), key_source, [(voice_name, [(pitch, dur, onset)])], meta)
#   ("skip", suffix, reason)
# `suffix` is "" for a file holding one score, "#N" for the N-th score of a collection (ABC books).
Outcome = tuple

_VOCAL_NAMES = {
    "soprano": ("soprano", "sopran", "sopr", "sop", "s"),
    "alto": ("alto", "alt", "a"),
    "tenor": ("tenor", "ten", "t"),
    "bass": ("bass", "basso", "bas", "b"),
}

_FILENAME_KEY = re.compile(r"[A-Ga-g][#b\-]*\s+\S.*")


def filename_key_label(path: str | Path) -> str:
    """The key written in a file name after the last '_' ('ch13-05_c minor.xml' -> 'c minor'), or "".

    An explicit mode word is required, so that names like 'chorale_a.xml' are not read as A minor."""
    label = Path(path).stem.rsplit("_", 1)[-1].strip()
    if not _FILENAME_KEY.fullmatch(label):
        return ""
    try:
        parse_key(label)
    except ValueError:
        return ""
    return label


TIME_LIMIT_REASON = "reading took over {seconds:g} s, the limit per file (MAX_PARSE_SECONDS)"
"""The skip reason of a file music21 could not read in time (such outcomes are not cached)."""


def read_score(path: Path, key_from: str, voices: int | None, label: str) -> list[Outcome]:
    """Parse one file and extract its piece(s), within MAX_PARSE_SECONDS.  Never raises for a bad file:
    returns a skip outcome."""
    seconds = limits.MAX_PARSE_SECONDS
    try:
        with time_limit(seconds):
            return _read_score(path, key_from, voices, label)
    except ReadTimeout:
        return [("skip", "", TIME_LIMIT_REASON.format(seconds=seconds))]


def timed_out(outcomes: list[Outcome]) -> bool:
    """Whether a file was skipped for the time limit (a result that depends on the machine: not cached)."""
    return any(o[0] == "skip" and o[2].startswith("reading took over") for o in outcomes)


def _read_score(path: Path, key_from: str, voices: int | None, label: str) -> list[Outcome]:
    from music21 import converter, stream

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # forceSource: music21's own pickle cache doubles a first parse (80 vs 37 ms a chorale) and
            # is redundant beside ours (pitfall 5)
            parsed = converter.parse(str(path), forceSource=True)
    except Exception as exc:  # music21 raises many unrelated types for bad input
        return [("skip", "", f"cannot read as music ({describe_error(exc)})")]
    if isinstance(parsed, stream.Opus):
        scores = list(parsed.scores)
        if not scores:
            return [("skip", "", "empty collection (no scores)")]
        return [_extract(s, f"#{i + 1}", key_from, voices, label) for i, s in enumerate(scores)]
    return [_extract(parsed, "", key_from, voices, label)]


def describe_error(exc: BaseException) -> str:
    """An exception as a short one-line text for a skip reason: its type and message, cut at 120 chars."""
    text = " ".join(str(exc).split())
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _extract(score: Any, suffix: str, key_from: str, voices: int | None, label: str) -> Outcome:
    try:
        return _extract_unsafe(score, suffix, key_from, voices, label)
    except Exception as exc:  # a malformed score that music21 accepted; report it, keep reading others
        return ("skip", suffix, f"cannot extract notes ({describe_error(exc)})")


def _extract_unsafe(score: Any, suffix: str, key_from: str, voices: int | None, label: str) -> Outcome:
    parts = list(score.parts) if hasattr(score, "parts") else []
    if not parts and score.recurse().notes:
        parts = [score]  # a bare stream of notes: one voice
    parts, names, dropped, why = _choose_parts(parts, voices)
    if why:
        return ("skip", suffix, why)

    lines = [(name, _line(part)) for part, name in zip(parts, names, strict=True)]
    n_notes = sum(len(line) for _, line in lines)
    if n_notes > MAX_NOTES_PER_FILE:
        return ("skip", suffix, f"{n_notes:,} notes, over the limit of {MAX_NOTES_PER_FILE:,} notes per file")
    silent = [name for name, line in lines if all(p is None for p, _, _ in line)]
    if len(silent) == len(lines):
        return ("skip", suffix, "has no notes")

    key, source = _key(score, parts, key_from, label)
    if key is None:
        return ("skip", suffix, source)
    meta = {"parts": [_part_name(p, i) for i, p in enumerate(parts)]}
    if dropped:
        meta["dropped_parts"] = dropped
    if silent:  # kept (the part is there) but reported: e.g. 3 SHTE piano-accompaniment exercises
        meta["silent_voices"] = silent
    return ("piece", suffix, _meter(score, parts), (key.tonic, key.mode, key.spelling), source, lines, meta)


def _part_name(part: Any, index: int) -> str:
    name = getattr(part, "partName", None)
    return str(name).strip() if name and str(name).strip() else f"part {index + 1}"


def _choose_parts(parts: list, voices: int | None) -> tuple[list, list[str], list[str], str]:
    """Which parts become voices, their names, the parts dropped, or a reason to skip."""
    n = len(parts)
    if voices == 4 and n >= 4:
        named = _vocal_parts(parts)
        if isinstance(named, list):
            chosen = named
        elif n == 4:
            chosen = parts  # unnamed four-part score (e.g. SHTE): voices by part order, top first
        else:
            return (
                [],
                [],
                [],
                f"has {n} parts, expected 4, and the four vocal parts cannot be named ({named})",
            )
        dropped = [_part_name(p, i) for i, p in enumerate(parts) if not any(p is c for c in chosen)]
        return chosen, ["soprano", "alto", "tenor", "bass"], dropped, ""
    if voices is not None and n != voices:
        return [], [], [], f"has {n} voice{'' if n == 1 else 's'}, expected {voices}"
    if n == 0:
        return [], [], [], "has no parts with notes"
    if n == 4:
        return parts, ["soprano", "alto", "tenor", "bass"], [], ""
    names: list[str] = []
    for i, p in enumerate(parts):
        base = _part_name(p, i)
        name, k = base, 2
        while name in names:
            name, k = f"{base} {k}", k + 1
        names.append(name)
    return parts, names, [], ""


def _vocal_parts(parts: list) -> list | str:
    """The soprano, alto, tenor and bass parts by name or id, or a text saying why they cannot be named.

    Exact names (case-insensitive, with abbreviations) are tried first; then a first word naming the
    voice ('Bass Continuo', 'Soprano Oboe 1 Violin1'), which is how scores with doubling
    instruments label the vocal line.  Each voice must match exactly one part."""
    labels = [
        [
            str(x).strip().lower().rstrip(".")
            for x in (getattr(p, "partName", None), getattr(p, "id", None))
            if isinstance(x, str) and x.strip()
        ]
        for p in parts
    ]

    def exact(v: str, lab: list[str]) -> bool:
        return any(x in _VOCAL_NAMES[v] for x in lab)

    def first_word(v: str, lab: list[str]) -> bool:
        return any(re.split(r"[\s,;/()\-]+", x)[0] == v for x in lab)

    problems = []
    found = []
    for v in _VOCAL_NAMES:
        hits = [i for i, lab in enumerate(labels) if exact(v, lab)]
        if not hits:
            hits = [i for i, lab in enumerate(labels) if first_word(v, lab)]
        if len(hits) == 1:
            found.append(hits[0])
        else:
            shown = ", ".join(repr(_part_name(parts[i], i)) for i in hits)
            problems.append(f"{v}: {len(hits)} parts" + (f" {shown}" if hits else ""))
    if problems:
        return "; ".join(problems)
    if len(set(found)) < 4:
        return "one part matches two voice names"
    return [parts[i] for i in found]


def _q(x: Any) -> Fraction:
    """Exact quarter-length arithmetic: music21 gives floats (dyadic) or Fractions (tuplets)."""
    return x if isinstance(x, Fraction) else Fraction(x)


def _line(part: Any) -> list[tuple[int | None, float, float]]:
    """The part as one monophonic line of (pitch or None, duration, onset), top note wins.

    A part of rests only gives one rest as long as the part (the voice is silent, not missing)."""
    events: list[list] = []  # [onset, end, pitch]
    ends_at: dict[tuple[int, Fraction], int] = {}  # (pitch, end) -> event index, for tie merging
    last = Fraction(0)
    for el in part.flatten().notesAndRests:
        dur = el.duration
        if dur.isGrace or dur.quarterLength == 0:
            continue
        if dur.quarterLength < 0 or el.offset < 0:
            raise ValueError(f"negative {'duration' if dur.quarterLength < 0 else 'offset'} at offset {el.offset}")
        onset = _q(el.offset)
        end = onset + _q(dur.quarterLength)
        last = max(last, end)
        if el.isChord:
            top = max(el.notes, key=lambda n: n.pitch.midi)
            pitch, tie = top.pitch.midi, top.tie or el.tie
        elif el.isNote:
            pitch, tie = el.pitch.midi, el.tie
        else:  # rest or unpitched: time without a pitch
            continue
        if not 0 <= pitch <= 127:
            raise ValueError(f"pitch {pitch} outside MIDI range")
        prev = ends_at.get((pitch, onset)) if tie is not None and tie.type in ("stop", "continue") else None
        if prev is not None:
            events[prev][1] = end
            del ends_at[(pitch, onset)]
            ends_at[(pitch, end)] = prev
            continue
        ends_at[(pitch, end)] = len(events)
        events.append([onset, end, pitch])
    return _skyline(events, last)


def _skyline(events: list[list], last: Fraction) -> list[tuple[int | None, float, float]]:
    """Top sounding pitch over time; an event that stays on top is one note; silence is a rest."""
    if all(a[1] <= b[0] for a, b in zip(events, events[1:], strict=False)):
        return _sequence(events, last)  # already monophonic (the usual case): no sweep needed
    order = sorted(range(len(events)), key=lambda i: (events[i][0], -events[i][2], i))
    cuts = sorted({Fraction(0), last, *(e[0] for e in events), *(e[1] for e in events)})
    heap: list[tuple[int, int]] = []  # (-pitch, index)
    out: list[list] = []  # [owner, pitch, start, end]; owner -1 for rests
    j = 0
    for a, b in zip(cuts, cuts[1:], strict=False):
        while j < len(order) and events[order[j]][0] <= a:
            i = order[j]
            heapq.heappush(heap, (-events[i][2], i))
            j += 1
        while heap and events[heap[0][1]][1] <= a:
            heapq.heappop(heap)
        owner, pitch = (heap[0][1], -heap[0][0]) if heap else (-1, None)
        if out and out[-1][0] == owner and out[-1][3] == a:
            out[-1][3] = b
        else:
            out.append([owner, pitch, a, b])
    return [(p, float(e - s), float(s)) for _, p, s, e in out if e > s]


def _sequence(events: list[list], last: Fraction) -> list[tuple[int | None, float, float]]:
    """Non-overlapping events in time order -> notes, with a rest in every gap (and to `last`)."""
    out: list[tuple[int | None, float, float]] = []
    t = Fraction(0)
    for onset, end, pitch in events:
        if onset > t:
            out.append((None, float(onset - t), float(t)))
        out.append((pitch, float(end - onset), float(onset)))
        t = end
    if last > t:
        out.append((None, float(last - t), float(t)))
    return out


def _meter(score: Any, parts: list) -> str:
    from music21 import meter

    for where in (*parts, score):
        ts = where.recurse().getElementsByClass(meter.TimeSignature).first()
        if ts is not None:
            return str(ts.ratioString)
    return "4/4"


def _key(score: Any, parts: list, key_from: str, label: str) -> tuple[Key | None, str]:
    """(key, how it was found) or (None, reason to skip)."""
    if key_from in ("auto", "filename") and label:
        return parse_key(label), "filename"
    if key_from == "filename":
        return None, NO_FILENAME_KEY
    if key_from in ("auto", "signature"):
        k = _signature_key(parts) or _signature_key([score])
        if k is not None:
            return k, "signature"
        if key_from == "signature":
            return None, "no key with a mode in the file (a bare key signature is not a key)"
    return _analysis_key(score, parts), "analysis"


def _signature_key(streams: list) -> Key | None:
    from music21 import key as m21key

    for s in streams:
        for k in s.recurse().getElementsByClass(m21key.Key):
            return _to_key(k)
    return None


def _to_key(k: Any) -> Key | None:
    mode = MUSIC21_MODE_NAMES.get(str(k.mode).lower(), str(k.mode).lower())
    if mode not in MODES:
        return None
    name = k.tonic.name
    return Key(pitch_class_of(name), mode, name)


def _analysis_key(score: Any, parts: list) -> Key:
    """Krumhansl-Schmuckler over the chosen parts (pitfall 2: not stream.analyze('key'))."""
    from music21 import analysis, stream

    target = score
    everything = list(getattr(score, "parts", []))
    if len(everything) != len(parts) or any(a is not b for a, b in zip(everything, parts, strict=True)):
        target = stream.Score()
        for p in parts:
            target.insert(0, p)
    k = _to_key(analysis.discrete.KrumhanslSchmuckler().getSolution(target))
    if k is None:  # cannot happen with KS (major/minor only); keep the type honest
        raise ValueError("key analysis gave no major or minor key")
    return k
