"""Model files: a versioned, deterministic, atomically written container of a model's state
(`modesnn.model.state`: the arrays and bookkeeping; this module knows only bytes and paths).

Layout: MAGIC, a 4-byte little-endian header length, a JSON header (format version, config, bookkeeping,
and for every array its name, dtype, shape and byte range), then the arrays' bytes compressed with zlib.
No timestamps, so saving the same network twice gives the same bytes.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np

from modesnn.errors import ModelFileError
from modesnn.io.atomic import write_bytes
from modesnn.io.modelfile.header import check_header, decompress, read_header
from modesnn.limits import MAX_MODEL_FILE_BYTES
from modesnn.model.state import model_from_state, model_state

MAGIC = b"MODESNN\x00"
FORMAT_VERSION = 3
"""3: the header names the network's preset ('paper' or 'chorale'; see model/chorale)."""
def model_bytes(model) -> bytes:
    """The model file's content (either preset)."""
    preset, config, meta, arrays = model_state(model)
    index, chunks, offset = [], [], 0
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        index.append({"name": name, "dtype": arr.dtype.str.replace(">", "<"), "shape": list(arr.shape),
                      "offset": offset, "nbytes": len(raw)})
        chunks.append(raw)
        offset += len(raw)
    header = {"format_version": FORMAT_VERSION, "preset": preset, "config": config, "meta": meta, "arrays": index}
    head = json.dumps(header, sort_keys=True).encode()
    return MAGIC + struct.pack("<I", len(head)) + head + zlib.compress(b"".join(chunks), 6)


def save_model(model, path: str | Path) -> Path:
    """Write atomically (`modesnn.io.atomic`: a temp file in the target folder, then rename)."""
    path = Path(path)
    data = model_bytes(model)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ModelFileError(f"{path}: folder {folder} does not exist")
    try:
        write_bytes(path, data)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot write model ({exc.strerror or exc})") from None
    return path


def load_model(path: str | Path):
    """Read a model file; ModelFileError with a one-line reason if it is not a usable model.

    The header is checked against the file's size and `modesnn.limits` before anything is allocated from it
    (`modesnn.io.modelfile.header`)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_MODEL_FILE_BYTES:
            raise ModelFileError(f"{path}: {size:,} bytes, over the limit of {MAX_MODEL_FILE_BYTES:,} for a model file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such model file") from None
    except IsADirectoryError:
        raise ModelFileError(f"{path}: is a folder, not a model file") from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not data.startswith(MAGIC):
        raise ModelFileError(f"{path}: not a modesnn model file")
    header, start = read_header(path, data, MAGIC)
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(f"{path}: model format version {version}, this modesnn reads version {FORMAT_VERSION}")
    total = check_header(path, header, len(data) - start)
    payload = decompress(path, data[start:], total)
    try:
        arrays = {}
        for entry in header["arrays"]:
            raw = payload[entry["offset"]: entry["offset"] + entry["nbytes"]]
            arrays[entry["name"]] = np.frombuffer(raw, np.dtype(entry["dtype"])).reshape(entry["shape"]).copy()
        return model_from_state(header.get("preset", "paper"), header["config"], header["meta"], arrays)
    except (ValueError, KeyError, TypeError, IndexError, OverflowError) as exc:  # a sound header, wrong content
        text = " ".join(str(exc).split())[:100]
        raise ModelFileError(f"{path}: corrupt model data ({type(exc).__name__}: {text})") from None
