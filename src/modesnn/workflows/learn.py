"""Learning jobs: learn from sources, and the
default model learned once from the embedded Bach chorales.  The CLI and benchmarks call these.

Also the checks a composition request must pass before any work starts (`check_composable`,
`check_length`, `check_seed_notes`): they raise one-line `ModesnnError`s and live here, not in
`model.compose`, so the library's composer stays free of user-facing policy.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

from modesnn import __version__
from modesnn.corpus import CorpusResult, load_corpus
from modesnn.corpus.cache import cache_dir
from modesnn.errors import LearnedNothing, LimitExceeded, ModesnnError
from modesnn.limits import MAX_COMPOSE_LENGTH
from modesnn.model import FORMAT_VERSION, LearnReport, ModelConfig, ModeSNN, load_model, save_model
from modesnn.music import Piece
from modesnn.theory import midi_to_name

DEFAULT_CORPUS_ENV = "MODESNN_DEFAULT_CORPUS"
"""Environment variable naming the sources of the default model instead of 'bach' (comma separated): tests
use a few files so that first-run learning takes seconds.  The model file name then carries their hash."""


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
    """Read sources and learn them into `model` (a new one of `preset` if None: 'chorale' or 'paper').

    Raises LearnedNothing when no piece was learned (every file skipped, or no piece in the model's modes):
    a model of nothing composes noise, so none is returned to be saved."""
    voices = model.config.voices if model is not None else (config.voices if config else 4)
    corpus = load_corpus(sources, key_from=key_from, voices=voices, progress=progress, strict=strict,
                         on_skip=on_skip)
    if model is None and preset == "chorale" and voices == 4:  # the chorale network is four-part writing
        from modesnn.model.chorale import ChoraleConfig, ChoraleSNN

        model = ChoraleSNN(ChoraleConfig(modes=config.modes) if config else None)
    elif model is None:
        model = ModeSNN(config or ModelConfig(voices=voices))
    report = learn_pieces(model, corpus.pieces, list(sources), progress)
    if report.pieces == 0:
        raise LearnedNothing(_nothing_learned(sources, corpus, report))
    return model, corpus, report


def _nothing_learned(sources: list[str], corpus: CorpusResult, report: LearnReport) -> str:
    where = " ".join(sources)
    if corpus.pieces:  # pieces were read, but none in the model's modes
        return f"no piece learned from {where}: {report.skipped_modes[0]} (and every other piece likewise)"
    if corpus.skipped:
        file, reason = corpus.skipped[0]
        more = f", and {len(corpus.skipped) - 1} more skipped" if len(corpus.skipped) > 1 else ""
        return f"no piece learned from {where}: every file skipped ({file}: {reason}{more})"
    return f"no piece learned from {where}: no pieces read"


def default_sources() -> list[str]:
    """The default model's sources: 'bach', or the list in $MODESNN_DEFAULT_CORPUS."""
    given = os.environ.get(DEFAULT_CORPUS_ENV, "").strip()
    return [s for s in given.split(",") if s.strip()] if given else ["bach"]


def default_model_path(preset: str = "chorale") -> Path:
    """Where the default model of a preset is kept (beside the corpus cache); its name says what it was
    learned from, and which network ('-paper' for the paper's)."""
    sources = default_sources()
    name = "bach" if sources == ["bach"] else "custom-" + hashlib.sha1("\n".join(sources).encode()).hexdigest()[:12]
    tag = "" if preset == "chorale" else f"-{preset}"
    return cache_dir().parent / "models" / f"{name}-{__version__}-format{FORMAT_VERSION}{tag}.modesnn"


def default_model(progress: bool = True, log: Callable[[str], None] | None = None, preset: str = "chorale"):
    """The default (Bach) model: loaded from the user cache, or learned (about 40 s the first time) and saved.

    Learning holds an exclusive `flock` on a lock file beside the model: a second process that finds the
    model missing waits on the lock (saying so through `log`), then loads the model the first one wrote.
    The lock dies with its process, so one killed while learning blocks nobody; the next one learns."""
    path = default_model_path(preset)
    if path.exists():
        return load_model(path)
    os.makedirs(path.parent, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if log:
                log(f"waiting for another modesnn process learning the default model into {path}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():  # learned by the process we waited for
            return load_model(path)
        sources = default_sources()
        if log:
            log(f"learning {' '.join(sources)} into {path} (first run only)")
        model, _, _ = learn_sources(sources, progress=progress, preset=preset)
        save_model(model, path)
        return model


def check_composable(model: ModeSNN, label: str = "the model") -> None:
    """Refuse a model that learned no pieces: its network has no learned transitions, so it would compose
    noise (issue 16: leaps of 28 semitones, voices out of range)."""
    if model.pieces_learned <= 0:
        raise ModesnnError(f"{label}: has learned no pieces, so it cannot compose (learn some with `modesnn learn`)")


def check_length(length: int, option: str = "--length") -> None:
    """Notes per voice at most MAX_COMPOSE_LENGTH, checked before composing (the lower bound, 2, is
    ComposeSettings')."""
    if length > MAX_COMPOSE_LENGTH:
        raise LimitExceeded(f"{option}: {length} is over the limit of {MAX_COMPOSE_LENGTH:,} notes per voice")


def check_seed_notes(model: ModeSNN, seeds: list[int], option: str = "--seed-notes") -> None:
    """One note per voice, each inside the range that voice sang in training (a note no voice learned has no
    learned transitions: issue 16's 'C9 E4 G3 C0' gave 40-semitone leaps)."""
    c = model.config
    if len(seeds) != c.voices:
        raise ModesnnError(f"{option}: {len(seeds)} notes given, the model has {c.voices} voices "
                           f"({', '.join(c.voice_names)})")
    for v, pitch in enumerate(seeds):
        lo, hi = model.voice_range(v)
        if not lo <= pitch <= hi:
            raise ModesnnError(f"{option}: {midi_to_name(pitch)} is outside the {c.voice_names[v]}'s learned range "
                               f"{midi_to_name(lo)}-{midi_to_name(hi)}")
