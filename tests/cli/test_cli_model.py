"""The learn / profile / compose commands end to end on a real SHTE slice."""

from __future__ import annotations

import json

import mido
import music21
import pytest

from modesnn.cli import main


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, shte_four_files):
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "slice.modesnn"
    files = [str(f) for f in shte_four_files[::8]]
    mp = pytest.MonkeyPatch()
    mp.setenv("MODESNN_CACHE", str(folder / "cache"))
    try:
        assert main(["learn", *files, "--preset", "paper", "-o", str(path)]) == 0  # (the paper figures)
    finally:
        mp.undo()
    return path


def test_learn_extends_a_model(tmp_path, model_path, shte_four_files, monkeypatch, capsys):
    monkeypatch.setenv("MODESNN_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "more.modesnn"
    assert main(["learn", str(shte_four_files[1]), "--model", str(model_path), "-o", str(out)]) == 0
    assert "26 pieces in all" in capsys.readouterr().out  # 25 in the slice + 1


def test_profile_json(model_path, capsys):
    assert main(["profile", "--model", str(model_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for mode in ("major", "minor"):
        assert 0.7 < data["modes"][mode]["r_kk"] <= 1.0
        assert data["modes"][mode]["r_data"] > 0.95
    assert data["keys"] and -1 <= data["keys_mean_r_kk"] <= 1


def test_compose_writes_readable_midi_and_musicxml(tmp_path, model_path, capsys):
    mid, xml = tmp_path / "g.mid", tmp_path / "g.musicxml"
    argv = ["compose", "--model", str(model_path), "--key", "g", "--seed-notes", "D5 B-4 G4 G2", "--length", "24",
            "--seed", "4", "-o", str(mid), "-o", str(xml)]
    assert main(argv) == 0
    midi = mido.MidiFile(mid)
    note_tracks = [t for t in midi.tracks if any(m.type == "note_on" for m in t)]
    assert len(note_tracks) == 4
    channels = {m.channel for t in note_tracks for m in t if m.type == "note_on"}
    assert len(channels) == 4
    keysig = [m for t in midi.tracks for m in t if m.type == "key_signature"]
    assert keysig and keysig[0].key == "Gm"
    first = [next(m.note for m in t if m.type == "note_on" and m.velocity > 0) for t in note_tracks]
    assert first == [74, 70, 67, 43]  # the seed chord, top voice first
    score = music21.converter.parse(xml)
    assert len(score.parts) == 4
    ks = score.recurse().getElementsByClass("KeySignature").first()
    assert ks.sharps == -2
    lengths = {float(p.highestTime) for p in score.parts}
    assert len(lengths) == 1
    # the same command again gives the same bytes
    again = tmp_path / "again.mid"
    assert main(argv[:-4] + ["-o", str(again)]) == 0
    assert again.read_bytes() == mid.read_bytes()


@pytest.mark.parametrize("args, message", [
    (["--key", "H major"], "unknown key"),
    (["--key", "d dorian"], "this model knows"),
    (["--key", "g", "--seed-notes", "D5 B-4"], "2 notes given"),
    (["--key", "g", "--seed-notes", "D5 X4 G4 G2"], "not a note name"),
    (["--key", "g", "--length", "1"], "--length"),
])
def test_compose_bad_requests_are_one_line_errors(tmp_path, model_path, capsys, args, message):
    out = tmp_path / "x.mid"
    assert main(["compose", "--model", str(model_path), *args, "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not out.exists()


def test_compose_unwritable_output_and_bad_model(tmp_path, model_path, capsys):
    assert main(["compose", "--model", str(model_path), "--key", "C", "-o", str(tmp_path / "no" / "x.mid")]) == 1
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.modesnn"
    bad.write_bytes(model_path.read_bytes()[:500])
    assert main(["compose", "--model", str(bad), "--key", "C", "-o", str(tmp_path / "x.mid")]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "truncated" in err
    assert not (tmp_path / "x.mid").exists()
