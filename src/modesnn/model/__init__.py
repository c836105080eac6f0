"""The paper's network (theory subsystem + sequence memory) on the spiking engine: learning, generation,
and model files.  Knows music as numbers (pitches, durations, keys); knows nothing of files formats."""

from modesnn.model.compose import ComposeSession, Decided, compose, default_seed
from modesnn.model.config import ModelConfig
from modesnn.model.network import LearnReport, ModeSNN
from modesnn.model.settings import ComposeSettings, LearnSettings, NetworkShape
from modesnn.model.storage import FORMAT_VERSION, load_model, model_bytes, save_model

__all__ = [
    "ComposeSession", "ComposeSettings", "Decided", "LearnSettings", "NetworkShape", "compose", "default_seed",
    "ModelConfig", "LearnReport", "ModeSNN", "FORMAT_VERSION", "load_model", "model_bytes", "save_model",
]
