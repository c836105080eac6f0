"""The chorale network in a model file: its config, learned synapse groups, creation counts, and what was
heard (the container itself is `modesnn.io.modelfile`)."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

import numpy as np

from modesnn.model.chorale.network import ChoraleConfig, ChoraleSNN
from modesnn.snn.creation import PairCounts


def config_json(config: ChoraleConfig) -> str:
    return json.dumps(asdict(config), sort_keys=True)


def config_from_json(text: str) -> ChoraleConfig:
    d = json.loads(text)
    for k in ("modes", "voice_names"):
        d[k] = tuple(d[k])
    d["gains"] = tuple((str(k), float(v)) for k, v in d["gains"])
    known = {f.name for f in fields(ChoraleConfig)}
    return ChoraleConfig(**{k: v for k, v in d.items() if k in known})


def chorale_arrays(model: ChoraleSNN) -> tuple[dict, dict[str, np.ndarray]]:
    arrays: dict[str, np.ndarray] = {}
    for name, group in model.groups.items():
        for f, arr in group.state().items():
            arrays[f"{name}.{f}"] = arr
    for i, rule in enumerate(model.net.rules):
        arrays[f"rule{i}.keys"] = rule.counts.keys
        arrays[f"rule{i}.counts"] = rule.counts.counts
        arrays[f"rule{i}.stdp"] = rule.counts.stdp
    arrays["voice_pitches"] = model.voice_pitches
    for mode, counts in model.heard_degrees.items():
        arrays[f"heard_degrees.{mode}"] = counts
    for key, counts in model.heard_keys.items():
        arrays[f"heard_keys.{key}"] = counts
    meta = {"meters": model.meters, "sources": model.sources, "pieces_learned": model.pieces_learned,
            "positions": 0, "max_length": 0}  # (no position grid: the header checks of either preset hold)
    return meta, arrays


def restore_chorale(config_text: str, meta: dict, arrays: dict[str, np.ndarray]) -> ChoraleSNN:
    model = ChoraleSNN(config_from_json(config_text))
    for name, group in model.groups.items():
        state = {f: arrays[f"{name}.{f}"] for f in ("pre", "post", "w", "delay")}
        group.load_state(state)
        model.net.history_steps = max(model.net.history_steps, int(state["delay"].max(initial=0)) + 1)
    for i, rule in enumerate(model.net.rules):
        rule.counts = PairCounts(arrays[f"rule{i}.keys"], arrays[f"rule{i}.counts"], arrays[f"rule{i}.stdp"])
    model.voice_pitches = arrays["voice_pitches"]
    for mode in model.heard_degrees:
        model.heard_degrees[mode] = arrays[f"heard_degrees.{mode}"]
    for key in model.heard_keys:
        model.heard_keys[key] = arrays[f"heard_keys.{key}"]
    model.meters = dict(meta["meters"])
    model.sources = list(meta["sources"])
    model.pieces_learned = int(meta["pieces_learned"])
    return model
