"""Neurons of the chorale network and the time at which each kind speaks within a beat.

Populations (engine tags in brackets): the mode cluster (one neuron per mode) and the metric neurons
(beat in the bar; beats before the end) [CONTEXT]; per mode, the chord cluster (root degree x quality,
relative to the tonic) [CHORD]; per mode and voice, key-relative pitch neurons (MIDI numbers in the key's
frame, 0..127) [PITCH]; per voice one hold neuron [HOLD] and one passing neuron [PASS].  A beat is a slot
of `SLOT` steps; context speaks at its start, then the soprano before the chord (the melody calls for its
harmony, and a melody to harmonise is clamped there), then the chord, bass, alto, tenor, `PHASE` steps apart:
every learned synapse's delay is the distance between the onsets of its two neurons (plus whole beats for
sequences).
"""

from __future__ import annotations

import numpy as np

from modesnn.model.chorale.chords import N_CHORDS
from modesnn.model.chorale.frame import END_BEATS, MAX_BAR_BEATS
from modesnn.snn import SEQUENCE_MEMORY, Network

CONTEXT, CHORD, PITCH, HOLD, PASS = 11, 12, 13, 14, 15
"""Engine tags."""

PHASE = 40
"""Steps between the onsets of two decisions (4 ms at dt 0.1 ms)."""

VOICE_ORDER = (0, 3, 1, 2)
"""Voices in the order they are decided: soprano (before the chord), bass, alto, tenor."""

SEQUENCE = ("context", 0, "chord", 3, 1, 2)
"""What speaks in each phase of a beat, in order."""

SLOT = PHASE * len(SEQUENCE)
"""Steps of one beat."""

PITCHES = 128


def onset(kind: int, voice: int = -1) -> int:
    """Step within the beat at which neurons of this kind (and voice) are driven / decided."""
    if kind == CONTEXT:
        return 0
    if kind == CHORD:
        return PHASE * SEQUENCE.index("chord")
    return PHASE * SEQUENCE.index(voice)


class ChoraleLayout:
    """Meaning <-> neuron id; decode arrays kind, voice, val by id (val: mode index, bar beat, beats to the
    end, chord index or relative pitch)."""

    def __init__(self, net: Network, modes: tuple[str, ...], voices: int = 4) -> None:
        if voices != len(VOICE_ORDER):
            raise ValueError(f"the chorale network writes {len(VOICE_ORDER)} voices, not {voices}")
        self.modes, self.voices = modes, voices
        self.keys = [(t, m) for m in modes for t in range(12)]  # (the keys the network composes in: all)
        kind, voice, val, when, group = [], [], [], [], []

        def add(name: str, size: int, k: int, v: int, values, g: int = -1) -> int:
            pop = net.add_population(name, size, SEQUENCE_MEMORY, tag=k)
            kind.append(np.full(size, k))
            group.append(np.full(size, g))
            voice.append(np.full(size, v))
            val.append(np.asarray(values, np.int64))
            when.append(np.full(size, onset(k, v)))
            return pop.start

        self.mode0 = add("mode", len(modes), CONTEXT, -1, np.arange(len(modes)))
        self.bar0 = add("bar beat", MAX_BAR_BEATS, CONTEXT, -1, np.arange(MAX_BAR_BEATS))
        self.end0 = add("beats to end", END_BEATS, CONTEXT, -1, np.arange(END_BEATS))
        # one chord cluster per mode (major's I and minor's i are different memories)
        self.chord0s = {m: add(f"{m}:chord", N_CHORDS, CHORD, -1, np.arange(N_CHORDS), mi)
                        for mi, m in enumerate(modes)}
        # one pitch grid per mode and voice: a voice's melody in major and in minor are separate memories
        self.pitch0 = {(m, v): add(f"{m}:v{v}:pitch", PITCHES, PITCH, v, np.arange(PITCHES), mi)
                       for mi, m in enumerate(modes) for v in range(voices)}
        self.hold0 = [add(f"v{v}:hold", 1, HOLD, v, [0]) for v in range(voices)]
        # per voice, a passing neuron: an eighth-note step fills the beat before (learned when, not which pitch)
        self.pass0 = [add(f"v{v}:passing", 1, PASS, v, [0]) for v in range(voices)]
        self.kind = np.concatenate(kind)
        self.voice = np.concatenate(voice)
        self.val = np.concatenate(val)
        self.onset = np.concatenate(when)
        self.group = np.concatenate(group)  # mode index of a pitch neuron
        self.n = int(self.kind.size)

    def mode_id(self, mode: str) -> int:
        return self.mode0 + self.modes.index(mode)

    def chord_id(self, mode: str, index) -> np.ndarray:
        return self.chord0s[mode] + np.asarray(index, np.int64)

    def pitch_id(self, mode: str, voice: int, rel) -> np.ndarray:
        return self.pitch0[(mode, voice)] + np.asarray(rel, np.int64)
