"""A composition as a session: one slot at a time, each step returning the notes the network just decided.

Each slot (one note per voice) the requested key group is driven (scale tones +50, non-scale held silent) with its
mode group, seed notes are clamped for the first slot(s), and the sequence-memory neurons of the next position
receive two kinds of synaptic input: learned sequence synapses from the notes chosen at the previous positions,
and key -> pitch synapses from the key prior (`prior.KeyPrior`), with the cross-voice terms of `coupling`.  The
slot is simulated (5 ms) and `readout.Readout` picks each voice's pitch and duration.  Every other
sequence-memory neuron the slot touched is silenced (lateral inhibition: state reset, spikes withdrawn), the
previous slot's winners included, so a note's spikes reach the next position.

Positions past the longest learned piece have no learned transitions; generation continues there by cycling
back over the learned positions (position k uses grid position k mod max_length, after the seed).  How the piece
ends is the end policy of `ending` (ComposeSettings.end).

A session owns its simulation state and its key -> pitch synapses, so several sessions over one model are
independent; the model's learned synapses are only read.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np

from modesnn.errors import ComposeError
from modesnn.model.compose.coupling import voice_order
from modesnn.model.compose.ending import CausalEnd, align_end
from modesnn.model.compose.prior import KeyPrior
from modesnn.model.compose.readout import Readout
from modesnn.model.layout import DURATION, PITCH, REST
from modesnn.model.network import ModeSNN
from modesnn.model.settings import ComposeSettings
from modesnn.music import Note, Piece, Voice
from modesnn.snn import SEQUENCE_MEMORY, Network, SpikeRecord
from modesnn.theory import MODES, Key, nearest_pitch


@dataclass(frozen=True)
class Decided:
    """One note as the session returns it."""

    voice: int
    voice_name: str
    index: int
    note: Note


@functools.lru_cache(maxsize=8)
def note_spike_steps(dt: float, slot_steps: int, i_note: float) -> tuple[int, ...]:
    """Steps (within a slot) at which a sequence-memory neuron driven by a presented note fires from rest (the
    same for every composition with these settings: computed once per process)."""
    net = Network(dt=dt)
    net.add_population("probe", 1, SEQUENCE_MEMORY)
    return tuple(net.run(slot_steps, [0], [i_note], plastic=False, grow=False).step.tolist())


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """np.unique(a) for a 1-D integer array, by sorting (numpy 2's hash-table np.unique costs two to three times
    more for the thousand-odd ids of a slot)."""
    a = np.sort(a)
    first = np.ones(a.size, bool)
    np.not_equal(a[1:], a[:-1], out=first[1:])
    return a[first]


def default_seed(model: ModeSNN, key: Key, settings: ComposeSettings | None = None) -> list[int]:
    """A tonic chord in a sensible spacing: bass on the tonic, then fifth, third, tonic upwards (SATB), or chord
    tones near each voice's learned centre for other voice counts."""
    s = settings or ComposeSettings()
    root, third, fifth = ((key.tonic + d) % 12 for d in MODES[key.mode].triad)
    n = model.config.voices
    if n == 4:
        order: tuple[set[int], ...] = ({root}, {third}, {fifth}, {root})
        centres = s.seed_centres
    else:
        order = tuple({root, third, fifth} for _ in range(n - 1)) + ({root},)
        centres = tuple(_voice_centre(model, v, s.default_pitch) for v in range(n))
    return [nearest_pitch(pcs, c, s.nearest_span) for pcs, c in zip(order, centres, strict=True)]


def _voice_centre(model: ModeSNN, v: int, default: int) -> int:
    counts = model.voice_pitches[v][:128]
    if counts.sum() == 0:
        return default
    return int(round(float(np.average(np.arange(128), weights=counts))))


