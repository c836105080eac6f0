"""A sweep file (TOML) -> the list of points to run, every value checked before anything runs.

```toml
[corpora]                      # name = sources (relative paths are relative to this file), or a table
shte = ["SHTE"]
bach = { sources = ["bach"], every = 4, limit = 40 }   # every 4th piece, at most 40

[grid]                         # the product of these lists (any setting, by name)
creation_threshold = [2, 5, 8]
noise_sigma = [50.0, 100.0, 200.0]

[fixed]                        # settings every point shares
lanes = 28

[evaluate]                     # what each point composes and judges
keys = ["C major", "A minor"]
seeds = [0, 1]
length = 16
```

Instead of `[grid]`, `[[points]]` lists points one by one (each a table of settings).  Every point runs on
every corpus.  Settings are addressed by name; `config_for` is the one place that maps a point's settings to
the model's configuration (so that it is the only code to change when the configuration is reorganised).
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from modesnn.errors import ModesnnError
from modesnn.model import ModelConfig
from modesnn.theory import parse_key

TABLES = ("corpora", "grid", "points", "fixed", "evaluate")
EVALUATE_DEFAULTS: dict[str, Any] = {"keys": ["C major", "A minor"], "seeds": [0], "length": 16,
                                     "keyfinding": True}
# text settings with a closed set of values
_CHOICES = {"mode_neuron": None, "prior": ("learned", "fixed"), "end": ("align", "causal")}
_NOT_SETTINGS = ("extra",)


class SpecError(ModesnnError):
    """A sweep file that cannot be run (the message names the file and the entry)."""


@dataclass(frozen=True)
class Corpus:
    """A named training corpus: its sources, and an optional slice (every N-th piece, at most `limit`)."""

    name: str
    sources: tuple[str, ...]
    every: int = 1
    limit: int | None = None


@dataclass(frozen=True)
class Point:
    """One learn-and-evaluate job: a corpus, the settings that differ from the defaults, what to evaluate."""

    corpus: Corpus
    settings: dict = field(hash=False)
    evaluate: dict = field(hash=False)

    @property
    def id(self) -> str:
        """Stable name of the point (its stored result file): a hash of everything that decides its result."""
        text = json.dumps({"corpus": [self.corpus.name, self.corpus.sources, self.corpus.every, self.corpus.limit],
                           "settings": self.settings, "evaluate": self.evaluate}, sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SweepSpec:
    """The checked sweep: its points in a fixed order, the swept setting names and the corpora."""

    path: str
    points: list[Point]
    swept: list[str]
    corpora: list[Corpus]
    kind: str = "grid"  # "grid" (a product: plots average over the other settings) or "points" (a list)

    def default(self, name: str) -> Any:
        """The value a point has for a swept setting it does not set (the settings' default)."""
        value = _setting_fields()[name][1]
        return list(value) if isinstance(value, tuple) else value


_NOT_SWEPT = ("length", "seed_notes")  # composition length is [evaluate] length; seed notes are per piece


def _setting_fields() -> dict[str, tuple[str, Any]]:
    """Every sweepable setting: name -> (which settings class holds it, its default)."""
    from modesnn.model.settings import ComposeSettings, LearnSettings, NetworkShape

    out: dict[str, tuple[str, Any]] = {}
    for cls in (NetworkShape, LearnSettings, ComposeSettings):
        for f in fields(cls):
            if f.name not in _NOT_SWEPT and f.name not in _NOT_SETTINGS:
                out[f.name] = (cls.__name__, f.default)
    return out


def setting_names() -> list[str]:
    """Every setting a sweep can address (network shape, learning and composition settings)."""
    return list(_setting_fields())


@dataclass(frozen=True)
class PointConfig:
    """What a point's settings make: the model's configuration and the composition settings."""

    model: ModelConfig
    compose: Any  # modesnn.model.settings.ComposeSettings


def config_for(settings: dict[str, Any]) -> PointConfig:
    """The model configuration and composition settings of a point: defaults, overridden by `settings`
    (checked by name and type).  The one mapping from a point to the model's settings; raises ValueError
    naming the setting."""
    from modesnn.model.settings import ComposeSettings

    known = _setting_fields()
    model_kw, compose_kw = {}, {}
    for name, value in settings.items():
        if name not in known:
            near = difflib.get_close_matches(name, list(known), n=1)
            raise ValueError(f"unknown setting {name!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
        owner, default = known[name]
        (compose_kw if owner == "ComposeSettings" else model_kw)[name] = _coerce(name, value, default)
    try:
        return PointConfig(ModelConfig(**model_kw), ComposeSettings(**compose_kw))
    except (ValueError, ModesnnError) as exc:
        raise ValueError(str(exc)) from None


def _coerce(name: str, value: Any, default: Any) -> Any:
    """`value` in the type of the setting's default, or ValueError saying what was expected."""
    def wrong(expected: str) -> ValueError:
        return ValueError(f"{name}: {value!r} is {type(value).__name__}, expected {expected}")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise wrong("true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong("an integer")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong("a number")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise wrong("a string")
        choices = _choices(name)
        if choices and value not in choices:
            raise ValueError(f"{name}: {value!r} is not one of {', '.join(choices)}")
        return value
    if isinstance(default, tuple):
        kind = str if all(isinstance(v, str) for v in default) else int
        if not isinstance(value, list) or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value):
            raise wrong(f"a list of {'strings' if kind is str else 'integers'}")
        return tuple(value)
    if default is None:  # optional text settings (meter)
        if not isinstance(value, str):
            raise wrong("a string")
        return value
    raise ValueError(f"{name}: cannot be swept")


def _choices(name: str) -> tuple[str, ...] | None:
    if name == "mode_neuron":
        from modesnn.snn import PRESETS

        return tuple(PRESETS)
    return _CHOICES.get(name)


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep file; SpecError (one line, naming the file) for anything wrong."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from None
    try:
        return _build(p, data)
    except ValueError as exc:
        raise SpecError(f"{path}: {exc}") from None


def _build(path: Path, data: dict) -> SweepSpec:
    unknown = [k for k in data if k not in TABLES]
    if unknown:
        raise ValueError(f"unknown table {unknown[0]!r} (a sweep file has: {', '.join(TABLES)})")
    corpora = _corpora(path, data.get("corpora"))
    evaluate = _evaluate(data.get("evaluate", {}))
    fixed = _table(data, "fixed")
    if "grid" in data and "points" in data:
        raise ValueError("give [grid] or [[points]], not both")
    if "points" in data:
        rows = data["points"]
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("[[points]] must be a list of tables")
        swept = sorted({k for r in rows for k in r}, key=lambda k: next(i for i, r in enumerate(rows) if k in r))
    else:
        grid = _table(data, "grid")
        for name, values in grid.items():
            if not isinstance(values, list):
                raise ValueError(f"grid.{name}: expected a list of values, got {values!r}")
            if not values:
                raise ValueError(f"grid.{name}: empty list (the grid has no points)")
        swept = list(grid)
        rows = [dict(zip(swept, combo, strict=True)) for combo in itertools.product(*grid.values())]
    if not rows or rows == [{}]:
        raise ValueError("empty grid: no setting is swept ([grid] or [[points]] is missing or empty)")
    try:
        config_for(fixed)
    except ValueError as exc:
        raise ValueError(f"fixed: {exc}") from None
    where = "points" if "points" in data else "grid"
    points = []
    for row in rows:
        settings = {**fixed, **row}
        try:
            config_for(settings)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc} (point {row})") from None
        for corpus in corpora:
            points.append(Point(corpus, settings, evaluate))
    if len(corpora) > 1:
        swept = ["corpus", *swept]
    return SweepSpec(str(path), points, swept, corpora, "points" if "points" in data else "grid")


def _table(data: dict, name: str) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ValueError(f"[{name}] must be a table")
    return value


def _corpora(path: Path, value: Any) -> list[Corpus]:
    if not value:
        raise ValueError("no [corpora]: name at least one training corpus, e.g. bach = [\"bach\"]")
    if not isinstance(value, dict):
        raise ValueError("[corpora] must be a table of name = sources")
    out = []
    for name, entry in value.items():
        table = entry if isinstance(entry, dict) else {"sources": entry}
        extra = [k for k in table if k not in ("sources", "every", "limit")]
        if extra:
            raise ValueError(f"corpora.{name}: unknown entry {extra[0]!r} (sources, every, limit)")
        sources = table.get("sources")
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
            raise ValueError(f"corpora.{name}: sources must be a non-empty list of paths or 'bach'")
        every, limit = table.get("every", 1), table.get("limit")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"corpora.{name}.every: expected a positive integer, got {every!r}")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ValueError(f"corpora.{name}.limit: expected a positive integer, got {limit!r}")
        resolved = tuple(s if s == "bach" else str((path.parent / s).resolve()) for s in sources)
        out.append(Corpus(str(name), resolved, every, limit))
    return out


def _evaluate(value: Any) -> dict:
    if not isinstance(value, dict):
        raise ValueError("[evaluate] must be a table")
    unknown = [k for k in value if k not in EVALUATE_DEFAULTS]
    if unknown:
        raise ValueError(f"evaluate.{unknown[0]}: unknown entry (known: {', '.join(EVALUATE_DEFAULTS)})")
    out = {**EVALUATE_DEFAULTS, **value}
    keys, seeds, length = out["keys"], out["seeds"], out["length"]
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ValueError(f"evaluate.keys: expected a list of key names, got {keys!r}")
    for k in keys:
        try:
            parse_key(k)
        except ValueError as exc:
            raise ValueError(f"evaluate.keys: {exc}") from None
    if not isinstance(seeds, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise ValueError(f"evaluate.seeds: expected a list of integers, got {seeds!r}")
    if isinstance(length, bool) or not isinstance(length, int) or length < 2:
        raise ValueError(f"evaluate.length: expected an integer >= 2, got {length!r}")
    if not isinstance(out["keyfinding"], bool):
        raise ValueError(f"evaluate.keyfinding: expected true or false, got {out['keyfinding']!r}")
    return out
