"""Running a whole evaluation (evaluation.md): key finding with the learned profiles beside music21's finders,
and generated pieces of the model, the fixed-prior network and the baselines beside the training corpus.

`compare_key_finders` and `run_evaluation` return plain JSON-able dicts; `write_report` writes metrics.json,
report.md and the plots into a folder.  music21 is imported only inside `aarden_essen_key` (the Aarden-Essen
finder runs on a music21 stream built from the Piece); Krumhansl-Schmuckler uses the numpy reproduction
`find_key_music21_compatible`, which gives music21's answers exactly and is about a hundred times faster.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from modesnn.evaluate.baselines import BASELINES
from modesnn.evaluate.harmony import harmony_figures
from modesnn.evaluate.harmony_table import harmonization_markdown, harmony_checks, harmony_markdown, mean_harmony
from modesnn.evaluate.keyfinding import find_key, find_key_music21_compatible, pitch_class_histogram, relation
from modesnn.evaluate.metrics import all_metrics, mean_metrics
from modesnn.evaluate.pictures import pictures_markdown
from modesnn.evaluate.profiles import plot_profiles, profile_report
from modesnn.io.atomic import atomic_path, write_text
from modesnn.music import Piece
from modesnn.theory import Key, all_keys, kk_profile, parse_key

__all__ = [
    "SYSTEMS",
    "aarden_essen_key",
    "compare_key_finders",
    "parse_keys",
    "piece_to_stream",
    "run_evaluation",
    "write_report",
]

SYSTEMS = ("model", "fixed_prior", "markov", "ngram", "degree_markov", "random_diatonic")
"""Generating systems, in report order; "corpus" (the training pieces) is added beside them."""

SYSTEM_LABELS = {
    "model": "model (learned prior)",
    "fixed_prior": "network, fixed prior",
    "markov": "unconditioned Markov",
    "ngram": "key-conditioned n-gram",
    "degree_markov": "scale-degree Markov",
    "random_diatonic": "random diatonic",
    "corpus": "corpus (training pieces)",
}

NEAR = ("relative", "parallel", "dominant")


# --- key finding ----------------------------------------------------------------------------------------


def piece_to_stream(piece: Piece):
    """A music21 Score with one Part per voice (notes and rests at their onsets), for music21's analyses."""
    from music21 import note, stream

    score = stream.Score()
    for voice in piece.voices:
        part = stream.Part(id=voice.name)
        for n in voice.notes:
            if n.pitch is None:
                el = note.Rest(quarterLength=n.duration)
            else:
                el = note.Note(n.pitch, quarterLength=n.duration)
            part.insert(n.onset, el)
        score.insert(0, part)
    return score


def aarden_essen_key(piece: Piece) -> Key:
    """music21's `analysis.discrete.AardenEssen` key of the piece (duration-weighted pitch classes)."""
    from music21.analysis.discrete import AardenEssen

    found = AardenEssen().getSolution(piece_to_stream(piece))
    return Key(found.tonic.pitchClass, found.mode, found.tonic.name)


def compare_key_finders(
    pieces: list[Piece],
    key_profiles: dict[str, np.ndarray],
    progress: bool = False,
    aarden_essen: bool = True,
) -> dict:
    """Accuracy (exact tonic and mode) of the learned key finder beside Krumhansl-Schmuckler and Aarden-Essen
    on labelled pieces; "near" holds the share where each finder's answer is the label or its relative,
    parallel or dominant key.  Pieces without a sounding note are left out (counted in "empty")."""
    from tqdm import tqdm

    finders: dict[str, Callable[[Piece], Key]] = {
        "learned": lambda p: find_key(p, key_profiles).key,
        "krumhansl_schmuckler": lambda p: find_key_music21_compatible(p).key,
    }
    if aarden_essen:
        finders["aarden_essen"] = aarden_essen_key
    exact = dict.fromkeys(finders, 0)
    near = dict.fromkeys(finders, 0)
    n = empty = 0
    rows = []
    for piece in tqdm(pieces, desc="finding keys", unit="piece", file=sys.stderr, disable=not progress,
                      leave=False):
        if not pitch_class_histogram(piece).any():
            empty += 1
            continue
        n += 1
        row = {"piece": piece.name, "label": piece.key.name}
        for name, finder in finders.items():
            found = finder(piece)
            rel = relation(found, piece.key)
            exact[name] += rel == "exact"
            near[name] += rel == "exact" or rel in NEAR
            row[name] = found.name
        rows.append(row)
    out: dict = {"pieces": n}
    for name in finders:
        out[name] = exact[name] / n if n else None
    out["near"] = {name: near[name] / n if n else None for name in finders}
    out["empty"] = empty
    out["krumhansl_schmuckler_implementation"] = (
        "modesnn.evaluate.keyfinding.find_key_music21_compatible (numpy, identical to music21 KrumhanslSchmuckler)"
    )
    out["per_piece"] = rows
    return out


