"""What a model file records of how its network was built and learned: a `NetworkShape` and `LearnSettings`
(modesnn.model.settings), read through one flat object for convenience (`config.dt`, `config.lanes`)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, fields, replace
from typing import Any

from modesnn.errors import SettingsError
from modesnn.model.settings import LearnSettings, NetworkShape

_SHAPE = {f.name for f in fields(NetworkShape)}
_LEARN = {f.name for f in fields(LearnSettings)}


class ModelConfig:
    """The build-time and learn-time settings of one model (immutable).

    `ModelConfig(lanes=1, voices=3)` takes any field of either part by name; unknown names are an error.  With
    `voices` other than 4 and no `voice_names`, the voices are named voice1, voice2, ...
    """

    __slots__ = ("shape", "learn")

    def __init__(self, shape: NetworkShape | None = None, learn: LearnSettings | None = None, **flat: Any) -> None:
        unknown = sorted(set(flat) - _SHAPE - _LEARN)
        if unknown:
            raise SettingsError(f"ModelConfig: unknown setting {unknown[0]!r}")
        shape_kw = {k: v for k, v in flat.items() if k in _SHAPE}
        if "voices" in shape_kw and "voice_names" not in shape_kw and shape_kw["voices"] != 4:
            shape_kw["voice_names"] = tuple(f"voice{i + 1}" for i in range(int(shape_kw["voices"])))
        for k in ("modes", "voice_names"):
            if k in shape_kw:
                shape_kw[k] = tuple(shape_kw[k])
        base_shape = shape or NetworkShape()
        base_learn = learn or LearnSettings()
        object.__setattr__(self, "shape", replace(base_shape, **shape_kw) if shape_kw else base_shape)
        learn_kw = {k: v for k, v in flat.items() if k in _LEARN}
        object.__setattr__(self, "learn", replace(base_learn, **learn_kw) if learn_kw else base_learn)

    def __getattr__(self, name: str) -> Any:
        if name in _SHAPE or name in ("slot_steps", "durations"):
            return getattr(self.shape, name)
        if name in _LEARN:
            return getattr(self.learn, name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ModelConfig is immutable: use replace()")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelConfig) and (self.shape, self.learn) == (other.shape, other.learn)

    def __hash__(self) -> int:
        return hash((self.shape, self.learn))

    def __repr__(self) -> str:
        return f"ModelConfig({self.shape!r}, {self.learn!r})"

    def __reduce__(self) -> tuple:
        return (ModelConfig, (self.shape, self.learn))

    def replace(self, **flat: Any) -> ModelConfig:
        return ModelConfig(self.shape, self.learn, **flat)

    # -- derived step counts --------------------------------------------------------------------------------
    @property
    def lag_steps(self) -> int:
        return int(round(self.learn.mts_lag_ms / self.shape.dt))

    @property
    def pulse_steps(self) -> int:
        return int(round(self.learn.mts_pulse_ms / self.shape.dt))

    @property
    def window_steps(self) -> int:
        return int(round(self.learn.coincidence_ms / self.shape.dt))

    # -- model files --------------------------------------------------------------------------------------
    def to_json(self) -> str:
        d = {**asdict(self.shape), **asdict(self.learn)}
        d["tau_syn"] = "inf" if math.isinf(self.shape.tau_syn) else self.shape.tau_syn
        return json.dumps(d, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelConfig:
        """Read a model file's config; names of settings that are no longer saved (the generation settings of
        format-2 files) are ignored."""
        d = json.loads(text)
        if d.get("tau_syn") == "inf":
            d["tau_syn"] = math.inf
        for k in ("modes", "voice_names"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**{k: v for k, v in d.items() if k in _SHAPE or k in _LEARN})
