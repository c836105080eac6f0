"""Issue 16: nothing a user feeds modesnn breaks it.  Each reproduction of the issue, with the broken input made
by the test: a one-line message, the stated exit code, no partial output, the good files of a batch kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from _scores import ABC, SATB, midi_bytes, musicxml, write_musicxml

from modesnn import limits
from modesnn.cli import main
from modesnn.corpus import load_corpus, precheck, reader
from modesnn.errors import CorpusError, LearnedNothing


def _one_line_error(capsys, *needles: str) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    for n in needles:
        assert n in err, err
    return err


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Three good four-part files (MusicXML, MIDI, ABC) and one broken file of each failure mode."""
    d = tmp_path / "mixed"
    d.mkdir()
    write_musicxml(d / "good.xml")
    (d / "good.mid").write_bytes(midi_bytes())
    (d / "good.abc").write_text(ABC)
    write_musicxml(d / "negative.xml", bad_duration=-1)  # the traceback
    (d / "truncated.mid").write_bytes(midi_bytes()[:60])
    (d / "bad.abc").write_text("X:1\nK:H\n%%%\n|:[[[ }}\n")
    (d / "garbage.musicxml").write_bytes(b"\x00\x01<score-partwise><part id='P1'>")
    (d / "empty.xml").write_bytes(b"")
    (d / "notzip.mxl").write_bytes(b"PK\x03\x04 not really a zip")
    return d


def test_every_per_file_failure_is_a_skip_and_the_batch_goes_on(mixed: Path, corpus_cache) -> None:
    result = load_corpus([str(mixed)], progress=False)
    assert sorted(Path(p.source).name for p in result.pieces) == ["good.abc", "good.mid", "good.xml"]
    reasons = {Path(f).name: r for f, r in result.skipped}
    assert set(reasons) == {"negative.xml", "truncated.mid", "bad.abc", "garbage.musicxml", "empty.xml",
                            "notzip.mxl"}
    assert "negative duration" in reasons["negative.xml"]
    assert reasons["empty.xml"] == "empty file"
    assert all("\n" not in r and r for r in reasons.values())
    # from the cache the second time: the same answer
    again = load_corpus([str(mixed)], progress=False)
    assert (again.cached, again.parsed) == (8, 0) and again.skipped == result.skipped  # the empty file: unread


