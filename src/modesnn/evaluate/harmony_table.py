"""music.md's four-part table: its rows, the issue's goals, pooled means over pieces, and the table as text.

Why a module of its own: `modesnn evaluate`, `benchmarks/harmony_figures.py` and the held-out harmonisation
print the same rows with the same goals, so they are written down once.  Numbers and strings only, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from modesnn.evaluate.metrics import mean_metrics
from modesnn.music import Piece

__all__ = ["HARMONY_ROWS", "HarmonyRow", "beats_baseline", "goal_met", "harmony_markdown", "harmony_text",
           "harmonization_markdown", "harmony_checks", "mean_harmony", "reference_slice"]


@dataclass(frozen=True)
class HarmonyRow:
    """One row: the figure's name in `harmony_figures`, its label, music.md's Bach value, the goal of issue 13
    (`op` ">=" or "<=", or "" when the issue sets none), and whether a higher value is better (for "the
    model beats the Markov baseline")."""

    name: str
    label: str
    bach: float
    op: str
    goal: float
    higher_is_better: bool


HARMONY_ROWS: tuple[HarmonyRow, ...] = (
    HarmonyRow("triads_sevenths", "complete triads + sevenths (share of sonorities)", 0.80, ">=", 0.60, True),
    HarmonyRow("one_pitch_class", "one pitch class only (octaves/unisons)", 0.00, "<=", 0.03, False),
    HarmonyRow("parallels_per_100", "parallel fifths/octaves per 100 joint moves", 0.21, "<=", 1.5, False),
    HarmonyRow("repeated_notes", "repeated notes (all voices)", 0.13, "<=", 0.20, False),
    HarmonyRow("steps", "steps of 1-2 semitones (all voices)", 0.67, ">=", 0.55, True),
    HarmonyRow("soprano_run", "soprano longest same-pitch run (mean per piece)", 2.6, "<=", 4.0, False),
    HarmonyRow("tonic_share", "tonic share of notes", 0.18, "<=", 0.30, False),
    HarmonyRow("bass_interval", "bass mean interval (semitones)", 3.1, "<=", 4.0, False),
    HarmonyRow("bass_octave_leaps", "bass octave leaps (share of bass moves)", 0.04, "<=", 0.08, False),
    HarmonyRow("homorhythm", "all four voices attack together", 0.53, ">=", 0.40, True),
    HarmonyRow("syncopated", "syncopated notes", 0.006, "<=", 0.03, False),
    HarmonyRow("bass_v_i", "V-I in the bass at the end", 0.67, ">=", 0.50, True),
    HarmonyRow("final_tonic_triad", "final chord a complete tonic triad", math.nan, "", math.nan, True),
    HarmonyRow("final_half_note", "final notes a half note or longer", 0.53, ">=", 0.50, True),
    HarmonyRow("distinct_pitch_classes", "distinct pitch classes per piece", 10.4, ">=", 8.5, True),
    HarmonyRow("key_exact", "KS finds the requested key exactly", 0.63, ">=", 0.90, True),
    HarmonyRow("crossed_beats", "beats with crossed voices", 0.015, "<=", 0.03, False),
)
"""The rows of music.md's table, in its order (plus the final tonic triad, which music.md defines but does
not tabulate).  "bach" is music.md's published value, for reference beside the live corpus column."""


def reference_slice(pieces: list[Piece], n: int = 30) -> list[Piece]:
    """music.md's Bach reference: the first `n` pieces read from files with exactly four parts (pieces that
    dropped no instrumental part), in corpus order.  Why: the 5- and 8-part files double the voices with
    instruments; music.md measured the plain four-part chorales."""
    return [p for p in pieces if len(p.voices) == 4 and not p.meta.get("dropped_parts")][:n]


def mean_harmony(rows: list[dict]) -> dict[str, float | None]:
    """Mean of `harmony_figures` rows over pieces (None/nan skipped, as `metrics.mean_metrics`), except the
    parallels, which are pooled: 100 x all parallels / all joint moves, so a short piece with two joint
    moves cannot weigh as much as a long one.  Adds "n_pieces".  No rows: {"n_pieces": 0}."""
    out = mean_metrics(rows)
    moves = sum(r.get("joint_moves") or 0.0 for r in rows)
    if rows:
        out["parallels_per_100"] = 100.0 * sum(r.get("parallels") or 0.0 for r in rows) / moves if moves else None
    return out


def _num(x) -> float:
    return math.nan if x is None else float(x)


def goal_met(row: HarmonyRow, value: float | None) -> bool | None:
    """Whether a value meets the row's goal; None when the row has no goal or the value is undefined."""
    v = _num(value)
    if not row.op or math.isnan(v):
        return None
    return v >= row.goal if row.op == ">=" else v <= row.goal


def beats_baseline(row: HarmonyRow, value: float | None, baseline: float | None) -> bool | None:
    """Whether `value` is better than `baseline` on the row (strictly, in the row's direction); None when
    either is undefined."""
    a, b = _num(value), _num(baseline)
    if math.isnan(a) or math.isnan(b):
        return None
    return a > b if row.higher_is_better else a < b


def _fmt(x, digits: int) -> str:
    v = _num(x)
    return "-" if math.isnan(v) else f"{v:.{digits}f}"


def _digits(row: HarmonyRow) -> int:
    return 3 if row.name in ("syncopated", "crossed_beats") else 2


def _goal_text(row: HarmonyRow) -> str:
    return f"{row.op} {row.goal:g}" if row.op else "-"


def harmony_markdown(systems: dict[str, dict], labels: dict[str, str] | None = None,
                     judge: str | None = "model", baseline: str | None = None) -> list[str]:
    """music.md's table as Markdown lines: one column per system (in the dict's order, `labels` naming them),
    music.md's Bach value and the goal; when `judge` is a column, a last column says whether it meets the
    goal (and beats `baseline`, when given)."""
    labels = labels or {}
    names = list(systems)
    judged = judge in systems
    head = ["figure", *(labels.get(n, n) for n in names), "Bach (music.md)", "goal"]
    if judged:
        head.append(f"{labels.get(judge, judge)}: goal" + (f" / beats {labels.get(baseline, baseline)}"
                                                           if baseline in systems else ""))
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in HARMONY_ROWS:
        d = _digits(row)
        cells = [row.label, *(_fmt(systems[n].get(row.name), d) for n in names), _fmt(row.bach, d), _goal_text(row)]
        if judged:
            value = systems[judge].get(row.name)
            met = goal_met(row, value)
            mark = "-" if met is None else ("yes" if met else "NO")
            if baseline in systems:
                beat = beats_baseline(row, value, systems[baseline].get(row.name))
                mark += " / " + ("-" if beat is None else ("yes" if beat else "NO"))
            cells.append(mark)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def harmony_text(systems: dict[str, dict], labels: dict[str, str] | None = None) -> str:
    """The same table as aligned plain text, for the terminal."""
    labels = labels or {}
    names = list(systems)
    width = max(len(r.label) for r in HARMONY_ROWS)
    cols = [max(8, len(labels.get(n, n))) for n in names]
    lines = [f"{'figure':<{width}}  " + "  ".join(f"{labels.get(n, n):>{c}}" for n, c in zip(names, cols,
                                                                                            strict=True))
             + f"  {'music.md':>8}  {'goal':>7}"]
    for row in HARMONY_ROWS:
        d = _digits(row)
        vals = "  ".join(f"{_fmt(systems[n].get(row.name), d):>{c}}" for n, c in zip(names, cols, strict=True))
        lines.append(f"{row.label:<{width}}  {vals}  {_fmt(row.bach, d):>8}  {_goal_text(row):>7}")
    n_line = "  ".join(f"{int(systems[n].get('n_pieces') or 0):>{c}}" for n, c in zip(names, cols, strict=True))
    lines.append(f"{'pieces':<{width}}  {n_line}")
    return "\n".join(lines)


def harmony_checks(harmony: dict[str, dict], judge: str = "model", baseline: str = "degree_markov") -> dict:
    """Issue 13's questions per figure of music.md's table: does the model meet the goal, and does it beat
    the scale-degree Markov baseline (None where undefined or without a goal)."""
    model, base = harmony.get(judge, {}), harmony.get(baseline, {})
    return {
        row.name: {"model": model.get(row.name), baseline: base.get(row.name), "goal": f"{row.op} {row.goal:g}"
                   if row.op else None, "goal_met": goal_met(row, model.get(row.name)),
                   "beats_" + baseline: beats_baseline(row, model.get(row.name), base.get(row.name))}
        for row in HARMONY_ROWS
    }


def harmonization_markdown(h: dict | None) -> list[str]:
    """The report's "Held-out harmonisation" section: the agreement with Bach and music.md's figures of the
    harmonised pieces beside the held-out originals, or why the test was skipped."""
    if not h:
        return []
    lines = ["## Held-out harmonisation", ""]
    if h.get("skipped"):
        return lines + [f"Skipped: {h['skipped']}", ""]
    agree, root = _num(h.get("agreement")), _num(h.get("root_agreement"))
    lines += [
        f"{h['harmonized']} of {h['pieces']} held-out chorales (every 10th in corpus order) harmonised from their "
        f"sopranos by {h.get('harmonizer', 'the model')}; {h.get('learned_on', '')}",
        "",
        f"- chord root and quality agree with Bach on {_fmt(agree, 3)} of {h['beats']} beats "
        f"(goal >= 0.40: {'yes' if agree >= 0.40 else 'NO'}); the root alone on {_fmt(root, 3)}.",
        f"- the melody is kept note for note in {_fmt(h.get('melody_kept'), 3)} of the pieces.",
    ]
    if h.get("tonic_drone"):
        lines.append(f"- floor: the tonic triad held under the same melodies agrees on "
                     f"{_fmt(h['tonic_drone']['agreement'], 3)} of the beats.")
    if h.get("failures"):
        lines.append(f"- not harmonised: {len(h['failures'])} (first: {h['failures'][0][0]}: {h['failures'][0][1]})")
    lines += ["", *harmony_markdown({"harmonized": h["figures"], "bach": h["bach_figures"]},
                                    {"harmonized": "harmonised", "bach": "Bach, same chorales"},
                                    judge="harmonized"), ""]
    return lines
