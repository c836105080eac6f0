"""The one atomic writer (`modesnn.io.atomic`): permissions follow the umask; a failed write leaves nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from modesnn.io import atomic_path, write_bytes, write_text


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def test_permissions_follow_the_umask(tmp_path: Path, umask_027) -> None:
    path = write_text(tmp_path / "a.json", "{}\n")
    assert path.stat().st_mode & 0o777 == 0o640
    with open(tmp_path / "plain", "w") as fh:  # what a plain open() gives under the same umask
        fh.write("x")
    assert (tmp_path / "plain").stat().st_mode & 0o777 == path.stat().st_mode & 0o777


def test_every_writer_uses_the_umask(tmp_path: Path, umask_027, shte_model) -> None:
    """Model files, corpus cache entries and evaluation reports: all 0o640 under umask 027 (not mkstemp's 600)."""
    from modesnn.corpus import cache
    from modesnn.evaluate.report import _write_text
    from modesnn.model import save_model

    save_model(shte_model, tmp_path / "m.modesnn")
    cache.store(tmp_path / "c" / "x.pkl", [("skip", "", "why")])
    _write_text(tmp_path / "report.md", "# report\n")
    for p in (tmp_path / "m.modesnn", tmp_path / "c" / "x.pkl", tmp_path / "report.md"):
        assert p.stat().st_mode & 0o777 == 0o640, p


def test_failure_mid_write_leaves_no_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk on fire")
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_the_previous_file(tmp_path: Path) -> None:
    target = write_bytes(tmp_path / "out.bin", b"old")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_bytes(b"new, partial")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_missing_folder_is_an_oserror_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_bytes(tmp_path / "nope" / "x.bin", b"x")
    assert list(tmp_path.iterdir()) == []
