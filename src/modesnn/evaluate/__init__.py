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
from modesnn.evaluate.harmony import harmony_figures, held_out_split
from modesnn.evaluate.harmony_table import HARMONY_ROWS, mean_harmony
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
    "HARMONY_ROWS",
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
    "harmony_figures",
    "held_out_split",
    "kk_key_profiles",
    "mean_harmony",
    "mean_metrics",
    "pitch_class_histogram",
    "relation",
]
