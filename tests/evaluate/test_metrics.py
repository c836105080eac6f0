"""Metrics on pieces small enough to compute by hand (evaluation.md section 2)."""

import json
import math

import numpy as np
import pytest

from modesnn.evaluate.keyfinding import KeyEstimate
from modesnn.evaluate.metrics import (
    all_metrics,
    chord_slices,
    diatonic_consistency,
    diatonic_consistency_any_minor,
    distinct_pitch_classes,
    distinct_pitches,
    distinct_pitches_per_voice,
    duration_distribution,
    duration_entropy,
    key_recovered,
    mean_distinct_pitches_per_voice,
    mean_metrics,
    measure_length,
    melodic_stats,
    melodic_stats_per_voice,
    notes_per_measure,
    out_of_range_share,
    parallel_motion,
    pitch_class_entropy,
    pitch_class_histogram,
    tonal_coherence,
    voice_crossings,
    voices_end_together,
)
from modesnn.music import Piece, Voice, voice_from_durations
from modesnn.theory import KK_PROFILES, Key, parse_key

C_MAJOR = parse_key("C major")


def piece(*voices: tuple[list, list], key: Key = C_MAJOR, meter: str = "4/4") -> Piece:
    """A piece from (pitches, durations) pairs, top voice first."""
    built = tuple(voice_from_durations(f"v{i}", p, d) for i, (p, d) in enumerate(voices))
    return Piece("t", key, built, meter)


# upper: C5 D5 E5(half); lower: C4(half) F#4 G4 -- one 4/4 measure
TINY = piece(([72, 74, 76], [1, 1, 2]), ([60, 66, 67], [2, 1, 1]))


def test_histograms_by_count_and_duration():
    expected_counts = np.zeros(12)
    expected_counts[[0, 2, 4, 6, 7]] = [2, 1, 1, 1, 1]
    expected_dur = np.zeros(12)
    expected_dur[[0, 2, 4, 6, 7]] = [3, 1, 2, 1, 1]
    assert np.array_equal(pitch_class_histogram(TINY, weighted=False), expected_counts)
    assert np.array_equal(pitch_class_histogram(TINY, weighted=True), expected_dur)


def test_diatonic_consistency_counts_and_weights_the_one_chromatic_note():
    assert diatonic_consistency(TINY) == pytest.approx(5 / 6)
    assert diatonic_consistency(TINY, weighted=True) == pytest.approx(7 / 8)
    assert diatonic_consistency(TINY, key=parse_key("G major")) == 1.0  # F# is in G major
    assert diatonic_consistency_any_minor(TINY) == diatonic_consistency(TINY)  # major: same thing


def test_any_minor_form_admits_natural_seventh_and_raised_sixth():
    a_minor = parse_key("A minor")  # harmonic: A B C D E F G#
    p = piece(([69, 67, 66, 68], [1, 1, 1, 1]), key=a_minor)  # A G F# G#
    assert diatonic_consistency(p) == pytest.approx(2 / 4)
    assert diatonic_consistency_any_minor(p) == 1.0
    # natural minor key: G is in scale, F# only in the "any minor form" union
    assert diatonic_consistency(p, key=parse_key("A natural minor")) == pytest.approx(2 / 4)


def test_tonal_coherence_is_pearson_with_the_rotated_kk_profile():
    hist = np.array([3, 0, 1, 0, 2, 0, 1, 1, 0, 0, 0, 0], dtype=float)
    assert tonal_coherence(TINY) == pytest.approx(np.corrcoef(hist, KK_PROFILES["major"])[0, 1])
    g = np.roll(KK_PROFILES["major"], 7)
    assert tonal_coherence(TINY, parse_key("G major")) == pytest.approx(np.corrcoef(hist, g)[0, 1])


def test_pitch_diversity():
    assert distinct_pitch_classes(TINY) == 5
    assert distinct_pitches(TINY) == 6
    assert distinct_pitches_per_voice(TINY) == [3, 3]
    assert mean_distinct_pitches_per_voice(TINY) == 3.0
    # counts 2,1,1,1,1 of 6
    assert pitch_class_entropy(TINY) == pytest.approx((1 / 3) * math.log2(3) + 4 * (1 / 6) * math.log2(6))
    # durations 3,2,1,1,1 of 8
    w = np.array([3, 2, 1, 1, 1]) / 8
    assert pitch_class_entropy(TINY, weighted=True) == pytest.approx(-(w * np.log2(w)).sum())
    assert pitch_class_entropy(piece(([60, 72, 48], [1, 1, 1]))) == 0.0


def test_melodic_stats_per_voice():
    upper, lower = melodic_stats_per_voice(TINY)
    assert (upper.n_intervals, upper.mean_abs_interval, upper.step_share, upper.repeat_share,
            upper.largest_leap) == (2, 2.0, 1.0, 0.0, 2.0)
    assert (lower.mean_abs_interval, lower.step_share, lower.repeat_share, lower.largest_leap) == (
        3.5, 0.5, 0.0, 6.0)


