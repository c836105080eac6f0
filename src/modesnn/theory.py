"""Pitch classes, modes, keys and key profiles: the music theory every other module shares.

Modes are data (a name and a set of scale degrees in semitones above the tonic), so a corpus labelled
with dorian or mixolydian can be learned by the same code as major and minor.  "minor" is the harmonic
minor, as in the paper's tables and the harmony-exercise data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

PITCH_CLASS_NAMES = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B")
"""Default spelling of each pitch class (music21 style: '-' is flat)."""

LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


@dataclass(frozen=True)
class Mode:
    """A mode: a name and its scale degrees (semitones above the tonic, 0 = tonic)."""

    name: str
    degrees: frozenset[int]
    signature: int = 0
    """Key-signature offset in fifths from the major key on the same tonic (dorian -2: D dorian has no sharps)."""
    minor_form: bool = False
    """A form of the minor scale (harmonic, natural, melodic): written with the minor signature, and "any minor
    form" widens its scale to all three."""

    def __post_init__(self) -> None:
        if 0 not in self.degrees or any(not 0 <= d < 12 for d in self.degrees):
            raise ValueError(f"mode {self.name!r}: degrees must lie in 0..11 and include the tonic 0")

    @property
    def mask(self) -> np.ndarray:
        """Boolean vector over the 12 degrees: True for scale degrees."""
        m = np.zeros(12, dtype=bool)
        m[list(self.degrees)] = True
        return m

    @property
    def is_minor(self) -> bool:
        """Minor-like: the third above the tonic is minor (no major third among the degrees).  The one test
        of mode quality in the package."""
        return 4 not in self.degrees

    @property
    def triad(self) -> tuple[int, int, int]:
        """Degrees of the tonic triad: tonic, the mode's third, its fifth (perfect, else diminished, else
        augmented)."""
        third = 3 if self.is_minor else 4
        fifth = 7 if 7 in self.degrees else (6 if 6 in self.degrees else 8)
        return 0, third, fifth


MODES: dict[str, Mode] = {
    m.name: m
    for m in (
        Mode("major", frozenset({0, 2, 4, 5, 7, 9, 11}), 0),
        Mode("minor", frozenset({0, 2, 3, 5, 7, 8, 11}), -3, True),  # harmonic minor
        Mode("natural minor", frozenset({0, 2, 3, 5, 7, 8, 10}), -3, True),
        Mode("melodic minor", frozenset({0, 2, 3, 5, 7, 9, 11}), -3, True),
        Mode("dorian", frozenset({0, 2, 3, 5, 7, 9, 10}), -2),
        Mode("phrygian", frozenset({0, 1, 3, 5, 7, 8, 10}), -4),
        Mode("lydian", frozenset({0, 2, 4, 6, 7, 9, 11}), 1),
        Mode("mixolydian", frozenset({0, 2, 4, 5, 7, 9, 10}), -1),
        Mode("locrian", frozenset({0, 1, 3, 5, 6, 8, 10}), -5),
    )
}
"""Every mode the package knows.  A model learns the modes it is built with (default: major, minor)."""

DEFAULT_MODES = ("major", "minor")

MINOR_FORMS = frozenset({0, 2, 3, 5, 7, 8, 9, 10, 11})
"""Scale degrees of any minor form (natural, harmonic or melodic)."""

KK_PROFILES: dict[str, np.ndarray] = {
    "major": np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]),
    "minor": np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]),
}
"""Krumhansl-Kessler probe-tone profiles, tonic first."""


def kk_profile(mode: str) -> np.ndarray:
    """The Krumhansl-Kessler profile for a mode (minor-like modes use the minor profile)."""
    if mode in KK_PROFILES:
        return KK_PROFILES[mode]
    third = 3 in MODES[mode].degrees
    return KK_PROFILES["minor" if third else "major"]


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation; 0.0 when either side is constant (no information, not an error)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    sx, sy = x.std(), y.std()
    if sx == 0 or sy == 0:
        return 0.0
    return float(((x - x.mean()) * (y - y.mean())).mean() / (sx * sy))


def pitch_class_of(name: str) -> int:
    """Pitch class of a spelled tonic: 'C', 'F#', 'B-', 'Bb', 'E--' ..."""
    m = re.fullmatch(r"([A-Ga-g])([#b\-]*)", name.strip())
    if not m:
        raise ValueError(f"not a pitch name: {name!r}")
    pc = LETTER_PC[m.group(1).upper()]
    for ch in m.group(2):
        pc += 1 if ch == "#" else -1
    return pc % 12


