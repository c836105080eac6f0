"""`modesnn inspect`'s figure: the spike raster of one composition by population (the page's raster,
drawn with matplotlib) above the learned weight maps: sequence memory -> key, per key, beside the
Krumhansl-Kessler profiles, and the learned mode profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from modesnn.errors import ModesnnError
from modesnn.model import ComposeSettings
from modesnn.theory import Key, all_keys
from modesnn.web.raster import as_record, band_rank
from modesnn.web.sessions import describe, labeller, new_session

PC_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def record(model: Any, key: Key, length: int, seed: int) -> tuple[Any, list[tuple[float, str, int]]]:
    """Compose once through a session; every spike as (ms, population label, value)."""
    session = new_session(model, key, ComposeSettings(length=length), seed)
    layout = labeller(model, session)
    if layout is None:
        raise ModesnnError("this model does not label its neurons (no layout.describe): no raster to draw")
    spikes: list[tuple[float, str, int]] = []
    dt = float(model.config.dt)
    while not session.done:
        session.step()
        rec = as_record(getattr(session, "last_spikes", None))
        if rec is None or not np.size(rec.neuron):
            continue
        uniq, inv = np.unique(np.asarray(rec.neuron, np.int64), return_inverse=True)
        labels = describe(layout, uniq)
        for t, i in zip((np.asarray(rec.step) * dt).tolist(), inv.tolist(), strict=True):
            spikes.append((t, labels[i][0], labels[i][1]))
    return session.finish(), spikes


def _raster(ax, spikes: list[tuple[float, str, int]], title: str, voices: tuple[str, ...]) -> None:
    bands = sorted({label for _, label, _ in spikes}, key=lambda b: band_rank(b, voices), reverse=True)
    row = {b: i for i, b in enumerate(bands)}
    lo: dict[str, int] = {}
    hi: dict[str, int] = {}
    for _, b, v in spikes:
        lo[b] = min(lo.get(b, v), v)
        hi[b] = max(hi.get(b, v), v)
    if spikes:
        t = np.array([s[0] for s in spikes])
        y = np.array([row[b] + 0.05 + 0.9 * (v - lo[b]) / max(1, hi[b] - lo[b]) for _, b, v in spikes])
        ax.scatter(t, y, s=1.5, c="#1a237e", marker="s", linewidths=0)
    ax.set_yticks(np.arange(len(bands)) + 0.5, [b.replace("-", "b") for b in bands], fontsize=7)
    ax.set_ylim(0, max(1, len(bands)))
    for i in range(len(bands)):
        ax.axhspan(i, i + 1, color="#f2f2f2" if i % 2 else "white", zorder=-1)
    ax.set_xlabel("simulated time (ms)")
    ax.set_title(title, fontsize=10)


def _profiles(model: Any) -> tuple[list[str], np.ndarray, np.ndarray]:
    keys = all_keys(tuple(model.config.modes))
    learned = np.array([model.key_profile(k.tonic, k.mode) for k in keys], float)
    kk = np.array([k.profile() for k in keys], float)
    norm = lambda m: m / np.maximum(m.max(axis=1, keepdims=True), 1e-12)  # noqa: E731
    return [k.name.replace("-", "b") for k in keys], norm(learned), norm(kk)


def write_figure(model: Any, key: Key, path: str | Path, length: int = 24, seed: int = 0) -> Path:
    """Compose in `key`, then draw the raster and the weight maps into one PNG at `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not (hasattr(model, "key_profile") and hasattr(model, "mode_profile")):
        raise ModesnnError("this model has no learned key and mode profiles (key_profile, mode_profile) to draw")
    _, spikes = record(model, key, length, seed)
    names, learned, kk = _profiles(model)
    fig = plt.figure(figsize=(13, 11), dpi=90)
    grid = fig.add_gridspec(2, 3, height_ratios=[1.1, 1], hspace=0.3, wspace=0.35)
    _raster(fig.add_subplot(grid[0, :]), spikes, f"spikes while composing {length} notes in {key.name} "
                                                   f"(seed {seed}), by population",
            tuple(model.config.voice_names))
    for col, (mat, title) in enumerate(((learned, "learned: sequence memory -> key (row max = 1)"),
                                        (kk, "Krumhansl-Kessler profiles (row max = 1)"))):
        ax = fig.add_subplot(grid[1, col])
        ax.imshow(mat, aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_xticks(range(12), PC_NAMES, fontsize=7)
        ax.set_yticks(range(len(names)), names, fontsize=6)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("pitch class")
    ax = fig.add_subplot(grid[1, 2])
    for mode in model.config.modes:
        prof = np.asarray(model.mode_profile(mode), float)
        ax.plot(range(12), prof / max(prof.max(), 1e-12), marker="o", label=f"learned {mode}")
    ax.set_xticks(range(12), [str(d) for d in range(12)], fontsize=7)
    ax.set_xlabel("semitones above the tonic")
    ax.set_title("learned mode profiles (max = 1)", fontsize=9)
    ax.legend(fontsize=7)
    out = Path(path)
    fig.savefig(out, format="png")
    plt.close(fig)
    return out
