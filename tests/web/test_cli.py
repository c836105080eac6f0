"""`modesnn inspect`, `modesnn listen-results` and `modesnn serve` as commands: outputs and one-line errors."""

from __future__ import annotations

import sqlite3

import pytest

from modesnn.cli import main
from modesnn.theory import parse_key
from modesnn.web.figures import record
from modesnn.web.listen_db import COLUMNS, ListenDB


@pytest.fixture(scope="module")
def model_file(web_model, tmp_path_factory):
    from modesnn.model import save_model

    return str(save_model(web_model, tmp_path_factory.mktemp("model") / "slice.modesnn"))


def test_the_raster_labels_key_mode_and_every_voice(web_model) -> None:
    piece, spikes = record(web_model, parse_key("D major"), 8, 0)
    labels = {label for _, label, _ in spikes}
    assert "key D major" in labels and "mode major" in labels
    for voice in ("soprano", "alto", "tenor", "bass"):
        assert f"{voice} pitch" in labels
    times = [t for t, _, _ in spikes]
    assert times == sorted(times) and len(piece.voices) == 4


def test_inspect_writes_a_png(model_file, tmp_path, capsys) -> None:
    from PIL import Image

    out = tmp_path / "net.png"
    assert main(["inspect", "--model", model_file, "--key", "D major", "--length", "8", "-o", str(out)]) == 0
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size[0] > 800 and im.size[1] > 800
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize("args, message", [
    (["--key", "H major", "-o", "x.png"], "--key"), (["--key", "C major", "-o", "x.jpg"], "must end in .png"),
    (["--key", "C major", "-o", "/no/such/dir/x.png"], "does not exist"),
    (["--key", "C major", "--length", "1", "-o", "x.png"], "--length"),
])
def test_inspect_bad_arguments_are_one_line(model_file, tmp_path, monkeypatch, capsys, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["inspect", "--model", model_file, *args]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_listen_results_per_system_and_csv(tmp_path, capsys) -> None:
    db = ListenDB(tmp_path / "l.sqlite")
    for i, (chosen, system) in enumerate((("first", "bach"), ("second", "bach"), ("first", "modesnn"))):
        row = dict.fromkeys(COLUMNS, "")
        row.update(trial=f"{i:016x}", key="G major", first_system="modesnn" if system == "modesnn" else "bach",
                   first_source="a", second_system="bach" if system == "modesnn" else "modesnn",
                   second_source="b", chosen=chosen, issued_at=1.0, answered_at=2.5, response_s=1.5, rater="r1")
        row["chosen_system"] = row["first_system"] if chosen == "first" else row["second_system"]
        db.insert(row)
    db.close()
    assert main(["listen-results", "--db", str(tmp_path / "l.sqlite"), "--csv", str(tmp_path / "a.csv")]) == 0
    out = capsys.readouterr().out
    modesnn_line = next(line for line in out.splitlines() if line.startswith("modesnn "))
    assert modesnn_line.split()[1:3] == ["3", "2"]  # 3 trials, judged human twice
    assert (tmp_path / "a.csv").read_text().count("\n") == 4


def test_listen_results_errors_are_one_line(tmp_path, capsys) -> None:
    assert main(["listen-results", "--db", str(tmp_path / "none.sqlite")]) == 1
    (tmp_path / "junk.sqlite").write_bytes(b"not a database at all" * 100)
    assert main(["listen-results", "--db", str(tmp_path / "junk.sqlite")]) == 1
    conn = sqlite3.connect(tmp_path / "empty.sqlite")
    conn.execute("CREATE TABLE other (x)")
    conn.close()
    assert main(["listen-results", "--db", str(tmp_path / "empty.sqlite")]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("modesnn listen-results: error: --db") for line in lines)


def test_serve_refuses_bad_arguments(capsys) -> None:
    assert main(["serve", "--port", "70000"]) == 1
    assert main(["serve", "--db", "/no/such/dir/x.sqlite"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and "--port" in lines[0] and "--db" in lines[1]
