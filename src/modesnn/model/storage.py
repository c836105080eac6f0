"""Model files: a versioned, deterministic, atomically written container of the learned network.

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
from modesnn.limits import MAX_MODEL_FILE_BYTES
from modesnn.model.config import ModelConfig
from modesnn.model.header import check_header, decompress, read_header
from modesnn.model.network import ModeSNN

MAGIC = b"MODESNN\x00"
FORMAT_VERSION = 3
"""3: the header names the network's preset ('paper' or 'chorale'; see model/chorale)."""
LEARNED_GROUPS = ("sequence", "sms_to_key", "sms_to_mode")
"""The synapse groups a model file keeps (the hierarchy is rebuilt from the config; key -> pitch is per
composition)."""


def _model_arrays(model: ModeSNN) -> tuple[dict, dict[str, np.ndarray]]:
    arrays: dict[str, np.ndarray] = {}
    for name, arr in model.net.state_dict().items():
        kind, rest = name.split(".", 1)
        which, field = rest.rsplit(".", 1)
        if kind == "groups" and which in LEARNED_GROUPS:
            arrays[f"{which}.{field}"] = arr
        elif kind == "rules":
            arrays[f"rule{which}.{field}"] = arr
    for mode, counts in model.heard_degrees.items():
        arrays[f"heard_degrees.{mode}"] = counts
    for key, counts in model.heard_keys.items():
        arrays[f"heard_keys.{key}"] = counts
    for v in range(model.config.voices):
        arrays[f"voice_pitches.{v}"] = model.voice_pitches[v]
        arrays[f"voice_durations.{v}"] = model.voice_durations[v]
    meta = {
        "positions": model.layout.positions,
        "meters": model.meters,
        "sources": model.sources,
        "pieces_learned": model.pieces_learned,
        "max_length": model.max_length,
    }
    return meta, arrays


def model_bytes(model) -> bytes:
    """The model file's content (either preset)."""
    preset = getattr(model, "preset", "paper")
    if preset == "chorale":
        from modesnn.model.chorale.storage import chorale_arrays, config_json

        (meta, arrays), config = chorale_arrays(model), config_json(model.config)
    else:
        (meta, arrays), config = _model_arrays(model), model.config.to_json()
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


def save_model(model: ModeSNN, path: str | Path) -> Path:
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


def load_model(path: str | Path) -> ModeSNN:
    """Read a model file; ModelFileError with a one-line reason if it is not a usable model.

    The header is checked against the file's size and `modesnn.limits` before anything is allocated from it
    (`model.header`)."""
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
        preset = header.get("preset", "paper")
        if preset == "chorale":
            from modesnn.model.chorale.storage import restore_chorale

            return restore_chorale(header["config"], header["meta"], arrays)
        config = ModelConfig.from_json(header["config"])
        return _restore(config, header["meta"], arrays)
    except (ValueError, KeyError, TypeError, IndexError, OverflowError) as exc:  # a sound header, wrong content
        text = " ".join(str(exc).split())[:100]
        raise ModelFileError(f"{path}: corrupt model data ({type(exc).__name__}: {text})") from None


def _restore(config: ModelConfig, meta: dict, arrays: dict[str, np.ndarray]) -> ModeSNN:
    model = ModeSNN(config)
    model.layout.ensure_positions(int(meta["positions"]))
    learned = {f"groups.{name}.{f}": arrays[f"{name}.{f}"] for name in LEARNED_GROUPS
               for f in ("pre", "post", "w", "delay")}
    learned.update({f"rules.{i}.{f}": arrays[f"rule{i}.{f}"] for i in range(len(model.net.rules))
                    for f in ("keys", "counts", "stdp")})
    model.net.load_state_dict(learned)
    for mode in model.heard_degrees:
        model.heard_degrees[mode] = arrays[f"heard_degrees.{mode}"]
    for key in model.heard_keys:
        model.heard_keys[key] = arrays[f"heard_keys.{key}"]
    for v in range(config.voices):
        model.voice_pitches[v] = arrays[f"voice_pitches.{v}"]
        model.voice_durations[v] = arrays[f"voice_durations.{v}"]
    model.meters = dict(meta["meters"])
    model.sources = list(meta["sources"])
    model.pieces_learned = int(meta["pieces_learned"])
    model.max_length = int(meta["max_length"])
    return model
