"""The four-part figures of music.md on hand-built pieces worked out by hand, and on three real Bach chorales."""

import math

import pytest
from music21 import chord

from modesnn.evaluate.harmony import (
    SONORITY_CLASSES,
    bass_mean_interval,
    bass_octave_leap_share,
    bass_v_i,
    beat_length,
    beat_times,
    classify_pitch_classes,
    crossed_beat_share,
    final_notes_half_or_longer,
    final_tonic_triad,
    harmony_figures,
    homorhythm_share,
    onset_sonorities,
    parallel_counts,
    parallel_per_100_joint_moves,
    repeated_note_share,
    sonority_shares,
    soprano_longest_run,
    step_share,
    syncopated_share,
    tonic_share,
    triad_or_seventh_share,
)
from modesnn.evaluate.harmony_table import HARMONY_ROWS, harmony_markdown, mean_harmony, reference_slice
from modesnn.music import Piece, Voice, voice_from_durations
from modesnn.theory import parse_key

NAMES = ("soprano", "alto", "tenor", "bass")


def piece(key: str, *voices: tuple[list, list], meter: str = "4/4") -> Piece:
    return Piece("t", parse_key(key), tuple(voice_from_durations(NAMES[i], p, d)
                                            for i, (p, d) in enumerate(voices)), meter)


# I-IV-V-I in C, the last chord a half note; tenor and bass move G3/C3 -> C4/F3: one parallel fifth
CADENCE = piece("C major",
                ([67, 69, 71, 72], [1, 1, 1, 2]),  # G4 A4 B4 C5
                ([64, 65, 62, 64], [1, 1, 1, 2]),  # E4 F4 D4 E4
                ([55, 60, 55, 55], [1, 1, 1, 2]),  # G3 C4 G3 G3
                ([48, 53, 55, 48], [1, 1, 1, 2]))  # C3 F3 G3 C3


def test_cadence_by_hand():
    p = CADENCE
    assert [classify_pitch_classes({x % 12 for x in s}) for _, s, _ in onset_sonorities(p)] == [
        "major triad"] * 4
    assert triad_or_seventh_share(p) == 1.0
    # joint moves: 6 (all move) + 6 (all move) + 3 (tenor repeats G3); parallel: only T-B 7 -> 7 at the first move
    assert parallel_counts(p) == (1, 15)
    assert parallel_per_100_joint_moves(p) == pytest.approx(100 / 15)
    assert repeated_note_share(p) == pytest.approx(1 / 12)  # the tenor's G3 G3
    assert step_share(p) == pytest.approx(6 / 12)  # S 3, A 2 (F-D is a third), T 0, B 1 (F-G)
    assert soprano_longest_run(p) == 1
    assert tonic_share(p) == pytest.approx(4 / 16)  # S C5, T C4, B C3 twice
    assert bass_mean_interval(p) == pytest.approx((5 + 2 + 7) / 3)
    assert bass_octave_leap_share(p) == 0.0
    assert homorhythm_share(p) == 1.0
    assert syncopated_share(p) == 0.0
    assert bass_v_i(p) == 1.0 and final_tonic_triad(p) == 1.0 and final_notes_half_or_longer(p) == 1.0
    assert crossed_beat_share(p) == 0.0
    figs = harmony_figures(p)
    assert figs["distinct_pitch_classes"] == 7.0
    assert figs["parallels"] == 1.0 and figs["joint_moves"] == 15.0
    # in G major the same bass is IV-I at the end, and the last chord is not the tonic triad
    assert bass_v_i(p, parse_key("G major")) == 0.0 and final_tonic_triad(p, parse_key("G major")) == 0.0
    # in F major the bass's G3-C3 is II-V, not V-I; the tonic is F
    assert bass_v_i(p, parse_key("F major")) == 0.0
    assert tonic_share(p, parse_key("F major")) == pytest.approx(2 / 16)