class ComposeSession:
    """One composition, stepped slot by slot: `step()` returns the notes just decided, `finish()` the Piece."""

    def __init__(self, model: ModeSNN, key: Key, settings: ComposeSettings | None = None, seed: int = 0) -> None:
        s = settings or ComposeSettings()
        c = model.config
        if key.mode not in c.modes:
            raise ComposeError(f"mode {key.mode!r} is not in this model (it knows: {', '.join(c.modes)})")
        seeds = list(s.seed_notes) if s.seed_notes is not None else default_seed(model, key, s)
        if len(seeds) != c.voices:
            raise ComposeError(f"seed notes: {len(seeds)} notes given, the model has {c.voices} voices "
                               f"({', '.join(c.voice_names)})")
        meter = s.meter
        if meter is None:
            meter = max(sorted(model.meters), key=lambda m: model.meters[m]) if model.meters else "4/4"
        self.model, self.settings, self.seed, self.meter = model, replace(s, meter=meter), seed, meter
        self.start_key = self.key = key
        self.seeds = seeds
        self.modulations: list[tuple[int, str]] = []
        self.lay = model.layout
        # The session's own simulation state over the model's synapses, with its own key -> pitch synapses.
        self.sim = model.net.new_state(private=("key_to_sms",))
        self.rng = np.random.default_rng(seed)  # the readout's tie-breaks (the noise is keyed by the seed apart)
        self.prior = KeyPrior(model, key, s)
        self.readout = Readout(model, self.rng, self.sim.potential, (model.sequence, self.sim.group("key_to_sms")),
                               s.default_pitch, s.seed_duration, s.nearest_span)
        self.one_beat = self.readout.one_beat
        self.note_steps = np.array(note_spike_steps(c.dt, c.slot_steps, c.i_note), np.int64)
        self.note_steps.flags.writeable = False
        self.range_pitches = [np.arange(max(lo - s.range_margin, 0), min(hi + s.range_margin, 127) + 1)
                              for lo, hi in (model.voice_range(v) for v in range(c.voices))]
        model.layout.ensure_positions(s.length if model.max_length == 0 else min(s.length, model.max_length))
        self.k = 0
        self.history: list[np.ndarray] = []  # per slot: the neuron ids chosen (pitch and duration, every voice)
        self.notes: list[list[Note]] = [[] for _ in range(c.voices)]
        self.onsets = [0.0] * c.voices
        self.fallback_ids = self.fallback_steps = np.zeros(0, np.int64)  # the spikes fallback winners send
        self.causal = CausalEnd(meter, c.voices) if s.end == "causal" else None
        self.last_spikes: SpikeRecord | None = None
        self.sim.reset()

    # -- public ---------------------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        if self.causal is not None:
            return self.causal.done
        return self.k >= self.settings.length

    def set_key(self, key: Key) -> None:
        """From the next step on, drive `key`'s group instead (a modulation); its mode must be in the model."""
        if key.mode not in self.model.config.modes:
            raise ComposeError(f"mode {key.mode!r} is not in this model (it knows: "
                               f"{', '.join(self.model.config.modes)})")
        if key != self.key:
            self.key, self.prior = key, KeyPrior(self.model, key, self.settings)
            self.modulations.append((self.k, key.name))

    def step(self) -> tuple[Decided, ...]:
        """Simulate one slot and return the notes it decided, in voice order (fewer than one per voice only
        while a causal ending brings the voices to the final barline)."""
        if self.done:
            raise ComposeError("the composition is finished")
        if self.causal is not None and self.causal.end is None and self.k >= self.settings.length:
            self.causal.fix([self.onsets[v] for v in range(len(self.notes))])
        picks = self._slot()
        out = []
        for v, (pitch_col, dur_col) in enumerate(picks):
            dur = self.model.duration_value(dur_col)
            note = Note(None if pitch_col == REST else int(pitch_col), dur, self.onsets[v])
            if self.causal is not None:
                previous = next((n.pitch for n in reversed(self.notes[v]) if n.pitch is not None), None)
                note = self.causal.shape(note, self.key, v, previous, self.settings.default_pitch,
                                         self.settings.nearest_span)
                if note is None:
                    continue
            self.notes[v].append(note)
            self.onsets[v] += note.duration
            out.append(Decided(v, self.model.config.voice_names[v], len(self.notes[v]) - 1, note))
        self.k += 1
        return tuple(out)

    def __iter__(self):
        while not self.done:
            yield self.step()

    def finish(self) -> Piece:
        """Step to the end if needed and return the piece (the "align" policy rewrites its end here)."""
        while not self.done:
            self.step()
        c = self.model.config
        voices = tuple(Voice(c.voice_names[v], tuple(self.notes[v])) for v in range(c.voices))
        if self.causal is None:
            voices = align_end(voices, self.meter, self.key, self.settings.default_pitch, self.settings.nearest_span)
        meta = {"seed": self.seed, "length": self.settings.length}
        if self.modulations:
            meta["modulations"] = list(self.modulations)
        return Piece(f"modesnn {self.start_key.name}", self.start_key, voices, self.meter, key_source="requested",
                     source="modesnn compose", meta=meta)

    # -- one slot ---------------------------------------------------------------------------------------------
    def _grid_pos(self, k: int) -> int:
        span, n_seed = self.model.max_length, self.settings.seed_slots
        if span <= 0 or k < span:
            return k
        cycle = max(span - n_seed, 1)
        return n_seed + (k - n_seed) % cycle

    def _slot(self) -> list[tuple[int, int]]:
        """Run slot k; (pitch column, duration column) per voice."""
        c, lay, sim, k = self.model.config, self.lay, self.sim, self.k
        pos = self._grid_pos(k)
        ids, cur = self.prior.drive
        if k < self.settings.seed_slots:
            seed_ids = np.array([lay.sms_id(v, kind, pos, col) for v in range(c.voices)
                                 for kind, col in ((PITCH, self.seeds[v]), (DURATION, self.one_beat))], np.int64)
            ids = np.concatenate([ids, seed_ids])
            cur = np.concatenate([cur, np.full(seed_ids.size, float(c.i_note))])
            self.last_spikes = sim.run(c.slot_steps, ids, cur, plastic=False, grow=False, noise=None)
            self.history.append(seed_ids)
            return [(self.seeds[v], self.one_beat) for v in range(c.voices)]
        recent = np.concatenate(self.history[-c.max_delay_slots:])
        self._wire(pos, recent)
        # The key group is already active: its state reaches the new candidates at the slot's start (one spike
        # of each active key neuron), not only at its next spike.  Sent in one batch after the previous slot's
        # fallback spikes (the same deliveries, in the same order, as two sends).
        active = self.prior.active_keys
        sim.emit(np.concatenate([self.fallback_ids, active]),
                 np.concatenate([self.fallback_steps, np.full(active.size, sim.t, np.int64)]))
        t0 = sim.t
        sigma = self.settings.noise_sigma
        spikes = sim.run(c.slot_steps, ids, cur, plastic=False, grow=False,
                         noise=(sigma, self.seed) if sigma > 0 else None)
        self.last_spikes = spikes
        picks = self.readout.choose(spikes.neuron[lay.pos[spikes.neuron] == pos], pos, recent, self.key,
                                    self.prior.key_ids)
        winners = np.array([nid for _, nid, _ in picks], np.int64)
        # The slot is over: every sequence-memory neuron it touched except this slot's winners is silenced, its
        # spikes withdrawn (lateral inhibition; the previous slot's winners included, so a winner's spikes reach
        # the next position only: see docs/model-notes.md).
        sim.silence(self._touched(spikes, winners))
        # A fallback winner sends what a presented note would have sent (with the next slot's key spikes: nothing
        # happens in between that could tell the difference).
        fallen = [nid for _, nid, fired in picks if not fired]
        self.fallback_ids = np.repeat(np.array(fallen, np.int64), self.note_steps.size)
        self.fallback_steps = np.tile(t0 + self.note_steps, len(fallen))
        self.history.append(winners)
        return [(picks[2 * v][0], picks[2 * v + 1][0]) for v in range(c.voices)]

    def _wire(self, pos: int, context: np.ndarray) -> None:
        """Key -> pitch synapses onto this position's candidates: the pitches the sequence memory proposes
        (targets of learned synapses from the notes just chosen), or, in a voice with no learned continuation,
        every pitch of the voice's range.  Scale tones get excitation from the key neuron of their pitch class;
        other pitches inhibition from the (always active) tonic neuron, and the cross-voice terms apply.
        Every voice at once; the synapses are laid out voice by voice, each voice's by ascending pitch."""
        lay, seq, n_voices = self.lay, self.model.sequence, self.model.config.voices
        proposed = np.zeros(0, np.int64)
        if context.size and seq.n:
            syn, _ = seq.outgoing(context)
            proposed = seq.post[syn]
            proposed = sorted_unique(proposed[(lay.kind[proposed] == PITCH) & (lay.pos[proposed] == pos)])
        voices = lay.voice[proposed]
        order = np.argsort(voices, kind="stable")  # (each voice's ids stay ascending; cheap: already sorted)
        ids, voices = proposed[order], voices[order]
        if not np.bincount(voices, minlength=n_voices).all():  # a voice proposes nothing: its whole range
            parts = []
            for v in range(n_voices):
                mine = ids[voices == v]
                if not mine.size:
                    mine = lay.sms_id(v, PITCH, pos, self.range_pitches[v])
                parts.append(mine)
            ids = np.concatenate(parts)
            voices = lay.voice[ids]
        pitches = lay.val[ids]
        sounding = pitches != REST
        ids, voices, pitches = ids[sounding], voices[sounding], pitches[sounding]
        previous = [self.notes[v][-1].pitch if self.notes[v][-1].pitch is not None else REST
                    for v in range(n_voices)]
        weights = voice_order(self.prior.bias_by_pitch[pitches], voices, pitches, previous,
                              self.settings.voice_order_inhibition)
        keep = weights != 0
        self.sim.group("key_to_sms").load_state(
            {"pre": self.prior.source_by_pitch[pitches[keep]], "post": ids[keep], "w": weights[keep],
             "delay": np.zeros(int(keep.sum()), np.int64)})

    def _touched(self, spikes: SpikeRecord, winners: np.ndarray) -> np.ndarray:
        """Sequence-memory neurons this slot touched (still active, or fired), sorted, except its winners."""
        kind = self.lay.kind
        ids = np.concatenate([self.sim.active_ids(), spikes.neuron])
        k = kind[ids]
        ids = sorted_unique(ids[(k == PITCH) | (k == DURATION)])
        if ids.size:
            at = np.minimum(np.searchsorted(ids, winners), ids.size - 1)
            keep = np.ones(ids.size, bool)
            keep[at[ids[at] == winners]] = False
            ids = ids[keep]
        return ids
