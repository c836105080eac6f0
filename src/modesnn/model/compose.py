"""Generation: compose N voices in a requested mode and key with a learned network.

Each slot (one note per voice) the requested key group is driven (scale tones +50, non-scale held silent)
with its mode group, seed notes are clamped for the first slot, and the sequence-memory neurons of the next
position receive two kinds of synaptic input: learned sequence synapses from the notes chosen at the
previous positions, and key -> pitch synapses whose weights come from the *learned* SMS -> mode profile
carried to the requested tonic by the mode -> key hierarchy (so a key never heard in training works the
same way; `prior="fixed"` uses the release's flat prior instead).  Degrees outside the scale are inhibited,
and so are pitches that would cross a neighbouring voice.
The slot is simulated (5 ms) and a winner-takes-all readout per voice picks the pitch neuron with the most
spikes, and likewise the duration neuron: ties go to the higher membrane potential, then to the seeded
generator.  Every other sequence-memory neuron the slot touched is silenced (lateral inhibition: state
reset, spikes withdrawn), the previous slot's winners included, so a note's spikes reach the next position.
A slot where no candidate fires falls back to the strongest learned candidate (largest learned input), never
to a fixed default.

Positions past the longest learned piece have no learned transitions; generation continues there by
cycling back over the learned positions (position k uses grid position k mod max_length, after the seed).
Voices are then aligned to whole measures of the meter (`music.align_voices`) and end together on a final
chord: each voice's last note moves to the nearest tone of the tonic triad (the bass to the tonic).
"""

from __future__ import annotations

import numpy as np

from modesnn.model.layout import DURATION, PITCH, REST
from modesnn.model.network import ModeSNN
from modesnn.music import Note, Piece, Voice, align_voices, measure_length
from modesnn.snn import SEQUENCE_MEMORY, Network
from modesnn.theory import MODES, Key

SATB_CENTRES = (69, 62, 55, 46)
"""Typical pitch of each SATB voice, for the default seed chord."""


def tonic_triad(key: Key) -> tuple[int, int, int]:
    """Degrees (semitones above the tonic) of the tonic triad in the key's mode."""
    degrees = MODES[key.mode].degrees
    third = 4 if 4 in degrees else 3
    fifth = 7 if 7 in degrees else (6 if 6 in degrees else 8)
    return 0, third, fifth


def _nearest(pcs: set[int], centre: int) -> int:
    """The pitch nearest to centre whose pitch class is in pcs (ties go up)."""
    best = None
    for p in range(max(0, centre - 12), min(127, centre + 12) + 1):
        if p % 12 in pcs and (best is None or abs(p - centre) < abs(best - centre)):
            best = p
    return centre if best is None else best


def default_seed(model: ModeSNN, key: Key) -> list[int]:
    """A tonic chord in a sensible spacing: bass on the tonic, then fifth, third, tonic upwards (SATB), or
    chord tones near each voice's learned centre for other voice counts."""
    root, third, fifth = ((key.tonic + d) % 12 for d in tonic_triad(key))
    n = model.config.voices
    if n == 4:
        order = ({root}, {third}, {fifth}, {root})
        centres = SATB_CENTRES
    else:
        order = tuple({root, third, fifth} for _ in range(n - 1)) + ({root},)
        centres = tuple(_voice_centre(model, v) for v in range(n))
    return [_nearest(pcs, c) for pcs, c in zip(order, centres, strict=True)]


def _voice_centre(model: ModeSNN, v: int) -> int:
    counts = model.voice_pitches[v][:128]
    if counts.sum() == 0:
        return 60
    return int(round(float(np.average(np.arange(128), weights=counts))))


def _note_spike_steps(model: ModeSNN) -> list[int]:
    """Steps (within a slot) at which a sequence-memory neuron driven by a presented note fires from rest."""
    c = model.config
    net = Network(dt=c.dt)
    net.add_population("probe", 1, SEQUENCE_MEMORY)
    return net.run(c.slot_steps, [0], [c.i_note], plastic=False, grow=False).step.tolist()