def test_melodic_stats_skip_rests_and_count_repeats():
    v = voice_from_durations("s", [60, None, 67, 67, 65], [1, 1, 1, 1, 1])
    m = melodic_stats(v)  # intervals 7, 0, 2
    assert m.n_intervals == 3
    assert m.mean_abs_interval == pytest.approx(3.0)
    assert m.step_share == pytest.approx(1 / 3)
    assert m.repeat_share == pytest.approx(1 / 3)
    assert m.largest_leap == 7.0


def test_rhythm():
    assert duration_distribution(TINY) == {1.0: pytest.approx(4 / 6), 2.0: pytest.approx(2 / 6)}
    assert duration_entropy(TINY) == pytest.approx(-(2 / 3) * math.log2(2 / 3) - (1 / 3) * math.log2(1 / 3))
    assert voices_end_together(TINY) == 1.0
    assert notes_per_measure(TINY) == 3.0  # 6 notes / (2 voices x 1 measure)
    ragged = piece(([60], [4]), ([60], [4]), ([60], [3]))
    assert voices_end_together(ragged) == pytest.approx(2 / 3)
    padded = piece(([60, None], [4, 1]), ([60, None], [4, 2]))  # unequal trailing rests do not count
    assert voices_end_together(padded) == 1.0
    early = piece(([60, None], [2, 2]), ([60], [4]))  # a voice resting at the end has stopped early
    assert voices_end_together(early) == 0.5
    three_four = piece(([60, 62, 64, 65, 67, 69], [1] * 6), meter="3/4")
    assert notes_per_measure(three_four) == 3.0


@pytest.mark.parametrize("meter,length", [("4/4", 4.0), ("3/4", 3.0), ("6/8", 3.0), ("2/2", 4.0),
                                          ("2+3/8", 2.5)])
def test_measure_length(meter, length):
    assert measure_length(meter) == length


@pytest.mark.parametrize("meter", ["C", "4", "4/0", "x/4", "0/4"])
def test_measure_length_rejects_other_meters(meter):
    with pytest.raises(ValueError, match="meter"):
        measure_length(meter)


def test_chord_slices_at_every_onset_with_repeats_merged():
    assert chord_slices(TINY) == [(72, 60), (74, 60), (76, 66), (76, 67)]
    p = piece(([67, 67, 69], [1, 1, 2]), ([60, None, 62], [1, 1, 2]))
    assert chord_slices(p) == [(67, 60), (67, None), (69, 62)]
    held = piece(([67, 67], [1, 1]), ([60], [2]))  # repeated note over a held one: one chord
    assert chord_slices(held) == [(67, 60)]


def test_parallel_fifths_and_octaves():
    fifths = piece(([67, 69], [1, 1]), ([60, 62], [1, 1]))  # G4/C4 -> A4/D4
    r = parallel_motion(fifths)
    assert (r["chord_changes"], r["parallel_fifths"], r["parallel_octaves"]) == (1, 1, 0)
    assert r["parallel_fifths_per_100"] == 100.0
    octaves = piece(([72, 74], [1, 1]), ([48, 50], [1, 1]))  # compound octaves count as octaves
    assert parallel_motion(octaves)["parallel_octaves"] == 1
    contrary = piece(([67, 74], [1, 1]), ([60, 55], [1, 1]))  # fifth to twelfth by contrary motion
    hidden = piece(([64, 69], [1, 1]), ([60, 62], [1, 1]))  # third to fifth, similar motion
    one_still = piece(([67, 67, 69], [1, 1, 1]), ([60, 60, 62], [1, 1, 1]))  # repeated chord: still parallel
    fifth_to_octave = piece(([67, 74], [1, 1]), ([60, 62], [1, 1]))
    assert parallel_motion(contrary)["parallel_fifths"] == 0
    assert parallel_motion(hidden)["parallel_fifths"] == 0
    assert parallel_motion(one_still)["parallel_fifths"] == 1
    assert parallel_motion(fifth_to_octave)["parallel_fifths"] == parallel_motion(fifth_to_octave)[
        "parallel_octaves"] == 0


def test_parallel_octaves_between_outer_voices_of_four():
    # S C5 -> D5 and B C3 -> D3 in parallel octaves, inner voices hold
    p = piece(([72, 74], [1, 1]), ([67, 67], [1, 1]), ([64, 65], [1, 1]), ([48, 50], [1, 1]))
    r = parallel_motion(p)
    assert (r["parallel_fifths"], r["parallel_octaves"], r["chord_changes"]) == (0, 1, 1)


