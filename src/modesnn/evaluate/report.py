"""Writing an evaluation: metrics.json, report.md and the plots into a folder."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from modesnn.evaluate.harmony_table import harmonization_markdown, harmony_markdown
from modesnn.evaluate.pictures import pictures_markdown
from modesnn.evaluate.profiles import plot_profiles
from modesnn.evaluate.run import SYSTEM_LABELS, SYSTEMS, num_or_nan
from modesnn.io.atomic import atomic_path, write_text
from modesnn.music import Piece
from modesnn.theory import kk_profile

# --- writing --------------------------------------------------------------------------------------------


def _clean(x):
    """JSON-safe copy: nan/inf -> None, numpy scalars -> Python numbers."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _atomic_write(path: Path, write: Callable[[str], None]) -> None:
    """`modesnn.io.atomic_path`: never a half-written file, and the umask's permissions like every writer."""
    with atomic_path(path) as tmp:
        write(str(tmp))


def _write_text(path: Path, text: str) -> None:
    write_text(path, text)


def _fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if isinstance(x, int):
        return str(x)
    return f"{x:.{digits}f}"


TONAL_COLUMNS = (
    ("diatonic", "in key"),
    ("diatonic_any_minor", "in key (any minor)"),
    ("tonal_coherence", "KK r"),
    ("key_exact", "key found exact"),
    ("key_exact_or_near", "exact or near"),
    ("distinct_pitch_classes", "distinct PCs"),
    ("pitch_class_entropy", "PC entropy (bits)"),
    ("distinct_pitches", "distinct pitches"),
    ("distinct_pitches_per_voice", "pitches / voice"),
)
MELODIC_COLUMNS = (
    ("mean_abs_interval", "mean |interval|"),
    ("step_share", "steps"),
    ("repeat_share", "repeats"),
    ("largest_leap", "largest leap"),
    ("duration_entropy", "duration entropy"),
    ("notes_per_measure", "notes / measure"),
    ("parallel_fifths_per_100", "par. 5ths /100"),
    ("parallel_octaves_per_100", "par. 8ves /100"),
    ("voice_crossings", "crossings"),
    ("out_of_range_share", "out of SATB range"),
)


def _table(systems: dict[str, dict], columns) -> list[str]:
    lines = ["| system | pieces | " + " | ".join(label for _, label in columns) + " |",
             "|---|---|" + "---|" * len(columns)]
    for name in (*SYSTEMS, "corpus"):
        if name not in systems:
            continue
        m = systems[name]
        lines.append(f"| {SYSTEM_LABELS[name]} | {m.get('n_pieces', 0)} | "
                     + " | ".join(_fmt(m.get(col)) for col, _ in columns) + " |")
    return lines


def check_sentences(chk: dict) -> list[str]:
    """One plain sentence per check (what the report says about the model)."""
    k = chk["key_exact_beats_markov"]
    d = chk["diatonic_beats_markov"]
    p = chk["distinct_pitch_classes_within_10pct_of_corpus"]
    diff = p["relative_difference"]
    diff_text = "-" if not math.isfinite(diff) else f"{100 * diff:+.1f} %"

    def beats(c: dict) -> str:
        return "beats" if c["pass"] else "does NOT beat"

    return [
        f"The model {beats(k)} the unconditioned Markov chain on key recovered: the requested key is found "
        f"in {_fmt(k['model'])} of its pieces against {_fmt(k['markov'])}.",
        f"The model {beats(d)} the unconditioned Markov chain on diatonic consistency: "
        f"{_fmt(d['model'])} of its notes are in key against {_fmt(d['markov'])}.",
        f"The model's pitch diversity is {'within' if p['pass'] else 'NOT within'} 10 % of the corpus: "
        f"{_fmt(p['model'], 2)} distinct pitch classes per piece against {_fmt(p['corpus'], 2)} ({diff_text}).",
    ]


def _harmony_section(result: dict) -> list[str]:
    """The report's "Four-part writing" section: music.md's table for every system and the corpus."""
    harmony = result.get("harmony") or {}
    order = {name: harmony[name] for name in (*SYSTEMS, "corpus") if name in harmony}
    return [
        "## Four-part writing",
        "",
        "The figures of music.md (definitions in `modesnn.evaluate.harmony`), for the same keys and seeds; "
        "the corpus column is every training piece with its labelled key, \"Bach (music.md)\" the published "
        "reference (the first 30 four-part chorales).  Parallels are pooled over all pieces.",
        "",
        *harmony_markdown(order, SYSTEM_LABELS, judge="model", baseline="degree_markov"),
        "",
    ]


