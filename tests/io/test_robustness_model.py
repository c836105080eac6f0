"""Issue 16: crafted model-file headers give one-line ModelFileErrors, quickly (one hung past 120 s), and the
loader allocates nothing the file's own size cannot back."""

from __future__ import annotations

import json
import signal
import struct
import zlib
from pathlib import Path

import pytest

from modesnn.errors import ModelFileError
from modesnn.io.modelfile import MAGIC
from modesnn.model import load_model, save_model


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, shte_model) -> Path:
    return save_model(shte_model, tmp_path_factory.mktemp("hdr") / "m.modesnn")


def _split(data: bytes) -> tuple[dict, bytes]:
    (hlen,) = struct.unpack("<I", data[len(MAGIC): len(MAGIC) + 4])
    start = len(MAGIC) + 4
    return json.loads(data[start: start + hlen]), data[start + hlen:]


def _join(header: dict, payload: bytes) -> bytes:
    head = json.dumps(header).encode()
    return MAGIC + struct.pack("<I", len(head)) + head + payload


@pytest.fixture
def alarm():
    """Fail instead of hanging: every crafted file must be refused within 10 s."""
    def boom(*_):
        raise TimeoutError("the loader hung on a crafted header")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _first(header: dict, name_prefix: str) -> dict:
    return next(e for e in header["arrays"] if e["name"].startswith(name_prefix))


def _config(header: dict, **changes) -> None:
    c = json.loads(header["config"])
    c.update(changes)
    header["config"] = json.dumps(c)


CRAFTS = {
    "positions 1e9": (lambda h, p: h["meta"].update(positions=10**9), "positions = 1000000000"),
    "positions float": (lambda h, p: h["meta"].update(positions=1e9), "positions = 1000000000.0"),
    "positions off-block": (lambda h, p: h["meta"].update(positions=h["meta"]["positions"] + 1), "multiple of"),
    "negative max_length": (lambda h, p: h["meta"].update(max_length=-1), "max_length = -1"),
    "nbytes huge": (lambda h, p: _first(h, "sequence.w").update(nbytes=2**40, shape=[2**37]),
                    "compressed bytes present"),
    "shape mismatch": (lambda h, p: _first(h, "sequence.w").update(shape=[3, 3]), "!= nbytes"),
    "negative shape": (lambda h, p: _first(h, "sequence.w").update(shape=[-1]), "shape [-1]"),
    "object dtype": (lambda h, p: _first(h, "sequence.w").update(dtype="|O"), "not a plain number type"),
    "bad dtype": (lambda h, p: _first(h, "sequence.w").update(dtype="<q9"), "not a number type"),
    "record dtype": (lambda h, p: _first(h, "sequence.w").update(dtype=[["a", "<f8"]]), "not a number type"),
    "offset negative": (lambda h, p: _first(h, "sequence.w").update(offset=-8), "offset/nbytes"),
    "arrays not a list": (lambda h, p: h.update(arrays={"x": 1}), "'arrays' missing or not a list"),
    "meta missing": (lambda h, p: h.pop("meta"), "'meta' missing"),
    "voices 1e9": (lambda h, p: _config(h, voices=10**9), "voices = 1000000000 is outside 1..16"),
    "lanes 0": (lambda h, p: _config(h, lanes=0), "lanes = 0"),
    "dt tiny": (lambda h, p: _config(h, dt=1e-12), "steps per slot"),
    "config not json": (lambda h, p: h.update(config="{"), "config is not JSON"),
    "array missing": (lambda h, p: h.update(arrays=[e for e in h["arrays"] if e["name"] != "sequence.w"]),
                      "corrupt model data (KeyError"),
    "sources not strings": (lambda h, p: h["meta"].update(sources=[1]), "sources"),
}


@pytest.mark.parametrize("name", sorted(CRAFTS))
def test_crafted_header_is_a_one_line_error(tmp_path, model_file, alarm, name) -> None:
    header, payload = _split(model_file.read_bytes())
    craft, needle = CRAFTS[name]
    craft(header, payload)
    bad = tmp_path / "bad.modesnn"
    bad.write_bytes(_join(header, payload))
    with pytest.raises(ModelFileError) as err:
        load_model(bad)
    msg = str(err.value)
    assert msg.startswith(str(bad)) and needle in msg and "\n" not in msg


def test_header_length_past_the_file_or_limit(tmp_path, model_file, alarm) -> None:
    data = model_file.read_bytes()
    for hlen, needle in ((2**32 - 1, "over the limit"), (len(data), "truncated model header")):
        bad = tmp_path / "bad.modesnn"
        bad.write_bytes(MAGIC + struct.pack("<I", hlen) + data[len(MAGIC) + 4:])
        with pytest.raises(ModelFileError, match=needle):
            load_model(bad)


def test_payload_longer_or_shorter_than_declared(tmp_path, model_file, alarm) -> None:
    header, payload = _split(model_file.read_bytes())
    raw = zlib.decompress(payload)
    bad = tmp_path / "bad.modesnn"
    for body, needle in ((raw + b"\0" * 64, "longer"), (raw[:-8], "shorter")):
        bad.write_bytes(_join(header, zlib.compress(body)))
        with pytest.raises(ModelFileError, match=f"model data is {needle} than its header says"):
            load_model(bad)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """256 MB of zeros in 250 KB of zlib."""
    z = zlib.compressobj(1)
    chunk = b"\0" * 2**24
    return b"".join(z.compress(chunk) for _ in range(16)) + z.flush()


def test_a_zip_bomb_payload_is_never_inflated(tmp_path, model_file, bomb, alarm) -> None:
    """The header declares the real arrays' size, so no more than that is ever inflated."""
    header, _ = _split(model_file.read_bytes())
    import tracemalloc

    bad = tmp_path / "bomb.modesnn"
    bad.write_bytes(_join(header, bomb))
    declared = sum(e["nbytes"] for e in header["arrays"])
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match="longer than its header says"):
            load_model(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * declared + 2 * len(bomb) + 2**20 < 2**28  # not the 256 MB the payload inflates to


def test_the_real_model_still_loads_the_same(model_file, shte_model) -> None:
    from modesnn.io.modelfile import model_bytes

    assert model_bytes(load_model(model_file)) == model_file.read_bytes() == model_bytes(shte_model)
