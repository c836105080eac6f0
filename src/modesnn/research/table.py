"""A sweep's results as a table (CSV and JSON) and plots: one figure per swept setting, a heatmap for two.

The table holds what decides the music (settings and figures), not timings, so the same sweep gives the same
table bytes wherever it ran; timings stay in the per-point files.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np

from modesnn.research.point import FIGURES
from modesnn.research.spec import SweepSpec

PLOTTED = (("r_kk_major", "profile r (major) vs KK"), ("r_kk_minor", "profile r (minor) vs KK"),
           ("keyfind_learned", "key found (learned finder)"), ("composed_key_exact", "composed: key found"),
           ("composed_in_key", "composed: in key"))
"""Figures drawn in the plots, with their axis labels (harmony figures are added when present)."""


def table_rows(spec: SweepSpec, results: list[dict]) -> tuple[list[str], list[dict]]:
    """Columns and rows: point id, corpus, the swept settings, status, every figure, error."""
    swept = [s for s in spec.swept if s != "corpus"]
    extra = sorted({k for r in results for k in r.get("figures", {}) if k not in FIGURES})
    columns = ["point", "corpus", *swept, "status", *FIGURES, *extra, "error"]
    rows = []
    for r in results:
        row = {"point": r["id"], "corpus": r["corpus"], "status": r["status"], "error": r.get("error", "")}
        row.update({s: r["settings"].get(s, spec.default(s)) for s in swept})
        row.update({f: r.get("figures", {}).get(f) for f in (*FIGURES, *extra)})
        rows.append(row)
    return columns, rows


def write_outputs(spec: SweepSpec, results: list[dict], folder: Path) -> list[Path]:
    """table.csv, table.json and the plots (each written atomically); returns the paths."""
    from modesnn.research.sweep import write_atomic

    columns, rows = table_rows(spec, results)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv(v) for k, v in row.items()})
    paths = [folder / "table.csv", folder / "table.json"]
    write_atomic(paths[0], buf.getvalue())
    write_atomic(paths[1], json.dumps({"spec": spec.path, "swept": spec.swept, "columns": columns, "rows": rows},
                                      indent=1) + "\n")
    ok = [r for r in rows if r["status"] == "ok"]
    if ok:
        paths.extend(_plots(spec, ok, folder))
    return paths


def _csv(v) -> str:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return ",".join(map(str, v))
    return str(v)


HARMONY_PLOTTED = (("harmony_triads_sevenths", "harmony: triads and sevenths"),
                   ("harmony_parallels_per_100", "harmony: parallels / 100 moves"),
                   ("harmony_repeated_notes", "harmony: repeated notes"))


def _metrics(rows: list[dict]) -> list[tuple[str, str]]:
    chosen = [(k, t) for k, t in PLOTTED + HARMONY_PLOTTED if any(r.get(k) is not None for r in rows)]
    return chosen


def _key(v) -> str:
    return ",".join(v) if isinstance(v, list | tuple) else str(v)


def _values(rows: list[dict], name: str) -> list:
    """The distinct values of a swept setting, numbers sorted, others in order of appearance."""
    seen: dict[str, object] = {}
    for r in rows:
        seen.setdefault(_key(r[name]), r[name])
    vals = list(seen.values())
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
        vals.sort()
    return vals


def _plots(spec: SweepSpec, rows: list[dict], folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    metrics = _metrics(rows)
    swept = [s for s in spec.swept if s != "corpus"]
    corpora = list(dict.fromkeys(r["corpus"] for r in rows))
    out = [_line_plot(_slice(spec, rows, s), s, metrics, corpora, folder) for s in swept]
    if len(swept) == 2 and spec.kind == "grid":
        out.extend(_heatmap(rows, swept, metrics, corpus, folder) for corpus in corpora)
    return out


def _slice(spec: SweepSpec, rows: list[dict], name: str) -> list[dict]:
    """Rows for the plot of one setting: a grid's rows (averaged over the others when drawn); for a list of
    points, those where every other swept setting has its default (one setting varied at a time)."""
    if spec.kind == "grid":
        return rows
    others = [s for s in spec.swept if s not in ("corpus", name)]
    return [r for r in rows if all(_key(r[o]) == _key(spec.default(o)) for o in others)]


def _mean(vals: list) -> float:
    nums = [float(v) for v in vals if v is not None and not math.isnan(float(v))]
    return float(np.mean(nums)) if nums else math.nan


def _grid(n: int, width: float, height: float):
    """A figure of n panels, at most four a row."""
    import matplotlib.pyplot as plt

    cols = min(n, 4)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _line_plot(rows: list[dict], name: str, metrics, corpora: list[str], folder: Path) -> Path:
    """One panel per figure: its mean over the other settings against this setting, one line per corpus."""
    values = _values(rows, name)
    labels = [_key(v) for v in values]
    tilt = len(values) > 4 or max(map(len, labels), default=0) > 6
    fig, axes = _grid(len(metrics), 2.8, 2.9 if tilt else 2.5)
    x = np.arange(len(values))
    for ax, (metric, title) in zip(axes, metrics, strict=True):
        for corpus in corpora:
            ys = [_mean([r[metric] for r in rows if r["corpus"] == corpus and _key(r[name]) == _key(v)])
                  for v in values]
            ax.plot(x, ys, marker="o", label=corpus)
        ax.set_xticks(x, labels, fontsize=7, rotation=35 if tilt else 0, ha="right" if tilt else "center")
        ax.set_title(title, fontsize=8)
        ax.set_xlabel(name, fontsize=7)
        ax.tick_params(labelsize=7)
    if len(corpora) > 1:
        axes[0].legend(fontsize=6)
    return _save(fig, folder / f"plot_{name}.png")


def _heatmap(rows: list[dict], swept: list[str], metrics, corpus: str, folder: Path) -> Path:
    """One heatmap per figure over the two swept settings (one corpus)."""

    a, b = swept
    va, vb = _values(rows, a), _values(rows, b)
    fig, axes = _grid(len(metrics), 2.9, 2.7)
    for ax, (metric, title) in zip(axes, metrics, strict=True):
        grid = np.array([[_mean([r[metric] for r in rows if r["corpus"] == corpus and _key(r[a]) == _key(x)
                                 and _key(r[b]) == _key(y)]) for y in vb] for x in va])
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        for (i, j), v in np.ndenumerate(grid):
            if not math.isnan(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6, color="w")
        ax.set_xticks(range(len(vb)), [_key(v) for v in vb], fontsize=6)
        ax.set_yticks(range(len(va)), [_key(v) for v in va], fontsize=6)
        ax.set_xlabel(b, fontsize=7)
        ax.set_ylabel(a, fontsize=7)
        ax.set_title(title, fontsize=8)
        fig.colorbar(im, ax=ax, fraction=0.046)
    suffix = f"_{corpus}" if len({r["corpus"] for r in rows}) > 1 else ""
    return _save(fig, folder / f"heatmap_{a}_{b}{suffix}.png")


def _save(fig, path: Path) -> Path:
    import os

    import matplotlib.pyplot as plt

    tmp = path.with_name(f".{path.name}.tmp.png")
    try:
        fig.tight_layout()
        fig.savefig(tmp, dpi=90)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        plt.close(fig)
    return path
