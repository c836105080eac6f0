"""The paper's network (theory subsystem + sequence memory) on the spiking engine: learning, generation,
and model files.  Knows music as numbers (pitches, durations, keys); knows nothing of files formats."""

from modesnn.model.compose import ComposeSession, Decided, default_seed
from modesnn.model.compose import compose as _compose_paper
from modesnn.model.config import ModelConfig
from modesnn.model.network import LearnReport, ModeSNN
from modesnn.model.settings import ComposeSettings, LearnSettings, NetworkShape

PRESETS = ("chorale", "paper")
"""Networks a model can be: 'chorale' (the default: model/chorale) or 'paper' (the paper's network)."""


def compose(model, key, length: int = 32, seed: int = 0, seed_notes=None, meter=None, prior=None, settings=None):
    """Compose with either preset (the model records its own); see the presets' compose functions."""
    if getattr(model, "preset", "paper") == "chorale":
        from modesnn.model.chorale import compose_chorale

        return compose_chorale(model, key, length=length, seed=seed, seed_notes=seed_notes, meter=meter)
    return _compose_paper(model, key, length=length, seed=seed, seed_notes=seed_notes, meter=meter, prior=prior,
                          settings=settings)


def open_session(model, key, settings: ComposeSettings | None = None, seed: int = 0):
    """A composition session for either preset: `ComposeSession` for the paper's network, `ChoraleSession`
    (length in beats, meter, seed notes from the settings) for the chorale network."""
    s = settings or ComposeSettings()
    if getattr(model, "preset", "paper") == "chorale":
        from modesnn.model.chorale import ChoraleSession

        return ChoraleSession(model, key, length=s.length, meter=s.meter, seed=seed,
                              seed_notes=list(s.seed_notes) if s.seed_notes is not None else None)
    return ComposeSession(model, key, s, seed)


def harmonize(model, melody_voice, key, meter=None, seed: int = 0):
    """Write the three lower voices under a melody (chorale preset)."""
    from modesnn.model.chorale import harmonize as _harmonize

    return _harmonize(model, melody_voice, key, meter=meter, seed=seed)


harmonize.supports = lambda model: getattr(model, "preset", "paper") == "chorale"  # type: ignore[attr-defined]
"""Which models `harmonize` can use (the chorale preset's)."""


__all__ = [
    "PRESETS", "harmonize", "open_session", "ComposeSession", "ComposeSettings", "Decided", "LearnSettings",
    "NetworkShape", "compose", "default_seed",
    "ModelConfig", "LearnReport", "ModeSNN", "FORMAT_VERSION", "load_model", "model_bytes", "save_model",
]


_MODEL_FILES = ("FORMAT_VERSION", "load_model", "model_bytes", "save_model")


def __getattr__(name: str):
    """Model files live at the edge (`modesnn.io.modelfile`); these names are offered here too, imported only
    when asked for, so nothing in `modesnn.model` depends on file handling."""
    if name in _MODEL_FILES:
        from modesnn.io import modelfile

        return getattr(modelfile, name)
    raise AttributeError(f"module 'modesnn.model' has no attribute {name!r}")
