"""`modesnn evaluate --test`: a model scored on corpora it never learned (folk tunes bundled with music21), the
learned-hierarchy key finder, and the check that catches a collection whose labels are not keys (Essen)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from modesnn.cli import main
from modesnn.evaluate.keyfinding import (
    final_pitch_class,
    find_key,
    find_key_hierarchy,
    hierarchy_key_profiles,
    kk_key_profiles,
    pitch_class_histogram,
)
from modesnn.theory import KK_PROFILES, all_keys
from modesnn.theory import parse_key as key_of


def _collection(name: str) -> Path:
    import music21.corpus

    return Path(music21.corpus.__file__).parent / name


def _slice(path: Path, n: int, key_filter: str = "") -> str:
    """The first n tunes of an ABC book (whose K: field matches key_filter, if given)."""
    out = []
    for tune in path.read_text(encoding="latin-1").split("\nX:")[1:]:
        k = re.search(r"^K:(.*)$", tune, re.M)
        if key_filter and not (k and re.fullmatch(key_filter, k.group(1).strip(), re.I)):
            continue
        out.append("X:" + tune.strip() + "\n\n")
        if len(out) == n:
            break
    return "".join(out)


@pytest.fixture(scope="module")
def test_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("unseen")
    aird = root / "aird"
    aird.mkdir()
    book = _collection("airdsAirs") / "book1.abc"
    (aird / "tunes.abc").write_text(_slice(book, 12, r"[A-G]") + _slice(book, 8, r"[A-G]\s*minor"))
    essen = root / "essen"
    essen.mkdir()
    (essen / "ballads.abc").write_text(_slice(_collection("essenFolksong") / "ballad10.abc", 40))
    return {"aird": aird, "essen": essen}


@pytest.fixture(scope="module")
def shte_model_file(shte_model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from modesnn.model import save_model

    path = tmp_path_factory.mktemp("model") / "shte.modesnn"
    save_model(shte_model, path)
    return path


def test_hierarchy_profiles_are_the_mode_profile_at_every_tonic() -> None:
    profiles = hierarchy_key_profiles(KK_PROFILES)
    assert list(profiles) == [k.name for k in all_keys()]
    for name, prof in kk_key_profiles().items():
        assert np.allclose(profiles[name], prof)


def test_hierarchy_finder_uses_note_counts(shte_model, shte_pieces) -> None:
    modes = {m: shte_model.mode_profile(m) for m in shte_model.config.modes}
    for piece in shte_pieces[:10]:
        est = find_key_hierarchy(piece, modes, final_weight=0.0)
        ref = find_key(pitch_class_histogram(piece), hierarchy_key_profiles(modes))
        assert est.key == ref.key and est.r == pytest.approx(ref.r)
        # the phrase-end term: the key on the final gets exactly final_weight more
        with_final = find_key_hierarchy(piece, modes, final_weight=0.05)
        final = final_pitch_class(piece)
        for name, r in ref.correlations.items():
            bonus = 0.05 if key_of(name).tonic == final else 0.0
            assert with_final.correlations[name] == pytest.approx(r + bonus)
    hits = sum(find_key_hierarchy(p, modes).key == p.key for p in shte_pieces)
    assert hits / len(shte_pieces) >= 0.9  # SHTE exercises are plainly tonal


def test_evaluate_test_on_unseen_folk_tunes(shte_model_file: Path, test_sources: dict, tmp_path: Path,
                                            capsys, corpus_cache: Path) -> None:
    out = tmp_path / "eval"
    assert main(["evaluate", "--model", str(shte_model_file), "--test", str(test_sources["aird"]),
                 str(test_sources["essen"]), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| test corpus |" in printed
    res = json.loads((out / "test.json").read_text())
    aird, essen = res["corpora"][str(test_sources["aird"])], res["corpora"][str(test_sources["essen"])]
    assert aird["labels"]["trustworthy"] and aird["labels"]["modes"] == {"major": 12, "minor": 8}
    assert not essen["labels"]["trustworthy"]  # every ballad labelled major, many heard as minor
    assert essen["labels"]["share_major"] == 1.0 and essen["labels"]["major_labels_heard_minor"] > 0.15
    kf = aird["key_finding"]
    assert kf["pieces"] == 20
    assert all(0 <= kf[f] <= 1 for f in ("learned_hierarchy", "learned_keys", "krumhansl_schmuckler",
                                         "aarden_essen"))
    assert set(aird["profile_r"]) == {"major", "minor"} and aird["profile_r"]["major"]["r"] > 0.7
    assert aird["composed"]["keys"] and aird["composed"]["corpus"]["pitch_class_entropy"] > 0
    assert (out / "test.md").read_text().startswith("| test corpus |")


def test_evaluate_test_unknown_music21_collection(shte_model_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "eval"
    assert main(["evaluate", "--model", str(shte_model_file), "--test", "music21:noSuchBook", "-o",
                 str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "music21:noSuchBook: no such collection" in err[0]
    assert not out.exists()
