"""The readout of a composition slot: winner-takes-all over each voice's pitch and duration neurons.

The most spikes win; ties go to the higher membrane potential, then to the readout's own seeded generator.  A
voice and kind where no candidate fired falls back to the strongest learned candidate (largest summed learned
input from the notes just chosen, plus the key -> pitch weight for pitches), never to a fixed default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from modesnn.model.layout import DURATION, PITCH
from modesnn.model.network import ModeSNN
from modesnn.snn import Synapses
from modesnn.theory import Key, nearest_pitch

Pick = tuple[int, int, bool]
"""(column, neuron id, fired) of one voice and kind."""


class Readout:
    """Winner-takes-all for one composition.  `potential(ids)` reads the tied candidates' membrane potentials
    from the session's simulation; `groups` are the synapse groups whose weights the fallback sums (sequence
    memory, then the session's key -> pitch synapses)."""

    def __init__(self, model: ModeSNN, rng: np.random.Generator, potential: Callable[[np.ndarray], np.ndarray],
                 groups: Sequence[Synapses], default_pitch: int, seed_duration: float, nearest_span: int) -> None:
        self.model, self.lay, self.rng = model, model.layout, rng
        self.potential, self.groups = potential, tuple(groups)
        self.n_groups = 2 * model.config.voices
        self.default_pitch, self.nearest_span = default_pitch, nearest_span
        self.one_beat = model.duration_column(seed_duration)[0]

    def choose(self, here: np.ndarray, pos: int, recent: np.ndarray, key: Key, key_ids: np.ndarray) -> list[Pick]:
        """One pick per voice and kind, in the order voice 0 pitch, voice 0 duration, voice 1 pitch, ...
        `here`: the slot's spikes of this position's neurons (one id per spike); `recent`: the neurons chosen at
        the previous positions (for fallbacks).  All voices and kinds share one count of the spikes and one read
        of the tied candidates' potentials; the generator is drawn in that order of voices and kinds, fallbacks
        included."""
        lay, n_groups = self.lay, self.n_groups
        memo: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        cand, cgroup = self._top(here)
        order = np.argsort(cgroup, kind="stable")  # (ascending ids within a group)
        cand, cgroup = cand[order], cgroup[order]
        bounds = np.searchsorted(cgroup, np.arange(n_groups + 1)).tolist()
        ids, cols = cand.tolist(), lay.val[cand].tolist()
        out: list[Pick] = []
        for g in range(n_groups):
            v, kind_g = g // 2, (PITCH, DURATION)[g % 2]
            lo, hi = bounds[g], bounds[g + 1]
            if hi - lo == 1:
                out.append((cols[lo], ids[lo], True))
            elif hi > lo:
                winner = int(self.rng.choice(cand[lo:hi]))
                out.append((int(lay.val[winner]), winner, True))
            else:
                col = self.fallback(kind_g, v, pos, recent, key, key_ids, memo)
                out.append((col, int(lay.sms_id(v, kind_g, pos, col)), False))
        return out

    def _top(self, here: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Candidates with the most spikes of their voice and kind, ties narrowed by membrane potential:
        (neuron ids, group = 2 voice + (kind is duration))."""
        lay, n_groups = self.lay, self.n_groups
        uniq, counts = np.unique(here, return_counts=True)
        kind = lay.kind[uniq]
        sms = (kind == PITCH) | (kind == DURATION)
        uniq, counts, kind = uniq[sms], counts[sms], kind[sms]
        group = lay.voice[uniq] * 2 + (kind == DURATION)
        best = np.zeros(n_groups, counts.dtype)
        np.maximum.at(best, group, counts)
        top = counts == best[group]
        cand, cgroup = uniq[top], group[top]
        tied = np.bincount(cgroup, minlength=n_groups)[cgroup] > 1
        if tied.any():
            vm = self.potential(cand[tied])
            vbest = np.full(n_groups, -np.inf)
            np.maximum.at(vbest, cgroup[tied], vm)
            keep = np.ones(cand.size, bool)
            keep[tied] = vm == vbest[cgroup[tied]]
            cand, cgroup = cand[keep], cgroup[keep]
        return cand, cgroup

    def _learned_input(self, kind: int, pos: int, recent: np.ndarray, key_ids: np.ndarray, memo: dict
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(voice, column, weight) of every learned synapse from the recent neurons of this kind (and, for the
        key -> pitch synapses, from the key group) onto this position's neurons of this kind, each group in lookup
        order.  Looked up once per slot and kind (`memo`), for all voices."""
        if kind in memo:
            return memo[kind]
        lay = self.lay
        previous = recent[lay.kind[recent] == kind]
        parts = []
        for i, group in enumerate(self.groups):
            if group.n == 0 or not previous.size:
                continue
            query = previous if i == 0 else np.concatenate([previous, key_ids])
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

    def fallback(self, kind: int, v: int, pos: int, recent: np.ndarray, key: Key, key_ids: np.ndarray,
                 memo: dict) -> int:
        """Strongest learned candidate: the largest summed weight from the chosen neurons of the previous
        positions (plus the key -> pitch weight for pitches); else the voice's most common value in key."""
        voices, cols, weights = self._learned_input(kind, pos, recent, key_ids, memo)
        mine = voices == v
        total: dict[int, float] = {}
        for col, w in zip(cols[mine].tolist(), weights[mine].tolist(), strict=True):
            total[col] = total.get(col, 0.0) + w
        if total:
            best = max(total.values())
            tied = sorted(c for c, w in total.items() if w == best)
            return int(tied[0] if len(tied) == 1 else self.rng.choice(tied))
        model = self.model
        if kind == DURATION:
            return int(np.argmax(model.voice_durations[v])) if model.voice_durations[v].any() else self.one_beat
        counts = model.voice_pitches[v][:128] * np.array([key.in_scale(p) for p in range(128)])
        if counts.any():
            return int(np.argmax(counts))
        return nearest_pitch(set(key.scale_pcs), self.default_pitch, self.nearest_span)
