"""The evaluation job: the model's pieces, the baselines' and the corpus's, judged side by side, written as a
report (metrics.json, report.md, plots and pictures) into a folder.  Returns the numbers; the CLI prints them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from modesnn.corpus import load_corpus
from modesnn.errors import ModesnnError
from modesnn.theory import Key


def evaluate_model(model, keys: list[Key], seeds: Iterable[int], length: int, out: Path, *, jobs: int = 1,
                   paper=None, harmonize: bool = False, plots: bool = True, progress: bool = False,
                   log: Callable[[str], None] = lambda _: None) -> tuple[dict, int]:
    """Evaluate `model` (and `paper`, a paper-preset model of the same sources, when given) on keys x seeds;
    write the report into `out`.  Returns (the result dict of metrics.json, the number of files written)."""
    from modesnn.evaluate.pictures import write_piece_pictures
    from modesnn.evaluate.report import write_report
    from modesnn.evaluate.run import run_evaluation

    if not model.sources:
        raise ModesnnError("the model does not record the sources it learned, so the baselines cannot be fitted "
                           "on the same pieces")
    t0 = time.perf_counter()
    corpus = load_corpus(model.sources, voices=model.config.voices, progress=progress)
    if corpus.skipped:
        log(f"{len(corpus.skipped)} files of the model's sources skipped, as when it learned "
            f"(first: {corpus.skipped[0][0]}: {corpus.skipped[0][1]})")
    if not corpus.pieces:
        raise ModesnnError(f"no pieces read from the model's sources ({', '.join(model.sources)})")
    if model.max_length and length > model.max_length:
        log(f"--length {length} passes the longest learned piece ({model.max_length} notes)")
    result = run_evaluation(model, corpus.pieces, keys, seeds, length=length, progress=progress, log=log,
                            jobs=jobs, paper=paper)
    if harmonize:
        t1 = time.perf_counter()
        result["harmonization"] = held_out_harmonization(model, corpus.pieces)
        result["timing"]["harmonization"] = round(time.perf_counter() - t1, 3)
    if plots:
        t1 = time.perf_counter()
        result["pictures"] = write_piece_pictures(_three_pieces(model, keys, length), out)
        result["timing"]["pictures"] = round(time.perf_counter() - t1, 3)
    result["timing"]["total"] = round(time.perf_counter() - t0, 3)
    paths = write_report(result, model, out, plots=plots)
    return result, len(paths) + 2 * len(result.get("pictures") or [])


def _three_pieces(model, keys: list, length: int) -> list:
    """The model's pieces drawn in the report: seed 0 in the first, the middle and the last key asked for."""
    from modesnn.model import compose

    chosen = list(dict.fromkeys([keys[0], keys[len(keys) // 2], keys[-1]]))
    return [(f"model, {k.name}, seed 0", compose(model, k, length=length, seed=0)) for k in chosen]


def harmonizer_of(model):
    """The model's harmoniser as harmonize(melody, key, meter) -> Piece: a `harmonize` method of the model,
    else `modesnn.model.harmonize(model, melody, key, meter=...)`; None when there is neither."""
    if callable(getattr(model, "harmonize", None)):
        return lambda melody, key, meter: model.harmonize(melody, key, meter)
    try:
        from modesnn.model import harmonize
    except ImportError:
        return None
    supports = getattr(harmonize, "supports", None)  # (the chorale preset harmonises; the paper's cannot)
    if supports is not None and not supports(model):
        return None
    return lambda melody, key, meter: harmonize(model, melody, key, meter=meter)


def held_out_harmonization(model, pieces: list) -> dict:
    """The held-out test: learn a model of the same configuration on the training split (so it never heard
    the held-out chorales), harmonise their sopranos, compare with Bach.  Skipped with a note when the model
    cannot harmonise."""
    from modesnn.evaluate.harmonization import evaluate_harmonizer, tonic_drone
    from modesnn.evaluate.harmony import held_out_split

    if harmonizer_of(model) is None:
        return {"skipped": "this model cannot harmonise yet (no model.harmonize and no modesnn.model.harmonize)"}
    train, held = held_out_split(pieces)
    t0 = time.perf_counter()
    learner = type(model)(model.config)
    learner.learn(train, sources=[f"{', '.join(model.sources)} without every 10th piece"])
    seconds = time.perf_counter() - t0
    result = evaluate_harmonizer(held, harmonizer_of(learner))
    result.pop("examples", None)
    floor = evaluate_harmonizer(held, tonic_drone)
    result["tonic_drone"] = {k: floor[k] for k in ("agreement", "root_agreement", "beats")}
    result["harmonizer"] = f"a {type(model).__name__} of the model's configuration"
    result["learned_on"] = f"it learned the other {len(train)} pieces ({seconds:.0f} s), not these."
    return result
