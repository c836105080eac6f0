"""Corpus reading (issue 2): readers, voice choice, key labels, cache, errors, and `modesnn corpus`.

Inputs are real slices (a few Bach chorales, a few SHTE exercises) and small scores or broken files built
here in tmp_path.  Every test uses its own empty cache (`corpus_cache`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from music21 import analysis, chord, converter, key, meter, note, stream, tie

from modesnn import corpus as corpus_pkg
from modesnn.cli import main
from modesnn.corpus import CorpusResult, cache_dir, filename_key_label, load_corpus
from modesnn.corpus import loader as corpus_loader
from modesnn.errors import CorpusError
from modesnn.theory import parse_key

pytestmark = pytest.mark.usefixtures("corpus_cache")

SATB = ["soprano", "alto", "tenor", "bass"]


# ---------------------------------------------------------------- building scores


def _part(name: str | None, elements: list, ts: str = "4/4", k: object = None) -> stream.Part:
    p = stream.Part()
    if name is not None:
        p.partName = name
    p.append(meter.TimeSignature(ts))
    if k is not None:
        p.append(k)
    for el in elements:
        p.append(el)
    return p


def _notes(names: str, ql: float = 1.0) -> list:
    return [note.Note(n, quarterLength=ql) for n in names.split()]


def _write(path: Path, parts: list[stream.Part], fmt: str = "musicxml") -> Path:
    s = stream.Score()
    for p in parts:
        s.insert(0, p)
    s.write(fmt, fp=str(path))
    return path


def _four_part(path: Path, names: tuple = ("Soprano", "Alto", "Tenor", "Bass"), k: object = None) -> Path:
    """Four parts of G-major material; a part's line is chosen by the first letter of its name (S, A, T, B),
    any other part plays C4 D4 E4 F4."""
    lines = {"S": "G5 A5 B5 G5", "A": "D5 E5 F#5 D5", "T": "B4 C5 D5 B4", "B": "G3 A3 B3 G3"}
    parts = [
        _part(n, _notes(lines.get(n[0], "C4 D4 E4 F4")), k=key.Key(k.tonic, k.mode) if k else None)
        for n in names
    ]
    return _write(path, parts)


def _voice(piece, name):
    return next(v for v in piece.voices if v.name == name)


def _triples(voice) -> list[tuple]:
    return [(n.pitch, n.duration, n.onset) for n in voice.notes]


# ---------------------------------------------------------------- note extraction


def test_ties_merge_chords_keep_top_grace_dropped_rests_merged(tmp_path):
    start, stop = note.Note("C4", quarterLength=2), note.Note("C4", quarterLength=1)
    start.tie, stop.tie = tie.Tie("start"), tie.Tie("stop")
    across_bar = note.Note("D4", quarterLength=2)  # beats 4-5: written as two notes tied over the barline
    grace = note.Note("E4").getGrace()
    elements = [
        start,
        stop,
        across_bar,
        grace,
        chord.Chord(["E4", "G4", "C5"], quarterLength=1),
        note.Rest(quarterLength=1),
        note.Rest(quarterLength=1),
        note.Note("G4", quarterLength=4),
    ]
    path = _write(tmp_path / "line.musicxml", [_part("Melody", elements)])

    result = load_corpus([str(path)], voices=1, progress=False)

    (piece,) = result.pieces
    assert [v.name for v in piece.voices] == ["Melody"]
    assert _triples(piece.voices[0]) == [
        (60, 3.0, 0.0),
        (62, 2.0, 3.0),
        (72, 1.0, 5.0),
        (None, 2.0, 6.0),
        (67, 4.0, 8.0),
    ]


def test_two_notated_voices_in_one_part_keep_the_top_line(tmp_path):
    m = stream.Measure(number=1)
    upper, lower = stream.Voice(), stream.Voice()
    upper.append([note.Rest(quarterLength=2), note.Note("A4", quarterLength=2)])
    lower.append(note.Note("C4", quarterLength=4))
    m.insert(0, upper)
    m.insert(0, lower)
    p = stream.Part()
    p.partName = "Piano"
    p.append(m)
    path = _write(tmp_path / "voices.musicxml", [p])

    (piece,) = load_corpus([str(path)], voices=1, progress=False).pieces

    assert _triples(piece.voices[0]) == [(60, 2.0, 0.0), (69, 2.0, 2.0)]


# ---------------------------------------------------------------- voices


def test_four_named_parts_in_any_order_become_soprano_alto_tenor_bass(tmp_path):
    path = _four_part(tmp_path / "reversed.musicxml", names=("Bass", "Tenor", "Alto", "Soprano"))
    (piece,) = load_corpus([str(path)], progress=False).pieces
    assert [v.name for v in piece.voices] == SATB
    assert _voice(piece, "soprano").pitches[0] == 79 and _voice(piece, "bass").pitches[0] == 55


def test_extra_instrumental_parts_are_dropped_when_vocal_parts_are_named(tmp_path):
    path = _four_part(tmp_path / "with_continuo.musicxml", names=("Oboe", "S.", "A", "Tenor", "Bass"))
    (piece,) = load_corpus([str(path)], progress=False).pieces
    assert [v.name for v in piece.voices] == SATB
    assert piece.meta["dropped_parts"] == ["Oboe"]
    assert _voice(piece, "soprano").pitches[0] == 79


def test_extra_parts_that_cannot_be_named_are_skipped_with_a_reason(tmp_path):
    path = _four_part(
        tmp_path / "two_sopranos.musicxml", names=("Soprano 1", "Soprano 2", "Alto", "Tenor", "Bass")
    )
    result = load_corpus([str(path)], progress=False)
    assert result.pieces == []
    ((file, reason),) = result.skipped
    assert file == str(path)
    assert "has 5 parts, expected 4" in reason and "'Soprano 1', 'Soprano 2'" in reason


def test_three_part_piece_is_skipped_unless_any_voice_count_is_accepted(tmp_path):
    path = _write(
        tmp_path / "trio.musicxml", [_part(n, _notes("C4 D4 E4 F4")) for n in ("Flute", "Oboe", "Oboe")]
    )

    result = load_corpus([str(path)], progress=False)
    assert result.pieces == [] and result.skipped == [(str(path), "has 3 voices, expected 4")]

    (piece,) = load_corpus([str(path)], voices=None, progress=False).pieces
    assert [v.name for v in piece.voices] == ["Flute", "Oboe", "Oboe 2"]
    (piece,) = load_corpus([str(path)], voices=3, progress=False).pieces
    assert len(piece.voices) == 3


def test_real_bach_chorale_with_continuo_keeps_the_four_voices():
    files = {f.name: f.path for f in corpus_pkg.bach_files()}
    result = load_corpus([str(files["bach/bwv8.6"]), str(files["bach/bwv27.6"])], progress=False)
    (piece,) = result.pieces
    assert piece.name == "bwv8.6" and [v.name for v in piece.voices] == SATB
    assert piece.meta["dropped_parts"] == ["Continuo"]
    assert len(result.skipped) == 1 and "Soprano 1" in result.skipped[0][1]


# ---------------------------------------------------------------- formats


def test_midi_and_abc_collections_are_read(tmp_path):
    _write(
        tmp_path / "four.mid",
        [_part(None, _notes(n), ts="3/4") for n in ("G5 A5 B5", "D5 E5 F#5", "B4 C5 D5", "G3 A3 B3")],
        fmt="midi",
    )
    (tmp_path / "tunes.abc").write_text(
        "X:1\nT:One\nM:4/4\nL:1/4\nK:G\nGABc|d2d2|]\n\nX:2\nT:Two\nM:3/4\nL:1/4\nK:Dm\nDEF|A2A|]\n"
    )
    result = load_corpus([str(tmp_path)], voices=None, progress=False)
    assert [(p.name, len(p.voices)) for p in result.pieces] == [("four", 4), ("tunes#1", 1), ("tunes#2", 1)]
    midi = result.pieces[0]
    assert [v.name for v in midi.voices] == SATB and midi.voices[0].pitches == [79, 81, 83]
    assert [p.meter for p in result.pieces] == ["3/4", "4/4", "3/4"]
    assert result.pieces[2].key.name == "D minor"


# ---------------------------------------------------------------- keys


def test_filename_label_parsing():
    assert filename_key_label("ch13-05_c minor.xml") == "c minor"
    assert filename_key_label("/x/ch10-02_B- major.musicxml") == "B- major"
    assert filename_key_label("chorale_a.xml") == ""  # no mode word: not a key
    assert filename_key_label("bwv1.6.mxl") == ""
    assert parse_key(filename_key_label("ex_c minor.xml")).name == "C minor"  # mode word wins over case


def test_key_sources_auto_filename_signature_analysis(tmp_path):
    labelled = _four_part(tmp_path / "ex_B- major.musicxml", k=key.Key("g"))
    plain = _four_part(tmp_path / "plain.musicxml", k=key.Key("g"))
    bare = _write(
        tmp_path / "bare.musicxml",
        [
            _part(n, _notes(s), k=key.KeySignature(1))
            for n, s in (
                ("S", "G5 A5 B5 G5"),
                ("A", "D5 D5 D5 D5"),
                ("T", "B4 C5 D5 B4"),
                ("B", "G3 F#3 G3 D3"),
            )
        ],
    )
    srcs = [str(labelled), str(plain), str(bare)]

    auto = {p.name: (p.key.name, p.key_source) for p in load_corpus(srcs, progress=False).pieces}
    oracle = analysis.discrete.KrumhanslSchmuckler().getSolution(converter.parse(str(bare)))
    assert auto == {
        "ex_B- major": ("B- major", "filename"),
        "plain": ("G minor", "signature"),
        "bare": (f"{oracle.tonic.name} {oracle.mode}", "analysis"),
    }

    by_signature = load_corpus(srcs, key_from="signature", progress=False)
    assert [(p.name, p.key.name) for p in by_signature.pieces] == [
        ("ex_B- major", "G minor"),
        ("plain", "G minor"),
    ]
    assert by_signature.skipped[0][0] == str(bare) and "no key with a mode" in by_signature.skipped[0][1]

    by_name = load_corpus(srcs, key_from="filename", progress=False)
    assert [p.name for p in by_name.pieces] == ["ex_B- major"]
    assert len(by_name.skipped) == 2 and all("file name" in r for _, r in by_name.skipped)

    by_analysis = load_corpus(srcs, key_from="analysis", progress=False)
    assert {p.key_source for p in by_analysis.pieces} == {"analysis"}


def test_modes_from_music21_map_to_theory_modes(tmp_path):
    dorian = _four_part(tmp_path / "dorian.musicxml", k=key.Key("D", "dorian"))
    aeolian = _four_part(tmp_path / "aeolian.musicxml", k=key.Key("A", "aeolian"))
    names = {p.name: p.key.name for p in load_corpus([str(dorian), str(aeolian)], progress=False).pieces}
    assert names == {"dorian": "D dorian", "aeolian": "A natural minor"}


# ---------------------------------------------------------------- real data: Bach and SHTE


def test_bach_chorales(bach_paths):
    result = load_corpus(bach_paths, progress=False)
    assert len(result.pieces) == 6 and result.skipped == []
    for p, path in zip(result.pieces, bach_paths, strict=True):
        assert p.name == Path(path).stem and p.source == path
        assert [v.name for v in p.voices] == SATB and p.key_source == "signature"
        assert p.key.mode in ("major", "minor") and all(v.pitches for v in p.voices)


def test_bach_source_lists_350_unique_chorales_in_iterator_order(monkeypatch, bach_paths):
    files = corpus_pkg.bach_files()
    assert len(files) == 350 and len({f.path for f in files}) == 350
    assert files[0].name == "bach/bwv269" and all(f.name.startswith("bach/") for f in files)

    monkeypatch.setattr(corpus_loader, "bach_files", lambda: files[:2])
    result = load_corpus(["bach"], progress=False)
    assert [p.name for p in result.pieces] == ["bach/bwv269", "bach/bwv347"]


def test_shte_keys_equal_file_names_and_voices_follow_part_order(shte_four_files):
    files = shte_four_files[::40]  # 5 files across the chapters
    result = load_corpus([str(f) for f in files], progress=False)
    assert len(result.pieces) == len(files) and result.skipped == []
    for p, f in zip(result.pieces, files, strict=True):
        assert p.key == parse_key(f.stem.rsplit("_", 1)[1]) and p.key_source == "filename"
        assert p.name == f.stem and [v.name for v in p.voices] == SATB
        means = [sum(v.pitches) / len(v.pitches) for v in p.voices]
        assert means == sorted(means, reverse=True), f"{f.name}: voices not top to bottom"


def test_shte_root_reads_only_four_part_files(shte_dir, tmp_path):
    root = tmp_path / "dataset"
    picks = sorted(shte_dir.glob("ch10/four/*.xml"))[:3] + sorted(shte_dir.glob("ch10/oringal/*.xml"))[:2]
    for f in picks:
        dest = root / f.relative_to(shte_dir)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, dest)
    (root / "README.txt").write_text("not music")

    result = load_corpus([str(root)], progress=False)
    assert [p.name for p in result.pieces] == [f.stem for f in picks[:3]]
    assert [(Path(f).name, r) for f, r in result.skipped] == [
        (f.name, "has 2 voices, expected 4") for f in picks[3:]
    ]


# ---------------------------------------------------------------- cache


def test_second_load_comes_from_the_cache(bach_paths, monkeypatch, corpus_cache):
    first = load_corpus(bach_paths[:2], progress=False)
    assert (first.parsed, first.cached) == (2, 0)
    assert cache_dir() == corpus_cache and len(list(corpus_cache.rglob("*.pkl"))) == 2

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed again although cached")

    monkeypatch.setattr(corpus_loader, "read_score", no_parse)
    second = load_corpus(bach_paths[:2], progress=False)
    assert (second.parsed, second.cached) == (0, 2)
    assert second.pieces == first.pieces
    assert [p.meta for p in second.pieces] == [p.meta for p in first.pieces]


def test_skipped_files_are_cached_too(tmp_path, monkeypatch):
    bad = tmp_path / "noise.mid"
    bad.write_bytes(bytes(range(256)) * 3)
    first = load_corpus([str(bad)], progress=False)
    monkeypatch.setattr(corpus_loader, "read_score", lambda *a, **k: pytest.fail("parsed again"))
    second = load_corpus([str(bad)], progress=False)
    assert (
        second.cached == 1
        and second.skipped == first.skipped
        and "cannot read as music" in first.skipped[0][1]
    )


def test_corrupt_cache_entry_is_ignored_and_rewritten(bach_paths, corpus_cache):
    first = load_corpus(bach_paths[:1], progress=False)
    (entry,) = corpus_cache.rglob("*.pkl")
    entry.write_bytes(b"\x80garbage")
    again = load_corpus(bach_paths[:1], progress=False)
    assert again.parsed == 1 and again.pieces == first.pieces
    assert load_corpus(bach_paths[:1], progress=False).cached == 1  # rewritten


def test_cache_key_covers_options_and_no_cache_writes_nothing(bach_paths, corpus_cache):
    load_corpus(bach_paths[:1], progress=False)
    assert load_corpus(bach_paths[:1], key_from="analysis", progress=False).parsed == 1
    assert load_corpus(bach_paths[:1], voices=None, progress=False).parsed == 1
    before = sorted(corpus_cache.rglob("*.pkl"))
    assert len(before) == 3
    assert load_corpus(bach_paths[1:2], cache=False, progress=False).parsed == 1
    assert sorted(corpus_cache.rglob("*.pkl")) == before


# ---------------------------------------------------------------- bad input


def _broken_folder(root: Path) -> Path:
    root.mkdir()
    (root / "empty.xml").write_bytes(b"")
    (root / "garbage.mid").write_bytes(b"\x00\xff\x13 not midi at all" * 20)
    (root / "text.musicxml").write_text("hello, this is not a score\n")
    (root / "notes.txt").write_text("ignored: unknown extension")
    _four_part(root / "good.musicxml")
    return root


def test_bad_files_are_skipped_with_reasons_and_others_still_read(tmp_path):
    root = _broken_folder(tmp_path / "mixed")
    seen: list[tuple[str, str]] = []
    result = load_corpus([str(root)], progress=False, on_skip=lambda f, r: seen.append((f, r)))
    assert isinstance(result, CorpusResult)
    assert [p.name for p in result.pieces] == ["good"]
    reasons = {Path(f).name: r for f, r in result.skipped}
    assert set(reasons) == {"empty.xml", "garbage.mid", "text.musicxml"}
    assert reasons["empty.xml"] == "empty file"
    assert reasons["garbage.mid"].startswith("cannot read as music (MidiException")
    assert reasons["text.musicxml"].startswith("cannot read as music")
    assert seen == result.skipped and result.files == 4


def test_strict_raises_after_reading_everything(tmp_path):
    root = _broken_folder(tmp_path / "mixed")
    with pytest.raises(CorpusError, match=r"empty\.xml: empty file \(and 2 more skipped\)"):
        load_corpus([str(root)], strict=True, progress=False)


def test_missing_path_empty_folder_and_non_music_file_raise(tmp_path):
    with pytest.raises(CorpusError, match="nowhere"):
        load_corpus([str(tmp_path / "nowhere")], progress=False)
    (tmp_path / "empty").mkdir()
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("x")
    for folder in ("empty", "texts"):
        with pytest.raises(CorpusError, match=f"{folder}: no music files"):
            load_corpus([str(tmp_path / folder)], progress=False)
    with pytest.raises(CorpusError, match="a.txt: not a music file"):
        load_corpus([str(tmp_path / "texts" / "a.txt")], progress=False)
    with pytest.raises(CorpusError, match="key_from"):
        load_corpus([str(tmp_path)], key_from="guess", progress=False)


def test_folder_order_is_sorted_by_relative_path(tmp_path):
    root = tmp_path / "music"
    (root / "sub").mkdir(parents=True)
    for rel in ("sub/c.musicxml", "b.musicxml", "a.xml"):
        _four_part(root / rel)
    result = load_corpus([str(root)], progress=False)
    assert [p.name for p in result.pieces] == ["a", "b", "c"]


# ---------------------------------------------------------------- CLI


def test_cli_json_shape(tmp_path, capsys):
    root = _broken_folder(tmp_path / "mixed")
    assert main(["corpus", str(root), "--json", "--list"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["pieces"] == 1 and data["notes"] == 16 and data["keys"] == {"G major": 1}
    assert {s["file"] for s in data["skipped"]} == {
        str(root / n) for n in ("empty.xml", "garbage.mid", "text.musicxml")
    }
    assert all(set(s) == {"file", "reason"} for s in data["skipped"])
    (item,) = data["items"]
    assert item["file"] == str(root / "good.musicxml") and item["voices"] == 4 and item["notes"] == 16
    assert item["key"] == "G major" and item["key_source"] == "analysis"
    assert f"modesnn: skipped {root / 'empty.xml'}: empty file" in err.splitlines()


def test_cli_human_summary_and_errors(tmp_path, capsys):
    root = _broken_folder(tmp_path / "mixed")
    assert main(["corpus", str(root), "--voices", "any", "--no-cache"]) == 0
    out, err = capsys.readouterr()
    assert "1 pieces from 4 files" in out and "G major  1" in out and "skipped 3 files:" in out
    assert f"{root / 'empty.xml'}: empty file" in out and err == ""

    assert main(["corpus", str(root), "--strict"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("modesnn corpus: error: ") and "empty.xml: empty file" in err[-1]

    assert main(["corpus", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"modesnn corpus: error: {tmp_path / 'missing'}: no such file or folder"]
