"""The listening test's answers: one SQLite row per answer (WAL mode, so raters answering at once and a
reader such as `modesnn listen-results` never block each other), and the summary per system."""

from __future__ import annotations

import csv
import math
import sqlite3
import threading
from pathlib import Path

from modesnn.errors import ModesnnError

COLUMNS = ("trial", "rater", "experience", "key", "first_system", "first_source", "second_system",
           "second_source", "chosen", "chosen_system", "issued_at", "answered_at", "response_s")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trial TEXT NOT NULL UNIQUE,      -- opaque trial id handed to the page
    rater TEXT NOT NULL DEFAULT '',  -- optional name
    experience TEXT NOT NULL DEFAULT '',
    key TEXT NOT NULL,               -- key of both excerpts
    first_system TEXT NOT NULL,      -- 'bach' or the composing system, in the order played
    first_source TEXT NOT NULL,      -- chorale file or 'seed N'
    second_system TEXT NOT NULL,
    second_source TEXT NOT NULL,
    chosen TEXT NOT NULL CHECK (chosen IN ('first', 'second')),  -- which one the rater judged human
    chosen_system TEXT NOT NULL,
    issued_at REAL NOT NULL,         -- unix seconds when the trial was handed out
    answered_at REAL NOT NULL,
    response_s REAL NOT NULL
)
"""


class ListenDB:
    """One connection shared by the server's threads behind a lock; every insert is its own transaction."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise ModesnnError(f"--db {path}: folder {self.path.parent} does not exist")
        try:
            self._conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(_SCHEMA)
            self._conn.commit()
        except sqlite3.DatabaseError as exc:
            raise ModesnnError(f"--db {path}: not a usable SQLite database ({exc})") from None
        self._lock = threading.Lock()

    def insert(self, row: dict) -> int:
        """Store one answer; returns the number of answers now stored."""
        values = [row[c] for c in COLUMNS]
        with self._lock:
            with self._conn:
                self._conn.execute(f"INSERT INTO answers ({', '.join(COLUMNS)}) VALUES "
                                   f"({', '.join('?' * len(COLUMNS))})", values)
            return int(self._conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def read_answers(path: str | Path) -> list[dict]:
    """Every answer, oldest first (read-only; the file must exist)."""
    p = Path(path)
    if not p.is_file():
        raise ModesnnError(f"--db {path}: no such database")
    try:
        conn = sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=30)
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM answers ORDER BY id")]
        conn.close()
    except sqlite3.DatabaseError as exc:
        raise ModesnnError(f"--db {path}: not a listening-test database ({exc})") from None
    return rows


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion k/n ((nan, nan) for n = 0)."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def summarise(rows: list[dict]) -> dict:
    """Per system: trials it took part in, how often it was judged human, the Wilson interval; and per
    rater: answers and how often they picked the real Bach."""
    systems: dict[str, dict] = {}
    raters: dict[str, dict] = {}
    for r in rows:
        for s in {r["first_system"], r["second_system"]}:
            e = systems.setdefault(s, {"trials": 0, "judged_human": 0})
            e["trials"] += 1
            e["judged_human"] += int(r["chosen_system"] == s)
        who = r["rater"] or "(anonymous)"
        e = raters.setdefault(who, {"answers": 0, "chose_bach": 0, "experience": r["experience"]})
        e["answers"] += 1
        e["chose_bach"] += int(r["chosen_system"] == "bach")
    for e in systems.values():
        e["share"] = e["judged_human"] / e["trials"] if e["trials"] else math.nan
        e["ci95"] = wilson(e["judged_human"], e["trials"])
    return {"answers": len(rows), "systems": systems, "raters": raters}


def write_csv(rows: list[dict], path: str | Path) -> None:
    p = Path(path)
    if not p.parent.is_dir():
        raise ModesnnError(f"--csv {path}: folder {p.parent} does not exist")
    with open(p, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", *COLUMNS])
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in ["id", *COLUMNS]})