@pytest.mark.parametrize("pcs, expected", [
    ({0, 4, 7}, "major triad"), ({9, 0, 4}, "minor triad"), ({11, 2, 5}, "diminished triad"),
    ({0, 4, 8}, "augmented triad"), ({7, 11, 2, 5}, "dominant seventh"), ({2, 5, 9, 0}, "minor seventh"),
    ({11, 2, 5, 9}, "half-diminished seventh"), ({11, 2, 5, 8}, "diminished seventh"),
    ({0, 4, 7, 11}, "major seventh"), ({0, 3, 7, 11}, "minor-major seventh"),
    ({0, 4, 7, 9}, "minor seventh"),  # C6 = A minor seventh: classified by pitch-class set, not spelling
    ({7, 11, 5}, "incomplete seventh"), ({7, 2, 5}, "incomplete seventh"), ({0, 4, 11}, "incomplete seventh"),
    ({0, 4}, "third or sixth"), ({0, 9}, "third or sixth"), ({0, 7}, "bare fifth or fourth"),
    ({0, 5}, "bare fifth or fourth"), ({0, 1}, "dissonant dyad"), ({0, 10}, "dissonant dyad"),
    ({0, 6}, "dissonant dyad"), ({4}, "one pitch class"), ({0, 1, 2}, "other"), ({0, 2, 4, 7}, "other"),
    ({0, 2, 4, 5, 7}, "other"), (set(), "other"),
])
def test_classify_pitch_classes(pcs, expected):
    assert classify_pitch_classes(pcs) == expected
    assert classify_pitch_classes({p + 12 * 3 for p in pcs}) == expected  # pitches, not only classes


def test_held_notes_sound_in_the_sonority_and_attacks_are_separate():
    # soprano holds C5 for the whole bar; alto E4 G4; tenor rests then G3; bass C3 A2 (dotted half, quarter)
    p = piece("C major", ([72], [4]), ([64, 67], [2, 2]), ([None, 55], [1, 3]), ([48, 45], [3, 1]))
    son = onset_sonorities(p)
    assert [t for t, _, _ in son] == [0.0, 1.0, 2.0, 3.0]
    assert son[0][1] == (72, 64, None, 48) and son[0][2] == (True, True, False, True)
    assert son[2][1] == (72, 67, 55, 48) and son[2][2] == (False, True, False, False)
    assert son[3][1] == (72, 67, 55, 45)  # C G G A: A minor seventh without its third
    shares = sonority_shares(p)
    assert set(shares) == set(SONORITY_CLASSES) and sum(shares.values()) == pytest.approx(1.0)
    # onsets: {C,E} third, {C,E,G} major triad, {C,G} bare fifth, {C,G,A} incomplete seventh
    assert shares["third or sixth"] == shares["major triad"] == shares["bare fifth or fourth"] == 0.25
    assert shares["incomplete seventh"] == 0.25 and shares["other"] == 0.0
    assert homorhythm_share(p) == 0.0  # the tenor never attacks with the others


def test_parallels_count_contrary_octaves_but_not_a_held_voice():
    # S and B: C5/C3 -> D5/D3 (parallel octaves), D5/D3 -> C5/C4 (octaves by contrary motion), then S repeats
    p = piece("C major", ([72, 74, 72, 72], [1, 1, 1, 1]), ([48, 50, 60, 62], [1, 1, 1, 1]))
    # moves: (72,48)->(74,50) both move, 0 -> 0; (74,50)->(72,60) contrary, 0 -> 0; (72,60)->(72,62) S holds pitch
    assert parallel_counts(p) == (2, 2)
    fifths = piece("C major", ([67, 69], [1, 1]), ([60, 62], [1, 1]))
    assert parallel_counts(fifths) == (1, 1)
    held = piece("C major", ([67, 69], [1, 1]), ([60, 60], [1, 1]))
    assert parallel_counts(held) == (0, 0)  # the lower voice repeats: no joint move
    assert math.isnan(parallel_per_100_joint_moves(held))


def test_melodic_runs_and_bass_leaps():
    p = piece("G major", ([67, 67, 67, 69, 67, 67], [1] * 6), ([43, 31, 43, 45, 45, 38], [1] * 6))
    assert soprano_longest_run(p) == 3
    assert repeated_note_share(p) == pytest.approx(4 / 10)  # S: 3 repeats of 5; B: 1 repeat of 5
    assert bass_mean_interval(p) == pytest.approx((12 + 12 + 2 + 0 + 7) / 5)
    assert bass_octave_leap_share(p) == pytest.approx(2 / 5)  # intervals 12, 12, 2, 0, 7
    assert tonic_share(p) == pytest.approx(8 / 12)
    with_rest = piece("G major", ([67, None, 67, 69], [1, 1, 1, 1]))
    assert soprano_longest_run(with_rest) == 2  # a rest does not break the line


