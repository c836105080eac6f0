"""SVG with verovio: deterministic ids, one tall page (several pages stacked in one <svg> if needed)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from modesnn.errors import ExportError
from modesnn.music import Piece

if TYPE_CHECKING:  # pragma: no cover
    pass
from modesnn.io.outputs.musicxml import musicxml_bytes

SVG_OPTIONS: dict[str, Any] = {
    "xmlIdSeed": 1,           # verovio's element ids are random unless seeded
    "adjustPageHeight": True,  # one page as tall as the music ...
    "pageHeight": 60000,       # ... up to verovio's maximum
    "pageWidth": 2100,
    "scale": 40,
    "breaks": "auto",
    "footer": "none",          # the default footer names the verovio version: not part of the music
    "svgViewBox": True,
}
"""verovio options for SVG: deterministic ids, one tall page, no footer."""


def verovio_toolkit():
    """A verovio toolkit with SVG_OPTIONS, usable from any thread: verovio keeps its resource path per thread and
    sets it only in the importing one, so a toolkit made in another thread (a web server's workers) finds no fonts
    and reads nothing unless the path is set there first."""
    from importlib.resources import files

    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    verovio.setDefaultResourcePath(str(files("verovio") / "data"))
    tk = verovio.toolkit()
    tk.setOptions(SVG_OPTIONS)
    return tk


def svg_from_musicxml(xml: bytes, label: str) -> str:
    tk = verovio_toolkit()
    if not tk.loadData(xml.decode("utf-8")):
        raise ExportError(f"{label}: verovio could not read the MusicXML")
    pages = [tk.renderToSVG(p) for p in range(1, tk.getPageCount() + 1)]
    if not pages:
        raise ExportError(f"{label}: verovio rendered no page")
    if len(pages) == 1:
        return pages[0]
    return _stack_svg_pages(pages)


_SVG_ROOT = re.compile(r"<svg\b[^>]*>")
_VIEWBOX = re.compile(r'viewBox="\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)\s+([\d.]+)\s*"')


def _stack_svg_pages(pages: list[str]) -> str:
    """Several verovio pages as nested <svg> elements one below the other in one document."""
    parts, y, width = [], 0.0, 0.0
    for page in pages:
        body = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", page)
        root = _SVG_ROOT.search(body)
        size = _VIEWBOX.search(root.group(0)) if root else None
        if root is None or size is None:
            raise ExportError("verovio page without a viewBox: cannot stack pages")
        w, h = float(size.group(1)), float(size.group(2))
        body = body.replace("<svg", f'<svg x="0" y="{y:g}" width="{w:g}" height="{h:g}"', 1)
        parts.append(body)
        y += h
        width = max(width, w)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 {width:g} {y:g}">\n'
            + "\n".join(parts) + "\n</svg>\n")


def svg_text(piece: Piece, *, tempo_bpm: float | None = None) -> str:
    """The score engraved by verovio as one SVG document."""
    return svg_from_musicxml(musicxml_bytes(piece, tempo_bpm=tempo_bpm), f"piece {piece.name!r}")
