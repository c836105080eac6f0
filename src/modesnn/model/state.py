"""A model's state as named arrays and bookkeeping, and back: what a model file holds, with no bytes or paths
(the container is `modesnn.io.modelfile`).  Dispatches on the model's preset ('paper' here, 'chorale' in
`modesnn.model.chorale.storage`)."""

from __future__ import annotations

import numpy as np

from modesnn.model.config import ModelConfig
from modesnn.model.network import ModeSNN

LEARNED_GROUPS = ("sequence", "sms_to_key", "sms_to_mode")
"""The synapse groups a model file keeps (the hierarchy is rebuilt from the config; key -> pitch is per
composition)."""


def paper_arrays(model: ModeSNN) -> tuple[dict, dict[str, np.ndarray]]:
    arrays: dict[str, np.ndarray] = {}
    for name, arr in model.net.state_dict().items():
        kind, rest = name.split(".", 1)
        which, field = rest.rsplit(".", 1)
        if kind == "groups" and which in LEARNED_GROUPS:
            arrays[f"{which}.{field}"] = arr
        elif kind == "rules":
            arrays[f"rule{which}.{field}"] = arr
    for mode, counts in model.heard_degrees.items():
        arrays[f"heard_degrees.{mode}"] = counts
    for key, counts in model.heard_keys.items():
        arrays[f"heard_keys.{key}"] = counts
    for v in range(model.config.voices):
        arrays[f"voice_pitches.{v}"] = model.voice_pitches[v]
        arrays[f"voice_durations.{v}"] = model.voice_durations[v]
    meta = {
        "positions": model.layout.positions,
        "meters": model.meters,
        "sources": model.sources,
        "pieces_learned": model.pieces_learned,
        "max_length": model.max_length,
    }
    return meta, arrays



def model_state(model) -> tuple[str, str, dict, dict[str, np.ndarray]]:
    """(preset, config JSON, meta, arrays) of a model of either preset."""
    preset = getattr(model, "preset", "paper")
    if preset == "chorale":
        from modesnn.model.chorale.storage import chorale_arrays, config_json

        meta, arrays = chorale_arrays(model)
        return preset, config_json(model.config), meta, arrays
    meta, arrays = paper_arrays(model)
    return preset, model.config.to_json(), meta, arrays


def model_from_state(preset: str, config: str, meta: dict, arrays: dict[str, np.ndarray]):
    """The model that `model_state` described."""
    if preset == "chorale":
        from modesnn.model.chorale.storage import restore_chorale

        return restore_chorale(config, meta, arrays)
    if preset != "paper":
        raise ValueError(f"unknown preset {preset!r}")
    return restore_paper(ModelConfig.from_json(config), meta, arrays)


def restore_paper(config: ModelConfig, meta: dict, arrays: dict[str, np.ndarray]) -> ModeSNN:
    model = ModeSNN(config)
    model.layout.ensure_positions(int(meta["positions"]))
    learned = {f"groups.{name}.{f}": arrays[f"{name}.{f}"] for name in LEARNED_GROUPS
               for f in ("pre", "post", "w", "delay")}
    learned.update({f"rules.{i}.{f}": arrays[f"rule{i}.{f}"] for i in range(len(model.net.rules))
                    for f in ("keys", "counts", "stdp")})
    model.net.load_state_dict(learned)
    for mode in model.heard_degrees:
        model.heard_degrees[mode] = arrays[f"heard_degrees.{mode}"]
    for key in model.heard_keys:
        model.heard_keys[key] = arrays[f"heard_keys.{key}"]
    for v in range(config.voices):
        model.voice_pitches[v] = arrays[f"voice_pitches.{v}"]
        model.voice_durations[v] = arrays[f"voice_durations.{v}"]
    model.meters = dict(meta["meters"])
    model.sources = list(meta["sources"])
    model.pieces_learned = int(meta["pieces_learned"])
    model.max_length = int(meta["max_length"])
    return model
