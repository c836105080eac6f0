"""Fuzz the score readers and the model loader with seeded mutations of real files (issue 16).

Seeds: SHTE four-part MusicXML exercises (from the shared zip), a Bach chorale as .mxl (music21's corpus), the
same chorales as MIDI (written by modesnn.export), ABC tunes from music21's O'Neill collection, and a small model
learned from SHTE.  Mutations: byte flips, truncations, chunk deletions and duplications, random insertions,
and for text formats a number swapped for a hostile one (-1, 0, 99999999: how the negative-<duration>
traceback was found).  Each mutant goes through `load_corpus` (any voice count, no cache) or `load_model` in a
worker process under a per-case time limit; the outcome is one of:

  accepted   pieces were read / the model loaded
  skipped    the file was skipped with a one-line reason, or a one-line ModesnnError was raised
  traceback  any other exception (a bug), or a reason/message of more than one line
  hang       the case passed its time limit

    python tools/fuzz.py --mutants 5000 [--jobs 2] [--seed 0] [--timeout 20]

prints one closing line with the counts (and every traceback/hang with the case to replay).  The CI suite
(tests/test_fuzz.py) runs a few hundred cases through the same functions.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import signal
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHTE_ZIP = ROOT.parent / "shared/data/shte/SHTE_V1.zip"
KINDS = ("musicxml", "mxl", "midi", "abc", "model")
EXTENSION = {"musicxml": ".xml", "mxl": ".mxl", "midi": ".mid", "abc": ".abc", "model": ".modesnn"}
SHARE = {"musicxml": 0.3, "mxl": 0.1, "midi": 0.25, "abc": 0.2, "model": 0.15}
"""Fraction of the mutants of each kind."""

_NUMBER = re.compile(rb"-?\d+(\.\d+)?")
_HOSTILE = (b"-1", b"0", b"-0.5", b"99999999", b"1e308", b"nan", b"3.999999", b"")


@dataclass(frozen=True)
class Seed:
    """One real file to mutate."""

    kind: str
    name: str
    data: bytes


@dataclass(frozen=True)
class Case:
    """One mutant: which seed, how it was mutated, and its bytes."""

    index: int
    kind: str
    seed: str
    how: str
    data: bytes


def real_seeds(shte_files: int = 3) -> list[Seed]:
    """The real files mutants are made of (SHTE only when the shared zip is there)."""
    from music21 import corpus

    from modesnn.corpus import load_corpus
    from modesnn.export import midi_bytes

    seeds: list[Seed] = []
    shte = []
    if SHTE_ZIP.is_file():
        with zipfile.ZipFile(SHTE_ZIP) as zf:
            names = sorted(n for n in zf.namelist() if "/four/" in n and n.endswith(".xml"))
            shte = [(Path(n).name, zf.read(n)) for n in names[:: max(1, len(names) // shte_files)][:shte_files]]
    seeds += [Seed("musicxml", n, d) for n, d in shte]
    bach = [Path(str(corpus.getWork(w))) for w in ("bwv269", "bwv347")]
    seeds += [Seed("musicxml", "bwv69.6.xml", Path(str(corpus.getWork("bach/bwv69.6.xml"))).read_bytes())] \
        if not shte else []
    seeds += [Seed("mxl", p.name, p.read_bytes()) for p in bach]
    pieces = load_corpus([str(p) for p in bach], progress=False, cache=False).pieces
    seeds += [Seed("midi", f"{p.name}.mid", midi_bytes(p)) for p in pieces]
    abc = Path(str(corpus.getWork("oneills1850/0626-0635.abc"))).read_bytes()
    tunes = [b"X:" + t for t in abc.split(b"\nX:")[1:3]]
    seeds += [Seed("abc", f"oneills-{i}.abc", t) for i, t in enumerate(tunes)]
    seeds.append(Seed("model", "small.modesnn", _small_model(shte)))
    return seeds


def _small_model(shte: list[tuple[str, bytes]]) -> bytes:
    """A real model file: learned from the SHTE seeds (or two Bach chorales without SHTE)."""
    from modesnn.io.modelfile import model_bytes
    from modesnn.model import ModeSNN
    from modesnn.workflows import learn_pieces

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, data in shte:
            (Path(tmp) / name).write_bytes(data)
            paths.append(str(Path(tmp) / name))
        from modesnn.corpus import load_corpus

        pieces = load_corpus(paths or ["bach"], progress=False, cache=False).pieces[:4]
    model = ModeSNN()
    learn_pieces(model, pieces, ["fuzz-seeds"], progress=False)
    return model_bytes(model)


def mutate(data: bytes, rng: random.Random, text: bool) -> tuple[bytes, str]:
    """One seeded mutation of `data` and its description."""
    ops = ["flip", "truncate", "delete", "duplicate", "insert"] + (["number"] * 3 if text else [])
    op = rng.choice(ops)
    n = len(data)
    if op == "flip":
        out = bytearray(data)
        k = rng.randint(1, 8)
        for _ in range(k):
            i = rng.randrange(n)
            out[i] ^= 1 << rng.randrange(8)
        return bytes(out), f"flip {k} bits"
    if op == "truncate":
        cut = rng.randrange(n)
        return data[:cut], f"truncate at {cut}"
    if op in ("delete", "duplicate"):
        i = rng.randrange(n)
        size = rng.randint(1, max(1, n // 10))
        chunk = data[i: i + size]
        out = data[:i] + data[i + size:] if op == "delete" else data[:i] + chunk + chunk + data[i + size:]
        return out, f"{op} {len(chunk)} bytes at {i}"
    if op == "insert":
        i = rng.randrange(n)
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        return data[:i] + junk + data[i:], f"insert {len(junk)} bytes at {i}"
    numbers = list(_NUMBER.finditer(data))
    if not numbers:
        return data[:-1], "truncate last byte"
    out, changes = data, []
    for m in sorted(rng.sample(numbers, min(len(numbers), rng.randint(1, 3))), key=lambda m: -m.start()):
        new = rng.choice(_HOSTILE)
        out = out[: m.start()] + new + out[m.end():]
        changes.append(f"{m.group().decode()}->{new.decode() or 'nothing'}@{m.start()}")
    return out, "number " + ", ".join(changes)


def make_cases(seeds: list[Seed], mutants: int, seed: int) -> list[Case]:
    """`mutants` cases split over the kinds by SHARE (kinds without a seed give their share to the others)."""
    rng = random.Random(seed)
    by_kind = {k: [s for s in seeds if s.kind == k] for k in KINDS}
    kinds = [k for k in KINDS if by_kind[k]]
    weights = [SHARE[k] for k in kinds]
    cases = []
    for i in range(mutants):
        kind = rng.choices(kinds, weights)[0]
        s = rng.choice(by_kind[kind])
        data, how = mutate(s.data, rng, text=kind in ("musicxml", "abc"))
        cases.append(Case(i, kind, s.name, how, data))
    return cases


class _Hang(BaseException):
    """Raised by the per-case alarm; a BaseException so that no `except Exception` in a reader swallows it."""


def _alarm(*_) -> None:
    raise _Hang


def _init_worker(cache: str, parse_seconds: float) -> None:
    from modesnn import limits

    os.environ["MODESNN_CACHE"] = cache
    limits.MAX_PARSE_SECONDS = parse_seconds  # the reader's own backstop, below the case's hang limit
    signal.signal(signal.SIGALRM, _alarm)


def run_case(case: Case, timeout: float, folder: str) -> tuple[int, str, str]:
    """(index, outcome, detail) for one case; run in a worker (the alarm needs the main thread)."""
    from modesnn.errors import ModesnnError

    path = Path(folder) / f"case{case.index}{EXTENSION[case.kind]}"
    path.write_bytes(case.data)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return (case.index, *_outcome(path, case.kind))
    except _Hang:
        return case.index, "hang", f"over {timeout:g} s"
    except ModesnnError as exc:
        text = str(exc)
        return case.index, ("skipped" if "\n" not in text and text else "traceback"), text
    except Exception as exc:  # the bugs this fuzzer looks for
        import traceback

        tb = traceback.extract_tb(exc.__traceback__)[-1]
        return case.index, "traceback", f"{type(exc).__name__}: {exc} at {tb.filename}:{tb.lineno}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        path.unlink(missing_ok=True)


def _outcome(path: Path, kind: str) -> tuple[str, str]:
    if kind == "model":
        from modesnn.model import load_model

        model = load_model(path)
        return "accepted", f"{model.pieces_learned} pieces"
    from modesnn.corpus import load_corpus

    result = load_corpus([str(path)], voices=None, progress=False, cache=False)
    bad = [r for _, r in result.skipped if "\n" in r or not r]
    if bad:
        return "traceback", f"skip reason not one line: {bad[0]!r}"
    if result.pieces:
        return "accepted", f"{len(result.pieces)} pieces"
    return "skipped", result.skipped[0][1] if result.skipped else "nothing read"


def run_cases(cases: list[Case], jobs: int = 2, timeout: float = 20.0,
              parse_seconds: float | None = None) -> dict[int, tuple[str, str]]:
    """Every case through a pool of worker processes; a worker stuck past the alarm (in C code) counts as
    a hang for the cases it still held, and the pool is torn down.  The reader's time limit
    (MAX_PARSE_SECONDS) is set to `parse_seconds` (default: half the case limit) in the workers, so a
    file music21 is slow on is a skip ("reading took over ...") and a hang is something the limit missed."""
    parse_seconds = timeout / 2 if parse_seconds is None else parse_seconds
    results: dict[int, tuple[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="modesnn-fuzz-") as tmp:
        ctx = multiprocessing.get_context("fork")
        pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(str(Path(tmp) / "cache"), parse_seconds),
                        maxtasksperchild=100)
        try:
            pending = [(c.index, pool.apply_async(run_case, (c, timeout, tmp))) for c in cases]
            for index, res in pending:
                try:
                    i, outcome, detail = res.get(timeout=timeout * (jobs + 2) + 60)
                    results[i] = (outcome, detail)
                except multiprocessing.TimeoutError:
                    results[index] = ("hang", "worker did not answer (stuck outside Python)")
                    break
        finally:
            pool.terminate()
            pool.join()
    for c in cases:
        results.setdefault(c.index, ("hang", "not run: the pool was stopped after a hang"))
    return results


def summary(cases: list[Case], results: dict[int, tuple[str, str]], seconds: float) -> str:
    counts = Counter(outcome for outcome, _ in results.values())
    kinds = Counter(c.kind for c in cases)
    per_kind = ", ".join(f"{k} {kinds[k]}" for k in KINDS if kinds[k])
    timed = sum(1 for o, d in results.values() if o == "skipped" and d.startswith("reading took over"))
    return (f"fuzz: {len(cases)} mutants ({per_kind}): tracebacks {counts['traceback']}, hangs {counts['hang']}, "
            f"accepted {counts['accepted']}, skipped {counts['skipped']} ({timed} at the read time limit) "
            f"in {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mutants", type=int, default=500)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per case")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    cases = make_cases(real_seeds(), args.mutants, args.seed)
    results = run_cases(cases, jobs=args.jobs, timeout=args.timeout)
    for c in cases:
        outcome, detail = results[c.index]
        if outcome in ("traceback", "hang"):
            print(f"{outcome}: case {c.index} ({c.kind} {c.seed}, {c.how}): {detail}")
    print(summary(cases, results, time.perf_counter() - t0))
    return 1 if any(o in ("traceback", "hang") for o, _ in results.values()) else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
