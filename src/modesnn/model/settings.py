"""Every number of the network, split by when it applies, each with a record of where its value comes from.

- `NetworkShape`: fixes how the network is built and driven (populations, time step, input currents); saved in
  the model file.
- `LearnSettings`: how the weights are learned (STDP, creation, presentation); saved in the model file, so a model
  says how it was made and more data can be learned into it the same way.
- `ComposeSettings`: per request (prior, noise, readout and ending policies); never saved.

Each field is declared with `setting(default, source, why, check)`: `source` is one of SOURCES, `why` says where
the value comes from (the paper, the authors' release, or the measurement that chose it: corpus, figure), and
`check` names the validation applied at construction.  `docs/model-notes.md` carries the table that
`provenance_markdown()` prints (a test keeps the two in step).
"""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from modesnn.errors import SettingsError
from modesnn.theory import DEFAULT_MODES, MODES

SOURCES = ("paper", "release", "measured", "design")
"""paper: Liang, Zeng, Tang (arXiv 2411.14773); release: the authors' BrainCog code; measured: chosen by the
measurement given in `why`; design: a decision of this project where neither says, explained in `why`."""

CHECKS = ("positive", "positive_or_inf", "non_negative", "finite", "at_least_1", "any")


def setting(default: Any, source: str, why: str, check: str = "finite") -> Any:
    """A settings field with its provenance and validation (see the module docstring)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    if check not in CHECKS:
        raise ValueError(f"check must be one of {CHECKS}, got {check!r}")
    meta = {"source": source, "why": why, "check": check}
    if isinstance(default, (list, dict, set)):
        raise TypeError("mutable defaults are not allowed in settings")
    return field(default=default, metadata=meta)


def _validate(obj: Any) -> None:
    """Reject bad values with a message naming the field (never rewrite them)."""
    name = type(obj).__name__
    for f in fields(obj):
        value = getattr(obj, f.name)
        check = f.metadata.get("check", "any")
        if check == "any" or value is None or isinstance(value, (str, tuple)):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingsError(f"{name}.{f.name}: must be a number, got {value!r}")
        if math.isnan(value):
            raise SettingsError(f"{name}.{f.name}: must not be NaN")
        if check in ("positive", "positive_or_inf") and not value > 0:
            raise SettingsError(f"{name}.{f.name}: must be positive, got {value}")
        if check == "non_negative" and not value >= 0:
            raise SettingsError(f"{name}.{f.name}: must be zero or more, got {value}")
        if check == "at_least_1" and not (value >= 1 and float(value).is_integer()):
            raise SettingsError(f"{name}.{f.name}: must be a whole number >= 1, got {value}")
        if check in ("finite", "non_negative", "positive") and math.isinf(value):
            raise SettingsError(f"{name}.{f.name}: must be finite, got {value}")


@dataclass(frozen=True)
class NetworkShape:
    """How the network is built and driven (saved in the model file)."""

    modes: tuple[str, ...] = setting(DEFAULT_MODES, "paper", "major and (harmonic) minor, the paper's two modes",
                                     "any")
    voices: int = setting(4, "paper", "four segments of the sequence memory, one per SATB voice", "at_least_1")
    voice_names: tuple[str, ...] = setting(("soprano", "alto", "tenor", "bass"), "design",
                                           "SATB names for four voices; give one name per voice otherwise", "any")
    dt: float = setting(0.1, "paper", "forward-Euler time step (ms)", "positive")
    slot_ms: float = setting(5.0, "release", "one note = one 5 ms slot, whatever its written duration", "positive")
    max_delay_slots: int = setting(4, "paper", "sequence synapses reach 1..4 positions ahead", "at_least_1")
    tau_syn: float = setting(5.0, "design", "decay of the synaptic current (ms), one slot; inf = the release's "
                             "gate that stays on", "positive_or_inf")
    i_note: float = setting(30.0, "release", "current into a presented note's pitch and duration neurons")
    i_key_scale: float = setting(50.0, "release", "current into the active key group's scale-tone neurons")
    i_key_nonscale: float = setting(-100.0, "release", "current into the active key group's non-scale neurons "
                                    "(held silent)")
    i_mode: float = setting(50.0, "release", "current into the active mode group")
    mode_neuron: str = setting("fast_spiking", "design", "Izhikevich preset of mode neurons; the paper does not "
                               "say", "any")
    hierarchy_weight: float = setting(1.5, "design", "mode -> key synapses (+ scale degrees, - others): "
                                      "subthreshold alone, so an inactive key cannot fire from its mode")
    duration_step: float = setting(0.125, "paper", "duration grid step in quarter lengths (a 1/32 note)",
                                   "positive")
    duration_count: int = setting(64, "paper", "duration columns: 0.125 .. 8 quarter lengths", "at_least_1")
    positions_per_block: int = setting(32, "design", "the position grid grows in blocks of this many "
                                       "positions (memory vs growth steps)", "at_least_1")

    def __post_init__(self) -> None:
        for m in self.modes:
            if m not in MODES:
                raise SettingsError(f"NetworkShape.modes: unknown mode {m!r}; known: {', '.join(MODES)}")
        if not self.modes:
            raise SettingsError("NetworkShape.modes: at least one mode")
        if len(self.voice_names) != self.voices:
            raise SettingsError(f"NetworkShape.voice_names: {len(self.voice_names)} names for {self.voices} voices")
        _validate(self)
        if self.slot_steps < 1:
            raise SettingsError(f"NetworkShape.slot_ms: {self.slot_ms} ms is less than one step of {self.dt} ms")

    @property
    def slot_steps(self) -> int:
        return int(round(self.slot_ms / self.dt))

    @property
    def durations(self) -> list[float]:
        return [self.duration_step * (i + 1) for i in range(self.duration_count)]


@dataclass(frozen=True)
class LearnSettings:
    """How the weights are learned (saved in the model file)."""

    mts_lag_ms: float = setting(2.5, "measured", "the theory subsystem hears a note this late, so SMS spikes "
                                "lead and STDP strengthens SMS -> MTS: SHTE, learned mode profiles vs the data's "
                                "degree counts r = 0.996 / 0.997", "non_negative")
    mts_pulse_ms: float = setting(2.0, "measured", "... for this long (same measurement as mts_lag_ms)", "positive")
    tau_stdp: float = setting(5.0, "paper", "STDP window time constant (ms)", "positive")
    a_sms: float = setting(1.0, "paper", "STDP amplitude inside the sequence memory", "non_negative")
    a_mts: float = setting(5.0, "paper", "STDP amplitude for SMS -> theory-subsystem synapses", "non_negative")
    w_max_sms: float = setting(100.0, "design", "weight bound inside the sequence memory (the release never "
                               "bounds; its weights reach 6e4); not tuned", "positive")
    w_max_mts: float = setting(1000.0, "design", "weight bound SMS -> MTS, ten times w_max_sms as a_mts is five "
                               "times a_sms; not tuned", "positive")
    creation_threshold: int = setting(5, "paper", "coincidences ('oscillations') before a synapse is created "
                                      "(the release uses 2)", "at_least_1")
    coincidence_ms: float = setting(5.0, "paper", "+/- window of a coincidence (ms)", "positive")
    lanes: int = setting(28, "measured", "pieces presented at once: Bach learns in 13.5 s at 278 MB with 28, "
                         "306 MB at 32 (benchmarks/learn.py)", "at_least_1")

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class ComposeSettings:
    """One composition request: what to write and the generation policy (never saved)."""

    length: int = setting(32, "design", "notes per voice before the end policy", "at_least_1")
    meter: str | None = setting(None, "design", "None: the meter most common in training", "any")
    seed_notes: tuple[int, ...] | None = setting(None, "design", "one MIDI pitch per voice for the first slot; "
                                                 "None: a tonic chord (seed_centres)", "any")
    end: str = setting("align", "design", "'align': voices cut at the first barline after the shortest ends and "
                       "the last notes moved to the tonic triad (non-causal); 'causal': never changes a returned "
                       "note, the last notes are chosen to reach a barline on the tonic triad", "any")
    prior: str = setting("learned", "paper", "key -> pitch bias from the learned MTS <-> SMS weights ('learned') "
                         "or the release's flat prior ('fixed')", "any")
    bias_gain: float = setting(16.0, "measured", "key -> pitch weight of the strongest learned degree; Bach, 24 keys "
                               "x 12 seeds: 10 gives 37 % repeated notes and entropy 2.23, 16 gives 45 % and 1.94, "
                               "key recovery unchanged within noise", "non_negative")
    bias_exponent: float = setting(1.0, "design", "weight = gain * (profile / max) ** exponent; 1 keeps the "
                                   "learned profile's proportions; not tuned", "positive")
    nonscale_inhibition: float = setting(100.0, "design", "inhibition of degrees outside the scale, scaled by "
                                         "how rarely each was heard; as strong as the non-scale drive (100)",
                                         "non_negative")
    voice_order_inhibition: float = setting(100.0, "measured", "inhibition of a pitch that would cross a "
                                            "neighbour voice: Bach, 24 keys x 6 seeds, 7.8 -> 2.5 crossings a "
                                            "piece, key found 0.875 -> 0.889", "non_negative")
    noise_sigma: float = setting(100.0, "measured", "background current noise (std per step): Bach model, "
                                 "repeated notes 45 % without, 34 % with; key still found", "non_negative")
    fixed_prior_weight: float = setting(8.0, "release", "the flat prior's weight onto scale tones "
                                        "(the release gives +40..50 per slot summed over its gates)",
                                        "non_negative")
    seed_slots: int = setting(1, "design", "slots clamped to the seed notes before the network composes",
                              "at_least_1")
    seed_duration: float = setting(1.0, "design", "duration of the seed notes and of a duration fallback with "
                                   "nothing learned (quarter lengths: one beat)", "positive")
    seed_centres: tuple[int, ...] = setting((69, 62, 55, 46), "design", "typical pitch of each SATB voice for "
                                            "the default seed chord (A4, D4, G3, B-flat 2: mid-range)", "any")
    default_pitch: int = setting(60, "design", "fallback centre (C4) when a voice has learned no pitch", "any")
    range_margin: int = setting(2, "design", "semitones either side of a voice's learned range offered when the "
                                "memory proposes nothing", "non_negative")
    nearest_span: int = setting(12, "design", "search an octave either side for the nearest chord tone",
                                "at_least_1")

    def __post_init__(self) -> None:
        if self.end not in ("align", "causal"):
            raise SettingsError(f"ComposeSettings.end: must be 'align' or 'causal', got {self.end!r}")
        if self.prior not in ("learned", "fixed"):
            raise SettingsError(f"ComposeSettings.prior: must be 'learned' or 'fixed', got {self.prior!r}")
        if self.length < 2:
            raise SettingsError(f"ComposeSettings.length: must be at least 2 notes per voice, got {self.length}")
        if self.meter is not None:
            from modesnn.music import measure_length

            try:
                measure_length(self.meter)
            except ValueError as exc:
                raise SettingsError(f"ComposeSettings.meter: {exc}") from None
        if self.seed_notes is not None:
            object.__setattr__(self, "seed_notes", tuple(int(p) for p in self.seed_notes))
            bad = [p for p in self.seed_notes if not 0 <= p <= 127]
            if bad:
                raise SettingsError(f"ComposeSettings.seed_notes: {bad[0]} is not a MIDI pitch (0-127)")
        _validate(self)


SETTINGS_CLASSES = (NetworkShape, LearnSettings, ComposeSettings)


def provenance_rows() -> list[tuple[str, str, str, str, str]]:
    """(class, field, default, source, why) of every setting."""
    rows = []
    for cls in SETTINGS_CLASSES:
        for f in fields(cls):
            default = f.default if f.default is not MISSING else "(required)"
            rows.append((cls.__name__, f.name, repr(default), f.metadata["source"], f.metadata["why"]))
    return rows


def provenance_markdown() -> str:
    """The settings table of docs/model-notes.md."""
    lines = ["| settings | field | default | source | why |", "|---|---|---|---|---|"]
    lines += [f"| {c} | `{n}` | `{d}` | {s} | {w} |" for c, n, d, s, w in provenance_rows()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(provenance_markdown(), end="")
