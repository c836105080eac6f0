"""Helpers shared by the benchmark scripts (not part of the package)."""

from __future__ import annotations

import json
import resource
import zipfile
from pathlib import Path

SHTE_ZIP = Path(__file__).resolve().parents[1].parent / "shared/data/shte/SHTE_V1.zip"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_figures(result: dict, as_json: bool) -> None:
    """One JSON object (--json), or one aligned `name: value` line per figure."""
    if as_json:
        print(json.dumps(result))
        return
    width = max(map(len, result), default=0)
    for key, value in result.items():
        print(f"{key:>{width}}: {value}")


def shte_four_part_dir(workdir: Path) -> Path:
    """Unzip SHTE (from ../shared beside the repository) and return the folder holding its exercises."""
    if not SHTE_ZIP.is_file():
        raise SystemExit(f"SHTE not found at {SHTE_ZIP}")
    with zipfile.ZipFile(SHTE_ZIP) as zf:
        zf.extractall(workdir)
    roots = [p for p in workdir.iterdir() if p.is_dir() and not p.name.startswith("__")]
    return roots[0]
