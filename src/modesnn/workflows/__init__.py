"""Whole jobs that join the edges (score files, model files, report folders) to the model: learning and the
default model (`learn`), key finding on files (`keyfind`), evaluation (`evaluate`).  They return data and raise
`ModesnnError`s with one-line messages; the CLI parses, calls them and prints."""

from modesnn.workflows.learn import (
    DEFAULT_CORPUS_ENV,
    check_composable,
    check_length,
    check_seed_notes,
    default_model,
    default_model_path,
    default_sources,
    learn_pieces,
    learn_sources,
)

__all__ = [
    "DEFAULT_CORPUS_ENV", "check_composable", "check_length", "check_seed_notes", "default_model",
    "default_model_path", "default_sources", "learn_pieces", "learn_sources",
]