def _spell(name: str) -> str:
    """Normalise a tonic spelling to music21 style: upper-case letter, '#' or '-'."""
    letter, acc = name[0].upper(), name[1:]
    return letter + acc.replace("b", "-")


@dataclass(frozen=True)
class Key:
    """A key: tonic pitch class, mode name, and the tonic's spelling (for display and notation)."""

    tonic: int
    mode: str = "major"
    spelling: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.tonic < 12:
            raise ValueError(f"tonic pitch class must be 0..11, got {self.tonic}")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; known: {', '.join(MODES)}")
        if not self.spelling:
            object.__setattr__(self, "spelling", PITCH_CLASS_NAMES[self.tonic])

    @property
    def name(self) -> str:
        """Canonical name, music21 spelling: 'G minor', 'B- major'."""
        return f"{self.spelling} {self.mode}"

    def __str__(self) -> str:
        return self.name

    @property
    def scale_pcs(self) -> frozenset[int]:
        return frozenset((self.tonic + d) % 12 for d in MODES[self.mode].degrees)

    def degree(self, pitch: int) -> int:
        """Scale degree (semitones above the tonic, 0..11) of a MIDI pitch or pitch class."""
        return (pitch - self.tonic) % 12

    def in_scale(self, pitch: int) -> bool:
        return self.degree(pitch) in MODES[self.mode].degrees

    def profile(self) -> np.ndarray:
        """The KK profile of this key's mode rotated to its tonic, indexed by pitch class."""
        return np.roll(kk_profile(self.mode), self.tonic)


KEY_FORMS_HELP = (
    "key forms: 'G minor', 'g minor', 'Bb major', 'B- major', 'F# dorian', 'F#' (major), "
    "'g' (lower-case tonic alone = minor); modes: " + ", ".join(MODES)
)


def parse_key(text: str, modes: tuple[str, ...] | None = None) -> Key:
    """Parse a key name.  Mode words are case-insensitive; a bare tonic is major, or minor when lower-case
    (music21's convention).  Raises ValueError listing the valid forms."""
    s = " ".join(text.strip().split())
    m = re.fullmatch(r"([A-Ga-g])([#b\-]*)(?:\s*(.*))?", s)
    if not m:
        raise ValueError(f"unknown key {text!r}; {KEY_FORMS_HELP}")
    letter, acc, rest = m.group(1), m.group(2), (m.group(3) or "").strip().lower()
    if rest in ("", "m"):
        mode = "minor" if (rest == "m" or (rest == "" and letter.islower())) else "major"
    else:
        mode = {"maj": "major", "min": "minor", "harmonic minor": "minor"}.get(rest, rest)
    known = modes if modes is not None else tuple(MODES)
    if mode not in known:
        raise ValueError(f"unknown mode {rest!r} in key {text!r}; {KEY_FORMS_HELP}"
                         + (f" (this model knows: {', '.join(known)})" if modes is not None else ""))
    spelling = _spell(letter + acc)
    return Key(pitch_class_of(spelling), mode, spelling)


def all_keys(modes: tuple[str, ...] = DEFAULT_MODES) -> list[Key]:
    """Every key of the given modes, with conventional spellings (flats for flat keys)."""
    major_names = ("C", "D-", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B")
    minor_names = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "G#", "A", "B-", "B")
    keys = []
    for mode in modes:
        names = minor_names if 3 in MODES[mode].degrees else major_names
        keys.extend(Key(pc, mode, names[pc]) for pc in range(12))
    return keys


def midi_to_name(pitch: int) -> str:
    """MIDI number -> name with octave, music21 spelling ('C4' = 60)."""
    return f"{PITCH_CLASS_NAMES[pitch % 12]}{pitch // 12 - 1}"


def name_to_midi(name: str) -> int:
    """'D5', 'B-4', 'Bb4', 'F#3', 'C4' -> MIDI number.  Raises ValueError on anything else."""
    m = re.fullmatch(r"\s*([A-Ga-g])([#b\-]*)(-?\d)\s*", name)
    if not m:
        raise ValueError(f"not a note name with octave: {name!r} (examples: D5, B-4, Bb4, F#3)")
    letter, acc, octave = m.group(1).upper(), m.group(2), int(m.group(3))
    pitch = LETTER_PC[letter] + 12 * (octave + 1)
    for ch in acc:
        pitch += 1 if ch == "#" else -1
    if not 0 <= pitch <= 127:
        raise ValueError(f"note {name!r} is outside MIDI range 0..127")
    return pitch