def test_beat_and_syncopation_follow_the_meter():
    assert [beat_length(m) for m in ("4/4", "3/4", "2/2", "3/2", "6/8", "12/8", "3/8", "2+3/8")] == [
        1.0, 1.0, 2.0, 2.0, 1.5, 1.5, 0.5, 0.5]
    with pytest.raises(ValueError, match="meter"):
        beat_length("four")
    # an eighth, then a quarter starting at 0.5 (off the beat, lasts a beat), an eighth, a half on beat 3
    notes = ([60, 62, 64, 65], [0.5, 1.0, 0.5, 2.0])
    assert syncopated_share(piece("C major", notes)) == pytest.approx(1 / 4)
    # 6/8: notes at 0, 1.0 (1.5), 2.5 ... the beat is a dotted quarter; the note at 1.0 crosses beat 1.5
    six = piece("C major", ([60, 62, 64], [1.0, 1.5, 0.5]), meter="6/8")
    assert syncopated_share(six) == pytest.approx(1 / 3)
    assert syncopated_share(piece("C major", ([60, 62, 64], [1.0, 1.5, 0.5]), meter="3/4")) == 0.0  # on beat 2
    on_beats = piece("C major", ([60, 62, 64], [1.0, 2.0, 1.0]), meter="4/4")
    assert syncopated_share(on_beats) == 0.0


def test_crossed_beats():
    # the alto sounds above the soprano on beat 2 only (held through it); beat 4 has the soprano alone
    p = piece("C major", ([72, 71, 72, 74], [1, 1, 1, 1]), ([67, 74, 67, None], [1, 1, 1, 1]))
    assert crossed_beat_share(p) == pytest.approx(1 / 3)
    held = piece("C major", ([72, 65], [2, 2]), ([67, 67], [3, 1]))  # soprano F4 under a held alto G4 at beat 3
    assert crossed_beat_share(held) == pytest.approx(2 / 4)


def test_cadence_details():
    minor = piece("A minor", ([69, 68, 69], [1, 1, 2]), ([64, 64, 64], [1, 1, 2]), ([57, 59, 61], [1, 1, 2]),
                  ([45, 52, 45], [1, 1, 2]))
    assert bass_v_i(minor) == 1.0
    assert final_tonic_triad(minor) == 1.0  # A E C#: the Picardy third counts in minor
    major_with_minor_third = piece("A major", ([69], [2]), ([64], [2]), ([60], [2]), ([45], [2]))
    assert final_tonic_triad(major_with_minor_third) == 0.0
    no_third = piece("C major", ([72], [2]), ([67], [2]), ([60], [2]), ([48], [2]))
    assert final_tonic_triad(no_third) == 0.0
    short_end = piece("C major", ([72, 72], [2, 1]), ([67, 64], [1, 2]))
    assert final_notes_half_or_longer(short_end) == 0.0  # the soprano's last note is a quarter


def test_empty_and_undefined_values():
    empty = Piece("e", parse_key("C major"), ())
    silent = Piece("s", parse_key("C major"), (Voice("soprano", ()), Voice("bass", ())))
    for p in (empty, silent):
        assert onset_sonorities(p) == []
        assert all(math.isnan(v) for v in sonority_shares(p).values())
        for f in (triad_or_seventh_share, parallel_per_100_joint_moves, repeated_note_share, step_share,
                  soprano_longest_run, tonic_share, bass_mean_interval, bass_octave_leap_share, homorhythm_share,
                  syncopated_share, crossed_beat_share, bass_v_i):
            assert math.isnan(f(p)), f.__name__
        figs = harmony_figures(p)
        assert figs["triads_sevenths"] is None and figs["key_exact"] is None
        assert figs["distinct_pitch_classes"] == 0.0
    assert math.isnan(final_tonic_triad(empty)) and final_tonic_triad(silent) == 0.0
    assert mean_harmony([]) == {"n_pieces": 0}
    one_note = piece("C major", ([60], [1]))
    assert soprano_longest_run(one_note) == 1 and math.isnan(step_share(one_note))


