"""Property-based tests (hypothesis) for the parsers of note and key names, durations and meters, and the data
model's constructors: every input either gives a value with the stated properties or a ValueError (which the
CLI turns into a one-line error), never another exception."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modesnn.music import Note, Piece, Voice, align_voices, measure_length, voice_from_durations
from modesnn.theory import MODES, Key, all_keys, midi_to_name, name_to_midi, parse_key, pitch_class_of

settings.register_profile("modesnn", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("modesnn")

LETTERS = st.sampled_from("CDEFGABcdefgab")
ACCIDENTALS = st.sampled_from(["", "#", "##", "-", "--", "b", "bb"])
TEXT = st.text(st.characters(codec="utf-8"), max_size=20)


@given(st.integers(12, 127))
def test_midi_names_round_trip(pitch: int) -> None:
    """From C0 up: below, midi_to_name writes octave -1 ('C-1', 'B-1'), which reads back as a flat in octave 1
    (as in music21's Pitch('C-1')): the one ambiguity of music21 spelling, found by this test."""
    name = midi_to_name(pitch)
    assert name_to_midi(name) == pitch
    assert name_to_midi(f"  {name.lower()} ") == pitch  # case and spaces do not matter


@given(LETTERS, ACCIDENTALS, st.integers(0, 9))  # (octave -1 reads as a flat: see above)
def test_note_names_agree_with_music21(letter: str, acc: str, octave: int) -> None:
    from music21 import pitch

    name = f"{letter}{acc}{octave}"
    expected = int(pitch.Pitch(f"{letter.upper()}{acc.replace('b', '-')}{octave}").ps)  # (.midi wraps past 127)
    if 0 <= expected <= 127:
        assert name_to_midi(name) == expected
    else:
        with pytest.raises(ValueError):
            name_to_midi(name)


@given(TEXT)
def test_any_text_is_a_note_or_a_value_error(text: str) -> None:
    try:
        pitch = name_to_midi(text)
    except ValueError as exc:
        assert "\n" not in str(exc)
    else:
        assert 0 <= pitch <= 127


@given(st.sampled_from(all_keys(tuple(MODES))))
def test_key_names_round_trip(key: Key) -> None:
    assert parse_key(key.name) == key
    assert parse_key(key.name.upper() if key.spelling[1:] != "-" else key.name.swapcase().replace("-", "b")) \
        .tonic == key.tonic


@given(LETTERS, ACCIDENTALS, st.sampled_from(["", " major", " minor", " MAJOR", " m", " dorian", " maj", " min"]))
def test_key_forms(letter: str, acc: str, mode: str) -> None:
    key = parse_key(letter + acc + mode)
    assert key.tonic == pitch_class_of(letter + acc)
    bare_minor = mode in ("", ) and letter.islower()
    expected = {"": "minor" if bare_minor else "major", " m": "minor", " maj": "major", " min": "minor"}.get(
        mode, mode.strip().lower())
    assert key.mode == expected
    assert key.spelling[0] == letter.upper() and "b" not in key.spelling


@given(TEXT, st.one_of(st.none(), st.just(("major", "minor"))))
def test_any_text_is_a_key_or_a_value_error(text: str, modes) -> None:
    try:
        key = parse_key(text, modes)
    except ValueError as exc:
        assert "\n" not in str(exc)
    else:
        assert 0 <= key.tonic < 12 and key.mode in (modes or MODES)


@given(st.integers(1, 64), st.sampled_from([1, 2, 4, 8, 16, 32]))
def test_meter_lengths(beats: int, unit: int) -> None:
    assert measure_length(f"{beats}/{unit}") == pytest.approx(4 * beats / unit)


@given(TEXT)
def test_any_meter_text_is_a_length_or_a_value_error(text: str) -> None:
    try:
        length = measure_length(text)
    except ValueError:
        return
    assert length > 0 and math.isfinite(length)


PITCHES = st.one_of(st.none(), st.integers(0, 127))
DURATIONS = st.floats(min_value=1 / 64, max_value=16, allow_nan=False)


@given(st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), st.text(max_size=3)),
       st.one_of(st.floats(), st.integers(-5, 5), st.none()), st.one_of(st.floats(), st.integers(-5, 5)))
def test_note_constructor_accepts_exactly_the_valid_values(pitch, duration, onset) -> None:
    valid = ((pitch is None or (type(pitch) is int and 0 <= pitch <= 127))
             and isinstance(duration, int | float) and 0 < duration < math.inf
             and isinstance(onset, int | float) and 0 <= onset < math.inf)
    try:
        note = Note(pitch, duration, onset)
    except ValueError as exc:
        assert not valid and "\n" not in str(exc)
    else:
        assert valid and note.is_rest == (pitch is None)


@given(st.lists(PITCHES, min_size=1, max_size=30), st.data())
def test_voices_from_durations(pitches, data) -> None:
    durations = data.draw(st.lists(DURATIONS, min_size=len(pitches), max_size=len(pitches)))
    voice = voice_from_durations("s", pitches, durations)
    assert [n.pitch for n in voice.notes] == pitches
    assert voice.length == pytest.approx(sum(durations))
    assert all(b.onset == pytest.approx(a.onset + a.duration)
               for a, b in zip(voice.notes, voice.notes[1:], strict=False))
    assert voice.pitches == [p for p in pitches if p is not None]


@given(st.lists(st.lists(st.tuples(PITCHES, DURATIONS), min_size=1, max_size=12), min_size=1, max_size=4),
       st.sampled_from(["4/4", "3/4", "6/8", "2/2", "5/8"]), st.booleans())
def test_aligned_voices_end_together_on_a_barline(lines, meter, keep_all) -> None:
    voices = [voice_from_durations(f"v{i}", [p for p, _ in ln], [d for _, d in ln]) for i, ln in enumerate(lines)]
    aligned = align_voices(voices, meter, keep_all_notes=keep_all)
    bar = measure_length(meter)
    ends = {round(v.length, 6) for v in aligned}
    assert len(ends) == 1
    (end,) = ends
    assert end > 0 and end / bar == pytest.approx(round(end / bar))
    for before, after in zip(voices, aligned, strict=True):
        assert 1 <= len(after.notes) <= len(before.notes)
        if keep_all:
            assert len(after.notes) == len(before.notes)


@given(st.text(max_size=10), st.lists(st.integers(0, 127), max_size=5), st.sampled_from(all_keys()))
def test_piece_constructor(name, pitches, key) -> None:
    voice = Voice("s", tuple(Note(p, 1.0, float(i)) for i, p in enumerate(pitches)))
    piece = Piece(name, key, (voice,))
    assert piece.n_notes == len(pitches)
    with pytest.raises(ValueError):
        Piece(name, key.name, (voice,))  # a key name is not a Key
    with pytest.raises(ValueError):
        Piece(name, key, [voice])  # voices are a tuple
    with pytest.raises(ValueError):
        Voice("s", (*voice.notes, 60))  # notes are Notes
