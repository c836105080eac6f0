"""Helpers shared by the benchmark scripts (not part of the package)."""

from __future__ import annotations

import resource
import zipfile
from pathlib import Path

SHTE_ZIP = Path(__file__).resolve().parents[1].parent / "shared/data/shte/SHTE_V1.zip"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def shte_four_part_dir(workdir: Path) -> Path:
    """Unzip SHTE (from ../shared beside the repository) and return the folder holding its exercises."""
    if not SHTE_ZIP.is_file():
        raise SystemExit(f"SHTE not found at {SHTE_ZIP}")
    with zipfile.ZipFile(SHTE_ZIP) as zf:
        zf.extractall(workdir)
    roots = [p for p in workdir.iterdir() if p.is_dir() and not p.name.startswith("__")]
    return roots[0]