def test_mean_harmony_pools_parallels():
    one = harmony_figures(CADENCE)  # 1 of 15
    two = harmony_figures(piece("C major", ([67, 69], [1, 1]), ([60, 62], [1, 1])))  # 1 of 1
    m = mean_harmony([one, two])
    assert m["parallels_per_100"] == pytest.approx(100 * 2 / 16)  # not the mean of 6.7 and 100
    assert m["n_pieces"] == 2 and m["homorhythm"] == 1.0
    lines = harmony_markdown({"model": m, "corpus": mean_harmony([one])}, {"model": "the model"}, judge="model")
    assert len(lines) == 2 + len(HARMONY_ROWS)
    assert lines[0].startswith("| figure | the model | corpus |")
    assert "| parallel fifths/octaves per 100 joint moves | 12.50 | 6.67 | 0.21 | <= 1.5 | NO |" in lines


FORTE = {"major triad": "3-11B", "minor triad": "3-11A", "diminished triad": "3-10", "augmented triad": "3-12",
         "dominant seventh": "4-27B", "half-diminished seventh": "4-27A", "minor seventh": "4-26",
         "major seventh": "4-20", "diminished seventh": "4-28", "minor-major seventh": "4-19A"}


@pytest.fixture(scope="module")
def chorales(bach_paths):
    from modesnn.corpus import load_corpus

    pieces = load_corpus(bach_paths[:3], key_from="signature", progress=False, cache=False).pieces
    assert len(pieces) == 3
    return pieces


def test_three_bach_chorales(chorales):
    for p in chorales:
        figs = harmony_figures(p)
        # a chorale is chords and steps; a broken classifier or time grid would not give these
        assert figs["triads_sevenths"] >= 0.6, p.name
        assert figs["one_pitch_class"] <= 0.03
        assert figs["steps"] >= 0.5 and figs["repeated_notes"] <= 0.25
        assert figs["syncopated"] <= 0.03 and figs["crossed_beats"] <= 0.05
        assert figs["homorhythm"] >= 0.3
        assert figs["distinct_pitch_classes"] >= 8
        assert 1.5 <= figs["bass_interval"] <= 5
    m = mean_harmony([harmony_figures(p) for p in chorales])
    assert m["parallels_per_100"] <= 1.5
    assert reference_slice(chorales, 2) == chorales[:2]


@pytest.mark.slow
def test_sonority_classes_agree_with_music21_forte_classes(chorales):
    """music21's Forte set class of every onset's pitch classes is the oracle for the chord classes."""
    seen = set()
    for p in chorales:
        for _, pitches, _ in onset_sonorities(p):
            pcs = {x % 12 for x in pitches if x is not None}
            ours = classify_pitch_classes(pcs)
            forte = chord.Chord(sorted(pcs)).forteClassTn if len(pcs) >= 3 else None
            if ours in FORTE:
                assert forte == FORTE[ours], (p.name, pcs, ours)
                seen.add(ours)
            elif len(pcs) in (3, 4):
                assert forte not in FORTE.values(), (p.name, pcs, ours)
    assert {"major triad", "minor triad", "dominant seventh"} <= seen


def test_a_recorded_pickup_moves_the_beats():
    # an eighth-note pickup, then quarters: from 0 every quarter after it is "off the beat" and crosses one
    notes = ([67, 72, 71, 72, 74], [0.5, 1, 1, 1, 1.5])
    plain = piece("C major", notes)
    assert syncopated_share(plain) == pytest.approx(4 / 5)
    picked = Piece("t", plain.key, plain.voices, "4/4", meta={"pickup": 0.5})
    assert syncopated_share(picked) == 0.0
    assert beat_times(picked) == [0.5, 1.5, 2.5, 3.5, 4.5]
    assert beat_times(plain) == [0.0, 1.0, 2.0, 3.0, 4.0]
