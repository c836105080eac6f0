"""Spikes of the network as rows of a raster, labelled by population (key, mode, chord, voice), for the
page and for `modesnn inspect`."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from modesnn.web.sessions import describe

MAX_SPIKES_PER_EVENT = 400


def band_rank(label: str, voice_names: tuple[str, ...]) -> tuple[int, str]:
    """Where a population's band goes: modes, then keys, then chords, then each voice top down."""
    head = label.split(" ")[0]
    if head in voice_names:
        return 10 + voice_names.index(head), label
    return {"mode": 0, "key": 1, "chord": 2}.get(head, 9), label.replace("-", "b")


def as_record(spikes: Any) -> Any:
    """One record (.step, .neuron) of a step's spikes: a SpikeRecord as it is, a list of them (a session that
    decides a step in several windows) merged in time order, None when there are none."""
    if spikes is None or hasattr(spikes, "neuron"):
        return spikes
    if isinstance(spikes, (list, tuple)):
        parts = [r for r in (as_record(s) for s in spikes) if r is not None and np.size(r.neuron)]
        if not parts:
            return None
        step = np.concatenate([np.asarray(r.step, np.int64) for r in parts])
        neuron = np.concatenate([np.asarray(r.neuron, np.int64) for r in parts])
        order = np.argsort(step, kind="stable")
        return SimpleNamespace(step=step[order], neuron=neuron[order])
    return None


def spike_event(model: Any, spikes: Any, bands: list[str], layout: Any) -> dict:
    """One step's spikes as {"bands": labels new since the last event, "t": ms, "b": band, "v": value}.
    `bands` is the running list of labels (extended in place) so the page numbers bands like the server.
    More than MAX_SPIKES_PER_EVENT spikes are thinned evenly (the raster is a picture, not the data)."""
    neuron = np.asarray(spikes.neuron, np.int64)
    step = np.asarray(spikes.step, np.int64)
    if neuron.size > MAX_SPIKES_PER_EVENT:
        keep = np.linspace(0, neuron.size - 1, MAX_SPIKES_PER_EVENT).astype(np.int64)
        neuron, step = neuron[keep], step[keep]
    uniq, inverse = np.unique(neuron, return_inverse=True)
    labels = describe(layout, uniq)
    start = len(bands)
    index = {b: i for i, b in enumerate(bands)}
    band_of, value_of = [], []
    for label, value in labels:
        if label not in index:
            index[label] = len(bands)
            bands.append(label)
        band_of.append(index[label])
        value_of.append(value)
    dt = float(model.config.dt)
    names = tuple(model.config.voice_names)
    new = bands[start:]
    return {"bands": [b.replace("-", "b") for b in new], "rank": [list(band_rank(b, names)) for b in new],
            "t": np.round(step * dt, 2).tolist(),
            "b": np.asarray(band_of, np.int64)[inverse].tolist(), "v": np.asarray(value_of, np.int64)[inverse].tolist()}
