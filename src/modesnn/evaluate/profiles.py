"""The learned tonal hierarchy against the Krumhansl-Kessler profiles (the paper's central claim)."""

from __future__ import annotations

import numpy as np

from modesnn.errors import ModesnnError
from modesnn.io.atomic import atomic_path
from modesnn.model import ModeSNN
from modesnn.theory import Key, kk_profile, pearson


def profile_report(model: ModeSNN) -> dict:
    """Per mode: learned SMS -> mode weight per degree, the data's own degree counts, and their Pearson r
    with KK; per key heard in training: SMS -> key weight per pitch class and r with the rotated KK."""
    out: dict = {"modes": {}, "keys": {}}
    for mode in model.config.modes:
        learned = model.mode_profile(mode)
        data = model.heard_degrees[mode]
        kk = kk_profile(mode)
        out["modes"][mode] = {
            "learned": learned.round(6).tolist(),
            "data": data.tolist(),
            "kk": kk.tolist(),
            "r_kk": pearson(learned, kk),
            "r_data": pearson(learned, data),
            "data_r_kk": pearson(data, kk),
            "notes": int(data.sum()),
        }
    rs = []
    for tonic, mode in model.layout.keys:
        learned = model.key_profile(tonic, mode)
        if not learned.any():
            continue
        key = Key(tonic, mode)
        r = pearson(learned, key.profile())
        rs.append(r)
        out["keys"][key.name] = {"learned": learned.round(6).tolist(), "r_kk": r,
                                 "notes": int(model.heard_keys[f"{tonic}:{mode}"].sum())}
    out["keys_mean_r_kk"] = float(np.mean(rs)) if rs else float("nan")
    return out


def plot_profiles(model: ModeSNN, path: str) -> None:
    """Learned vs KK bars per mode, and a keys x pitch-classes map of the learned key weights."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = model.config.modes
    fig, axes = plt.subplots(1, len(modes) + 1, figsize=(5 * (len(modes) + 1), 4))
    x = np.arange(12)
    for ax, mode in zip(axes, modes, strict=False):
        learned = model.mode_profile(mode)
        kk = kk_profile(mode)
        scale = learned.max() / kk.max() if learned.max() > 0 else 1.0
        ax.bar(x - 0.2, learned, 0.4, label="learned (SMS -> mode)")
        ax.bar(x + 0.2, kk * scale, 0.4, label="Krumhansl-Kessler (scaled)")
        ax.set_title(f"{mode}: r = {pearson(learned, kk):.3f}")
        ax.set_xticks(x, [str(i) for i in x])
        ax.set_xlabel("scale degree (semitones above tonic)")
        ax.legend(fontsize=7)
    rows = []
    names = []
    for tonic, mode in model.layout.keys:
        prof = model.key_profile(tonic, mode)
        rows.append(prof / prof.max() if prof.max() > 0 else prof)
        names.append(Key(tonic, mode).name)
    ax = axes[-1]
    ax.imshow(np.array(rows), aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(names)), names, fontsize=5)
    ax.set_xticks(x, ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"], fontsize=7)
    ax.set_title("learned SMS -> key weights (row-normalised)")
    fig.tight_layout()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110)
    except OSError as exc:
        raise ModesnnError(f"{path}: cannot write plot ({exc.strerror or exc})") from None
    finally:
        plt.close(fig)
