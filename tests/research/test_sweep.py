"""`modesnn sweep`: a creation-threshold x noise grid on an SHTE slice, locally and on a Dask LocalCluster with
two workers (one killed mid-sweep), the same table either way; bad sweep files fail cleanly."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from modesnn.cli import main
from modesnn.research import load_spec, run_sweep

GRID = """
[corpora]
shte = {{ sources = ["{src}"], every = 8 }}
[grid]
creation_threshold = [2, 5, 8]
noise_sigma = [20.0, 100.0, 400.0]
[evaluate]
keys = ["C major", "A minor"]
seeds = [0]
length = 8
"""


@pytest.fixture(scope="module")
def spec_file(shte_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "grid.toml"
    path.write_text(GRID.format(src=str(shte_dir).replace("\\", "/")), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def local_run(spec_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    res = run_sweep(load_spec(spec_file), out, workers=1, log=lambda s: None)
    assert res.ran == 9 and res.failed == 0
    return out


def test_local_sweep_table_and_plots(local_run: Path) -> None:
    table = json.loads((local_run / "table.json").read_text())
    rows = table["rows"]
    assert [(r["creation_threshold"], r["noise_sigma"]) for r in rows] == [
        (c, n) for c in (2, 5, 8) for n in (20.0, 100.0, 400.0)]
    assert all(r["status"] == "ok" and r["pieces"] == 25 for r in rows)
    # noise acts on composition only: the learned profile is the same across noise at one threshold ...
    for c in (2, 5, 8):
        assert len({r["r_kk_major"] for r in rows if r["creation_threshold"] == c}) == 1
    # ... and the creation threshold changes what is learned
    assert len({r["r_kk_minor"] for r in rows}) > 1
    assert all(0.5 < r["r_kk_major"] <= 1 and 0 <= r["composed_in_key"] <= 1 for r in rows)
    csv_lines = (local_run / "table.csv").read_text().splitlines()
    assert len(csv_lines) == 10 and csv_lines[0].startswith("point,corpus,creation_threshold,noise_sigma,status")
    for name in ("plot_creation_threshold.png", "plot_noise_sigma.png",
                 "heatmap_creation_threshold_noise_sigma.png"):
        assert (local_run / name).read_bytes()[:4] == b"\x89PNG"
    assert len(list((local_run / "points").glob("*.json"))) == 9


def test_dask_two_workers_survives_a_killed_worker_and_matches_local(spec_file: Path, local_run: Path,
                                                                      tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "dask"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        killed: list[int] = []

        def kill_one_worker() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not list((out / "points").glob("*.json")):
                time.sleep(0.05)
            pid = next(iter(cluster.workers.values())).process.process.pid
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

        killer = threading.Thread(target=kill_one_worker, daemon=True)
        killer.start()
        res = run_sweep(load_spec(spec_file), out, scheduler=cluster.scheduler_address, log=lambda s: None)
        killer.join(5)
    assert killed, "a worker was killed during the sweep"
    assert res.ran == 9 and res.failed == 0
    assert (out / "table.csv").read_bytes() == (local_run / "table.csv").read_bytes()
    assert (out / "table.json").read_text().split('"swept"')[1] == (local_run / "table.json").read_text().split(
        '"swept"')[1]


def test_rerun_skips_finished_points_and_runs_the_missing(spec_file: Path, local_run: Path, tmp_path: Path) -> None:
    import shutil

    out = tmp_path / "again"
    shutil.copytree(local_run, out)
    stored = sorted((out / "points").glob("*.json"))
    stored[0].unlink()
    stored[1].write_text("{truncated")  # a damaged file counts as not done
    res = run_sweep(load_spec(spec_file), out, workers=1, log=lambda s: None)
    assert (res.ran, res.skipped) == (2, 7)
    assert (out / "table.csv").read_bytes() == (local_run / "table.csv").read_bytes()


def test_failed_point_is_recorded_and_the_others_go_on(shte_dir: Path, tmp_path: Path, capsys) -> None:
    spec = tmp_path / "s.toml"
    # a model of the dorian mode alone is a valid setting, but no SHTE piece is dorian: that point fails
    spec.write_text(f'[corpora]\nshte = {{ sources = ["{shte_dir}"], every = 24 }}\n'
                    '[[points]]\nmodes = ["dorian"]\n[[points]]\nmodes = ["major", "minor"]\n'
                    '[evaluate]\nkeys = ["C major"]\nlength = 4\n')
    code = main(["sweep", str(spec), "-o", str(tmp_path / "o"), "--workers", "1"])
    assert code == 1
    rows = json.loads((tmp_path / "o" / "table.json").read_text())["rows"]
    assert [r["status"] for r in rows] == ["error", "ok"]
    assert rows[0]["error"] and "\n" not in rows[0]["error"]
    assert "failed" in capsys.readouterr().out


@pytest.mark.parametrize(("body", "message"), [
    ('[corpora]\nb = ["bach"]\n[grid]\ncreation_treshold = [2, 5]\n', "unknown setting 'creation_treshold'"),
    ('[corpora]\nb = ["bach"]\n[grid]\ncreation_threshold = [2, 5.5]\n', "expected an integer"),
    ('[corpora]\nb = ["bach"]\n[grid]\nnoise_sigma = ["loud"]\n', "expected a number"),
    ('[corpora]\nb = ["bach"]\n[grid]\nmode_neuron = ["chattering"]\n', "is not one of"),
    ('[corpora]\nb = ["bach"]\n[grid]\n', "empty grid"),
    ('[corpora]\nb = ["bach"]\n[grid]\nnoise_sigma = []\n', "empty list"),
    ('[corpora]\nb = ["bach"]\n', "empty grid"),
    ('[grid]\nnoise_sigma = [1.0]\n', "no [corpora]"),
    ('[corpora]\nb = ["nowhere"]\n[grid]\nnoise_sigma = [1.0]\n', "no such file or folder"),
    ('[corpora\n', "not valid TOML"),
])
def test_bad_sweep_file_one_line_and_nothing_written(tmp_path: Path, capsys, body: str, message: str) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(body)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()


def test_unreachable_scheduler_one_line_and_nothing_written(tmp_path: Path, capsys) -> None:
    pytest.importorskip("distributed")
    spec = tmp_path / "s.toml"
    spec.write_text('[corpora]\nb = ["bach"]\n[grid]\nnoise_sigma = [1.0]\n')
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "-o", str(out), "--scheduler", "tcp://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scheduler tcp://127.0.0.1:9: cannot connect" in err[0], err
    assert not out.exists()