def test_corpus_command_prints_json_and_strict_fails(mixed: Path, corpus_cache, capsys) -> None:
    assert main(["corpus", str(mixed), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pieces"] == 3 and len(data["skipped"]) == 6
    assert main(["corpus", str(mixed), "--strict"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("modesnn corpus: error: ") and "and 5 more skipped" in err[-1]


def test_a_value_the_data_model_refuses_is_a_skip(tmp_path: Path, corpus_cache, monkeypatch) -> None:
    """Whatever raises it: here the reader lets a negative duration through and `music.Note` refuses it."""
    good = write_musicxml(tmp_path / "a_C major.xml")
    real = reader.read_score

    def lenient(path, *args):
        outs = real(path, *args)
        kind, suffix, meter, key, source, lines, meta = outs[0]
        lines[0][1][0] = (lines[0][1][0][0], -1.0, 0.0)
        return [(kind, suffix, meter, key, source, lines, meta)]

    monkeypatch.setattr("modesnn.corpus.loader.read_score", lenient)
    result = load_corpus([str(good)], progress=False, cache=False)
    assert result.pieces == []
    why = result.skipped[0][1]
    assert why == "cannot build the piece (ValueError: duration must be a positive finite number, got -1.0)"


def test_learn_of_nothing_is_an_error_and_writes_no_model(mixed: Path, tmp_path: Path, corpus_cache, capsys) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("negative.xml", "truncated.mid", "bad.abc"):
        shutil.copy(mixed / name, bad / name)
    out = tmp_path / "m.modesnn"
    assert main(["learn", str(bad), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("modesnn learn: error: no piece learned from") and "every file skipped" in err[-1]
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad", "cache", "mixed"]


def test_learn_of_pieces_in_no_known_mode_is_an_error(tmp_path: Path, corpus_cache) -> None:
    from modesnn.model import ModelConfig
    from modesnn.workflows import learn_sources

    good = write_musicxml(tmp_path / "a_C major.xml")
    with pytest.raises(LearnedNothing, match="no piece learned .* not in model"):
        learn_sources([str(good)], config=ModelConfig(modes=("dorian",)), progress=False)


def test_compose_refuses_a_model_that_learned_nothing(tmp_path: Path, capsys) -> None:
    from modesnn.model import ModeSNN, save_model

    empty = save_model(ModeSNN(), tmp_path / "empty.modesnn")
    out = tmp_path / "x.mid"
    assert main(["compose", "--model", str(empty), "--key", "C", "-o", str(out)]) == 1
    _one_line_error(capsys, str(empty), "learned no pieces")
    assert not out.exists()


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, shte_model) -> Path:
    from modesnn.model import save_model

    return save_model(shte_model, tmp_path_factory.mktemp("model") / "shte.modesnn")


@pytest.mark.parametrize("seed_notes, needle", [("C9 E4 G3 C0", "C9 is outside the soprano's learned range"),
                                                ("C5 E4 G3 C0", "C0 is outside the bass's learned range")])
def test_seed_notes_outside_the_learned_ranges(tmp_path, model_file, capsys, seed_notes, needle) -> None:
    out = tmp_path / "x.mid"
    assert main(["compose", "--model", str(model_file), "--key", "C", "--seed-notes", seed_notes, "-o", str(out)]) == 1
    _one_line_error(capsys, needle)
    assert not out.exists()


@pytest.mark.parametrize("second", ["x.mid", "./x.mid"])
def test_the_same_output_twice_is_an_error(tmp_path, model_file, capsys, monkeypatch, second) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["compose", "--model", str(model_file), "--key", "C", "-o", "x.mid", "-o", second]) == 1
    _one_line_error(capsys, "given twice")
    assert list(tmp_path.iterdir()) == []


def test_length_over_the_limit_is_refused_before_loading_a_model(tmp_path, capsys) -> None:
    assert main(["compose", "--model", str(tmp_path / "none.modesnn"), "--key", "C", "--length", "100000",
                 "-o", str(tmp_path / "x.mid")]) == 1
    _one_line_error(capsys, "--length: 100000 is over the", f"limit of {limits.MAX_COMPOSE_LENGTH:,} notes per voice")


def test_lanes_over_the_limit_are_refused_before_reading(tmp_path, capsys) -> None:
    out = tmp_path / "m.modesnn"
    assert main(["learn", str(tmp_path / "missing"), "--lanes", "1000000", "-o", str(out)]) == 1
    _one_line_error(capsys, "--lanes: 1000000 is over the limit of 1,024")
    assert not out.exists()


def _big_musicxml(notes_per_part: int) -> str:
    parts = tuple((name, tuple(pitches[i % len(pitches)] for i in range(notes_per_part))) for name, pitches in SATB)
    return musicxml(parts=parts)


@pytest.mark.slow
def test_a_file_over_the_note_limit_is_skipped_before_parsing(tmp_path, corpus_cache, monkeypatch) -> None:
    import mido

    per_part = limits.MAX_NOTES_PER_FILE // 4 + 1
    (tmp_path / "big.xml").write_text(_big_musicxml(per_part))
    mid = mido.MidiFile()
    track = mido.MidiTrack()
    for i in range(200_000):  # the 200,000-note MIDI (it ran past 300 s and 941 MB)
        track += [mido.Message("note_on", note=60 + i % 12, velocity=80), mido.Message("note_off", note=60, time=60)]
    mid.tracks.append(track)
    mid.save(tmp_path / "big.mid")
    write_musicxml(tmp_path / "small.xml")
    parsed = []
    real = reader.read_score
    monkeypatch.setattr("modesnn.corpus.loader.read_score", lambda p, *a: parsed.append(p.name) or real(p, *a))
    result = load_corpus([str(tmp_path)], progress=False)
    assert parsed == ["small.xml"]  # the big files never reach music21
    reasons = dict((Path(f).name, r) for f, r in result.skipped)
    assert reasons["big.xml"] == f"{4 * per_part:,} notes, over the limit of 20,000 notes per file"
    assert reasons["big.mid"] == "20,001+ notes, over the limit of 20,000 notes per file"
    assert len(result.pieces) == 1


def test_the_note_limit_is_checked_again_on_the_extracted_notes(tmp_path, corpus_cache, monkeypatch) -> None:
    monkeypatch.setattr(precheck, "count_notes", lambda path, data: None)  # a format the precheck cannot count
    monkeypatch.setattr(reader, "MAX_NOTES_PER_FILE", 31)
    write_musicxml(tmp_path / "x.xml")  # 4 x 8 notes
    result = load_corpus([str(tmp_path)], progress=False, cache=False)
    assert result.skipped[0][1] == "32 notes, over the limit of 31 notes per file"


def test_a_file_over_the_size_limit_is_skipped_unread(tmp_path, corpus_cache, monkeypatch) -> None:
    write_musicxml(tmp_path / "x.xml")
    monkeypatch.setattr(precheck, "MAX_FILE_BYTES", 100)
    result = load_corpus([str(tmp_path)], progress=False, cache=False)
    assert result.skipped[0][1].endswith("over the limit of 0 MB per score file")


def test_strict_names_the_first_skip(mixed: Path, corpus_cache) -> None:
    with pytest.raises(CorpusError, match=r"bad\.abc: .*\(and 5 more skipped\)"):
        load_corpus([str(mixed)], progress=False, strict=True)


@pytest.mark.slow
def test_a_read_past_the_time_limit_is_a_skip_and_not_cached(tmp_path, corpus_cache, monkeypatch) -> None:
    import signal
    import time

    from music21 import converter  # noqa: F401  (imported before the clock starts, as in a long batch)

    from modesnn.corpus import loader

    write_musicxml(tmp_path / "slow.xml")
    write_musicxml(tmp_path / "quick.xml")
    real = reader._read_score

    def slow_on_one(path, *args):
        if path.name == "slow.xml":
            time.sleep(30)  # music21 stuck on a slow path
        return real(path, *args)

    monkeypatch.setattr(reader, "_read_score", slow_on_one)
    monkeypatch.setattr(limits, "MAX_PARSE_SECONDS", 2.0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    stored = []
    monkeypatch.setattr(loader._cache, "store", lambda entry, outs: stored.append(outs))
    result = load_corpus([str(tmp_path)], progress=False)
    assert [Path(p.source).name for p in result.pieces] == ["quick.xml"], result.skipped
    assert result.skipped[0][1] == "reading took over 2 s, the limit per file (MAX_PARSE_SECONDS)"
    assert len(stored) == 1 and stored[0][0][0] == "piece"  # the slow file's skip is not cached
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_time_limit_keeps_a_callers_timer(monkeypatch) -> None:
    import signal

    from modesnn.corpus.timelimit import time_limit

    fired = []
    old = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 50.0)
        with time_limit(1.0):
            assert signal.getitimer(signal.ITIMER_REAL)[0] <= 1.0
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 45 < left <= 50 and signal.getsignal(signal.SIGALRM) is not None and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_an_xml_entity_bomb_is_a_skip(tmp_path, corpus_cache) -> None:
    """'Billion laughs' in a MusicXML file: expat's amplification limit refuses it, as a one-line skip."""
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY l0 "lol">{entities}]>'
            + musicxml().split("?>", 1)[1].replace("<part-name>Soprano", "<part-name>&l9;Soprano"))
    (tmp_path / "bomb.xml").write_text(bomb)
    result = load_corpus([str(tmp_path)], progress=False)
    assert result.pieces == [] and "amplification" in result.skipped[0][1]