# S C5 B4, A G4 D5 (crosses above S on beat 3), T E4 D4, B C3 D2 (below E2)
FOUR = piece(([72, 71], [2, 2]), ([67, 74], [2, 2]), ([64, 62], [2, 2]), ([48, 38], [2, 2]))


def test_voice_crossing_and_range():
    assert voice_crossings(FOUR) == 1
    assert out_of_range_share(FOUR) == pytest.approx(1 / 8)
    assert parallel_motion(FOUR)["parallel_fifths"] == parallel_motion(FOUR)["parallel_octaves"] == 0
    assert math.isnan(out_of_range_share(TINY))  # only defined for four voices


def test_range_bounds_are_inclusive():
    edges = piece(([60, 79], [1, 1]), ([55, 74], [1, 1]), ([48, 67], [1, 1]), ([40, 60], [1, 1]))
    assert out_of_range_share(edges) == 0.0
    outside = piece(([59, 80], [1, 1]), ([54, 75], [1, 1]), ([47, 68], [1, 1]), ([39, 61], [1, 1]))
    assert out_of_range_share(outside) == 1.0


def _finder_returning(key: Key):
    return lambda _piece: KeyEstimate(key, 1.0, key, 0.0, {})


@pytest.mark.parametrize("found,expected", [
    ("C major", "exact"), ("A minor", "near"), ("C minor", "near"), ("G major", "near"),
    ("F major", "no"), ("E minor", "no"),
])
def test_key_recovered_maps_relations(found, expected):
    assert key_recovered(TINY, C_MAJOR, finder=_finder_returning(parse_key(found))) == expected


def test_key_recovered_with_default_finder():
    scale = piece(([60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60], [2, 1, 1, 1, 2, 1, 1, 2, 2, 1, 4]))
    assert key_recovered(scale) == "exact"
    assert key_recovered(scale, parse_key("F major")) == "near"  # C is F's dominant
    assert key_recovered(scale, parse_key("E- major")) == "no"


def test_empty_inputs():
    for empty in (Piece("e", C_MAJOR, ()), piece(([None], [4.0]), ([None, None], [2, 2]))):
        assert not pitch_class_histogram(empty).any()
        assert math.isnan(diatonic_consistency(empty))
        assert math.isnan(diatonic_consistency_any_minor(empty, weighted=True))
        assert math.isnan(tonal_coherence(empty))
        assert key_recovered(empty) == "no"
        assert distinct_pitch_classes(empty) == distinct_pitches(empty) == 0
        assert math.isnan(pitch_class_entropy(empty))
        assert duration_distribution(empty) == {}
        assert math.isnan(duration_entropy(empty))
        assert voice_crossings(empty) == 0
        assert math.isnan(parallel_motion(empty)["parallel_fifths_per_100"])
        assert all(math.isnan(m.mean_abs_interval) for m in melodic_stats_per_voice(empty))
        row = all_metrics(empty)
        json.dumps(row, allow_nan=False)
        assert row["diatonic"] is None and row["key_recovered"] == "no" and row["key_exact"] == 0.0
    no_voices = Piece("e", C_MAJOR, ())
    assert distinct_pitches_per_voice(no_voices) == []
    assert math.isnan(mean_distinct_pitches_per_voice(no_voices))
    assert math.isnan(voices_end_together(no_voices))
    assert math.isnan(notes_per_measure(no_voices))
    assert math.isnan(out_of_range_share(no_voices))
    rests = piece(([None], [4.0]), ([None], [4.0]))
    assert distinct_pitches_per_voice(rests) == [0, 0]
    assert math.isnan(voices_end_together(rests))
    assert notes_per_measure(rests) == 0.0
    one_note = Voice("s", voice_from_durations("s", [60], [1]).notes)
    assert math.isnan(melodic_stats(one_note).largest_leap)
    assert mean_metrics([]) == {"n_pieces": 0}


def test_all_metrics_is_flat_json_with_stable_names():
    row = all_metrics(FOUR)
    json.dumps(row, allow_nan=False)
    assert all(isinstance(v, int | float | str) or v is None for v in row.values())
    assert row["n_voices"] == 4 and row["n_notes"] == 8
    assert row["voice_crossings"] == 1
    assert row["out_of_range_share"] == pytest.approx(1 / 8)
    assert row["key"] == "C major"
    assert set(all_metrics(TINY)) == set(row)
    assert all_metrics(TINY)["out_of_range_share"] is None


def test_mean_metrics_skips_undefined_and_text():
    rows = [{"a": 1.0, "b": None, "k": "C major", "n": 2},
            {"a": 3.0, "b": 4.0, "k": "G major", "n": 4},
            {"a": float("nan"), "b": None}]
    assert mean_metrics(rows) == {"n_pieces": 3, "a": 2.0, "b": 4.0, "n": 3.0}
    assert mean_metrics([{"b": None}]) == {"n_pieces": 1, "b": None}
