"""Shared fixtures: real data slices (SHTE from the shared zip, a few Bach chorales) and an isolated cache."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

SHTE_ZIP = Path(__file__).resolve().parents[1].parent / "shared/data/shte/SHTE_V1.zip"
"""The SHTE dataset lives beside the repository, never inside it (licence: MIT, but it is test data only)."""

SHTE_FOUR_PART_FILES = 193


@pytest.fixture(scope="session")
def shte_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SHTE unzipped once per session; the extracted root ('hamony dataset', spelt as in the zip)."""
    if not SHTE_ZIP.is_file():
        pytest.skip(f"SHTE data not found at {SHTE_ZIP} (tests that need it are skipped)")
    target = tmp_path_factory.mktemp("shte")
    with zipfile.ZipFile(SHTE_ZIP) as zf:
        zf.extractall(target)
    roots = [p for p in target.iterdir() if p.is_dir() and not p.name.startswith("__MACOSX")]
    if len(roots) != 1:
        pytest.skip(f"unexpected layout in {SHTE_ZIP}: {sorted(p.name for p in roots)}")
    return roots[0]


@pytest.fixture(scope="session")
def shte_four_files(shte_dir: Path) -> list[Path]:
    """The 193 four-part exercises (`*/four/*.xml`), sorted."""
    files = sorted(shte_dir.glob("*/four/*.xml"))
    assert len(files) == SHTE_FOUR_PART_FILES, f"expected {SHTE_FOUR_PART_FILES} four-part SHTE files"
    return files


@pytest.fixture(scope="session")
def bach_paths() -> list[str]:
    """Paths of the first 6 Bach chorales of `music21.corpus.chorales.Iterator` stored as MusicXML/MXL
    (bwv281 is Humdrum .krn, which `load_corpus` reads only as part of 'bach'); all are four-part."""
    from modesnn.corpus import MUSIC_EXTENSIONS, bach_files

    return [str(f.path) for f in bach_files() if f.path.suffix.lower() in MUSIC_EXTENSIONS][:6]


@pytest.fixture
def corpus_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty corpus cache for one test ($MODESNN_CACHE), so tests neither read nor fill the user's."""
    root = tmp_path / "cache"
    monkeypatch.setenv("MODESNN_CACHE", str(root))
    return root / "corpus"


@pytest.fixture(scope="session")
def shte_pieces(shte_four_files: list[Path]) -> list:
    """A real slice: every fourth SHTE exercise (49 pieces, both modes, many keys), parsed without cache."""
    from modesnn.corpus import load_corpus

    result = load_corpus([str(f) for f in shte_four_files[::4]], progress=False, cache=False)
    assert len(result.pieces) == 49
    return result.pieces


@pytest.fixture(scope="session")
def shte_model(shte_pieces: list):
    """A network learned from the SHTE slice (shared by tests that only read it)."""
    from modesnn.model import ModeSNN

    model = ModeSNN()
    model.learn(shte_pieces, sources=["shte-slice"])
    return model


def piece_to_stream(piece):
    """A music21 score of a Piece (one part per voice), for tests that use music21 as the oracle."""
    from modesnn.evaluate.keycompare import piece_to_stream as convert

    return convert(piece)


SLOW_FIXTURES = frozenset({"shte_model", "shte_pieces", "shte_four_files"})
"""Tests that use these learn a model or parse a corpus: marked `slow` (`pytest -m "not slow"` skips them)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