class _Composer:
    """One composition: the per-slot loop and its readout."""

    def __init__(self, model: ModeSNN, key: Key, seed: int, prior: str) -> None:
        self.model, self.key = model, key
        self.c, self.lay, self.net = model.config, model.layout, model.net
        self.rng = np.random.default_rng(seed)
        self.ranges = [model.voice_range(v) for v in range(self.c.voices)]
        self.bias_w = self._bias_weights(prior)
        self.key_ids = self.lay.key_ids(key.tonic, key.mode)
        self.one_beat = model.duration_column(1.0)[0]
        self.note_spikes = _note_spike_steps(model)
        self._drive = self._make_drive()

    def _bias_weights(self, prior: str) -> np.ndarray:
        """Key -> pitch weight by scale degree.  Learned: the learned mode profile scaled so its largest is
        bias_gain and compressed by bias_exponent (the tonic pulls harder without drowning the other scale
        tones).  Degrees outside the scale are inhibited by `nonscale_inhibition` (the hierarchy's inhibitory
        side) scaled by how rarely they were heard (1 - profile / max), so learned chromatic tones (the
        natural seventh of Bach's minor) stay reachable while never-heard ones are held back.
        Fixed: the release's flat prior over scale tones."""
        c, mode = self.c, self.key.mode
        scale = MODES[mode].mask
        if prior == "fixed":
            return np.where(scale, c.fixed_prior_weight, 0.0)
        prof = self.model.mode_profile(mode)
        learned = (prof / prof.max()) ** c.bias_exponent if prof.max() > 0 else scale.astype(float)
        return c.bias_gain * learned - np.where(scale, 0.0, c.nonscale_inhibition * (1.0 - np.minimum(learned, 1.0)))

    def grid_pos(self, k: int, n_seed: int) -> int:
        span = self.model.max_length
        if span <= 0 or k < span:
            return k
        cycle = max(span - n_seed, 1)
        return n_seed + (k - n_seed) % cycle

    def drive(self) -> tuple[list[int], list[float]]:
        """External currents of one generation slot: the key group and its mode group (fresh lists: the
        first slot appends the seed notes)."""
        return list(self._drive[0]), list(self._drive[1])

    def _make_drive(self) -> tuple[list[int], list[float]]:
        c, key = self.c, self.key
        ids, cur = [], []
        for pc in range(12):
            ids.append(int(self.key_ids[pc]))
            cur.append(c.i_key_scale if key.in_scale(pc) else c.i_key_nonscale)
        for j in range(12):
            ids.append(int(self.lay.mode_ids(key.mode)[j]))
            cur.append(c.i_mode)
        return ids, cur

    def clear_bias(self) -> None:
        self.set_bias(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))

    def set_bias(self, pre: np.ndarray, post: np.ndarray, w: np.ndarray) -> None:
        """Replace the key -> pitch synapses (delay 0) in one step."""
        self.model.bias.load_state({"pre": pre, "post": post, "w": w, "delay": np.zeros(pre.size, np.int64)})

    def wire_bias(self, pos: int, context: list[int], previous: list[int] | None = None) -> None:
        """Key -> pitch synapses onto this position's candidates: the pitches the sequence memory proposes
        (targets of learned synapses from the notes just chosen), or, in a voice with no learned
        continuation, every pitch of the voice's range.  Scale tones get excitation from the key neuron of
        their pitch class; other pitches inhibition from the (always active) tonic neuron, and so do pitches
        that would cross a neighbouring voice (above the previous note of the voice above, below that of
        the voice below: `voice_order_inhibition`)."""
        lay, seq = self.lay, self.model.sequence
        proposed = np.zeros(0, np.int64)
        if context and seq.n:
            syn, _ = seq.outgoing(np.array(context, np.int64))
            proposed = seq.post[syn]
            proposed = np.unique(proposed[(lay.kind[proposed] == PITCH) & (lay.pos[proposed] == pos)])
        pre, post, w = [], [], []
        scale = MODES[self.key.mode].mask
        for v, (lo, hi) in enumerate(self.ranges):
            mine = proposed[lay.voice[proposed] == v]
            if mine.size:
                pitches = lay.val[mine]
                pitches = pitches[pitches != REST]
            else:
                pitches = np.arange(max(lo - 2, 0), min(hi + 2, 127) + 1)
            degrees = (pitches - self.key.tonic) % 12
            weights = self.bias_w[degrees].copy()
            if previous is not None and self.c.voice_order_inhibition:
                # Voices keep their order: a pitch above the previous note of the voice above, or below
                # that of the voice below, is inhibited.
                above = previous[v - 1] if v > 0 else REST
                below = previous[v + 1] if v + 1 < len(previous) else REST
                crossing = ((above != REST) & (pitches > above)) | ((below != REST) & (pitches < below))
                weights[crossing] = -self.c.voice_order_inhibition
            keep = weights != 0
            pitches, degrees, weights = pitches[keep], degrees[keep], weights[keep]
            sources = np.where(scale[degrees], self.key_ids[pitches % 12], self.key_ids[self.key.tonic])
            pre.append(sources)
            post.append(lay.sms_id(v, PITCH, pos, pitches))
            w.append(weights)
        self.set_bias(np.concatenate(pre), np.concatenate(post), np.concatenate(w))

    def touched(self, spikes) -> np.ndarray:
        """Sequence-memory neurons this slot touched (still active, or fired)."""
        lay, net = self.lay, self.net
        ids = np.union1d(net.active % net.n, spikes.neuron)
        return ids[np.isin(lay.kind[ids], (PITCH, DURATION))]

    def choose(self, fired: np.ndarray, kind: int, v: int, pos: int, previous: list[int]) -> tuple[int, bool]:
        """Winner-takes-all over the voice's neurons of this position (`fired`: the slot's spikes of this
        position's sequence-memory neurons, one id per spike): (column, fired)."""
        lay, net = self.lay, self.net
        ids = fired[(lay.kind[fired] == kind) & (lay.voice[fired] == v)]
        if ids.size:
            uniq, counts = np.unique(ids, return_counts=True)
            top = uniq[counts == counts.max()]
            if top.size > 1:
                vm = net.potential(top)
                top = top[vm == vm.max()]
            winner = int(top[0] if top.size == 1 else self.rng.choice(top))
            return int(lay.val[winner]), True
        return self.fallback(kind, v, pos, previous), False

    def fallback(self, kind: int, v: int, pos: int, previous: list[int]) -> int:
        """Strongest learned candidate: the largest summed weight from the chosen neurons of the previous
        positions (plus the key -> pitch weight for pitches); else the voice's most common value in key."""
        lay = self.lay
        total: dict[int, float] = {}
        for group in (self.model.sequence, self.model.bias):
            if group.n == 0 or not previous:
                continue
            syn, _ = group.outgoing(np.array(previous + ([] if group is self.model.sequence else
                                                         self.key_ids.tolist()), np.int64))
            post = group.post[syn]
            sel = (lay.kind[post] == kind) & (lay.voice[post] == v) & (lay.pos[post] == pos)
            for col, w in zip(lay.val[post[sel]].tolist(), group.w[syn[sel]].tolist(), strict=True):
                total[col] = total.get(col, 0.0) + w
        if total:
            best = max(total.values())
            tied = sorted(c for c, w in total.items() if w == best)
            return int(tied[0] if len(tied) == 1 else self.rng.choice(tied))
        if kind == DURATION:
            return int(np.argmax(self.model.voice_durations[v])) if self.model.voice_durations[v].any() \
                else self.one_beat
        counts = self.model.voice_pitches[v][:128] * np.array([self.key.in_scale(p) for p in range(128)])
        return int(np.argmax(counts)) if counts.any() else _nearest(set(self.key.scale_pcs), 60)


