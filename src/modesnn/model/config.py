"""Every number of the network in one place.  Defaults follow ../docs/model.md (the release's values where
the paper is silent); each is configuration, not a constant."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields

from modesnn.theory import DEFAULT_MODES, MODES


@dataclass(frozen=True)
class ModelConfig:
    modes: tuple[str, ...] = DEFAULT_MODES
    voices: int = 4
    voice_names: tuple[str, ...] = ("soprano", "alto", "tenor", "bass")

    # time
    dt: float = 0.1  # ms
    slot_ms: float = 5.0  # one note = one slot, whatever its written duration
    max_delay_slots: int = 4  # sequence synapses reach 1..4 positions ahead
    tau_syn: float = 5.0  # ms; decay of synaptic current (inf = stays on, as in the release)

    # input currents (release values)
    i_note: float = 30.0  # presented note's pitch and duration neuron
    i_key_scale: float = 50.0  # active key group: scale-tone neurons
    i_key_nonscale: float = -100.0  # active key group: non-scale neurons (held silent)
    i_mode: float = 50.0  # active mode group
    mts_lag_ms: float = 2.5  # the theory subsystem hears a note this long after the sequence memory
    mts_pulse_ms: float = 2.0  # ... for this long (at most to the end of the slot)
    mode_neuron: str = "fast_spiking"  # Izhikevich preset of mode neurons (the paper does not say)

    # learning
    tau_stdp: float = 5.0  # ms
    a_sms: float = 1.0  # STDP amplitude inside the sequence memory
    a_mts: float = 5.0  # STDP amplitude for sequence memory -> theory subsystem synapses
    w_max_sms: float = 100.0
    w_max_mts: float = 1000.0
    creation_threshold: int = 5  # "oscillations" (coincidences) before a synapse is created (paper: 5)
    coincidence_ms: float = 5.0  # +/- window for a coincidence
    lanes: int = 28  # pieces presented at once, each with its own neuron state, sharing synapses (speed vs memory)

    # generation
    hierarchy_weight: float = 1.5  # mode -> key synapses (+ scale degrees, - others); subthreshold alone
    bias_gain: float = 16.0  # key -> sequence-memory weight for the strongest learned degree
    bias_exponent: float = 1.0  # compresses the learned profile: weight = gain * (profile / max) ** exponent
    nonscale_inhibition: float = 100.0  # key -> pitch inhibition of degrees outside the mode's scale
    voice_order_inhibition: float = 100.0  # key -> pitch inhibition of a pitch that would cross a neighbour voice
    noise_sigma: float = 100.0  # background input noise (std of the current, per step) while composing
    prior: str = "learned"  # "learned" (from MTS <-> SMS weights) or "fixed" (release: flat prior)
    fixed_prior_weight: float = 8.0

    # duration grid (quarter lengths): 1/32-note steps from 0.125 to 8
    duration_step: float = 0.125
    duration_count: int = 64

    # layout
    positions_per_block: int = 32

    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for m in self.modes:
            if m not in MODES:
                raise ValueError(f"modes: unknown mode {m!r}; known: {', '.join(MODES)}")
        if self.voices < 1:
            raise ValueError("voices: must be >= 1")
        if len(self.voice_names) != self.voices:
            object.__setattr__(self, "voice_names", tuple(f"voice{i + 1}" for i in range(self.voices)))
        if self.prior not in ("learned", "fixed"):
            raise ValueError("prior: must be 'learned' or 'fixed'")
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float) and math.isnan(v):
                raise ValueError(f"{f.name}: must not be NaN")

    @property
    def slot_steps(self) -> int:
        return int(round(self.slot_ms / self.dt))

    @property
    def lag_steps(self) -> int:
        return int(round(self.mts_lag_ms / self.dt))

    @property
    def pulse_steps(self) -> int:
        return int(round(self.mts_pulse_ms / self.dt))

    @property
    def window_steps(self) -> int:
        return int(round(self.coincidence_ms / self.dt))

    @property
    def durations(self) -> list[float]:
        return [self.duration_step * (i + 1) for i in range(self.duration_count)]

    def to_json(self) -> str:
        d = asdict(self)
        d["tau_syn"] = "inf" if math.isinf(self.tau_syn) else self.tau_syn
        return json.dumps(d, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelConfig:
        d = json.loads(text)
        if d.get("tau_syn") == "inf":
            d["tau_syn"] = math.inf
        for k in ("modes", "voice_names"):
            d[k] = tuple(d[k])
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
