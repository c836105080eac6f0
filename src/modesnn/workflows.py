"""Whole jobs that join the edges (score files, model files) to the model: learn from sources, and the
default model learned once from the embedded Bach chorales.  The CLI and benchmarks call these."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from modesnn import __version__
from modesnn.corpus import CorpusResult, load_corpus
from modesnn.corpus.cache import cache_dir
from modesnn.model import FORMAT_VERSION, LearnReport, ModelConfig, ModeSNN, load_model, save_model
from modesnn.music import Piece


def learn_pieces(model: ModeSNN, pieces: list[Piece], sources: list[str], progress: bool = True) -> LearnReport:
    """Present pieces to the model with a progress bar (stderr)."""
    from tqdm import tqdm

    with tqdm(total=len(pieces), desc="learning", unit="piece", file=sys.stderr, disable=not progress,
              leave=False) as bar:
        return model.learn(pieces, progress=bar.update, sources=sources)


def learn_sources(
    sources: list[str],
    model: ModeSNN | None = None,
    key_from: str = "auto",
    strict: bool = False,
    progress: bool = True,
    config: ModelConfig | None = None,
    on_skip: Callable[[str, str], None] | None = None,
    preset: str = "chorale",
) -> tuple[ModeSNN, CorpusResult, LearnReport]:
    """Read sources and learn them into `model` (a new one of `preset` if None: 'chorale' or 'paper')."""
    voices = model.config.voices if model is not None else (config.voices if config else 4)
    corpus = load_corpus(sources, key_from=key_from, voices=voices, progress=progress, strict=strict,
                         on_skip=on_skip)
    if model is None and preset == "chorale":
        from modesnn.model.chorale import ChoraleConfig, ChoraleSNN

        model = ChoraleSNN(ChoraleConfig(modes=config.modes) if config else None)
    elif model is None:
        model = ModeSNN(config or ModelConfig(voices=voices))
    report = learn_pieces(model, corpus.pieces, list(sources), progress)
    return model, corpus, report


def default_model_path(preset: str = "chorale") -> Path:
    """Where the model learned from the embedded Bach chorales is kept (beside the corpus cache)."""
    tag = "" if preset == "paper" else f"-{preset}"
    return cache_dir().parent / "models" / f"bach-{__version__}-format{FORMAT_VERSION}{tag}.modesnn"


def default_model(progress: bool = True, log: Callable[[str], None] | None = None, preset: str = "chorale"):
    """The Bach model of a preset: loaded from the user cache, or learned the first time and saved."""
    path = default_model_path(preset)
    if path.exists():
        return load_model(path)
    if log:
        log(f"learning the Bach chorales into {path} (first run only)")
    model, _, _ = learn_sources(["bach"], progress=progress, preset=preset)
    os.makedirs(path.parent, exist_ok=True)
    save_model(model, path)
    return model
