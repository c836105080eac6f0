"""Run a sweep: every point of a sweep file learned and evaluated, on local processes or a Dask cluster.

Finished points are stored one JSON file each (written atomically) in DIR/points and skipped on a rerun, so
a sweep stopped by a crash, a killed worker or Ctrl-C goes on where it stopped.  A point that fails is
stored with its one-line error (and run again on the next rerun); the others go on.  Everything that can be
checked is checked before DIR is touched: the sweep file, the corpora and the scheduler.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from modesnn.errors import ModesnnError
from modesnn.music import Piece
from modesnn.research.point import run_point
from modesnn.research.spec import Corpus, Point, SweepSpec, config_for

POINTS_DIR = "points"


@dataclass
class SweepResult:
    """Every point's stored result in spec order, and how many were run now, skipped (done before), failed."""

    spec: SweepSpec
    results: list[dict]
    ran: int = 0
    skipped: int = 0
    failed: int = 0
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def load_pieces(corpus: Corpus, voices: int = 4, progress: bool = False) -> list[Piece]:
    """The corpus's pieces (parsed once, in the parent process; workers get them as data)."""
    from modesnn.corpus import load_corpus

    result = load_corpus(list(corpus.sources), voices=voices, progress=progress)
    pieces = result.pieces[:: corpus.every]
    if corpus.limit is not None:
        pieces = pieces[: corpus.limit]
    if not pieces:
        raise ModesnnError(f"corpus {corpus.name!r}: no pieces read from {', '.join(corpus.sources)}")
    return pieces


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    scheduler: str | None = None,
    workers: int | None = None,
    log: Callable[[str], None] | None = None,
    progress: bool = False,
) -> SweepResult:
    """Run the points of `spec` not yet stored in `out` and write the table and plots."""
    from modesnn.research.table import write_outputs

    t_start = time.perf_counter()
    log = log or (lambda s: print(s, file=sys.stderr))
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ModesnnError(f"{out}: exists and is not a folder")
    if workers is not None and workers < 1:
        raise ModesnnError(f"--workers must be at least 1, got {workers}")
    client = _connect(scheduler) if scheduler else None
    try:
        stored = _stored(folder)
        todo = [p for p in spec.points if stored.get(p.id, {}).get("status") != "ok"]
        corpora = {c.name: c for c in spec.corpora if any(p.corpus.name == c.name for p in todo)}
        pieces = {name: load_pieces(c, _voices(spec, name), progress) for name, c in corpora.items()}
        (folder / POINTS_DIR).mkdir(parents=True, exist_ok=True)
        done = len(spec.points) - len(todo)
        if done:
            log(f"sweep: {done} of {len(spec.points)} points already done in {folder}, {len(todo)} to run")
        results = dict(stored)
        ran = failed = 0
        run = _run_dask(client, todo, pieces) if client else _run_local(todo, pieces, workers or os.cpu_count() or 1)
        for point, result in run:
            record = _record(point, result)
            _write_json(folder / POINTS_DIR / f"{point.id}.json", record)
            results[point.id] = record
            ran += 1
            failed += record["status"] != "ok"
            what = "failed: " + record["error"] if record["status"] != "ok" else "done"
            log(f"sweep: {done + ran}/{len(spec.points)} points, {len(todo) - ran} left; "
                f"{_label(point, spec.swept)} {what}")
    finally:
        if client is not None:
            client.close()
    ordered = [results[p.id] for p in spec.points]
    files = write_outputs(spec, ordered, folder)
    return SweepResult(spec, ordered, ran, len(spec.points) - len(todo), failed, files,
                       time.perf_counter() - t_start)


def _voices(spec: SweepSpec, corpus: str) -> int:
    return config_for(next(p for p in spec.points if p.corpus.name == corpus).settings).model.voices


def _label(point: Point, swept: list[str]) -> str:
    parts = [f"corpus={point.corpus.name}" if s == "corpus" else f"{s}={point.settings[s]}"
             for s in swept if s == "corpus" or s in point.settings]
    return ", ".join(parts) or "defaults"


def _record(point: Point, result: dict) -> dict:
    """What is stored for a point: its inputs beside its result (so the file explains itself)."""
    return {"id": point.id, "corpus": point.corpus.name, "sources": list(point.corpus.sources),
            "settings": point.settings, "evaluate": point.evaluate,
            **{k: v for k, v in result.items() if k != "id"}}


def _stored(folder: Path) -> dict[str, dict]:
    """Point results already in DIR/points (unreadable files are ignored: the point runs again)."""
    out = {}
    for f in sorted((folder / POINTS_DIR).glob("*.json")) if (folder / POINTS_DIR).is_dir() else []:
        try:
            rec = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(rec, dict) and rec.get("id") == f.stem:
            out[f.stem] = rec
    return out


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that it is either absent or complete (temporary file, then rename)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_json(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


# -- local processes ---------------------------------------------------------------------------------------

_WORKER_PIECES: dict[str, list[Piece]] = {}


def _init_worker(pieces: dict[str, list[Piece]]) -> None:
    _WORKER_PIECES.clear()
    _WORKER_PIECES.update(pieces)


def _local_task(point: Point) -> dict:
    return run_point(point, _WORKER_PIECES[point.corpus.name])


def _run_local(todo: list[Point], pieces: dict[str, list[Piece]], workers: int) -> Iterator[tuple[Point, dict]]:
    """Points in `workers` processes (one process: in this one), yielded as they finish."""
    if not todo:
        return
    if workers == 1:
        for point in todo:
            yield point, run_point(point, pieces[point.corpus.name])
        return
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx, initializer=_init_worker,
                             initargs=(pieces,)) as pool:
        futures = {pool.submit(_local_task, p): p for p in todo}
        for fut in as_completed(futures):
            point = futures[fut]
            try:
                yield point, fut.result()
            except Exception as exc:  # a worker process died (killed, out of memory)
                yield point, {"status": "error", "error": f"worker process lost ({type(exc).__name__}: {exc})"}


# -- Dask distributed --------------------------------------------------------------------------------------

def _connect(address: str):
    """A Dask client for the scheduler at `address`, or a one-line error (checked before DIR is touched)."""
    try:
        from distributed import Client
    except ImportError:
        raise ModesnnError("--scheduler needs Dask: pip install 'modesnn[research]' (or 'dask[distributed]')") \
            from None
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)  # a lost worker is reported by the sweep itself
    try:
        return Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ModesnnError(f"--scheduler {address}: cannot connect ({' '.join(str(exc).split())[:160]})") \
            from None


def _run_dask(client, todo: list[Point], pieces: dict[str, list[Piece]]) -> Iterator[tuple[Point, dict]]:
    """Points as Dask tasks (the corpora sent once to every worker), yielded as they finish.  A killed worker's
    task is rescheduled by Dask on another worker."""
    from distributed import as_completed as dask_completed

    if not todo:
        return
    names = sorted(pieces)
    shared = dict(zip(names, client.scatter([pieces[n] for n in names], broadcast=True, hash=False), strict=True))
    futures = {client.submit(run_point, p, shared[p.corpus.name], key=f"modesnn-point-{p.id}", pure=False,
                             retries=1): p for p in todo}
    try:
        for fut in dask_completed(list(futures), loop=client.loop):
            point = futures[fut]
            try:
                yield point, fut.result()
            except Exception as exc:  # the task was lost (its workers died too often) or cancelled
                yield point, {"status": "error", "error": f"dask task lost ({type(exc).__name__}: "
                                                          f"{' '.join(str(exc).split())[:160]})"}
    finally:
        client.cancel(list(futures))
