"""One sweep point: learn a corpus with the point's settings, profile and evaluate the model.

`run_point` is what a worker process (local or a Dask worker) runs.  It never raises: a failure becomes a
result with status "error" and a one-line message, so one bad point does not stop the sweep.
"""

from __future__ import annotations

import math
import time
import traceback

import numpy as np

from modesnn.music import Piece
from modesnn.research.spec import Point, config_for

FIGURES = (
    "pieces", "notes",
    "r_kk_major", "r_kk_minor", "r_data_major", "r_data_minor", "keys_mean_r_kk",
    "keyfind_learned", "keyfind_ks",
    "composed_in_key", "composed_tonal_coherence", "composed_key_exact", "composed_distinct_pcs",
    "composed_pc_entropy", "composed_mean_abs_interval", "composed_voice_crossings",
    "composed_parallel_fifths_per_100",
)
"""The figures of every point, in table order (harmony figures, when available, follow)."""

_COMPOSED = {
    "composed_in_key": "diatonic", "composed_tonal_coherence": "tonal_coherence", "composed_key_exact": "key_exact",
    "composed_distinct_pcs": "distinct_pitch_classes", "composed_pc_entropy": "pitch_class_entropy",
    "composed_mean_abs_interval": "mean_abs_interval", "composed_voice_crossings": "voice_crossings",
    "composed_parallel_fifths_per_100": "parallel_fifths_per_100",
}


def run_point(point: Point, pieces: list[Piece]) -> dict:
    """The point's figures ({"status": "ok", "figures": {...}, "seconds": {...}}) or its error."""
    try:
        figures, seconds = _evaluate_point(point, pieces)
    except Exception as exc:  # recorded, never raised: the sweep goes on
        return {"id": point.id, "status": "error", "error": _one_line(exc),
                "trace": traceback.format_exc(limit=4)}
    return {"id": point.id, "status": "ok", "figures": figures, "seconds": seconds}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _evaluate_point(point: Point, pieces: list[Piece]) -> tuple[dict, dict]:
    from modesnn.evaluate.profiles import profile_report
    from modesnn.model import ModeSNN

    if not pieces:
        raise ValueError(f"corpus {point.corpus.name!r}: no pieces")
    made = config_for(point.settings)
    config = made.model
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    model = ModeSNN(config)
    report = model.learn(pieces, sources=list(point.corpus.sources))
    seconds["learn"] = time.perf_counter() - t0
    if report.pieces == 0:
        raise ValueError(f"corpus {point.corpus.name!r}: no piece is in the model's modes {config.modes}")
    figures: dict = {"pieces": report.pieces, "notes": report.notes}
    prof = profile_report(model)
    for mode in ("major", "minor"):
        m = prof["modes"].get(mode)
        figures[f"r_kk_{mode}"] = m["r_kk"] if m and m["notes"] else None
        figures[f"r_data_{mode}"] = m["r_data"] if m and m["notes"] else None
    figures["keys_mean_r_kk"] = prof["keys_mean_r_kk"]
    t0 = time.perf_counter()
    if point.evaluate["keyfinding"]:
        figures.update(_keyfinding(model, pieces))
    seconds["keyfinding"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    figures.update(_composed(model, point.evaluate, made.compose))
    seconds["compose"] = time.perf_counter() - t0
    return {k: _clean(v) for k, v in figures.items()}, {k: round(v, 3) for k, v in seconds.items()}


def _keyfinding(model, pieces: list[Piece]) -> dict:
    """Share of the training pieces whose labelled key the learned profiles find, and Krumhansl-Schmuckler's."""
    from modesnn.evaluate.keycompare import compare_key_finders

    res = compare_key_finders(pieces, model.key_profiles(), aarden_essen=False)
    return {"keyfind_learned": res["learned"], "keyfind_ks": res["krumhansl_schmuckler"]}


def _composed(model, evaluate: dict, settings) -> dict:
    """Mean figures of the pieces composed for every evaluation key x seed (and harmony figures if present)."""
    from modesnn.evaluate.metrics import all_metrics, mean_metrics
    from modesnn.model import compose
    from modesnn.theory import parse_key

    keys = [parse_key(k) for k in evaluate["keys"]]
    keys = [k for k in keys if k.mode in model.config.modes]
    pieces = [compose(model, k, length=evaluate["length"], seed=s, settings=settings)
              for k in keys for s in evaluate["seeds"]]
    if not pieces:
        return dict.fromkeys(_COMPOSED)
    means = mean_metrics([all_metrics(p) for p in pieces])
    out = {name: means.get(metric) for name, metric in _COMPOSED.items()}
    out.update(_harmony(pieces))
    return out


def _harmony(pieces: list[Piece]) -> dict:
    """The mean four-part harmony figures of `modesnn.evaluate.harmony` (music.md's table), where that module
    exists (sonority shares left out: the table keeps one column per figure)."""
    try:
        from modesnn.evaluate.harmony import harmony_figures
        from modesnn.evaluate.harmony_table import mean_harmony
    except ImportError:
        return {}
    means = mean_harmony([harmony_figures(p, p.key) for p in pieces])
    return {f"harmony_{k}": v for k, v in means.items()
            if k != "n_pieces" and ":" not in k and (v is None or isinstance(v, int | float))}


def _clean(v):
    """JSON-safe, and rounded so that the same run gives the same table bytes on any worker."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return None if math.isnan(float(v)) else round(float(v), 6)
    return v
