"""Krumhansl-Schmuckler key finding: hand cases, learned profiles, and music21 as the oracle on real data."""

import zipfile
from pathlib import Path

import music21
import numpy as np
import pytest
from conftest import (
    SHTE_ZIP,  # noqa: E402  (beside the repository: ../shared/data/shte)
    piece_to_stream,
)

from modesnn.evaluate.keyfinding import (
    DEFAULT_PROFILES,
    find_key,
    find_key_music21_compatible,
    kk_key_profiles,
    relation,
)
from modesnn.music import Note, Piece, Voice, voice_from_durations
from modesnn.theory import KK_PROFILES, MODES, Key, all_keys, parse_key


def test_a_kk_profile_is_found_as_its_own_key_with_r_1():
    for key in all_keys():
        est = find_key(np.roll(KK_PROFILES["major" if key.mode == "major" else "minor"], key.tonic))
        assert (est.key.tonic, est.key.mode) == (key.tonic, key.mode)
        assert est.r == pytest.approx(1.0)
        assert est.runner_up_r < est.r
        assert est.runner_up != est.key
        assert len(est.correlations) == 24 and est.correlations[key.name] == pytest.approx(1.0)


def test_piece_is_duration_weighted_unless_asked():
    # by count: C C C C E G G A E (C major); by duration the long A and E win (A minor)
    v = voice_from_durations("s", [60, 60, 60, 60, 64, 67, 67, 69, 64], [0.25] * 7 + [6, 3])
    p = Piece("p", parse_key("C major"), (v,))
    assert find_key(p).key.name == "A minor"
    assert find_key(p, weighted=False).key.name == "C major"


def test_learned_profiles_of_any_modes_and_key_objects():
    profiles = dict(kk_key_profiles())
    d_dorian = Key(2, "dorian")
    profiles[d_dorian.name] = np.roll(MODES["dorian"].mask.astype(float) * 3 + np.eye(12)[0] * 5, 2)
    hist = profiles["D dorian"] * 2 + 0.1
    assert find_key(hist, profiles).key == d_dorian
    assert find_key(hist, {d_dorian: profiles["D dorian"], Key(0): profiles["C major"]}).key == d_dorian


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="empty"):
        find_key(np.zeros(12))
    with pytest.raises(ValueError, match="empty"):
        find_key(Piece("e", Key(0), ()))
    with pytest.raises(ValueError, match="12"):
        find_key(np.ones(7))
    with pytest.raises(ValueError, match="two"):
        find_key(np.ones(12), {"C major": np.ones(12)})
    with pytest.raises(ValueError, match="12"):
        find_key(np.ones(12), {"C major": np.ones(11), "G major": np.ones(11)})


def test_default_profiles_are_the_24_keys():
    assert list(DEFAULT_PROFILES) == [k.name for k in all_keys()]


@pytest.mark.parametrize("found,target,expected", [
    ("C major", "C major", "exact"),
    ("C# major", "D- major", "exact"),
    ("A minor", "C major", "relative"),
    ("C major", "A minor", "relative"),
    ("E- major", "C minor", "relative"),
    ("C minor", "C major", "parallel"),
    ("G major", "C major", "dominant"),
    ("E minor", "A minor", "dominant"),
    ("F major", "C major", "other"),
    ("E major", "A minor", "other"),
    ("E minor", "C major", "other"),
])
def test_relation(found, target, expected):
    assert relation(parse_key(found), parse_key(target)) == expected


# --- music21 as the oracle ------------------------------------------------------------------------------

def score_to_piece(score, key: Key, name: str) -> Piece:
    """Test-side reader: every part a voice, tied notes merged, a chord's top note, grace notes dropped."""
    voices = []
    for i, part in enumerate(score.parts):
        notes: list[Note] = []
        for el in part.flatten().notesAndRests:
            ql = float(el.quarterLength)
            if ql <= 0:
                continue
            pitch = None if el.isRest else max(p.midi for p in el.pitches)
            tie = getattr(el, "tie", None)
            if tie is not None and tie.type in ("stop", "continue") and notes and notes[-1].pitch == pitch:
                prev = notes.pop()
                notes.append(Note(pitch, prev.duration + ql, prev.onset))
                continue
            notes.append(Note(pitch, ql, float(el.getOffsetInHierarchy(part))))
        voices.append(Voice(f"v{i}", tuple(notes)))
    return Piece(name, key, tuple(voices))


def music21_ks(stream) -> tuple[int, str, str]:
    k = music21.analysis.discrete.KrumhanslSchmuckler().getSolution(stream)
    return k.tonic.pitchClass, k.mode, k.tonic.name


def shte_scores(n: int):
    """Every k-th SHTE four-part file (spread over the chapters), parsed from the zip, with its key."""
    if not SHTE_ZIP.exists():
        pytest.skip(f"SHTE not found at {SHTE_ZIP} (set MODESNN_SHTE_ZIP)")
    with zipfile.ZipFile(SHTE_ZIP) as zf:
        names = sorted(m for m in zf.namelist() if "/four/" in m and m.endswith(".xml"))
        for m in names[:: max(1, len(names) // n)][:n]:
            key = parse_key(Path(m).stem.split("_", 1)[1])
            yield music21.converter.parse(zf.read(m), format="musicxml"), key, Path(m).name


def _agreement(scores):
    on_score = on_piece = spelled = total = 0
    for score, key, name in scores:
        p = score_to_piece(score, key, name)
        mine = find_key_music21_compatible(p)
        ours = (mine.key.tonic, mine.key.mode)
        tonic, mode, spelling = music21_ks(score)
        on_score += ours == (tonic, mode)
        spelled += mine.key.spelling == spelling
        on_piece += ours == music21_ks(piece_to_stream(p))[:2]
        total += 1
    return on_score, on_piece, spelled, total


@pytest.mark.slow
def test_music21_oracle_on_shte():
    on_score, on_piece, spelled, total = _agreement(shte_scores(20))
    print(f"SHTE: numpy KS = music21 KS on {on_score}/{total} scores, {on_piece}/{total} pieces")
    assert total == 20
    assert on_piece == total  # same notes in: same key out
    assert on_score >= 0.95 * total
    assert spelled == on_score


@pytest.mark.slow
def test_music21_oracle_on_bach_chorales():
    it = music21.corpus.chorales.Iterator(returnType="stream")
    scores = []
    for score in it:
        scores.append((score, Key(0), score.metadata.title if score.metadata else ""))
        if len(scores) == 20:
            break
    on_score, on_piece, spelled, total = _agreement(scores)
    print(f"Bach: numpy KS = music21 KS on {on_score}/{total} scores, {on_piece}/{total} pieces")
    assert total == 20
    assert on_piece == total
    assert on_score >= 0.95 * total
    assert spelled == on_score


def test_ties_are_broken_as_music21_does():
    # all twelve pitch classes equally long: every r is 0; music21 picks the highest tonic, minor first
    v = voice_from_durations("s", list(range(60, 72)), [1.0] * 12)
    p = Piece("chromatic", Key(0), (v,))
    assert (find_key_music21_compatible(p).key.tonic, find_key_music21_compatible(p).key.mode) == \
        music21_ks(piece_to_stream(p))[:2]
