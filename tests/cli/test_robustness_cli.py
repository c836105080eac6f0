"""Issue 16 with real processes: one default model learned under a lock by concurrent first runs, a lock left
by a killed process blocking nobody, and progress on stderr only for a terminal and never with --quiet."""

from __future__ import annotations

import fcntl
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from _scores import write_musicxml

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _env(cache: Path, corpus: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, MODESNN_CACHE=str(cache), PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if corpus is not None:
        env["MODESNN_DEFAULT_CORPUS"] = str(corpus)
    return env


@pytest.fixture
def short_corpus(tmp_path: Path, shte_four_files) -> Path:
    folder = tmp_path / "short"
    folder.mkdir()
    for f in shte_four_files[:4]:
        shutil.copy(f, folder / f.name)
    return folder


def _profile(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "modesnn", "profile", "--json"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_first_runs_learn_the_default_model_once(tmp_path: Path, short_corpus: Path) -> None:
    env = _env(tmp_path / "cache", short_corpus)
    procs = [_profile(env) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outs]
    learned = [e for _, e in outs if "(first run only)" in e]
    assert len(learned) == 1, [e for _, e in outs]  # the other waited, or came after: it loaded the file
    assert outs[0][0] == outs[1][0]  # the same model's profile
    models = list((tmp_path / "cache" / "models").glob("*.modesnn"))
    assert len(models) == 1 and models[0].name.startswith("custom-")


def test_a_lock_left_by_a_killed_process_blocks_nobody(tmp_path: Path, short_corpus: Path) -> None:
    env = _env(tmp_path / "cache", short_corpus)
    sys.path.insert(0, SRC)
    code = ("import fcntl, os, sys, time\n"
            "from modesnn.workflows import default_model_path\n"
            "p = default_model_path('paper'); os.makedirs(p.parent, exist_ok=True)\n"
            "fh = open(p.with_name(p.name + '.lock'), 'a+b'); fcntl.flock(fh, fcntl.LOCK_EX)\n"
            "print('locked', flush=True); time.sleep(600)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], env=env, text=True, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "locked"
        waiter = _profile(env)
        line = waiter.stderr.readline()
        assert "waiting for another modesnn process learning the default model" in line
        holder.kill()  # kill -9 while "learning": its flock goes with it
        out, err = waiter.communicate(timeout=300)
        assert waiter.returncode == 0, err
        assert "(first run only)" in err and '"modes"' in out
    finally:
        holder.kill()
        holder.wait()


def _stderr_through_a_terminal(args: list[str], env: dict[str, str]) -> str:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # tqdm draws nothing at 0 columns
    proc = subprocess.Popen([sys.executable, "-m", "modesnn", *args], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=120) == 0
    return b"".join(chunks).decode(errors="replace")


@pytest.fixture
def scores(tmp_path: Path) -> Path:
    folder = tmp_path / "scores"
    folder.mkdir()
    for i in range(3):
        write_musicxml(folder / f"s{i}_C major.xml")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("before, after, shown", [([], [], True), (["-q"], [], False), ([], ["--quiet"], False)])
def test_progress_on_a_terminal_unless_quiet(tmp_path: Path, scores: Path, before, after, shown) -> None:
    err = _stderr_through_a_terminal([*before, "corpus", str(scores), "--no-cache", *after], _env(tmp_path / "c"))
    assert ("reading scores" in err) == shown


@pytest.mark.slow
def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path, scores: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "modesnn", "corpus", str(scores), "--no-cache"],
                          env=_env(tmp_path / "c"), capture_output=True, text=True)
    assert proc.returncode == 0 and "3 pieces" in proc.stdout
    assert proc.stderr == ""


@pytest.mark.slow
def test_a_long_composition_shows_progress_and_the_same_bytes(tmp_path: Path, shte_model) -> None:
    from modesnn.model import save_model

    model = save_model(shte_model, tmp_path / "m.modesnn")
    env = _env(tmp_path / "c")
    args = ["compose", "--model", str(model), "--key", "g", "--length", "200", "--seed", "1"]
    err = _stderr_through_a_terminal([*args, "-o", str(tmp_path / "shown.mid")], env)
    assert "composing" in err and "slot" in err
    quiet = _stderr_through_a_terminal(["-q", *args, "-o", str(tmp_path / "quiet.mid")], env)
    assert "composing" not in quiet
    assert (tmp_path / "shown.mid").read_bytes() == (tmp_path / "quiet.mid").read_bytes()