# --- generated pieces -----------------------------------------------------------------------------------


def parse_keys(text: str, modes: tuple[str, ...]) -> list[Key]:
    """'all' -> every key of the modes; else comma-separated key names ('G minor, C major').  Raises
    ValueError naming the bad key."""
    if text.strip().lower() == "all":
        return all_keys(modes)
    keys = [parse_key(part, modes) for part in text.split(",") if part.strip()]
    if not keys:
        raise ValueError(f"no keys in {text!r}")
    return keys


def _degree_histogram(piece: Piece, key: Key) -> np.ndarray:
    """Duration-weighted pitch-class histogram rotated so index 0 is the key's tonic."""
    return np.roll(pitch_class_histogram(piece, weighted=True), -key.tonic)


def run_evaluation(
    model,
    pieces: list[Piece],
    keys: list[Key],
    seeds: Iterable[int],
    length: int = 32,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    jobs: int = 1,
) -> dict:
    """Generate `len(keys) x len(seeds)` pieces with every system (same keys, seeds and length), score each
    with `all_metrics` against the requested key, and score the training `pieces` with their labelled key.

    Returns {"settings", "systems": {name: mean metrics}, "by_mode": {name: {mode: mean metrics}},
    "degree_histograms": {name: {mode: 12 shares, tonic first}}, "profiles", "checks", "timing",
    "examples": {name: Piece} (not JSON; dropped by `write_report`)}.

    jobs > 1 composes the network's pieces in that many forked worker processes (Linux/macOS; each has its
    own copy of the model); the pieces are the same as with jobs=1, in the same order.
    """
    from tqdm import tqdm

    from modesnn.model import compose

    seeds = list(seeds)
    if not pieces:
        raise ValueError("no training pieces to fit the baselines on")
    generators: dict[str, Callable[[Key, int], Piece]] = {
        "model": lambda k, s: compose(model, k, length=length, seed=s, prior="learned"),
        "fixed_prior": lambda k, s: compose(model, k, length=length, seed=s, prior="fixed"),
    }
    timing: dict[str, float] = {}
    for name, cls in BASELINES.items():
        t0 = time.perf_counter()
        baseline = cls().fit(pieces)
        timing[f"{name}_fit"] = time.perf_counter() - t0
        generators[name] = lambda k, s, b=baseline: b.generate(k, length, s)

    rows: dict[str, list[dict]] = {name: [] for name in generators}
    harmony: dict[str, list[dict]] = {name: [] for name in generators}
    hist: dict[str, dict[str, np.ndarray]] = {name: {} for name in generators}
    examples: dict[str, Piece] = {}
    failures: dict[str, list[str]] = {}
    tasks = [(key, seed) for key in keys for seed in seeds]
    total = len(generators) * len(tasks)
    pool = _compose_pool(model, jobs) if jobs > 1 else None
    try:
        with tqdm(total=total, desc="evaluating", unit="piece", file=sys.stderr, disable=not progress,
                  leave=False) as bar:
            for name, generate in generators.items():
                bar.set_postfix_str(name)
                t0 = time.perf_counter()
                if pool is not None and name in NETWORK_PRIORS:
                    jobs_in = [(key, seed, length, NETWORK_PRIORS[name]) for key, seed in tasks]
                    produced = pool.imap(_compose_task, jobs_in)
                else:
                    produced = (_generate_one(generate, key, seed) for key, seed in tasks)
                for (key, seed), piece in zip(tasks, produced, strict=True):
                    bar.update(1)
                    if isinstance(piece, str):  # e.g. a mode a baseline never saw
                        failures.setdefault(name, []).append(f"{key.name} seed {seed}: {piece}")
                        continue
                    examples.setdefault(name, piece)
                    rows[name].append(all_metrics(piece, key))
                    harmony[name].append(harmony_figures(piece, key))
                    h = hist[name].setdefault(key.mode, np.zeros(12))
                    h += _degree_histogram(piece, key)
                timing[name] = time.perf_counter() - t0
    finally:
        if pool is not None:
            pool.terminate()
    if log:
        for name, fails in failures.items():
            log(f"{name}: {len(fails)} pieces not generated (first: {fails[0]})")

    t0 = time.perf_counter()
    corpus_rows = []
    hist["corpus"] = {}
    for piece in pieces:
        corpus_rows.append(all_metrics(piece, piece.key))
        harmony.setdefault("corpus", []).append(harmony_figures(piece, piece.key))
        h = hist["corpus"].setdefault(piece.key.mode, np.zeros(12))
        h += _degree_histogram(piece, piece.key)
    rows["corpus"] = corpus_rows
    timing["corpus"] = time.perf_counter() - t0
    requested_modes = {k.mode for k in keys}
    examples["corpus"] = next((p for p in pieces if p.key.mode in requested_modes), pieces[0])

    systems = {name: mean_metrics(r) for name, r in rows.items()}
    by_mode = {
        name: {mode: mean_metrics([row for row in r if _mode_of(row) == mode])
               for mode in sorted({_mode_of(row) for row in r})}
        for name, r in rows.items()
    }
    degree_histograms = {
        name: {mode: (h / h.sum()).round(6).tolist() if h.sum() else [0.0] * 12 for mode, h in sorted(hs.items())}
        for name, hs in hist.items()
    }
    profiles = _profile_summary(profile_report(model))
    result = {
        "settings": {
            "sources": list(model.sources),
            "training_pieces": len(pieces),
            "keys": [k.name for k in keys],
            "seeds": seeds,
            "length": length,
            "key_finder": "Krumhansl-Schmuckler (KK profiles, duration-weighted) on each piece",
        },
        "systems": systems,
        "by_mode": by_mode,
        "degree_histograms": degree_histograms,
        "profiles": profiles,
        "checks": checks(systems),
        "harmony": (harmony_means := {name: mean_harmony(r) for name, r in harmony.items()}),
        "harmony_checks": harmony_checks(harmony_means),
        "failures": failures,
        "timing": {k: round(v, 3) for k, v in timing.items()},
        "examples": examples,
    }
    return result


