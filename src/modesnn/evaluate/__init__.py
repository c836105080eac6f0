"""Evaluation: metrics of pieces, Krumhansl-Schmuckler key finding, and the baselines (evaluation.md).

Nothing here imports music21: the evaluation runs on `modesnn.music.Piece` objects only, so it is fast and
the same code judges corpus pieces, generated pieces and baselines.
"""

from modesnn.evaluate.baselines import (
    BASELINES,
    Baseline,
    KeyConditionedNgram,
    RandomDiatonic,
    ScaleDegreeMarkov,
    UnconditionedMarkov,
    align_voices,
)
from modesnn.evaluate.keyfinding import (
    DEFAULT_PROFILES,
    KeyEstimate,
    find_key,
    find_key_music21_compatible,
    kk_key_profiles,
    pitch_class_histogram,
    relation,
)
from modesnn.evaluate.metrics import all_metrics, mean_metrics

__all__ = [
    "BASELINES",
    "DEFAULT_PROFILES",
    "Baseline",
    "KeyConditionedNgram",
    "KeyEstimate",
    "RandomDiatonic",
    "ScaleDegreeMarkov",
    "UnconditionedMarkov",
    "align_voices",
    "all_metrics",
    "find_key",
    "find_key_music21_compatible",
    "kk_key_profiles",
    "mean_metrics",
    "pitch_class_histogram",
    "relation",
]
