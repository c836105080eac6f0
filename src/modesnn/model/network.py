"""The paper's network on the engine: the Music Theory Subsystem (mode cluster -> key cluster) and the
Sequential Memory Subsystem (per voice, pitch and duration grids), and how a piece is presented to it.

Learning presents each piece one note per 5 ms slot, every voice in parallel on one slot clock, with the
piece's key group and mode group active.  A presented note drives its pitch and duration neurons; the theory
subsystem hears it `mts_lag_ms` later for `mts_pulse_ms` (the key neuron of its pitch class, if that is a
scale tone of the active key, and the mode neuron of its scale degree), so SMS spikes lead MTS spikes and
STDP strengthens SMS -> MTS synapses with every note heard.  Non-scale key neurons are held silent.

While learning, the network is clamped to the score (teacher forcing): spikes travel through every synapse
and drive STDP, but synaptic current does not change firing, so what is learned depends on what was heard,
not on recall running ahead of the input; it also makes the pieces presented at once in separate lanes
independent of each other.  Synapses are grown by coincidence (o = 5 by default) and shaped by STDP;
nothing is wired by hand except the mode -> key hierarchy.  Potential synapses are tonotopic: a pitch
neuron can grow a synapse only onto the key neuron of its own pitch class and onto the mode neuron of the
degree that pitch class has in the active key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from modesnn.model.config import ModelConfig
from modesnn.model.layout import DURATION, KEY, MODE, PITCH, REST, Layout
from modesnn.music import Piece
from modesnn.snn import STDP, CreationRule, Network
from modesnn.theory import MODES, Key


@dataclass
class LearnReport:
    """What one call to `learn` did, for messages and benchmarks."""

    pieces: int = 0
    notes: int = 0
    slots: int = 0
    off_grid_durations: int = 0
    voice_mismatches: list[str] = field(default_factory=list)
    skipped_modes: list[str] = field(default_factory=list)


class _SlotInputs:
    """External input of every slot of a learning batch, sorted by slot: inputs(k) -> (neurons, lanes,
    currents, late) for slot k."""

    def __init__(self, rows: list[tuple]) -> None:
        parts = [(np.asarray(k, np.int64), np.asarray(ids, np.int64), cur, late, lane) for k, ids, cur, late, lane
                 in rows]
        slot = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        size = [p[0].size for p in parts]
        self.ids = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
        self.cur = np.repeat([float(p[2]) for p in parts], size)
        self.late = np.repeat([bool(p[3]) for p in parts], size).astype(bool)
        self.lane = np.repeat([int(p[4]) for p in parts], size).astype(np.int64)
        order = np.argsort(slot, kind="stable")
        slot = slot[order]
        self.ids, self.cur, self.late, self.lane = self.ids[order], self.cur[order], self.late[order], self.lane[order]
        self.bounds = np.searchsorted(slot, np.arange(int(slot.max(initial=-1)) + 2))

    def inputs(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if k + 1 >= self.bounds.size:
            empty = np.zeros(0, np.int64)
            return empty, empty, np.zeros(0), np.zeros(0, bool)
        sl = slice(self.bounds[k], self.bounds[k + 1])
        return self.ids[sl], self.lane[sl], self.cur[sl], self.late[sl]


class ModeSNN:
    """The whole network, its learned synapses and the bookkeeping a user asks about."""

    def __init__(self, config: ModelConfig | None = None) -> None:
        self.config = config or ModelConfig()
        c = self.config
        self.net = Network(dt=c.dt, lanes=c.lanes, tau_syn=c.tau_syn)
        self.layout = Layout(c, self.net)
        self.sequence = self.net.add_synapses("sequence", STDP(c.tau_stdp, c.a_sms, c.a_sms, 0.0, c.w_max_sms))
        self.to_key = self.net.add_synapses("sms_to_key", STDP(c.tau_stdp, c.a_mts, c.a_mts, 0.0, c.w_max_mts))
        self.to_mode = self.net.add_synapses("sms_to_mode", STDP(c.tau_stdp, c.a_mts, c.a_mts, 0.0, c.w_max_mts))
        self.hierarchy = self.net.add_synapses("hierarchy")
        self.bias = self.net.add_synapses("key_to_sms")  # built per composition, empty otherwise
        self._wire_hierarchy()
        self._lane_tonic = np.zeros(c.lanes, np.int64)
        self._lane_mode = np.zeros(c.lanes, np.int64)
        self._add_rules()
        # Bookkeeping (not network state): what was heard, for r_data and for reports.
        self.heard_degrees = {m: np.zeros(12) for m in c.modes}
        self.heard_keys = {f"{t}:{m}": np.zeros(12) for t, m in self.layout.keys}
        self.voice_pitches = [np.zeros(129) for _ in range(c.voices)]
        self.voice_durations = [np.zeros(c.duration_count) for _ in range(c.voices)]
        self.meters: dict[str, int] = {}
        self.sources: list[str] = []
        self.pieces_learned = 0
        self.max_length = 0  # longest voice learned (notes): the positions with learned transitions

    # -- construction -------------------------------------------------------------------------------
    def _wire_hierarchy(self) -> None:
        """Mode neuron j -> key neuron (tonic + j) of every key of that mode; + for scale degrees."""
        c, lay = self.config, self.layout
        pre, post, w = [], [], []
        for mode in c.modes:
            degrees = MODES[mode].degrees
            for tonic in range(12):
                keys = lay.key_ids(tonic, mode)
                for j in range(12):
                    pre.append(lay.mode_ids(mode)[j])
                    post.append(keys[(tonic + j) % 12])
                    w.append(c.hierarchy_weight if j in degrees else -c.hierarchy_weight)
        self.net.connect(self.hierarchy, pre, post, w, 1)

    def _add_rules(self) -> None:
        c, lay = self.config, self.layout
        slot, win, o = c.slot_steps, c.window_steps, c.creation_threshold

        def sequence_delay(pre, post, lane):
            """Same voice and subnetwork, 1..max_delay_slots positions ahead: that many slots; else -1."""
            ahead = lay.track[post] - lay.track[pre]  # (the position difference, or huge across tracks)
            return np.where((ahead >= 1) & (ahead <= c.max_delay_slots), ahead * slot, -1)

        self.net.add_rule(CreationRule(self.sequence, (PITCH, DURATION), (PITCH, DURATION), slot, win, o,
                                       delay_of=sequence_delay, max_delay=c.max_delay_slots * slot))

        def key_pairs(pre, post, lane):
            active_key = self._lane_mode[lane] * 12 + self._lane_tonic[lane]
            return (lay.val[pre] != REST) & (lay.val[pre] % 12 == lay.val[post]) & (lay.group[post] == active_key)

        def mode_pairs(pre, post, lane):
            degree = (lay.val[pre] - self._lane_tonic[lane]) % 12
            return (lay.val[pre] != REST) & (degree == lay.val[post]) & (lay.group[post] == self._lane_mode[lane])

        self.net.add_rule(CreationRule(self.to_key, (PITCH,), (KEY,), 0, win, o, key_pairs))
        self.net.add_rule(CreationRule(self.to_mode, (PITCH,), (MODE,), 0, win, o, mode_pairs))

    # -- encoding -----------------------------------------------------------------------------------
    def duration_column(self, ql: float) -> tuple[int, bool]:
        """Grid column of a duration, and whether it sat exactly on the grid."""
        c = self.config
        k = int(round(ql / c.duration_step)) - 1
        col = min(max(k, 0), c.duration_count - 1)
        exact = abs((col + 1) * c.duration_step - ql) < 1e-6
        return col, exact

    def duration_value(self, col: int) -> float:
        return (col + 1) * self.config.duration_step

    def _encode(self, piece: Piece, report: LearnReport) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per voice: (pitch columns, duration columns) of its notes."""
        c = self.config
        if len(piece.voices) != c.voices:
            report.voice_mismatches.append(
                f"{piece.name}: {len(piece.voices)} voices, model has {c.voices}: "
                f"learned the first {min(len(piece.voices), c.voices)}")
        out = []
        for voice in piece.voices[: c.voices]:
            pcols = np.array([REST if n.pitch is None else n.pitch for n in voice.notes], np.int64)
            dcols = []
            for n in voice.notes:
                col, exact = self.duration_column(n.duration)
                report.off_grid_durations += not exact
                dcols.append(col)
            out.append((pcols, np.array(dcols, np.int64)))
        return out

    # -- learning -----------------------------------------------------------------------------------
    def learn(self, pieces: Iterable[Piece], progress: Callable[[int], None] | None = None,
              sources: Iterable[str] = ()) -> LearnReport:
        """Present pieces `lanes` at a time (each lane its own neuron state, synapses shared).  With more
        than one lane, pieces are batched in order of length (stable), so that a batch's lanes finish
        together instead of idling behind its longest piece."""
        c = self.config
        report = LearnReport()
        usable: list[Piece] = []
        for piece in pieces:
            if piece.key.mode not in c.modes:
                report.skipped_modes.append(f"{piece.name}: mode {piece.key.mode!r} not in model {c.modes}")
                continue
            usable.append(piece)
        if c.lanes > 1:
            usable.sort(key=lambda p: max((len(v.notes) for v in p.voices), default=0))
        for start in range(0, len(usable), c.lanes):
            batch = usable[start: start + c.lanes]
            self._learn_batch(batch, report)
            if progress:
                progress(len(batch))
        for s in sources:
            if s not in self.sources:
                self.sources.append(s)
        return report

    def _learn_batch(self, pieces: list[Piece], report: LearnReport) -> None:
        c, lay, net = self.config, self.layout, self.net
        encoded = [self._encode(p, report) for p in pieces]
        length = max((len(pc) for enc in encoded for pc, _ in enc), default=0)
        lay.ensure_positions(length)
        self.max_length = max(self.max_length, length)
        net.reset_state()
        self._lane_tonic[:] = 0
        self._lane_mode[:] = 0
        for lane, piece in enumerate(pieces):
            self._lane_tonic[lane] = piece.key.tonic
            self._lane_mode[lane] = c.modes.index(piece.key.mode)
            self.meters[piece.meter] = self.meters.get(piece.meter, 0) + 1
        slots = self._slot_inputs(pieces, encoded, report)
        steps, lag = c.slot_steps, c.lag_steps
        for k in range(length):
            ids, lanes, held, late = slots.inputs(k)
            if not ids.size:
                continue
            cur = np.tile(held, (steps, 1))
            cur[:lag, late] = 0.0
            cur[lag + c.pulse_steps:, late] = 0.0
            net.run(steps, ids, cur, lanes, clamped=True)
            report.slots += 1
        report.pieces += len(pieces)
        self.pieces_learned += len(pieces)
        net.reset_state()

    def _slot_inputs(self, pieces: list[Piece], encoded: list, report: LearnReport) -> _SlotInputs:
        """The external input of every slot of a batch (and the what-was-heard bookkeeping): per slot, each
        playing lane's notes drive their pitch and duration neurons; its key group's non-scale neurons are
        held silent; each sounding pitch class drives its key neuron (if a scale tone) and the mode neuron
        of its degree, `mts_lag_ms` late."""
        c, lay = self.config, self.layout
        rows = []  # (slot, neuron, lane, current, late)
        for lane, (piece, enc) in enumerate(zip(pieces, encoded, strict=True)):
            key = piece.key
            kids = lay.key_ids(key.tonic, key.mode)
            scale = np.array([key.in_scale(pc) for pc in range(12)])
            played = max((len(pc) for pc, _ in enc), default=0)
            silent = kids[~scale]
            k_all = np.repeat(np.arange(played), silent.size)
            rows.append((k_all, np.tile(silent, played), c.i_key_nonscale, False, lane))
            sounding = []
            for v, (pcols, dcols) in enumerate(enc):
                pos = np.arange(pcols.size)
                rows.append((pos, lay.sms_id(v, PITCH, pos, pcols), c.i_note, False, lane))
                rows.append((pos, lay.sms_id(v, DURATION, pos, dcols), c.i_note, False, lane))
                np.add.at(self.voice_durations[v], dcols, 1)
                pitched = pcols != REST
                np.add.at(self.voice_pitches[v], pcols[pitched], 1)
                sounding.append(pos[pitched] * 12 + pcols[pitched] % 12)
            heard = np.concatenate(sounding) if sounding else np.zeros(0, np.int64)
            report.notes += heard.size
            degrees = (heard % 12 - key.tonic) % 12
            self.heard_degrees[key.mode] += np.bincount(degrees, minlength=12)
            self.heard_keys[f"{key.tonic}:{key.mode}"] += np.bincount(heard % 12, minlength=12)
            k_pc = np.unique(heard)  # (slot, pitch class) sounding in this lane
            k, pc = k_pc // 12, k_pc % 12
            tone = scale[pc]
            rows.append((k[tone], kids[pc[tone]], c.i_key_scale, True, lane))
            rows.append((k, lay.mode_ids(key.mode)[(pc - key.tonic) % 12], c.i_mode, True, lane))
        return _SlotInputs(rows)

    # -- what was learned ---------------------------------------------------------------------------
    def mode_profile(self, mode: str) -> np.ndarray:
        """Total learned SMS -> mode weight per scale degree (12 values, tonic first)."""
        lay, g = self.layout, self.to_mode
        post = g.post
        sel = lay.group[post] == self.config.modes.index(mode)
        return np.bincount(lay.val[post[sel]], weights=g.w[sel], minlength=12)[:12]

    def key_profile(self, tonic: int, mode: str) -> np.ndarray:
        """Total learned SMS -> key weight per pitch class for one key."""
        lay, g = self.layout, self.to_key
        post = g.post
        kidx = lay.keys.index((tonic, mode))
        sel = (lay.kind[post] == KEY) & (lay.group[post] == kidx)
        return np.bincount(lay.val[post[sel]], weights=g.w[sel], minlength=12)[:12]

    def key_profiles(self) -> dict[str, np.ndarray]:
        """Learned profile (by pitch class) of every key of every mode, for key finding.  Keys the corpus
        never contained get their mode's learned profile rotated (the mode -> key hierarchy)."""
        out = {}
        for tonic, mode in self.layout.keys:
            prof = self.key_profile(tonic, mode)
            if not prof.any():
                prof = np.roll(self.mode_profile(mode), tonic)
            out[Key(tonic, mode).name] = prof
        return out

    def voice_range(self, v: int) -> tuple[int, int]:
        """Lowest and highest pitch the voice sang in training (a wide default if nothing was heard)."""
        heard = np.flatnonzero(self.voice_pitches[v][:128])
        if heard.size == 0:
            return 36, 84
        return int(heard.min()), int(heard.max())