NETWORK_PRIORS = {"model": "learned", "fixed_prior": "fixed"}
_WORKER_MODEL = None


def _generate_one(generate: Callable[[Key, int], Piece], key: Key, seed: int) -> Piece | str:
    try:
        return generate(key, seed)
    except ValueError as exc:
        return str(exc)


def _compose_task(task: tuple[Key, int, int, str]) -> Piece | str:
    from modesnn.model import compose

    key, seed, length, prior = task
    try:
        return compose(_WORKER_MODEL, key, length=length, seed=seed, prior=prior)
    except ValueError as exc:
        return str(exc)


def _compose_pool(model, jobs: int):
    """A pool of forked workers that inherit the model (None where fork is unavailable: run in-process)."""
    import multiprocessing

    global _WORKER_MODEL
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    _WORKER_MODEL = model
    return multiprocessing.get_context("fork").Pool(jobs)


def _mode_of(row: dict) -> str:
    return str(row["key"]).split(" ", 1)[1]


def _profile_summary(rep: dict) -> dict:
    """The r values of `profile_report` (the weight vectors are left to `modesnn profile --json`)."""
    return {
        "modes": {m: {k: v[k] for k in ("r_kk", "r_data", "data_r_kk", "notes")} for m, v in rep["modes"].items()},
        "keys": {k: v["r_kk"] for k, v in rep["keys"].items()},
        "keys_mean_r_kk": rep["keys_mean_r_kk"],
    }


def _num(x) -> float:
    return float("nan") if x is None else float(x)


def checks(systems: dict[str, dict]) -> dict:
    """The pass/fail questions of the issue: does the model beat the unconditioned Markov chain on key
    recovery and diatonic consistency, and is its pitch diversity within 10 % of the corpus."""
    model, markov, corpus = systems.get("model", {}), systems.get("markov", {}), systems.get("corpus", {})
    out = {}
    for metric in ("key_exact", "diatonic"):
        a, b = _num(model.get(metric)), _num(markov.get(metric))
        out[f"{metric}_beats_markov"] = {"model": a, "markov": b, "pass": bool(a > b)}
    a, c = _num(model.get("distinct_pitch_classes")), _num(corpus.get("distinct_pitch_classes"))
    rel = (a - c) / c if c else float("nan")
    out["distinct_pitch_classes_within_10pct_of_corpus"] = {
        "model": a, "corpus": c, "relative_difference": rel, "pass": bool(abs(rel) <= 0.10)
    }
    return out


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
        lines += [f"| {k} | {_fmt(r)} |" for k, r in sorted(prof["keys"].items(), key=lambda kv: -_num(kv[1]))]
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