def nearest_pitch(pcs: set[int] | frozenset[int], centre: int, span: int = 12) -> int:
    """The MIDI pitch nearest to centre whose pitch class is in pcs, searched `span` semitones either side
    (ties go up; centre itself if none is found)."""
    best = None
    for p in range(max(0, centre - span), min(127, centre + span) + 1):
        if p % 12 in pcs and (best is None or abs(p - centre) < abs(best - centre)):
            best = p
    return centre if best is None else best



# -- spelling and key signatures ---------------------------------------------------------------------------------

_LETTER_FIFTHS = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}
_LETTERS = "CDEFGAB"

MUSIC21_MODE_NAMES = {"major": "major", "ionian": "major", "minor": "minor", "aeolian": "natural minor"}
"""music21's mode names -> ours (music21 calls every minor form 'minor'; 'aeolian' is our natural minor)."""


def music21_mode_name(mode: str) -> str:
    """Our mode name -> music21's (all minor forms share music21's 'minor')."""
    return "minor" if MODES[mode].minor_form else mode


def _fifths_of(spelling: str) -> int:
    """Circle-of-fifths position of a spelled pitch name ('C' 0, 'G' 1, 'B-' -2, 'F#' 6)."""
    letter, acc = spelling[0].upper(), spelling[1:]
    return _LETTER_FIFTHS[letter] + 7 * (acc.count("#") - acc.count("-") - acc.count("b"))


def name_of_fifths(fifths: int, flat: str = "-") -> str:
    """The pitch name at a circle-of-fifths position (0 'C', -2 'B-'); `flat` spells the flats."""
    letter = "FCGDAEB"[(fifths + 1) % 7]
    alter = (fifths + 1) // 7
    return letter + ("#" * alter if alter > 0 else flat * -alter)


def key_signature(key: Key) -> tuple[str, int]:
    """(tonic spelling, sharps) for the key signature; a tonic spelled beyond 7 sharps/flats is respelled
    enharmonically (D# major -> E- major) so every format can write it."""
    tonic = _fifths_of(key.spelling)
    sharps = tonic + MODES[key.mode].signature
    while sharps > 7:
        tonic, sharps = tonic - 12, sharps - 12
    while sharps < -7:
        tonic, sharps = tonic + 12, sharps + 12
    return name_of_fifths(tonic), sharps


def mido_key_name(key: Key) -> str:
    """MIDI key-signature name ('Gm', 'Bb'); modes other than the minor forms get the signature of their relative
    major (MIDI key signatures know only major and minor)."""
    _, sharps = key_signature(key)
    if MODES[key.mode].minor_form:
        return name_of_fifths(sharps + 3, flat="b") + "m"
    return name_of_fifths(sharps, flat="b")


def spelling_map(key: Key) -> dict[int, tuple[str, int]]:
    """Pitch class -> (letter, alter) for notes in this key: scale degrees of the mode take consecutive letters
    from the tonic (G harmonic minor: G A B- C D E- F#); other pitch classes prefer a natural, else a sharp in
    sharp keys and a flat in flat keys."""
    tonic_name, sharps = key_signature(key)
    out: dict[int, tuple[str, int]] = {}
    degrees = sorted(MODES[key.mode].degrees)
    tonic_pc = (LETTER_PC[tonic_name[0]] + tonic_name.count("#") - tonic_name.count("-")) % 12
    if len(degrees) == 7:
        start = _LETTERS.index(tonic_name[0])
        for i, d in enumerate(degrees):
            letter = _LETTERS[(start + i) % 7]
            pc = (tonic_pc + d) % 12
            alter = (pc - LETTER_PC[letter] + 6) % 12 - 6
            if abs(alter) <= 2:
                out[pc] = (letter, alter)
    default_sharp = {1: ("C", 1), 3: ("E", -1), 6: ("F", 1), 8: ("A", -1), 10: ("B", -1)}
    for pc in range(12):
        if pc in out:
            continue
        naturals = [ltr for ltr, p in LETTER_PC.items() if p == pc]
        if naturals:
            out[pc] = (naturals[0], 0)
        elif sharps > 0:
            out[pc] = (_LETTERS[[LETTER_PC[x] for x in _LETTERS].index((pc - 1) % 12)], 1)
        elif sharps < 0:
            out[pc] = (_LETTERS[[LETTER_PC[x] for x in _LETTERS].index((pc + 1) % 12)], -1)
        else:
            out[pc] = default_sharp[pc]
    return out