def report_markdown(result: dict, plots: list[str]) -> str:
    s = result["settings"]
    systems = result["systems"]
    lines = [
        "# modesnn evaluation",
        "",
        f"Model learned from: {', '.join(s['sources']) or '(unknown)'}; {s['training_pieces']} training pieces "
        f"(reloaded from the sources) fit every baseline and give the corpus figures.",
        f"Generated: {len(s['keys'])} keys x {len(s['seeds'])} seeds ({', '.join(map(str, s['seeds']))}), "
        f"{s['length']} notes per voice, the same keys and seeds for every system.  Metrics as in "
        "evaluation.md; key found = Krumhansl-Schmuckler on the piece, compared with the requested key "
        "(corpus: the labelled key).",
        "",
        "## Checks",
        "",
        *[f"- {line}" for line in check_sentences(result["checks"])],
        "",
        "## Key and pitch diversity",
        "",
        *_table(systems, TONAL_COLUMNS),
        "",
        "## Melody, rhythm and voice leading",
        "",
        *_table(systems, MELODIC_COLUMNS),
        "",
        *_harmony_section(result),
        *harmonization_markdown(result.get("harmonization")),
        *pictures_markdown(result.get("pictures") or []),
        "## Learned tonal hierarchy (Pearson r with Krumhansl-Kessler)",
        "",
        "| mode | learned vs KK | learned vs data | data vs KK | notes |",
        "|---|---|---|---|---|",
    ]
    prof = result["profiles"]
    for mode, m in prof["modes"].items():
        lines.append(f"| {mode} | {_fmt(m['r_kk'])} | {_fmt(m['r_data'])} | {_fmt(m['data_r_kk'])} | {m['notes']} |")
    lines += ["", f"Key profiles: mean r with the rotated KK profile = {_fmt(prof['keys_mean_r_kk'])} over "
                  f"{len(prof['keys'])} keys heard in training.", ""]
    if prof["keys"]:
        lines += ["| key | r |", "|---|---|"]
        lines += [f"| {k} | {_fmt(r)} |" for k, r in sorted(prof["keys"].items(), key=lambda kv: -num_or_nan(kv[1]))]
        lines.append("")
    if result.get("failures"):
        lines += ["## Not generated", ""]
        for name, fails in result["failures"].items():
            lines.append(f"- {SYSTEM_LABELS[name]}: {len(fails)} pieces (first: {fails[0]})")
        lines.append("")
    timing = result["timing"]
    lines += ["## Timing", "", "| step | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in timing.items()]
    if plots:
        lines += ["", "## Plots", ""]
        lines += [f"![{p}]({p})" for p in plots]
    return "\n".join(lines) + "\n"


def _plot_histograms(result: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hists = result["degree_histograms"]
    modes = sorted({m for hs in hists.values() for m in hs})
    fig, axes = plt.subplots(1, len(modes), figsize=(6 * len(modes), 4), squeeze=False)
    x = np.arange(12)
    for ax, mode in zip(axes[0], modes, strict=True):
        for name in (*SYSTEMS, "corpus"):
            h = hists.get(name, {}).get(mode)
            if h is None:
                continue
            style = {"linewidth": 2.5, "color": "black"} if name == "corpus" else {"linewidth": 1.2}
            ax.plot(x, h, marker="o", markersize=3, label=SYSTEM_LABELS[name], **style)
        try:
            kk = kk_profile(mode)
            ax.plot(x, kk / kk.sum(), linestyle="--", color="grey", label="Krumhansl-Kessler (normalised)")
        except (KeyError, ValueError):
            pass
        ax.set_title(f"{mode}: duration share per scale degree")
        ax.set_xticks(x, [str(i) for i in x])
        ax.set_xlabel("semitones above the tonic")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_piano_roll(piece: Piece, title: str, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, voice in enumerate(piece.voices):
        bars = [(n.onset, n.duration) for n in voice.notes if n.pitch is not None]
        pitches = [n.pitch for n in voice.notes if n.pitch is not None]
        for (onset, dur), p in zip(bars, pitches, strict=True):
            ax.broken_barh([(onset, dur * 0.95)], (p - 0.4, 0.8), color=colors[i % len(colors)])
        ax.plot([], [], color=colors[i % len(colors)], linewidth=6, label=voice.name)
    ax.set_xlabel("quarter notes")
    ax.set_ylabel("MIDI pitch")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _atomic_plot(folder: Path, name: str, draw: Callable[[str], None]) -> str:
    _atomic_write(folder / name, draw)
    return name


def write_report(result: dict, model, folder: str | Path, plots: bool = True) -> list[Path]:
    """Write metrics.json, report.md and (when `plots`) the PNG plots into `folder` (created if missing),
    each atomically.  Returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    if plots:
        written.append(_atomic_plot(folder, "profiles.png", lambda p: plot_profiles(model, p)))
        written.append(_atomic_plot(folder, "pitch_class_histograms.png", lambda p: _plot_histograms(result, p)))
        for name, piece in result["examples"].items():
            title = f"{SYSTEM_LABELS[name]}: {piece.name} ({piece.key.name})"
            written.append(_atomic_plot(folder, f"pianoroll_{name}.png",
                                        lambda p, pc=piece, t=title: _plot_piano_roll(pc, t, p)))
    data = {k: v for k, v in result.items() if k != "examples"}
    data["examples"] = {name: {"name": p.name, "key": p.key.name} for name, p in result["examples"].items()}
    _write_text(folder / "metrics.json", json.dumps(_clean(data), indent=2) + "\n")
    _write_text(folder / "report.md", report_markdown(result, written))
    return [folder / "metrics.json", folder / "report.md", *(folder / w for w in written)]