def compose(
    model: ModeSNN,
    key: Key,
    length: int = 32,
    seed: int = 0,
    seed_notes: list[int] | None = None,
    meter: str | None = None,
    prior: str | None = None,
) -> Piece:
    """Compose `length` notes per voice in `key` (before alignment to whole measures).

    seed_notes: one MIDI pitch per voice for the first slot (default: a tonic chord).  The model's state is
    reset before and after; its learned synapses are not changed.
    """
    c = model.config
    if key.mode not in c.modes:
        raise ValueError(f"mode {key.mode!r} is not in this model (it knows: {', '.join(c.modes)})")
    if length < 2:
        raise ValueError(f"length must be at least 2 notes per voice, got {length}")
    seeds = list(seed_notes) if seed_notes is not None else default_seed(model, key)
    if len(seeds) != c.voices:
        raise ValueError(f"{len(seeds)} seed notes given, the model has {c.voices} voices")
    if meter is None:
        meter = max(sorted(model.meters), key=lambda m: model.meters[m]) if model.meters else "4/4"
    measure_length(meter)
    comp = _Composer(model, key, seed, prior or c.prior)
    net, lay = model.net, model.layout
    lay.ensure_positions(length if model.max_length == 0 else min(length, model.max_length))
    n_seed = 1
    chosen_p = [[seeds[v]] for v in range(c.voices)]
    chosen_d = [[comp.one_beat] for _ in range(c.voices)]
    history: list[list[int]] = []  # per slot: the neuron ids chosen (pitch and duration, every voice)
    slot = c.slot_steps
    net.reset_state()
    try:
        for k in range(length):
            pos = comp.grid_pos(k, n_seed)
            ids, cur = comp.drive()
            recent = [i for h in history[-c.max_delay_slots:] for i in h]
            if k < n_seed:
                seed_ids = [int(lay.sms_id(v, kind, pos, col)) for v in range(c.voices)
                            for kind, col in ((PITCH, seeds[v]), (DURATION, comp.one_beat))]
                ids += seed_ids
                cur += [c.i_note] * len(seed_ids)
            else:
                comp.wire_bias(pos, recent, [chosen_p[v][-1] for v in range(c.voices)])
                # The key group is already active: its state reaches the new candidates at the slot's start
                # (one spike of each active key neuron), not only at its next spike.
                active_keys = [int(i) for pc, i in enumerate(comp.key_ids) if key.in_scale(pc)]
                net.emit(active_keys, [net.t] * len(active_keys))
            t0 = net.t
            noise = (c.noise_sigma, comp.rng) if c.noise_sigma > 0 and k >= n_seed else None
            spikes = net.run(slot, ids, cur, plastic=False, grow=False, noise=noise)
            if k < n_seed:
                history.append(seed_ids)
                continue
            winners, fallbacks = [], []
            here = spikes.neuron[lay.pos[spikes.neuron] == pos]
            here = here[(lay.kind[here] == PITCH) | (lay.kind[here] == DURATION)]
            recent_p = [i for i in recent if lay.kind[i] == PITCH]
            recent_d = [i for i in recent if lay.kind[i] == DURATION]
            for v in range(c.voices):
                pcol, p_fired = comp.choose(here, PITCH, v, pos, recent_p)
                dcol, d_fired = comp.choose(here, DURATION, v, pos, recent_d)
                chosen_p[v].append(pcol)
                chosen_d[v].append(dcol)
                for kind, col, fired in ((PITCH, pcol, p_fired), (DURATION, dcol, d_fired)):
                    nid = int(lay.sms_id(v, kind, pos, col))
                    winners.append(nid)
                    if not fired:
                        fallbacks.append(nid)
            # The slot is over: every sequence-memory neuron it touched except this slot's winners is
            # silenced, its spikes withdrawn (lateral inhibition; the previous slot's winners included, so a
            # winner's spikes reach the next position only: see docs/model-notes.md).
            net.silence(np.setdiff1d(comp.touched(spikes), winners))
            for nid in fallbacks:  # a fallback winner sends what a presented note would have sent
                net.emit([nid] * len(comp.note_spikes), [t0 + st for st in comp.note_spikes])
            history.append(winners)
    finally:
        net.reset_state()
        comp.clear_bias()
    voices = []
    for v in range(c.voices):
        notes, t = [], 0.0
        for pcol, dcol in zip(chosen_p[v], chosen_d[v], strict=True):
            dur = model.duration_value(dcol)
            notes.append(Note(None if pcol == REST else int(pcol), dur, t))
            t += dur
        voices.append(Voice(c.voice_names[v], tuple(notes)))
    aligned = _final_chord(align_voices(voices, meter), key)
    return Piece(f"modesnn {key.name}", key, aligned, meter, key_source="requested",
                 source="modesnn compose", meta={"seed": seed, "length": length})


def _final_chord(voices: tuple[Voice, ...], key: Key) -> tuple[Voice, ...]:
    """Move each voice's last sounding note to the nearest tonic-triad tone (the bass to the tonic)."""
    triad = {(key.tonic + d) % 12 for d in tonic_triad(key)}
    out = []
    for i, voice in enumerate(voices):
        notes = list(voice.notes)
        last = notes[-1]
        ref = last.pitch
        if ref is None:
            prev = [n.pitch for n in notes if n.pitch is not None]
            ref = prev[-1] if prev else 60
        pcs = {key.tonic} if i == len(voices) - 1 else triad
        notes[-1] = Note(_nearest(pcs, ref), last.duration, last.onset)
        out.append(Voice(voice.name, tuple(notes)))
    return tuple(out)
