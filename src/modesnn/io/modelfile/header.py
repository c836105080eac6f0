"""Checks of a model file's header before anything is allocated from it (issue 16: crafted headers gave
tracebacks, and `positions = 1e9` hung the loader).

Every count and size in the header is checked against the limits in `modesnn.limits` and against the file's
own size: the header length against the bytes present, each array's shape x itemsize against its nbytes,
the arrays' total against what the compressed payload can expand to, and the payload is then decompressed
with `zlib.decompressobj(max_length=...)`, so a crafted file costs at most its declared (and checked) size.
Each problem is a one-line ModelFileError naming the file and the field.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from modesnn import limits
from modesnn.errors import ModelFileError

_CONFIG_BOUNDS = {
    "voices": (1, limits.MAX_VOICES),
    "lanes": (1, limits.MAX_LANES),
    "duration_count": (1, limits.MAX_DURATION_COUNT),
    "positions_per_block": (1, limits.MAX_POSITIONS_PER_BLOCK),
    "max_delay_slots": (1, limits.MAX_DELAY_SLOTS),
}
_DTYPE_KINDS = "biuf"  # plain numbers only: no objects, strings or records


def read_header(path: Path, data: bytes, magic: bytes) -> tuple[dict, int]:
    """The JSON header and the offset where the compressed payload starts."""
    start = len(magic) + 4
    if len(data) < start:
        raise ModelFileError(f"{path}: truncated model header")
    (hlen,) = struct.unpack("<I", data[len(magic): start])
    if hlen > limits.MAX_MODEL_HEADER_BYTES:
        raise ModelFileError(f"{path}: header length {hlen:,} bytes, over the limit of "
                             f"{limits.MAX_MODEL_HEADER_BYTES:,} (MAX_MODEL_HEADER_BYTES)")
    if hlen > len(data) - start:
        raise ModelFileError(f"{path}: truncated model header ({hlen:,} bytes declared, {len(data) - start:,} "
                             "left in the file)")
    try:
        header = json.loads(data[start: start + hlen])
    except (ValueError, RecursionError):
        raise ModelFileError(f"{path}: truncated or corrupt model header") from None
    if not isinstance(header, dict):
        raise ModelFileError(f"{path}: model header is not a JSON object")
    return header, start + hlen


def check_header(path: Path, header: dict, payload_bytes: int) -> int:
    """Check config, meta and the array index; return the total decompressed size the arrays need."""
    for key, kind in (("config", str), ("meta", dict), ("arrays", list)):
        if not isinstance(header.get(key), kind):
            raise ModelFileError(f"{path}: model header field {key!r} missing or not a {kind.__name__}")
    config = _config_dict(path, header["config"])
    _check_meta(path, header["meta"], config)
    return _check_arrays(path, header["arrays"], payload_bytes)


def _config_dict(path: Path, text: str) -> dict:
    try:
        config = json.loads(text)
    except (ValueError, RecursionError):
        raise ModelFileError(f"{path}: model config is not JSON") from None
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: model config is not a JSON object")
    for key, (lo, hi) in _CONFIG_BOUNDS.items():
        if key in config and not _int_in(config[key], lo, hi):
            raise ModelFileError(f"{path}: model config {key} = {_short(config[key])} is outside {lo}..{hi:,}")
    for key in ("dt", "slot_ms"):
        if key in config and not (isinstance(config[key], int | float) and math.isfinite(config[key])
                                  and config[key] > 0):
            raise ModelFileError(f"{path}: model config {key} = {_short(config[key])} is not a positive number")
    dt, slot = config.get("dt", 0.1), config.get("slot_ms", 5.0)
    if slot / dt > limits.MAX_SLOT_STEPS:
        raise ModelFileError(f"{path}: model config slot_ms / dt = {slot / dt:,.0f} steps per slot passes the "
                             f"limit of {limits.MAX_SLOT_STEPS:,}")
    return config


def _check_meta(path: Path, meta: dict, config: dict) -> None:
    for key, hi in (("positions", limits.MAX_POSITIONS), ("max_length", limits.MAX_POSITIONS),
                    ("pieces_learned", 2**53)):
        if not _int_in(meta.get(key), 0, hi):
            raise ModelFileError(f"{path}: model meta {key} = {_short(meta.get(key))} is not an integer in "
                                 f"0..{hi:,} (limit: MAX_POSITIONS)" if hi == limits.MAX_POSITIONS else
                                 f"{path}: model meta {key} = {_short(meta.get(key))} is not a count")
    ppb = config.get("positions_per_block", 32)
    if meta["positions"] % ppb:
        raise ModelFileError(f"{path}: model meta positions = {meta['positions']} is not a multiple of "
                             f"positions_per_block ({ppb})")
    meters, sources = meta.get("meters"), meta.get("sources")
    if not isinstance(meters, dict) or not all(_int_in(v, 0, 2**53) for v in meters.values()):
        raise ModelFileError(f"{path}: model meta meters is not a table of counts")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ModelFileError(f"{path}: model meta sources is not a list of names")


def _check_arrays(path: Path, index: list, payload_bytes: int) -> int:
    if len(index) > limits.MAX_MODEL_ARRAYS:
        raise ModelFileError(f"{path}: {len(index):,} arrays, over the limit of {limits.MAX_MODEL_ARRAYS:,}")
    total, names = 0, set()
    for entry in index:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name in names:
            raise ModelFileError(f"{path}: array entry without a name, or named twice: {_short(entry)}")
        names.add(name)
        total = max(total, _check_array(path, entry))
    most = min(limits.MAX_MODEL_ARRAY_BYTES, limits.ZLIB_MAX_RATIO * payload_bytes + 64)
    if total > most:
        raise ModelFileError(f"{path}: arrays declare {total:,} bytes, more than the {payload_bytes:,} compressed "
                             f"bytes present can hold (limit {most:,})")
    return total


def _check_array(path: Path, entry: dict) -> int:
    """One index entry: a numeric dtype, a shape whose size matches nbytes, a non-negative offset.
    Returns the end of its bytes in the payload."""
    name = entry["name"]
    try:
        dtype = np.dtype(entry.get("dtype"))
    except (TypeError, ValueError):
        raise ModelFileError(f"{path}: array {name!r}: dtype {_short(entry.get('dtype'))} is not a number type") \
            from None
    if dtype.kind not in _DTYPE_KINDS or dtype.hasobject or dtype.subdtype is not None or dtype.names:
        raise ModelFileError(f"{path}: array {name!r}: dtype {dtype.str} is not a plain number type")
    shape, offset, nbytes = entry.get("shape"), entry.get("offset"), entry.get("nbytes")
    if not isinstance(shape, list) or len(shape) > 4 or not all(_int_in(n, 0, 2**40) for n in shape):
        raise ModelFileError(f"{path}: array {name!r}: shape {_short(shape)} is not a list of sizes")
    if not _int_in(offset, 0, 2**62) or not _int_in(nbytes, 0, 2**62):
        raise ModelFileError(f"{path}: array {name!r}: offset/nbytes are not byte counts")
    if math.prod(shape) * dtype.itemsize != nbytes:
        raise ModelFileError(f"{path}: array {name!r}: shape {shape} x {dtype.itemsize} bytes != nbytes {nbytes:,}")
    return offset + nbytes


def decompress(path: Path, compressed: bytes, size: int) -> bytes:
    """Exactly `size` bytes out of the payload, never more allocated (max_length), else ModelFileError."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(compressed, max(size, 1))  # max_length 0 would mean "no limit"
        if not d.eof and len(out) >= size:  # at the size: only the end of the stream may follow
            out += d.decompress(d.unconsumed_tail, 1)
    except zlib.error:
        raise ModelFileError(f"{path}: truncated or corrupt model data") from None
    if len(out) != size or not d.eof:
        what = "longer" if len(out) > size else "shorter"
        raise ModelFileError(f"{path}: model data is {what} than its header says ({size:,} bytes)")
    return out


def _int_in(x: Any, lo: int, hi: int) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and lo <= x <= hi


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."
