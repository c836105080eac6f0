"""WAV with the fluidsynth command and a General MIDI soundfont found on the system."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import TYPE_CHECKING

from modesnn.errors import ExportError

if TYPE_CHECKING:  # pragma: no cover
    pass
from modesnn.io.outputs.common import (
    SOUNDFONT_HINT,
    FluidsynthNotFound,
    SoundfontNotFound,
)

SAMPLE_RATE = 44100
FLUIDSYNTH_GAIN = 0.5
"""fluidsynth's master gain: its default 0.2 is quiet; at 0.5 four choir voices peak near 0.3 of full scale"""

SOUNDFONT_CANDIDATES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf3/FluidR3_GM.sf3",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
)
"""Soundfonts tried, in order, after the argument and $MODESNN_SOUNDFONT; then any *.sf2/*.sf3 below
SOUNDFONT_DIRS (sorted by path)."""

SOUNDFONT_DIRS = ("/usr/share/sounds", "/usr/share/soundfonts")


def find_fluidsynth() -> str:
    """Path of the fluidsynth command; FluidsynthNotFound (message: the install hint) if absent."""
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise FluidsynthNotFound()
    return exe


def find_soundfont(soundfont: str | os.PathLike[str] | None = None) -> Path:
    """The soundfont to render with: the argument, else $MODESNN_SOUNDFONT, else a known Debian path,
    else any *.sf2/*.sf3 under /usr/share/sounds or /usr/share/soundfonts.  A given file that does not
    exist is an error, not a silent fallback."""
    for given, what in ((soundfont, "soundfont"), (os.environ.get("MODESNN_SOUNDFONT") or None,
                                                   "$MODESNN_SOUNDFONT")):
        if given is not None:
            p = Path(given).expanduser()
            if not p.is_file():
                raise SoundfontNotFound(f"{what} {str(given)!r} is not a file")
            return p
    for cand in SOUNDFONT_CANDIDATES:
        if os.path.isfile(cand):
            return Path(cand)
    for folder in SOUNDFONT_DIRS:
        if os.path.isdir(folder):
            found = sorted(p for ext in ("*.sf2", "*.sf3") for p in Path(folder).rglob(ext) if p.is_file())
            if found:
                return found[0]
    raise SoundfontNotFound(SOUNDFONT_HINT)


def render_wav(midi: bytes, out: Path, soundfont: str | os.PathLike[str] | None, seconds: float) -> None:
    """Render MIDI bytes to the WAV file `out` with the fluidsynth command, and check what it wrote."""
    exe = find_fluidsynth()
    sf = find_soundfont(soundfont)
    with tempfile.TemporaryDirectory(prefix="modesnn-wav-") as tmp:
        mid_path = Path(tmp) / "in.mid"
        mid_path.write_bytes(midi)
        cmd = [exe, "-n", "-i", "-q", "-g", str(FLUIDSYNTH_GAIN), "-r", str(SAMPLE_RATE), "-T", "wav",
               "-F", str(out), str(sf), str(mid_path)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60 + 2 * seconds)
        except subprocess.TimeoutExpired:
            raise ExportError("fluidsynth did not finish in time") from None
        except OSError as exc:
            raise ExportError(f"cannot run {exe}: {exc.strerror or exc}") from exc
    problem = " ".join((proc.stderr or proc.stdout or "").split())[:300]
    if proc.returncode != 0:
        raise ExportError(f"fluidsynth failed (exit {proc.returncode}): {problem or 'no message'}")
    if "failed to load" in problem.lower() or "not a soundfont" in problem.lower():
        raise ExportError(f"fluidsynth could not load soundfont {sf}: {problem}")
    try:
        with wave.open(str(out), "rb") as w:
            frames = w.getnframes()
    except (wave.Error, EOFError, OSError) as exc:
        raise ExportError(f"fluidsynth wrote no valid WAV: {exc}") from exc
    if frames == 0:
        raise ExportError(f"fluidsynth wrote an empty WAV{': ' + problem if problem else ''}")
