"""Where each neuron of the paper's network lives in the engine, and what it means.

The engine sees populations of neuron ids; this module owns the mapping from meaning to id and back:
mode neurons (mode, scale degree), key neurons (tonic, mode, pitch class) and the sequence-memory grid
(voice, pitch or duration subnetwork, position, value).  The grid grows in blocks of positions as longer
pieces arrive.
"""

from __future__ import annotations

import numpy as np

from modesnn.model.config import ModelConfig
from modesnn.snn import (
    FAST_SPIKING,
    INTRINSICALLY_BURSTING,
    PRESETS,
    REGULAR_SPIKING,
    SEQUENCE_MEMORY,
    Network,
)
from modesnn.theory import MODES

PITCH, DURATION, KEY, MODE = 1, 2, 3, 4
"""Neuron kinds, used as engine tags."""

TRACK_STRIDE = 1 << 32
"""Spacing of the (voice, subnetwork) tracks in Layout.track: more than any position."""

REST = 128
"""Column of the pitch subnetwork that stands for a rest."""
PITCH_COLUMNS = 129


class Layout:
    """Meaning <-> neuron id for one network.  Decode arrays (kind, voice, pos, val, group) are indexed
    by neuron id; group is the key or mode index for theory neurons."""

    def __init__(self, config: ModelConfig, net: Network) -> None:
        self.config = config
        self.net = net
        self.kind = np.zeros(0, np.int64)
        self.voice = np.zeros(0, np.int64)
        self.pos = np.zeros(0, np.int64)
        self.val = np.zeros(0, np.int64)
        self.group = np.zeros(0, np.int64)
        self.track = np.zeros(0, np.int64)
        self.modes = config.modes
        self.mode_start: dict[str, int] = {}
        self.key_start: dict[tuple[int, str], int] = {}
        self.keys: list[tuple[int, str]] = []
        self.blocks: dict[tuple[int, int, int], int] = {}  # (voice, kind, block) -> first id
        self.positions = 0
        self._build_theory()

    def _append(self, kind: int, voice, pos, val, group) -> None:
        size = np.size(val)
        self.kind = np.concatenate([self.kind, np.full(size, kind)])
        for name, value in (("voice", voice), ("pos", pos), ("val", val), ("group", group)):
            arr = np.broadcast_to(np.asarray(value, np.int64), (size,))
            setattr(self, name, np.concatenate([getattr(self, name), arr]))
        # track: the position, offset per (voice, subnetwork), so that two neurons' difference is their
        # distance in positions when they share a voice and subnetwork and is huge otherwise
        track = (np.asarray(voice, np.int64) * 8 + kind + 1) * TRACK_STRIDE + np.asarray(pos, np.int64)
        self.track = np.concatenate([self.track, np.broadcast_to(track, (size,))])

    def _build_theory(self) -> None:
        for mi, mode in enumerate(self.modes):
            pop = self.net.add_population(f"mode:{mode}", 12, PRESETS[self.config.mode_neuron], tag=MODE)
            self.mode_start[mode] = pop.start
            self._append(MODE, -1, -1, np.arange(12), mi)
        for mode in self.modes:
            degrees = MODES[mode].degrees
            for tonic in range(12):
                params = []
                for pc in range(12):
                    deg = (pc - tonic) % 12
                    if deg == 0:
                        params.append(INTRINSICALLY_BURSTING)
                    elif deg in degrees:
                        params.append(REGULAR_SPIKING)
                    else:
                        params.append(FAST_SPIKING)
                cols = tuple(np.array(c) for c in zip(*params, strict=True))
                pop = self.net.add_population(f"key:{tonic}:{mode}", 12, cols, tag=KEY)
                self.key_start[(tonic, mode)] = pop.start
                self._append(KEY, -1, -1, np.arange(12), len(self.keys))
                self.keys.append((tonic, mode))

    # -- ids --------------------------------------------------------------------------------------
    def mode_ids(self, mode: str) -> np.ndarray:
        return self.mode_start[mode] + np.arange(12)

    def key_ids(self, tonic: int, mode: str) -> np.ndarray:
        """Neuron ids of a key group, indexed by pitch class."""
        return self.key_start[(tonic, mode)] + np.arange(12)

    def ensure_positions(self, n: int) -> None:
        """Grow the sequence-memory grid so that positions 0..n-1 exist in every voice."""
        ppb = self.config.positions_per_block
        if self.positions >= n:
            return
        with self.net.growing():
            self._add_blocks(n, ppb)

    def _add_blocks(self, n: int, ppb: int) -> None:
        while self.positions < n:
            b = self.positions // ppb
            for v in range(self.config.voices):
                for kind, cols in ((PITCH, PITCH_COLUMNS), (DURATION, self.config.duration_count)):
                    name = f"v{v}:{'pitch' if kind == PITCH else 'dur'}:b{b}"
                    pop = self.net.add_population(name, ppb * cols, SEQUENCE_MEMORY, tag=kind)
                    self.blocks[(v, kind, b)] = pop.start
                    pos = b * ppb + np.repeat(np.arange(ppb), cols)
                    self._append(kind, v, pos, np.tile(np.arange(cols), ppb), -1)
            self.positions += ppb

    def describe(self, ids) -> list[tuple[str, int]]:
        """(population label, value) of each neuron id, for rasters and inspection: ("key G minor", pitch
        class), ("mode minor", degree), ("soprano pitch", MIDI pitch or REST), ("soprano duration", column)."""
        from modesnn.theory import Key

        out = []
        names = self.config.voice_names
        for i in np.asarray(ids, np.int64).tolist():
            kind, val = int(self.kind[i]), int(self.val[i])
            if kind == KEY:
                tonic, mode = self.keys[int(self.group[i])]
                out.append((f"key {Key(tonic, mode).name}", val))
            elif kind == MODE:
                out.append((f"mode {self.modes[int(self.group[i])]}", val))
            else:
                out.append((f"{names[int(self.voice[i])]} {'pitch' if kind == PITCH else 'duration'}", val))
        return out

    def sms_id(self, voice: int, kind: int, pos, val) -> np.ndarray:
        """Ids of sequence-memory neurons (voice, kind, position, value); pos and val broadcast."""
        ppb = self.config.positions_per_block
        cols = PITCH_COLUMNS if kind == PITCH else self.config.duration_count
        if np.ndim(pos) == 0:
            pos = int(pos)
            if pos >= self.positions:
                raise IndexError(f"position {pos} beyond the grid ({self.positions})")
            return np.asarray(self.blocks[(voice, kind, pos // ppb)] + (pos % ppb) * cols + np.asarray(val, np.int64))
        pos = np.asarray(pos, np.int64)
        val = np.asarray(val, np.int64)
        if pos.size and int(pos.max()) >= self.positions:
            raise IndexError(f"position {int(pos.max())} beyond the grid ({self.positions})")
        starts = np.array([self.blocks[(voice, kind, b)] for b in range(self.positions // ppb)], np.int64)
        return starts[pos // ppb] + (pos % ppb) * cols + val
