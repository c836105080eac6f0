"""Composing with the chorale network: one beat per step, every chord and every note decided by spikes.

A session owns its own simulation (a `Network` built from the model's learned synapses, rescaled once:
`weights.composition_weights`), so several sessions over one model are independent.  Each beat runs the
phases of the learning frame in the same order and with the same delays (`layout.SEQUENCE`):

1. context: the requested mode's neuron and the metric neurons (beat in bar, beats before the end) fire the
   train a presented neuron fires in learning;
2. each decision (soprano, chord, bass, alto, tenor) is a window of `PHASE` steps in which its candidate
   neurons receive the learned synaptic input of everything decided before (this beat and the last three),
   a constant inhibitory background, background noise, and the voice-leading interneurons' inhibition
   (`voicing.inhibition`); the candidate with the most spikes wins (ties: higher membrane potential, then the
   seeded generator).  All candidates are then silenced (their spikes withdrawn, lateral inhibition) and the
   winner fires the presented train, as it did in learning.  A voice whose hold neuron outfires every pitch
   candidate holds the note it sounds (a longer note).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from modesnn.model.chorale import voicing
from modesnn.model.chorale.chords import N_CHORDS, classify
from modesnn.model.chorale.frame import END_BEATS, MAX_BAR_BEATS, rel_offset
from modesnn.model.chorale.layout import CHORD as K_CHORD
from modesnn.model.chorale.layout import PHASE, PITCHES, SEQUENCE, SLOT, onset
from modesnn.model.chorale.layout import PITCH as K_PITCH
from modesnn.model.chorale.weights import composition_net, reach_table
from modesnn.model.compose.session import Decided
from modesnn.music import Note, Piece, Voice, measure_length
from modesnn.snn import SEQUENCE_MEMORY, Network
from modesnn.theory import MODES, Key


@functools.lru_cache(maxsize=4)
def presented_train(dt: float, drive_steps: int, i_drive: float) -> tuple[int, ...]:
    """Steps after its onset at which a neuron presented in learning fires (from rest)."""
    net = Network(dt=dt)
    net.add_population("probe", 1, SEQUENCE_MEMORY)
    cur = np.zeros((drive_steps + PHASE, 1))
    cur[:drive_steps, 0] = i_drive
    return tuple(net.run(drive_steps + PHASE, [0], cur, plastic=False, grow=False).step.tolist())


def default_seed_rel(model, key: Key) -> list[int]:
    """The opening tonic chord in SATB spacing (soprano root, alto third, tenor fifth, bass root), each voice
    on the pitch of that class it sang most below the voice above (relative pitches)."""
    third = 4 if key.mode == "major" else 3
    classes = (0, third, 7, 0)
    out: list[int] = []
    for v in range(model.config.voices):
        below = np.arange(128) < (out[-1] if out else 128)
        counts = model.voice_pitches[v] * (np.arange(128) % 12 == classes[v % 4]) * below
        out.append(int(np.argmax(counts)) if counts.any() else (out[-1] if out else 72) - 5)
    return out


def passing_tone(a: int, b: int, mode: str) -> int:
    """The scale tone between two pitches a third apart (relative frame), or -1: the pitch of a passing note
    is the textbook one; whether a voice passes is the passing neuron's (learned) decision."""
    if a < 0 or b < 0 or not 3 <= abs(b - a) <= 4:
        return -1
    scale = MODES[mode].mask
    between = [p for p in range(min(a, b) + 1, max(a, b)) if scale[p % 12]]
    return between[len(between) // 2] if between else -1


class ChoraleSession:
    """One composition (or harmonisation: `melody`, one relative pitch and attack flag per beat)."""

    def __init__(self, model, key: Key, length: int = 32, meter: str | None = None, seed: int = 0,
                 seed_notes: list[int] | None = None, melody: list[tuple[int, bool]] | None = None) -> None:
        """length: beats (rounded up to whole bars; each voice has at most that many notes); melody: the
        soprano clamped beat by beat (relative pitch or -1, attack), whose length sets the piece's."""
        c = model.config
        if key.mode not in c.modes:
            raise ValueError(f"mode {key.mode!r} is not in this model (it knows: {', '.join(c.modes)})")
        if meter is None:
            meter = max(sorted(model.meters), key=lambda m: model.meters[m]) if model.meters else "4/4"
        self.bar = max(1, int(round(measure_length(meter))))
        self.model, self.key, self.meter, self.seed = model, key, meter, seed
        self.off = rel_offset(key.tonic)
        self.melody = melody
        beats = len(melody) if melody is not None else max(2, length)
        self.beats = beats if melody is not None else int(math.ceil(beats / self.bar) * self.bar)
        # the fermata: the network decides all but the last beat, over which the last chord is held
        self.fermata = bool(c.fermata and melody is None and self.beats > 2)
        self.beats -= self.fermata
        stream = [seed, key.tonic, c.modes.index(key.mode)]  # (each key its own noise and tie-breaks)
        self.noise_seed = int(np.random.SeedSequence(stream).generate_state(1, np.uint64)[0])
        self.rng = np.random.default_rng([*stream, 1])
        self.net, self.layout = composition_net(model, key.mode)
        self._reach_table = reach_table(self.net)
        self.train = np.array(presented_train(c.dt, c.drive_steps, c.i_drive), np.int64)
        seeds = default_seed_rel(model, key) if seed_notes is None else [p - self.off for p in seed_notes]
        if len(seeds) != c.voices:
            raise ValueError(f"{len(seeds)} seed notes given, the model has {c.voices} voices")
        self.seeds = seeds
        self.pitch = np.full((self.beats, c.voices), -1, np.int64)  # relative pitch per beat
        self.attack = np.zeros((self.beats, c.voices), bool)
        self.chord = np.full(self.beats, -1, np.int64)
        self.passing = np.full((self.beats, c.voices), -1, np.int64)  # eighth sounding half a beat before
        self.b = 0
        self.last_spikes = None
        self._notes: list[list[Note]] = [[] for _ in range(c.voices)]
        self._returned = [0] * c.voices
        self.key_changes: list[tuple[int, Key]] = []
        self._recent: list[tuple[int, np.ndarray]] = []  # (step, ids) presented in the last beats

    def set_key(self, key: Key) -> None:
        """Not supported by the chorale network yet: its pitch frame is fixed at the start (raises)."""
        raise ValueError("the chorale network composes in one key (modulation: use --preset paper)")

    def __iter__(self):
        """Step to the end: each item is one step's decided notes (as `ComposeSession`)."""
        while not self.done:
            yield self.step()

    @property
    def done(self) -> bool:
        return self.b >= self.beats

    # -- one beat -----------------------------------------------------------------------------------
    def step(self) -> tuple[Decided, ...]:
        """Decide one beat: the chord and every voice."""
        if self.done:
            return ()
        b, lay, net = self.b, self.layout, self.net
        t0 = b * SLOT
        assert net.t == t0, (net.t, t0)
        to_end = self.beats - 1 - b
        ctx = [lay.mode_id(self.key.mode), lay.bar0 + (b % self.bar) % MAX_BAR_BEATS]
        if to_end < END_BEATS:
            ctx.append(lay.end0 + to_end)
        self._present(ctx, t0)
        net.run(PHASE, plastic=False, grow=False)
        spikes = []
        for what in SEQUENCE[1:]:
            start = t0 + (onset(K_CHORD) if what == "chord" else onset(K_PITCH, what))
            if what == "chord":
                spikes.append(self._decide_chord(b, start))
            else:
                spikes.append(self._decide_voice(b, int(what), start))
        self.last_spikes = spikes
        self.b += 1
        return self._collect()

    def _present(self, ids, at: int) -> None:
        """The chosen (or clamped) neurons fire the train of a presented neuron from `at`."""
        ids = np.asarray(ids, np.int64)
        self.net.emit(np.repeat(ids, self.train.size), np.tile(at + self.train, ids.size))
        self._recent.append((at, ids))
        self._recent = [(t, i) for t, i in self._recent if t > at - 4 * SLOT]

    def _reached(self, cand: np.ndarray) -> np.ndarray:
        """Mask of the candidates that a synapse from a recently presented neuron reaches: only these take
        part in the decision (the others receive no input, and stay at rest)."""
        src = np.concatenate([i for _, i in self._recent]) if self._recent else np.zeros(0, np.int64)
        indptr, posts = self._reach_table
        post = posts[np.concatenate([np.arange(indptr[i], indptr[i + 1]) for i in src])] if src.size else src
        hit = np.zeros(cand.size, bool)
        pos = np.minimum(np.searchsorted(cand, post), cand.size - 1)
        hit[pos[cand[pos] == post]] = True
        return hit

    def _window(self, cand: np.ndarray, extra: np.ndarray | None = None):
        """Run one decision window over the candidates that learned input reaches (inhibitory background,
        the interneurons' inhibition `extra`, noise); spike counts per candidate."""
        c = self.model.config
        drive = np.full(cand.size, -c.background) if extra is None else extra - c.background
        reached = self._reached(cand)
        rec = self.net.run(PHASE, cand[reached], drive[reached], plastic=False, grow=False,
                           noise=(c.noise_sigma, self.noise_seed))
        self._reach = reached
        pos = np.searchsorted(cand, rec.neuron)
        pos = np.minimum(pos, cand.size - 1)
        hit = cand[pos] == rec.neuron
        counts = np.bincount(pos[hit], minlength=cand.size)
        return counts, rec

    def _winner(self, cand: np.ndarray, counts: np.ndarray, known: np.ndarray | None = None) -> int:
        """Index of the candidate with the most spikes (ties: membrane potential, then the generator);
        `known`: the candidates a voice ever sang (a silent window falls back to the best of those)."""
        ok = self._reach[: counts.size] if known is None else self._reach[: counts.size] & known
        if not ok.any():
            ok = np.ones(counts.size, bool) if known is None or not known.any() else known
        counts = np.where(ok, counts, -1)
        top = np.flatnonzero(counts == counts.max())
        if top.size > 1:
            vm = self.net.potential(cand[top])
            top = top[vm == vm.max()]
        return int(top[0] if top.size == 1 else self.rng.choice(top))

    def _decide_chord(self, b: int, start: int):
        lay = self.layout
        cand = lay.chord_id(self.key.mode, np.arange(N_CHORDS))
        if b == 0 and self.melody is None:
            sonority = sorted({p % 12 for p in self.seeds})
            win = max(classify(sonority, self.seeds[-1] % 12), 0)
            rec = self.net.run(PHASE, plastic=False, grow=False)  # (clamped: the window passes)
        else:
            counts, rec = self._window(cand)
            win = self._winner(cand, counts)
        self.net.silence(cand)
        self.chord[b] = win
        self._present([cand[win]], start)
        return rec

    def _decide_voice(self, b: int, v: int, start: int):
        lay, c = self.layout, self.model.config
        cand = np.append(lay.pitch_id(self.key.mode, v, np.arange(PITCHES)), [lay.hold0[v], lay.pass0[v]])
        prev = int(self.pitch[b - 1, v]) if b else -1
        rec = None
        if (b == 0 and self.melody is None) or (v == 0 and self.melody is not None):
            rec = self.net.run(PHASE, plastic=False, grow=False)  # (clamped: the window passes)
            pitch, attack = (self.seeds[v], True) if self.melody is None else self.melody[b]
            hold = not attack and pitch == prev and pitch >= 0
        else:
            before = np.where(self.passing[b] >= 0, self.passing[b], self.pitch[b - 1])
            inhibit = voicing.inhibition(self.pitch, b, v, c.parallel_inhibition, c.crossing_inhibition,
                                         c.doubling_inhibition, before)
            # (holding the note it sounds is subject to the same interneurons as singing that pitch again)
            counts, rec = self._window(cand, np.append(-inhibit, [-inhibit[prev] if prev >= 0 else 0.0, 0.0]))
            win = self._winner(cand[:-2], counts[:-2], self.model.voice_pitches[v] > 0)
            hold = prev >= 0 and bool(counts[-2] > counts[win])  # the hold neuron outfires every pitch
            pitch = prev if hold else win
            if not hold and counts[-1] >= c.pass_min:
                q = passing_tone(prev, pitch, self.key.mode)
                # (the parallel interneuron inhibits the passing neuron too)
                after = self.pitch[b].copy()
                after[v] = pitch
                if q >= 0 and not voicing.parallel_with(q, pitch, v, self.pitch[b - 1], after):
                    self.passing[b, v] = q
        self.net.silence(cand)
        self.pitch[b, v] = pitch
        self.attack[b, v] = not hold
        if pitch >= 0:
            extra = ([lay.hold0[v]] if hold else []) + ([lay.pass0[v]] if self.passing[b, v] >= 0 else [])
            self._present([lay.pitch_id(self.key.mode, v, pitch)] + extra, start)
        return rec

    # -- notes --------------------------------------------------------------------------------------
    def _voice_notes(self, v: int, upto: int) -> list[Note]:
        notes: list[Note] = []
        hold_last = self.fermata and upto == self.beats
        for b in range(upto):
            p = int(self.pitch[b, v])
            q = int(self.passing[b, v])
            if q >= 0 and notes and notes[-1].pitch is not None:  # the passing eighth takes the end of the beat
                last = notes[-1]
                notes[-1] = Note(last.pitch, last.duration - 0.5, last.onset)
                notes.append(Note(q + self.off, 0.5, b - 0.5))
            if notes and not self.attack[b, v] and notes[-1].pitch == (p + self.off if p >= 0 else None):
                last = notes[-1]
                notes[-1] = Note(last.pitch, last.duration + 1.0, last.onset)
            else:
                notes.append(Note(p + self.off if p >= 0 else None, 1.0, float(b)))
        if hold_last and notes:
            notes[-1] = Note(notes[-1].pitch, notes[-1].duration + 1.0, notes[-1].onset)
        return notes

    def _collect(self) -> tuple[Decided, ...]:
        """Notes whose end is now known (every note but each voice's last, until the end)."""
        out = []
        names = self.model.config.voice_names
        for v in range(self.model.config.voices):
            notes = self._voice_notes(v, self.b)
            final = len(notes) if self.done else len(notes) - 1
            for i in range(self._returned[v], final):
                out.append(Decided(v, names[v], i, notes[i]))
            self._returned[v] = max(self._returned[v], final)
        return tuple(out)

    def finish(self) -> Piece:
        while not self.done:
            self.step()
        voices = tuple(Voice(name, tuple(self._voice_notes(v, self.beats)))
                       for v, name in enumerate(self.model.config.voice_names))
        return Piece(f"modesnn {self.key.name}", self.key, voices, self.meter, key_source="requested",
                     source="modesnn compose", meta={"seed": self.seed, "length": self.beats + self.fermata,
                                                     "preset": "chorale"})
