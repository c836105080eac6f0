"""`modesnn key` and `modesnn evaluate` end to end, with a small real model learned from 12 SHTE pieces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modesnn.cli import main
from modesnn.corpus import load_corpus
from modesnn.evaluate.harmony_table import HARMONY_ROWS
from modesnn.evaluate.run import SYSTEM_LABELS, SYSTEMS
from modesnn.model import ModeSNN, save_model
from modesnn.theory import parse_key


def _label(path: Path) -> str:
    """SHTE file names end with the key: 'ch10-02_f minor.xml' -> 'F minor' (canonical name)."""
    return parse_key(path.stem.rsplit("_", 1)[1]).name


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("modesnn-cache")


@pytest.fixture(autouse=True)
def _isolated_cache(cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or fills the user's cache."""
    monkeypatch.setenv("MODESNN_CACHE", str(cache_root))


@pytest.fixture(scope="module")
def train_files(shte_four_files: list[Path]) -> list[Path]:
    return shte_four_files[::17]  # 12 pieces spread over the chapters


@pytest.fixture(scope="module")
def model_path(train_files: list[Path], cache_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODESNN_CACHE", str(cache_root))
        sources = [str(f) for f in train_files]
        pieces = load_corpus(sources, progress=False).pieces
        assert len(pieces) == 12
        model = ModeSNN()
        model.learn(pieces, sources=sources)
        path = tmp_path_factory.mktemp("model") / "shte12.modesnn"
        save_model(model, path)
    return path


def test_key_recovers_file_name_keys(shte_four_files, model_path, capsys):
    files = shte_four_files[5::48][:4]  # not in the training slice
    assert main(["key", *map(str, files), "--model", str(model_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in rows] == [str(f) for f in files]
    for r in rows:
        assert set(r) >= {"file", "key", "r", "runner_up", "runner_up_r"}
        assert -1 <= r["runner_up_r"] <= r["r"] <= 1
        assert r["key"] != r["runner_up"]
    hits = sum(r["key"] == _label(f) for r, f in zip(rows, files, strict=True))
    assert hits >= 3, rows


def test_key_text_output(shte_four_files, model_path, capsys):
    f = shte_four_files[0]
    assert main(["key", str(f), "--model", str(model_path)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"{f}: ") and "r = " in out and "runner-up" in out


def test_key_bad_file_is_one_line_and_others_still_reported(shte_four_files, model_path, tmp_path, capsys):
    bad = tmp_path / "garbage.xml"
    bad.write_text("this is not MusicXML at all")
    missing = tmp_path / "missing.mid"
    good = shte_four_files[1]
    code = main(["key", str(bad), str(good), str(missing), "--model", str(model_path), "--json"])
    captured = capsys.readouterr()
    assert code == 1
    rows = json.loads(captured.out)
    assert [r["file"] for r in rows] == [str(good)]
    errors = [line for line in captured.err.splitlines() if line.strip()]
    assert len(errors) == 2
    assert str(bad) in errors[0] and str(missing) in errors[1]


def test_key_compare_json(train_files, model_path, capsys):
    assert main(["key", "--compare", *map(str, train_files), "--model", str(model_path), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["pieces"] == 12
    for name in ("learned", "krumhansl_schmuckler", "aarden_essen"):
        assert 0.0 <= res[name] <= 1.0
        assert res[name] <= res["near"][name] <= 1.0
    assert res["learned"] >= 0.75
    assert res["krumhansl_schmuckler"] >= 0.75  # SHTE: KS finds the label in 99.5 % of pieces


def test_evaluate_writes_metrics_and_report(model_path, tmp_path, capsys):
    out = tmp_path / "new" / "report"
    args = ["evaluate", "--keys", "C major,A minor", "--seeds", "1", "--length", "16", "-o", str(out),
            "--model", str(model_path)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Markov" in printed
    data = json.loads((out / "metrics.json").read_text())
    systems = data["systems"]
    assert set(systems) == {*SYSTEMS, "corpus"} - {"paper"}  # no --paper model given
    for name in set(SYSTEMS) - {"paper"}:
        m = systems[name]
        assert m["n_pieces"] == 2
        for metric in ("diatonic", "diatonic_any_minor", "tonal_coherence", "key_exact", "key_exact_or_near",
                       "distinct_pitch_classes", "pitch_class_entropy", "distinct_pitches", "mean_abs_interval",
                       "parallel_fifths_per_100"):
            assert metric in m
        assert 0.0 <= m["diatonic"] <= 1.0
        assert 0.0 <= m["key_exact"] <= m["key_exact_or_near"] <= 1.0
    assert systems["corpus"]["n_pieces"] == 12
    assert systems["corpus"]["diatonic"] > 0.9
    assert set(data["profiles"]["modes"]) == {"major", "minor"}
    assert -1 <= data["profiles"]["modes"]["major"]["r_kk"] <= 1
    assert set(data["checks"]) == {"key_exact_beats_markov", "diatonic_beats_markov",
                                   "distinct_pitch_classes_within_10pct_of_corpus"}
    assert data["settings"]["keys"] == ["C major", "A minor"]
    report = (out / "report.md").read_text()
    for name in set(systems):
        assert SYSTEM_LABELS[name] in report
    assert "Markov" in report and "10 %" in report
    # music.md's four-part table: every system and the corpus, the Bach column, the goals
    harmony = data["harmony"]
    assert set(harmony) == {*SYSTEMS, "corpus"} - {"paper"}
    assert harmony["degree_markov"]["n_pieces"] == 2
    for row in HARMONY_ROWS:
        assert row.name in harmony["model"] and row.name in data["harmony_checks"]
        assert f"| {row.label} |" in report
    assert harmony["corpus"]["triads_sevenths"] > 0.5 > harmony["random_diatonic"]["triads_sevenths"]
    assert harmony["corpus"]["one_pitch_class"] < 0.05
    assert "## Four-part writing" in report and "complete triads + sevenths" in printed
    for png in ("profiles.png", "pitch_class_histograms.png", "pianoroll_model.png", "pianoroll_markov.png"):
        assert (out / png).stat().st_size > 1000
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_evaluate_bad_keys_is_a_user_error(model_path, tmp_path, capsys):
    assert main(["evaluate", "--keys", "H major", "-o", str(tmp_path / "x"), "--model", str(model_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--keys" in err[0]


def test_evaluate_harmonize_skips_with_a_note_then_runs_a_harmoniser(model_path, tmp_path, capsys, monkeypatch):
    import modesnn.model
    from modesnn.music import Note, Piece, Voice

    base = ["evaluate", "--keys", "C major", "--seeds", "1", "--length", "16", "--model", str(model_path),
            "--harmonize"]
    assert main([*base, "--no-plots", "-o", str(tmp_path / "a")]) == 0
    data = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert "cannot harmonise" in data["harmonization"]["skipped"]
    assert "cannot harmonise" in (tmp_path / "a" / "report.md").read_text()

    learned_by: list = []

    def harmonize(model, melody, key, meter="4/4"):  # doubles the tune: every chord is one pitch class
        learned_by.append(list(model.sources))
        low = Voice("bass", tuple(n if n.pitch is None else Note(n.pitch - 24, n.duration, n.onset)
                                  for n in melody.notes))
        return Piece("h", key, (melody, low), meter)

    monkeypatch.setattr(modesnn.model, "harmonize", harmonize, raising=False)
    out = tmp_path / "b"
    assert main([*base, "-o", str(out)]) == 0
    capsys.readouterr()
    h = json.loads((out / "metrics.json").read_text())["harmonization"]
    assert h["pieces"] == 1 == h["harmonized"]  # 12 pieces: the 10th is held out, 11 learned
    assert "other 11 pieces" in h["learned_on"]
    assert h["agreement"] < 0.1 and h["melody_kept"] == 1.0
    assert h["figures"]["one_pitch_class"] == 1.0 and h["bach_figures"]["triads_sevenths"] > 0.5
    report = (out / "report.md").read_text()
    assert "## Held-out harmonisation" in report and "chord root and quality agree with Bach" in report
    assert 0 <= h["tonic_drone"]["agreement"] <= 1 and "floor: the tonic triad" in report
    assert "## Three pieces" in report
    for name in ("roll_1.png", "score_1.png"):
        assert (out / name).stat().st_size > 5000
        assert f"]({name})" in report
    assert len(learned_by) == 1 and "without every 10th piece" in learned_by[0][-1]  # not the loaded model


def test_evaluate_paper_preset_beside_the_model(model_path, tmp_path, capsys):
    out = tmp_path / "p"
    args = ["evaluate", "--keys", "D minor", "--seeds", "2", "--length", "16", "--model", str(model_path),
            "--paper", str(model_path), "--no-plots", "-o", str(out)]
    assert main(args) == 0
    capsys.readouterr()
    data = json.loads((out / "metrics.json").read_text())
    assert set(data["systems"]) == {*SYSTEMS, "corpus"}
    # the same paper-network file as both systems: the same pieces, so the same figures
    assert data["harmony"]["paper"] == data["harmony"]["model"]
    assert data["harmony"]["paper"]["n_pieces"] == 2
    assert SYSTEM_LABELS["paper"] in (out / "report.md").read_text()
