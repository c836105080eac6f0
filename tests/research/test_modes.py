"""Church modes from labelled data: ABC `K:` modes and MusicXML `<mode>` are read, a model learns dorian and
mixolydian from real folk tunes (James Aird's airs, bundled with music21), `learn` warns about a requested mode
without notes, `compose` refuses it, and modal pieces are judged by final and characteristic degree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modesnn.cli import main
from modesnn.corpus import load_corpus
from modesnn.research.modal import judge_modal, summarise_modal
from modesnn.theory import Key


def aird_tunes(mode_word: str, n: int) -> list[str]:
    """The first n tunes of Aird's Airs whose `K:` field names the mode ('' = a bare tonic, major)."""
    import music21.corpus

    out = []
    for book in sorted((Path(music21.corpus.__file__).parent / "airdsAirs").glob("book*.abc")):
        for tune in book.read_text(encoding="latin-1").split("\nX:")[1:]:
            k = re.search(r"^K:(.*)$", tune, re.M)
            if k and re.fullmatch(rf"\s*[A-G][#b]?\s*{mode_word}\s*", k.group(1), re.I):
                out.append("X:" + tune.strip() + "\n\n")
                if len(out) == n:
                    return out
    return out


@pytest.fixture(scope="module")
def modal_abc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real slice: 4 dorian, 4 mixolydian and 4 major tunes; the dorian/mixolydian K: fields rewritten in the
    compact forms other books use (`Ador`, `AMix`)."""
    text = "".join(aird_tunes("Dorian", 4) + aird_tunes("Mixolydian", 4) + aird_tunes("", 4))
    text = re.sub(r"^K:([A-G])\s*Dorian", r"K:\1dor", text, flags=re.M)
    text = re.sub(r"^K:([A-G])\s*Mixolydian", r"K:\1Mix", text, flags=re.M)
    path = tmp_path_factory.mktemp("modal") / "aird_slice.abc"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def modal_pieces(modal_abc: Path) -> list:
    return load_corpus([str(modal_abc)], voices=1, progress=False, cache=False).pieces


def test_abc_mode_labels_are_read(modal_pieces: list) -> None:
    modes = sorted(p.key.mode for p in modal_pieces)
    assert modes.count("dorian") == 4 and modes.count("mixolydian") == 4 and modes.count("major") == 4
    assert {p.key_source for p in modal_pieces} == {"signature"}


def test_musicxml_mode_is_read(modal_abc: Path, tmp_path: Path) -> None:
    import music21

    opus = music21.converter.parse(str(modal_abc))
    dorian = next(s for s in opus.scores if s.recurse().getElementsByClass("Key").first().mode == "dorian")
    xml = tmp_path / "dorian.musicxml"
    dorian.write("musicxml", str(xml))
    assert "<mode>dorian</mode>" in xml.read_text()
    [piece] = load_corpus([str(xml)], voices=1, progress=False, cache=False).pieces
    assert piece.key.mode == "dorian" and piece.key_source == "signature"


def test_characteristic_degree_tells_labelled_tunes_apart(modal_pieces: list) -> None:
    dorian = [judge_modal(p) for p in modal_pieces if p.key.mode == "dorian"]
    mixo = [judge_modal(p) for p in modal_pieces if p.key.mode == "mixolydian"]
    assert summarise_modal(mixo)["characteristic_wins"] >= 0.75  # minor 7th over the leading tone
    assert summarise_modal(dorian)["characteristic_share"] > summarise_modal(dorian)["rival_share"]
    # a major tune heard as mixolydian: its leading tone beats the minor seventh
    major = [judge_modal(p, Key(p.key.tonic, "mixolydian")) for p in modal_pieces if p.key.mode == "major"]
    assert summarise_modal(major)["characteristic_wins"] <= 0.25
    assert all(r["final_is_tonic"] in (True, False) for r in dorian + mixo)


def test_learn_reports_notes_per_mode_warns_and_compose_refuses_an_unlearned_mode(
        modal_abc: Path, tmp_path: Path, capsys, corpus_cache: Path) -> None:
    model = tmp_path / "folk.modesnn"
    assert main(["learn", str(modal_abc), "--voices", "1", "--modes", "major,dorian,mixolydian,phrygian",
                 "-o", str(model)]) == 0
    out, err = capsys.readouterr()
    line = next(x for x in out.splitlines() if x.startswith("notes learned per mode"))
    counts = dict(re.findall(r"(\w+) (\d+)", line.split(":", 1)[1]))
    assert int(counts["dorian"]) > 0 and int(counts["mixolydian"]) > 0 and counts["phrygian"] == "0"
    assert "mode 'phrygian' received no notes" in err
    mid = tmp_path / "p.mid"
    assert main(["compose", "--model", str(model), "--key", "E phrygian", "--length", "8", "-o", str(mid)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "learned no notes in the phrygian mode" in err[0]
    assert not mid.exists()
    assert main(["compose", "--model", str(model), "--key", "E phrygian", "--schema-only", "--length", "8",
                 "-o", str(mid)]) == 0
    dorian = tmp_path / "d.mid"
    assert main(["compose", "--model", str(model), "--key", "A dorian", "--length", "8", "-o", str(dorian)]) == 0
    assert dorian.stat().st_size > 0


def test_modal_pieces_composed_by_a_folk_model(modal_pieces: list) -> None:
    from modesnn.model import ModelConfig, ModeSNN
    from modesnn.research.modal import compose_modal, learned_tonics, modal_markdown

    model = ModeSNN(ModelConfig(voices=1, modes=("major", "dorian", "mixolydian")))
    model.learn(modal_pieces)
    assert learned_tonics(model, "dorian") == (9, 4)  # the slice's A and E dorian airs, most notes first
    res = compose_modal(model, seeds=range(3), length=24)
    assert set(res) == {"dorian", "mixolydian"}
    for r in res.values():
        assert r["pieces"] == 3 * len(r["keys"])
        assert r["final_is_tonic"] >= 0.8
        assert r["rival_share"] <= r["characteristic_share"]  # the major/minor rival never dominates
        assert 0 < r["profile_r"] <= 1
    assert modal_markdown(res).count("\n") == 4
