"""The fuzz suite in CI (issue 16): a few hundred seeded mutations of real MusicXML, MXL, MIDI, ABC and model
files through the reader and the model loader, each in a worker process under a time limit: no traceback, no
hang, and the good files of a mixed batch all read.  `tools/fuzz.py --mutants 5000` is the longer run."""

from __future__ import annotations

import importlib.util
import random
import sys
from collections import Counter
from pathlib import Path

import pytest

from modesnn.corpus import load_corpus

CI_MUTANTS = 320
CI_SEED = 16


def _fuzz_module():
    path = Path(__file__).resolve().parents[2] / "tools" / "fuzz.py"
    spec = importlib.util.spec_from_file_location("modesnn_tools_fuzz", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and the worker pool's pickling look it up there
    spec.loader.exec_module(module)
    return module


fuzz = _fuzz_module()


@pytest.fixture(scope="module")
def seeds(shte_dir):  # shte_dir: skips when the shared SHTE data is absent, as the seeds need it
    found = fuzz.real_seeds()
    assert {s.kind for s in found} == set(fuzz.KINDS)
    return found


@pytest.mark.slow
def test_mutants_through_reader_and_loader_give_no_traceback_and_no_hang(seeds, capsys) -> None:
    import time

    t0 = time.perf_counter()
    cases = fuzz.make_cases(seeds, CI_MUTANTS, CI_SEED)
    results = fuzz.run_cases(cases, jobs=2, timeout=20.0)
    with capsys.disabled():
        print("\n" + fuzz.summary(cases, results, time.perf_counter() - t0))
    bad = [(c.kind, c.seed, c.how, *results[c.index]) for c in cases if results[c.index][0] in ("traceback", "hang")]
    assert bad == []
    outcomes = Counter(o for o, _ in results.values())
    assert outcomes["accepted"] > 0 and outcomes["skipped"] > 0  # the mutations both break files and spare some
    assert Counter(c.kind for c in cases).keys() == set(fuzz.KINDS)


def test_mutation_is_seeded(seeds) -> None:
    a = fuzz.make_cases(seeds, 40, 3)
    b = fuzz.make_cases(seeds, 40, 3)
    assert [(c.kind, c.how, c.data) for c in a] == [(c.kind, c.how, c.data) for c in b]
    assert len({c.data for c in a}) > 30


@pytest.mark.slow
def test_the_good_files_of_a_mixed_batch_are_all_read(seeds, tmp_path: Path, corpus_cache, monkeypatch) -> None:
    from modesnn import limits

    monkeypatch.setattr(limits, "MAX_PARSE_SECONDS", 10.0)  # one mutant keeps music21 re-barring for 55 s
    scores = [s for s in seeds if s.kind != "model"]
    good = []
    for s in scores:
        path = tmp_path / f"good-{s.name}"
        path = path.with_suffix(fuzz.EXTENSION[s.kind])
        path.write_bytes(s.data)
        good.append(path.name)
    rng = random.Random(0)
    for i in range(30):
        s = rng.choice(scores)
        data, _ = fuzz.mutate(s.data, rng, text=s.kind in ("musicxml", "abc"))
        (tmp_path / f"mutant{i}{fuzz.EXTENSION[s.kind]}").write_bytes(data)
    result = load_corpus([str(tmp_path)], voices=None, progress=False)
    read = {Path(p.source).name for p in result.pieces}
    assert set(good) <= read
    assert len(result.skipped) > 0 and all("\n" not in r for _, r in result.skipped)
