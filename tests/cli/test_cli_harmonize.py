"""`modesnn harmonize`: the melody comes back note for note in the soprano; bad input is a one-line error with
no output file."""

from __future__ import annotations

import pytest

from modesnn.cli import main
from modesnn.corpus import load_corpus
from modesnn.model import save_model
from modesnn.model.chorale import ChoraleSNN


@pytest.fixture(scope="module")
def chorale_model(tmp_path_factory):
    pieces = load_corpus(["bach"], progress=False).pieces[:12]
    model = ChoraleSNN()
    model.learn(pieces, sources=["bach"])
    return save_model(model, tmp_path_factory.mktemp("m") / "c.modesnn")


def _melody_file(tmp_path, notes: str, name: str = "tune.abc") -> str:
    path = tmp_path / name
    path.write_text(f"X:1\nT:tune\nM:4/4\nL:1/4\nK:G\n{notes}|\n")
    return str(path)


def test_harmonize_writes_four_parts_keeping_the_melody(chorale_model, tmp_path, capsys):
    from music21 import converter

    melody = _melody_file(tmp_path, "G A B G | d2 B G | A B c A | G4")
    out = tmp_path / "h.musicxml"
    assert main(["harmonize", melody, "--key", "G major", "--model", str(chorale_model), "-o", str(out)]) == 0
    score = converter.parse(str(out))
    assert len(score.parts) == 4
    top = [n.pitch.midi for n in score.parts[0].recurse().notes]
    assert top == [67, 69, 71, 67, 74, 71, 67, 69, 71, 72, 69, 67]


@pytest.mark.parametrize("notes, problem", [
    ("[GB] A B G | G4", "chords"),
    ("z4 | z4", "no notes"),
    ("G,,, A B G | G4", "outside the soprano"),
])
def test_bad_melodies_are_refused(chorale_model, tmp_path, capsys, notes, problem):
    melody = _melody_file(tmp_path, notes)
    out = tmp_path / "h.mid"
    assert main(["harmonize", melody, "--key", "G major", "--model", str(chorale_model), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert problem in err and "\n" not in err and not out.exists()


def test_unknown_key_is_refused(chorale_model, tmp_path, capsys):
    melody = _melody_file(tmp_path, "G A B G | G4")
    out = tmp_path / "h.mid"
    assert main(["harmonize", melody, "--key", "H major", "--model", str(chorale_model), "-o", str(out)]) == 1
    assert "--key" in capsys.readouterr().err and not out.exists()
