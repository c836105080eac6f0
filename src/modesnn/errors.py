"""Exceptions that carry a one-line message for the user (the CLI prints them and exits non-zero)."""


class ModesnnError(Exception):
    """Base class: the message is one line that names the file or argument and the problem."""


class CorpusError(ModesnnError):
    """A score file could not be turned into a piece (corrupt, empty, not music, wrong voices)."""


class ModelFileError(ModesnnError):
    """A model file is truncated, of another format version, or not a model."""


class ExportError(ModesnnError):
    """An output could not be written."""


class LearnedNothing(ModesnnError):
    """Learning found no usable piece: no model is written (a model of nothing composes noise)."""


class LimitExceeded(ModesnnError):
    """An input passes one of the stated limits in `modesnn.limits` (the message names the limit)."""


class SettingsError(ModesnnError, ValueError):
    """A setting is out of its range (the message names the field); raised at construction, never rewritten."""


class ComposeError(ModesnnError, ValueError):
    """A composition request the model cannot serve (unknown mode, wrong seed-note count, ...)."""
