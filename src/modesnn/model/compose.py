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

import functools

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


@functools.lru_cache(maxsize=8)
def _note_spike_steps(dt: float, slot_steps: int, i_note: float) -> tuple[int, ...]:
    """Steps (within a slot) at which a sequence-memory neuron driven by a presented note fires from rest
    (the same for every composition with these settings: computed once per process)."""
    net = Network(dt=dt)
    net.add_population("probe", 1, SEQUENCE_MEMORY)
    return tuple(net.run(slot_steps, [0], [i_note], plastic=False, grow=False).step.tolist())


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """np.unique(a) for a 1-D integer array, by sorting (numpy 2's hash-table np.unique costs two to three
    times more for the thousand-odd ids of a slot)."""
    a = np.sort(a)
    first = np.ones(a.size, bool)
    np.not_equal(a[1:], a[:-1], out=first[1:])
    return a[first]


def _frozen(a: np.ndarray) -> np.ndarray:
    """a, read-only (constants handed to the engine every slot must not be changed by it)."""
    a.flags.writeable = False
    return a


class _Composer:
    """One composition: the per-slot loop and its readout.  What does not change from slot to slot (the
    drive, the key -> pitch weight and source of every pitch, the fallback ranges) is computed once here."""

    def __init__(self, model: ModeSNN, key: Key, seed: int, prior: str) -> None:
        self.model, self.key = model, key
        self.c, self.lay, self.net = model.config, model.layout, model.net
        self.rng = np.random.default_rng(seed)
        self.ranges = [model.voice_range(v) for v in range(self.c.voices)]
        self.bias_w = self._bias_weights(prior)
        self.key_ids = self.lay.key_ids(key.tonic, key.mode)
        self.one_beat = model.duration_column(1.0)[0]
        self.note_steps = _frozen(np.array(_note_spike_steps(self.c.dt, self.c.slot_steps, self.c.i_note),
                                           np.int64))
        self.drive = self._make_drive()
        # Key -> pitch synapses by MIDI pitch: weight, and source (the key neuron of the pitch class for a
        # scale tone, the tonic's for any other pitch).
        pitches = np.arange(128)
        degrees = (pitches - key.tonic) % 12
        self.bias_by_pitch = self.bias_w[degrees]
        self.source_by_pitch = np.where(MODES[key.mode].mask[degrees], self.key_ids[pitches % 12],
                                        self.key_ids[key.tonic])
        # A voice with no learned continuation offers every pitch of its range (two semitones either side).
        self.range_pitches = [np.arange(max(lo - 2, 0), min(hi + 2, 127) + 1) for lo, hi in self.ranges]
        self.active_keys = _frozen(self.key_ids[[key.in_scale(pc) for pc in range(12)]])

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

    def _make_drive(self) -> tuple[np.ndarray, np.ndarray]:
        """External currents of every generation slot (`drive`): the key group and its mode group
        (read-only arrays: the first slot concatenates the seed notes)."""
        c, key = self.c, self.key
        ids, cur = [], []
        for pc in range(12):
            ids.append(int(self.key_ids[pc]))
            cur.append(c.i_key_scale if key.in_scale(pc) else c.i_key_nonscale)
        for j in range(12):
            ids.append(int(self.lay.mode_ids(key.mode)[j]))
            cur.append(c.i_mode)
        return _frozen(np.array(ids, np.int64)), _frozen(np.array(cur, np.float64))

    def clear_bias(self) -> None:
        self.set_bias(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))

    def set_bias(self, pre: np.ndarray, post: np.ndarray, w: np.ndarray) -> None:
        """Replace the key -> pitch synapses (delay 0) in one step."""
        self.model.bias.load_state({"pre": pre, "post": post, "w": w, "delay": np.zeros(pre.size, np.int64)})

    def wire_bias(self, pos: int, context: np.ndarray, previous: list[int] | None = None) -> None:
        """Key -> pitch synapses onto this position's candidates: the pitches the sequence memory proposes
        (targets of learned synapses from the notes just chosen), or, in a voice with no learned
        continuation, every pitch of the voice's range.  Scale tones get excitation from the key neuron of
        their pitch class; other pitches inhibition from the (always active) tonic neuron, and so do pitches
        that would cross a neighbouring voice (above the previous note of the voice above, below that of
        the voice below: `voice_order_inhibition`).

        Every voice at once; the synapses are laid out voice by voice, each voice's by ascending pitch."""
        lay, seq, n_voices = self.lay, self.model.sequence, self.c.voices
        proposed = np.zeros(0, np.int64)
        if context.size and seq.n:
            syn, _ = seq.outgoing(context)
            proposed = seq.post[syn]
            proposed = _sorted_unique(proposed[(lay.kind[proposed] == PITCH) & (lay.pos[proposed] == pos)])
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
        weights = self.bias_by_pitch[pitches]
        if previous is not None and self.c.voice_order_inhibition:
            # Voices keep their order: a pitch above the previous note of the voice above, or below that of
            # the voice below, is inhibited.
            above = np.array([REST, *previous[:n_voices - 1]], np.int64)[voices]
            below = np.array([previous[v + 1] if v + 1 < len(previous) else REST for v in range(n_voices)],
                             np.int64)[voices]
            crossing = ((above != REST) & (pitches > above)) | ((below != REST) & (pitches < below))
            weights[crossing] = -self.c.voice_order_inhibition
        keep = weights != 0
        self.set_bias(self.source_by_pitch[pitches[keep]], ids[keep], weights[keep])

    def touched(self, spikes, winners: np.ndarray) -> np.ndarray:
        """Sequence-memory neurons this slot touched (still active, or fired), sorted, except its winners."""
        net, kind = self.net, self.lay.kind
        ids = np.concatenate([net.state.active_ids(), spikes.neuron])
        k = kind[ids]
        ids = _sorted_unique(ids[(k == PITCH) | (k == DURATION)])
        if ids.size:
            at = np.minimum(np.searchsorted(ids, winners), ids.size - 1)
            keep = np.ones(ids.size, bool)
            keep[at[ids[at] == winners]] = False
            ids = ids[keep]
        return ids

    def choose(self, here: np.ndarray, pos: int, recent: np.ndarray) -> list[tuple[int, int, bool]]:
        """Winner-takes-all over each voice's pitch neurons and duration neurons of this position (`here`:
        the slot's spikes of this position's neurons, one id per spike; `recent`: the neurons chosen at the
        previous positions, for fallbacks).  One (column, neuron id, fired) per voice and kind, in the
        order voice 0 pitch, voice 0 duration, voice 1 pitch, ...  All voices and kinds share one count of
        the spikes and one read of the tied candidates' potentials.

        The most spikes win; ties go to the higher membrane potential, then to the seeded generator (drawn
        in that order of voices and kinds, fallbacks included, so the generator sees the same calls as a
        readout done one voice and kind at a time)."""
        lay, n_groups = self.lay, 2 * self.c.voices
        learned: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # (fallback lookups, by kind)
        uniq, counts = np.unique(here, return_counts=True)
        kind = lay.kind[uniq]
        sms = (kind == PITCH) | (kind == DURATION)
        uniq, counts, kind = uniq[sms], counts[sms], kind[sms]
        group = lay.voice[uniq] * 2 + (kind == DURATION)  # (pitch: 2 v, duration: 2 v + 1)
        best = np.zeros(n_groups, counts.dtype)
        np.maximum.at(best, group, counts)
        top = counts == best[group]
        cand, cgroup = uniq[top], group[top]
        tied = np.bincount(cgroup, minlength=n_groups)[cgroup] > 1
        if tied.any():
            vm = self.net.potential(cand[tied])
            vbest = np.full(n_groups, -np.inf)
            np.maximum.at(vbest, cgroup[tied], vm)
            keep = np.ones(cand.size, bool)
            keep[tied] = vm == vbest[cgroup[tied]]
            cand, cgroup = cand[keep], cgroup[keep]
        order = np.argsort(cgroup, kind="stable")  # (ascending ids within a group)
        cand, cgroup = cand[order], cgroup[order]
        bounds = np.searchsorted(cgroup, np.arange(n_groups + 1)).tolist()
        ids, cols = cand.tolist(), lay.val[cand].tolist()
        out = []
        for g in range(n_groups):
            v, kind_g = g // 2, (PITCH, DURATION)[g % 2]
            lo, hi = bounds[g], bounds[g + 1]
            if hi - lo == 1:
                out.append((cols[lo], ids[lo], True))
            elif hi > lo:
                winner = int(self.rng.choice(cand[lo:hi]))
                out.append((int(lay.val[winner]), winner, True))
            else:
                col = self.fallback(kind_g, v, pos, recent, learned)
                out.append((col, int(lay.sms_id(v, kind_g, pos, col)), False))
        return out

    def _learned_input(self, kind: int, pos: int, recent: np.ndarray, memo: dict
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(voice, column, weight) of every learned synapse from the recent neurons of this kind (and, for
        the key -> pitch synapses, from the key group) onto this position's neurons of this kind, sequence
        synapses first, each group in lookup order.  Looked up once per slot and kind (`memo`), for all
        voices."""
        if kind in memo:
            return memo[kind]
        lay = self.lay
        previous = recent[lay.kind[recent] == kind]
        parts = []
        for group in (self.model.sequence, self.model.bias):
            if group.n == 0 or not previous.size:
                continue
            query = previous if group is self.model.sequence else np.concatenate([previous, self.key_ids])
            syn, _ = group.outgoing(query)
            post = group.post[syn]
            sel = (lay.kind[post] == kind) & (lay.pos[post] == pos)
            parts.append((lay.voice[post[sel]], lay.val[post[sel]], group.w[syn[sel]]))
        if parts:
            found = tuple(np.concatenate(p) for p in zip(*parts, strict=True))
        else:
            found = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        memo[kind] = found
        return found

    def fallback(self, kind: int, v: int, pos: int, recent: np.ndarray, memo: dict) -> int:
        """Strongest learned candidate: the largest summed weight from the chosen neurons of the previous
        positions (plus the key -> pitch weight for pitches); else the voice's most common value in key.
        `memo`: this slot's lookups, shared by its voices."""
        voices, cols, weights = self._learned_input(kind, pos, recent, memo)
        mine = voices == v
        total: dict[int, float] = {}
        for col, w in zip(cols[mine].tolist(), weights[mine].tolist(), strict=True):
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
    history: list[np.ndarray] = []  # per slot: the neuron ids chosen (pitch and duration, every voice)
    slot = c.slot_steps
    fallback_ids = fallback_steps = np.zeros(0, np.int64)  # the spikes fallback winners send (see below)
    net.reset_state()
    try:
        for k in range(length):
            pos = comp.grid_pos(k, n_seed)
            ids, cur = comp.drive
            recent = np.concatenate(history[-c.max_delay_slots:]) if history else np.zeros(0, np.int64)
            if k < n_seed:
                seed_ids = np.array([lay.sms_id(v, kind, pos, col) for v in range(c.voices)
                                     for kind, col in ((PITCH, seeds[v]), (DURATION, comp.one_beat))], np.int64)
                ids = np.concatenate([ids, seed_ids])
                cur = np.concatenate([cur, np.full(seed_ids.size, float(c.i_note))])
            else:
                comp.wire_bias(pos, recent, [chosen_p[v][-1] for v in range(c.voices)])
                # The key group is already active: its state reaches the new candidates at the slot's start
                # (one spike of each active key neuron), not only at its next spike.  Sent in one batch after
                # the previous slot's fallback spikes (the same deliveries, in the same order, as two sends).
                net.emit(np.concatenate([fallback_ids, comp.active_keys]),
                         np.concatenate([fallback_steps, np.full(comp.active_keys.size, net.t, np.int64)]))
            t0 = net.t
            noise = (c.noise_sigma, seed) if c.noise_sigma > 0 and k >= n_seed else None
            spikes = net.run(slot, ids, cur, plastic=False, grow=False, noise=noise)
            if k < n_seed:
                history.append(seed_ids)
                continue
            picks = comp.choose(spikes.neuron[lay.pos[spikes.neuron] == pos], pos, recent)
            for v in range(c.voices):
                chosen_p[v].append(picks[2 * v][0])
                chosen_d[v].append(picks[2 * v + 1][0])
            winners = np.array([nid for _, nid, _ in picks], np.int64)
            # The slot is over: every sequence-memory neuron it touched except this slot's winners is
            # silenced, its spikes withdrawn (lateral inhibition; the previous slot's winners included, so a
            # winner's spikes reach the next position only: see docs/model-notes.md).
            net.silence(comp.touched(spikes, winners))
            # A fallback winner sends what a presented note would have sent (with the next slot's key spikes:
            # nothing happens in between that could tell the difference).
            fallen = [nid for _, nid, fired in picks if not fired]
            fallback_ids = np.repeat(np.array(fallen, np.int64), comp.note_steps.size)
            fallback_steps = np.tile(t0 + comp.note_steps, len(fallen))
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
