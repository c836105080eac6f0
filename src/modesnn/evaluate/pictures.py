"""Pictures of pieces for the report: a piano roll (four voices in four colours, bar lines) and the engraved
first page (verovio SVG, then PNG with cairosvg, the `png` extra).

Why both: the numbers of music.md say how far the output is; the pictures show what a musician would see
(a drone, octave zigzags, ties over every beat) at a glance.  Each function writes one PNG to a path.
"""

from __future__ import annotations

import re
from pathlib import Path

from modesnn.errors import ModesnnError
from modesnn.evaluate.harmony import beat_length
from modesnn.music import Piece, measure_length
from modesnn.theory import midi_to_name

__all__ = ["VOICE_COLOURS", "piano_roll_png", "pictures_markdown", "score_page_png", "write_piece_pictures"]

VOICE_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
"""Soprano red, alto blue, tenor green, bass purple (then more for more voices)."""

_TEMPO = re.compile(r'<g\b[^>]*class="tempo[^"]*"[^>]*>.*?</g>', re.S)


def piano_roll_png(piece: Piece, path: str | Path, title: str = "") -> None:
    """The piece as coloured bars per voice over time (quarter notes), bar lines solid, beats dotted, pitch
    names on the axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    end = max((v.length for v in piece.voices), default=0.0)
    fig, ax = plt.subplots(figsize=(max(8.0, min(24.0, end * 0.28)), 4.5))
    pitches = [p for v in piece.voices for p in v.pitches]
    n = max(1, len(piece.voices))
    for i, voice in enumerate(piece.voices):
        colour = VOICE_COLOURS[i % len(VOICE_COLOURS)]
        bars = [((n.onset, n.duration * 0.96), n.pitch) for n in voice.notes if n.pitch is not None]
        for span, p in bars:  # each voice its own stripe of the semitone row, so unisons stay visible
            ax.broken_barh([span], (p - 0.46 + 0.92 * i / n, 0.92 / n), color=colour)
        ax.plot([], [], color=colour, linewidth=6, label=voice.name)
    bar, beat = measure_length(piece.meter), beat_length(piece.meter)
    k = 0
    while k * beat <= end + 1e-9:
        t = k * beat
        on_bar = abs(t / bar - round(t / bar)) < 1e-6
        ax.axvline(t, color="black" if on_bar else "0.8", linewidth=0.9 if on_bar else 0.5,
                   linestyle="-" if on_bar else ":", zorder=0)
        k += 1
    if pitches:
        lo, hi = min(pitches), max(pitches)
        ticks = [p for p in range(lo + (-lo) % 12, hi + 1, 12)]  # every C in range, and the extremes
        ticks += [x for x in (lo, hi) if all(abs(x - t) >= 3 for t in ticks)]
        ax.set_yticks(sorted(ticks), [midi_to_name(p) for p in sorted(ticks)])
        ax.set_ylim(lo - 2, hi + 2)
    ax.set_xlim(0, max(end, 1.0))
    ax.set_xlabel(f"quarter notes ({piece.meter}; bar lines solid, beats dotted)")
    ax.set_title(title or f"{piece.name} ({piece.key.name})")
    ax.legend(fontsize=7, loc="upper right", ncol=len(piece.voices))
    fig.tight_layout()
    fig.savefig(str(path), dpi=100, format="png")
    plt.close(fig)


def score_page_png(piece: Piece, path: str | Path, width: int = 1400) -> None:
    """The first page of the piece engraved by verovio (from the project's MusicXML), as a PNG `width`
    pixels wide on white.  Raises ModesnnError when cairosvg (the `png` extra) is missing."""
    try:
        import cairosvg
    except ImportError:  # pragma: no cover - depends on the installation
        raise ModesnnError("PNG pictures need cairosvg: pip install 'modesnn[png]'") from None
    from modesnn.export import musicxml_bytes
    from modesnn.io.outputs.svg import verovio_toolkit

    tk = verovio_toolkit()
    if not tk.loadData(musicxml_bytes(piece).decode("utf-8")) or tk.getPageCount() < 1:
        raise ModesnnError(f"piece {piece.name!r}: verovio could not engrave it")
    # the metronome mark's note is a music-font glyph that cairosvg's text fonts lack (drawn as a box)
    svg = _TEMPO.sub("", tk.renderToSVG(1))
    cairosvg.svg2png(bytestring=svg.encode("utf-8"), write_to=str(path), output_width=width,
                     background_color="white")


def write_piece_pictures(pieces: list[tuple[str, Piece]], folder: str | Path) -> list[dict]:
    """For each (caption, piece): `roll_N.png` and `score_N.png` (N = 1, 2, ...) in `folder`, each written
    through a temporary file and moved into place.  Returns [{"caption", "piece", "key", "roll", "score"}]
    with the file names relative to `folder`."""
    import os
    import tempfile

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, (caption, piece) in enumerate(pieces, start=1):
        names = {"roll": f"roll_{i}.png", "score": f"score_{i}.png"}
        for kind, draw in (("roll", lambda p, pc=piece, c=caption: piano_roll_png(pc, p, c)),
                           ("score", lambda p, pc=piece: score_page_png(pc, p))):
            fd, tmp = tempfile.mkstemp(prefix=f".{names[kind]}.", suffix=".png", dir=folder)
            os.close(fd)
            try:
                draw(tmp)
                os.replace(tmp, folder / names[kind])
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        out.append({"caption": caption, "piece": piece.name, "key": piece.key.name, **names})
    return out


def pictures_markdown(pictures: list[dict]) -> list[str]:
    """The report's "Three pieces" section: each piece's piano roll and engraved first page."""
    if not pictures:
        return []
    lines = ["## Three pieces", "",
             "Piano roll (soprano red, alto blue, tenor green, bass purple; bar lines solid) and the first page "
             "engraved by verovio.", ""]
    for pic in pictures:
        lines += [f"### {pic['caption']}", "", f"![piano roll]({pic['roll']})", "",
                  f"![first page]({pic['score']})", ""]
    return lines
