"""The chorale network: what it learns and how a piece is presented to it.

Learning presents each piece on the beat clock (`frame.encode`): in every beat slot the piece's mode neuron
and metric neurons fire first, then the neuron of the beat's chord, then each voice's key-relative pitch
neuron (and its hold neuron if the voice holds), in the order bass, soprano, alto, tenor.  The network is
clamped to the score (teacher forcing); synapses are grown by coincidence (o = `creation_threshold`) and shaped
by STDP, in these groups, each with the delay that separates its neurons' onsets:

- context -> chord: the mode and the metric position (beat in bar, beats before the end) call for chords;
  this is where the cadence is learned;
- chord -> chord with delays of 1, 2 and 3 beats: progressions;
- soprano -> chord (the soprano speaks before the chord): the harmony a melody note calls for;
- chord -> pitch / hold of every voice: which tones, in which register, each voice takes in each chord (the
  soprano hears the chord of the beat before);
- context -> pitch / hold: the mode's pitches; where in the bar (and before the end) voices hold;
- pitch -> pitch / hold of the same voice, 1 and 2 beats later: each voice's melody, independent of position;

No neuron grows a synapse onto itself (no autapses): a chord or a pitch that goes on is the hold neuron's
business (or the other memories agreeing again), not a self-loop, which the beat frame would make the
strongest synapse of every neuron (a held note repeats its pitch neuron every beat) and composition a drone.
- pitch -> pitch of the voices decided after it in the same beat: the voices hear each other (spacing,
  doubling, contrary motion).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from modesnn.model.chorale.frame import ATTACK, END_BEATS, SILENT, BeatFrame, encode
from modesnn.model.chorale.frame import HOLD as ACT_HOLD
from modesnn.model.chorale.layout import CHORD, CONTEXT, HOLD, PASS, PITCH, SLOT, ChoraleLayout, onset
from modesnn.model.network import LearnReport
from modesnn.music import Piece
from modesnn.snn import STDP, CreationRule, Network
from modesnn.theory import DEFAULT_MODES


@dataclass(frozen=True)
class ChoraleConfig:
    """Numbers of the chorale network (configuration, not constants)."""

    modes: tuple[str, ...] = DEFAULT_MODES
    voices: int = 4
    voice_names: tuple[str, ...] = ("soprano", "alto", "tenor", "bass")
    dt: float = 0.1
    drive_steps: int = 20  # a presented neuron is driven this long from its onset
    i_drive: float = 100.0  # ... with this current (three spikes from rest)
    tau_stdp: float = 1.0  # ms: short, so spikes of other beats take no part
    a_stdp: float = 1.0
    w_max: float = 1e6  # (weights count co-activity; composition rescales them: see session)
    creation_threshold: int = 5
    window_steps: int = 5
    lanes: int = 32
    pass_min: int = 3  # spikes of a voice's passing neuron that fill a third with an eighth-note step
    fermata: bool = True  # the last chord is held one beat more (imposed: see docs/model-notes.md)
    # composition
    gain_scale: float = 0.5  # every gain times this (spike counts saturate near 7 a window: keep inputs below)
    log_span: float = 4.0  # synaptic scaling: a target e**-log_span as frequent as the best gets weight 0
    tau_syn: float = 2.0  # ms: synaptic current decay (a decision window is 4 ms)
    background: float = 20.0  # inhibitory background onto a decision's candidates
    noise_sigma: float = 60.0
    parallel_inhibition: float = 300.0
    crossing_inhibition: float = 300.0
    doubling_inhibition: float = 300.0
    gains: tuple[tuple[str, float], ...] = (
        ("context_chord", 20.0), ("melody_chord", 60.0), ("chord_seq1", 20.0), ("chord_seq2", 12.0),
        ("chord_seq3", 8.0), ("chord_voice", 60.0), ("chord_voice:0", 10.0), ("context_voice", 30.0),
        ("melody1", 60.0), ("melody1:0", 80.0), ("melody1:3", 70.0), ("melody2", 8.0), ("vertical", 30.0),
        ("hold", 1.5), ("hold:0", 0.8), ("end", 3.0))


GROUPS = ("context_chord", "melody_chord", "chord_seq1", "chord_seq2", "chord_seq3", "chord_voice", "context_voice",
          "melody1", "melody2", "vertical")


@dataclass
class ChoraleReport(LearnReport):
    """What one call to `learn` did: the paper network's report, a slot being a beat here, plus the beats whose
    sonority named no chord."""

    unnamed_beats: int = 0

    @property
    def beats(self) -> int:
        return self.slots


class ChoraleSNN:
    """The chorale network's learned synapses and what was heard."""

    preset = "chorale"

    def __init__(self, config: ChoraleConfig | None = None) -> None:
        self.config = c = config or ChoraleConfig()
        self.net = Network(dt=c.dt, lanes=c.lanes, tau_syn=c.tau_syn)
        self.layout = ChoraleLayout(self.net, c.modes, c.voices)
        stdp = STDP(c.tau_stdp, c.a_stdp, c.a_stdp, 0.0, c.w_max)
        self.groups = {g: self.net.add_synapses(g, stdp) for g in GROUPS}
        self._add_rules()
        self.voice_pitches = np.zeros((c.voices, 128))  # relative pitches heard, per voice
        # what was heard, beat by beat, for the tonal-hierarchy figures (as the paper preset keeps it)
        self.heard_degrees = {m: np.zeros(12) for m in c.modes}
        self.heard_keys = {f"{t}:{m}": np.zeros(12) for m in c.modes for t in range(12)}
        self.meters: dict[str, int] = {}
        self.sources: list[str] = []
        self.pieces_learned = 0
        self.max_length = 0  # (positions are not learned: any length composes)

    def mode_profile(self, mode: str) -> np.ndarray:
        """The learned tonal hierarchy: total weight of the mode neuron's synapses onto the voices' pitch
        neurons, per scale degree (12 values, tonic first)."""
        g, lay = self.groups["context_voice"], self.layout
        sel = (g.pre == lay.mode_id(mode)) & (lay.kind[g.post] == PITCH)
        return np.bincount(lay.val[g.post[sel]] % 12, weights=g.w[sel], minlength=12)[:12]

    def key_profile(self, tonic: int, mode: str) -> np.ndarray:
        """Per pitch class: the mode's learned hierarchy placed on the tonic (the memory is key-relative)."""
        return np.roll(self.mode_profile(mode), tonic)

    def voice_range(self, v: int) -> tuple[int, int]:
        """Lowest and highest MIDI pitch the voice can sing in some key: the relative pitches it sang, moved by
        the frame's offsets (-6..5)."""
        heard = np.flatnonzero(self.voice_pitches[v])
        if heard.size == 0:
            return 36, 84
        return int(heard.min()) - 6, int(heard.max()) + 5

    def _add_rules(self) -> None:
        c, lay, g = self.config, self.layout, self.groups
        w, o = c.window_steps, c.creation_threshold
        kind, voice, when = lay.kind, lay.voice, lay.onset

        def rule(name, pre, post, delay, candidates=None, delay_of=None, max_delay=None):
            self.net.add_rule(CreationRule(g[name], pre, post, delay, w, o, candidates, delay_of=delay_of,
                                           max_delay=max_delay))

        at_chord = onset(CHORD)
        rule("context_chord", (CONTEXT,), (CHORD,), at_chord)
        rule("melody_chord", (PITCH,), (CHORD,), 1, delay_of=lambda pre, post, lane: np.where(
            when[pre] < at_chord, at_chord - when[pre], -1), max_delay=SLOT)
        for d in (1, 2, 3):
            rule(f"chord_seq{d}", (CHORD,), (CHORD,), d * SLOT, candidates=lambda pre, post, lane: pre != post)

        def after_chord(pre, post, lane):
            """The chord of this beat reaches the voices after it; the voice before it, the next beat."""
            gap = when[post] - at_chord
            return np.where(gap > 0, gap, gap + SLOT)

        rule("chord_voice", (CHORD,), (PITCH, HOLD, PASS), 1, delay_of=after_chord, max_delay=SLOT)
        rule("context_voice", (CONTEXT,), (PITCH, HOLD, PASS), 1, delay_of=lambda pre, post, lane: when[post],
             max_delay=SLOT)
        for d in (1, 2):
            rule(f"melody{d}", (PITCH,), (PITCH, HOLD, PASS) if d == 1 else (PITCH,), d * SLOT,
                 candidates=lambda pre, post, lane: (voice[pre] == voice[post]) & (pre != post))

        def vertical(pre, post, lane):
            gap = when[post] - when[pre]
            return np.where((gap > 0) & (kind[post] == PITCH), gap, -1)

        rule("vertical", (PITCH,), (PITCH,), 1, delay_of=vertical, max_delay=SLOT)

    # -- learning -----------------------------------------------------------------------------------
    def learn(self, pieces: Iterable[Piece], progress: Callable[[int], None] | None = None,
              sources: Iterable[str] = ()) -> ChoraleReport:
        """Present pieces `lanes` at a time, batched by length so that a batch's lanes end together."""
        c = self.config
        report = ChoraleReport()
        frames: list[tuple[BeatFrame, int]] = []
        for piece in pieces:
            if piece.key.mode not in c.modes:
                report.skipped_modes.append(f"{piece.name}: mode {piece.key.mode!r} not in model {c.modes}")
                continue
            if len(piece.voices) != c.voices:
                report.voice_mismatches.append(f"{piece.name}: {len(piece.voices)} voices, model has {c.voices}")
                continue
            frames.append((encode(piece, c.voices), piece.key.tonic))
            self.meters[piece.meter] = self.meters.get(piece.meter, 0) + 1
        frames.sort(key=lambda f: f[0].beats)
        for start in range(0, len(frames), c.lanes):
            batch = frames[start: start + c.lanes]
            self._learn_batch(batch, report)
            if progress:
                progress(len(batch))
        for s in sources:
            if s not in self.sources:
                self.sources.append(s)
        self.pieces_learned += report.pieces
        return report

    def _presented(self, f: BeatFrame) -> list[np.ndarray]:
        """Per beat: ids of the neurons the score drives."""
        lay = self.layout
        out = []
        for b in range(f.beats):
            ids = [lay.mode_id(f.mode), lay.bar0 + f.bar_beat[b]]
            if f.to_end[b] < END_BEATS:
                ids.append(lay.end0 + f.to_end[b])
            if f.chord[b] >= 0:
                ids.append(int(lay.chord_id(f.mode, f.chord[b])))
            for v in range(self.config.voices):
                if f.act[b, v] != SILENT:
                    ids.append(int(lay.pitch_id(f.mode, v, f.pitch[b, v])))
                if f.act[b, v] == ACT_HOLD:
                    ids.append(lay.hold0[v])
                if f.passing is not None and f.passing[b, v]:
                    ids.append(lay.pass0[v])
            out.append(np.array(ids, np.int64))
        return out

    def _learn_batch(self, batch: list[tuple[BeatFrame, int]], report: ChoraleReport) -> None:
        frames = [f for f, _ in batch]
        tonics = [t for _, t in batch]
        c, lay, net = self.config, self.layout, self.net
        presented = [self._presented(f) for f in frames]
        for f, t in zip(frames, tonics, strict=True):
            sounding = f.act != SILENT
            pcs = f.pitch[sounding] % 12
            self.heard_degrees[f.mode] += np.bincount(pcs, minlength=12)
            self.heard_keys[f"{t}:{f.mode}"] += np.bincount((pcs + t) % 12, minlength=12)
            for v in range(c.voices):
                np.add.at(self.voice_pitches[v], f.pitch[sounding[:, v], v], 1)
            report.slots += f.beats
            report.notes += int((f.act == ATTACK).sum())
            report.unnamed_beats += int((f.chord < 0).sum())
        length = max(f.beats for f in frames)
        net.reset_state()
        steps = np.arange(SLOT)[:, None]
        for b in range(length):
            ids, lanes = [], []
            for lane, beats in enumerate(presented):
                if b < len(beats):
                    ids.append(beats[b])
                    lanes.append(np.full(beats[b].size, lane))
            ids_a, lanes_a = np.concatenate(ids), np.concatenate(lanes)
            start = lay.onset[ids_a][None, :]
            cur = np.where((steps >= start) & (steps < start + c.drive_steps), c.i_drive, 0.0)
            net.run(SLOT, ids_a, cur, lanes_a, clamped=True)
        report.pieces += len(frames)
        net.reset_state()
