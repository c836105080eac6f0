"""One atomic write for every file modesnn produces, with one permission policy.

A file is written to a temporary name in its target folder and moved into place with `os.replace` only when
the write succeeded, so a crash, Ctrl-C or kill -9 never leaves a partial file under the real name, and a
failure leaves no temporary file either.  The file then gets the permissions a plain `open(path, "w")` would
give (0o666 minus the umask): `tempfile.mkstemp` makes 0o600 files, which would make model files and reports
unreadable to the group where every other file is readable.

Errors are `OSError`s: each caller turns them into its own one-line `ModesnnError` (or ignores them, as the
corpus cache does).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def _umask() -> int:
    """The process umask, read without changing it where Linux allows (os.umask is a set-and-return)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The permission bits a new regular file gets: 0o666 minus the umask."""
    return 0o666 & ~_umask()


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; move it onto `path` only if the body returns normally.

    The body writes the temporary file however it likes (by name: matplotlib, fluidsynth, open()).  On any
    exception, KeyboardInterrupt included, the temporary file is removed and the exception propagates."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    # the temporary name ends in the target's extension: writers such as matplotlib pick the format by it
    fd, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=f".part{target.suffix}")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically (see the module docstring); returns the path."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 `text` to `path` atomically; returns the path."""
    return write_bytes(path, text.encode("utf-8"))
