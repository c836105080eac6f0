"""The held-out harmonisation harness: the split, the root finder, and the beat-by-beat agreement with Bach,
judged with harmonisers whose answers are known (Bach himself, a soprano doubled in octaves, a failure)."""

import math

import pytest

from modesnn.evaluate.harmonization import beat_chords, chord_agreement, chord_of, evaluate_harmonizer, tonic_drone
from modesnn.evaluate.harmony import held_out_split
from modesnn.music import Note, Piece, Voice, voice_from_durations
from modesnn.theory import parse_key


def test_held_out_split_every_tenth_in_order():
    items = [Piece(f"p{i}", parse_key("C major"), ()) for i in range(25)]
    train, held = held_out_split(items)
    assert [p.name for p in held] == ["p9", "p19"]
    assert [p.name for p in train] == [f"p{i}" for i in range(25) if i not in (9, 19)]
    assert held_out_split(items) == (train, held)
    assert held_out_split([]) == ([], [])


@pytest.mark.parametrize("pitches, expected", [
    ([60, 64, 67], (0, "major")), ([45, 60, 64], (9, "minor")), ([59, 62, 65], (11, "diminished")),
    ([60, 64, 68], (0, "augmented")),
    ([55, 59, 62, 65], (7, "major")),  # G7: the triad inside a dominant seventh is major
    ([50, 57, 60, 65], (2, "minor")),  # D F A C, D in the bass: D minor seventh
    ([48, 57, 64, 67], (9, "minor")),  # C E G A: by pitch classes an A minor seventh
    ([48, 62, 64, 67], (0, "major")),  # C E G with a passing D: the tone outside the chord costs less
    ([59, 62, 65, 68], (11, "diminished")),  # diminished seventh, B in the bass
    ([48, 55, 60], (0, "no third")), ([55, 67, 79], (7, "unison")), ([], None),
])
def test_chord_of(pitches, expected):
    assert chord_of(pitches) == expected


def test_beat_chords_and_agreement_by_hand():
    # C major | G7 without its fifth, held over two beats | A minor | F major without its fifth, in 4/4
    ref = Piece("r", parse_key("C major"), (
        voice_from_durations("s", [76, 77, 76, 77], [1, 2, 1, 1]),
        voice_from_durations("a", [67, 71, 72, 69], [1, 2, 1, 1]),
        voice_from_durations("b", [48, 43, 45, 41], [1, 2, 1, 1])))
    assert beat_chords(ref) == [(0, "major"), (7, "major"), (7, "major"), (9, "minor"), (5, "major")]
    assert chord_agreement(ref, ref) == {"beats": 5, "agreement": 1.0, "root_agreement": 1.0}
    # the same soprano over a bass that only doubles it: unisons on E F F E F, the root agrees on the last beat
    doubled = Piece("d", parse_key("C major"), (ref.voices[0], Voice("b", tuple(
        Note(n.pitch - 24, n.duration, n.onset) for n in ref.voices[0].notes))))
    res = chord_agreement(ref, doubled)
    assert res["agreement"] == 0.0 and res["root_agreement"] == pytest.approx(1 / 5)
    silent = Piece("x", parse_key("C major"), (Voice("s", (Note(None, 5.0, 0.0),)),))
    assert chord_agreement(ref, silent)["agreement"] == 0.0
    assert math.isnan(chord_agreement(silent, ref)["agreement"])


@pytest.fixture(scope="module")
def chorales(bach_paths):
    from modesnn.corpus import load_corpus

    return load_corpus(bach_paths[:3], key_from="signature", progress=False, cache=False).pieces


def test_evaluate_harmonizer_with_known_answers(chorales):
    by_melody = {p.voices[0]: p for p in chorales}
    bach = evaluate_harmonizer(chorales, lambda melody, key, meter: by_melody[melody])
    assert bach["harmonized"] == 3 and bach["failures"] == []
    assert bach["agreement"] == 1.0 and bach["root_agreement"] == 1.0 and bach["melody_kept"] == 1.0
    assert bach["beats"] > 60 and len(bach["examples"]) == 3
    assert bach["figures"]["triads_sevenths"] == bach["bach_figures"]["triads_sevenths"] > 0.6

    def octaves(melody, key, meter):  # a "harmoniser" that only doubles the tune two octaves down
        low = Voice("bass", tuple(n if n.pitch is None else Note(n.pitch - 24, n.duration, n.onset)
                                  for n in melody.notes))
        return Piece("o", key, (melody, low), meter)

    flat = evaluate_harmonizer(chorales, octaves)
    assert flat["agreement"] < 0.05 < flat["root_agreement"] < 0.6
    assert flat["figures"]["one_pitch_class"] == 1.0 and flat["melody_kept"] == 1.0

    def picky(melody, key, meter):
        if key.mode == chorales[0].key.mode and melody is chorales[0].voices[0]:
            raise ValueError("the soprano leaves my range")
        return by_melody[melody]

    some = evaluate_harmonizer(chorales, picky)
    assert some["harmonized"] == 2 and some["failures"] == [(chorales[0].name, "the soprano leaves my range")]


def test_tonic_drone_is_a_floor_below_bach(chorales):
    drone = tonic_drone(chorales[0].voices[0], parse_key("G minor"), "3/4")
    assert [v.pitches for v in drone.voices[1:]] == [[62], [58], [43]]  # D4, B-flat 3, G2
    assert drone.voices[0] == chorales[0].voices[0] and drone.meter == "3/4"
    floor = evaluate_harmonizer(chorales, tonic_drone)
    assert 0.05 < floor["agreement"] < 0.5 and floor["melody_kept"] == 1.0
