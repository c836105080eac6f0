"""What a request may ask for, checked: every bad value becomes a RequestError (a ModesnnError with an
HTTP status and one line naming the field and the problem)."""

from __future__ import annotations

import inspect
import secrets
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from modesnn import model as _model
from modesnn.errors import ModesnnError
from modesnn.model import ComposeSettings
from modesnn.music import Voice, measure_length
from modesnn.theory import Key, all_keys, parse_key
from modesnn.web.melody import MAX_UPLOAD, MelodyError, parse_note_names, parse_upload

LENGTH_RANGE = (2, 256)
TEMPO_RANGE = (20.0, 960.0)
SEED_MAX = 2**31 - 1
METERS = ("4/4", "3/4", "2/4", "3/2", "6/8", "12/8")


class RequestError(ModesnnError):
    """A request the server refuses: `status` is the HTTP status (4xx; 503 when busy)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def harmonizer(model: Any) -> Any:
    """The harmoniser this modesnn has, as f(model, melody, key, meter, seed) -> Piece, or None.  The harmony
    feature may come as a function `modesnn.model.harmonize(model, melody, key, meter, seed)` or as a method
    `model.harmonize(melody, key, meter)`; a `seed` is passed only where it is accepted."""
    fn = getattr(_model, "harmonize", None)
    method = getattr(type(model), "harmonize", None)
    if fn is None and method is None:
        return None
    target = fn if fn is not None else method
    try:
        takes_seed = "seed" in inspect.signature(target).parameters
    except (TypeError, ValueError):
        takes_seed = False

    def call(m: Any, melody: Voice, key: Key, meter: str, seed: int) -> Any:
        extra = {"seed": seed} if takes_seed else {}
        if fn is not None:
            return fn(m, melody, key, meter=meter, **extra)
        return m.harmonize(melody, key, meter=meter, **extra)

    return call


def new_id() -> str:
    return secrets.token_hex(8)


def config(model: Any) -> dict:
    """What the page offers: the model's keys, the ranges, whether harmonising is available."""
    meters = sorted(model.meters, key=lambda m: -model.meters[m]) if model.meters else ["4/4"]
    keys = all_keys(tuple(model.config.modes))
    by_mode = {m: [k.name for k in keys if k.mode == m] for m in model.config.modes}  # (12 each, by tonic)
    spellings = [sorted({k.spelling.replace("-", "b") for k in keys if k.tonic == pc}, key=len) for pc in range(12)]
    return {"keys": [k.name for k in keys], "keys_by_mode": by_mode, "modes": list(model.config.modes),
            "tonics": ["/".join(s) for s in spellings],
            "voices": list(model.config.voice_names), "length": list(LENGTH_RANGE), "tempo": list(TEMPO_RANGE),
            "meters": list(dict.fromkeys([*meters, *METERS])), "default_meter": meters[0],
            "harmonize": harmonizer(model) is not None, "max_upload": MAX_UPLOAD}


def key_of(model: Any, value: Any, field: str = "key") -> Key:
    if not isinstance(value, str) or not value.strip():
        raise RequestError(f"{field}: give a key such as 'G minor'")
    try:
        return parse_key(value[:40], tuple(model.config.modes))
    except ValueError as exc:
        raise RequestError(f"{field}: {exc}") from None


def _number(data: dict, field: str, lo: float, hi: float, default: float, integer: bool) -> float:
    value = data.get(field, default)
    if value in (None, ""):
        value = default
    try:
        x = int(value) if integer and not isinstance(value, float) else float(value)
    except (TypeError, ValueError):
        raise RequestError(f"{field}: {str(value)[:30]!r} is not a number") from None
    if isinstance(value, bool) or (integer and x != int(x)) or not lo <= x <= hi:
        raise RequestError(f"{field}: must be {'a whole number ' if integer else ''}from {lo:g} to {hi:g}, "
                           f"got {str(value)[:30]}")
    return int(x) if integer else x


def meter_of(data: dict, default: str | None) -> str | None:
    meter = data.get("meter") or default
    if meter is None:
        return None
    if not isinstance(meter, str) or len(meter) > 10:
        raise RequestError("meter: must look like '3/4'")
    try:
        measure_length(meter)
    except ValueError as exc:
        raise RequestError(f"meter: {exc}") from None
    return meter


@dataclass(frozen=True)
class ComposeRequest:
    key: Key
    settings: ComposeSettings
    seed: int
    tempo: float
    pace: bool


def compose_request(model: Any, data: dict) -> ComposeRequest:
    key = key_of(model, data.get("key"))
    length = _number(data, "length", *LENGTH_RANGE, 32, True)
    seed = _number(data, "seed", 0, SEED_MAX, 0, True)
    tempo = _number(data, "tempo", *TEMPO_RANGE, 80.0, False)
    meter = meter_of(data, None)
    return ComposeRequest(key, ComposeSettings(length=int(length), meter=meter, end="causal"), int(seed), float(tempo),
                          bool(data.get("pace", True)))


@dataclass(frozen=True)
class HarmonizeRequest:
    melody: Voice
    key: Key
    meter: str
    seed: int
    tempo: float


async def harmonize_request(model: Any, request: Request) -> HarmonizeRequest:
    if harmonizer(model) is None:
        raise RequestError("harmonising is not available yet: this modesnn has no modesnn.model.harmonize", 501)
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_UPLOAD + 65536:
        raise RequestError(f"upload of {size} bytes is larger than the {MAX_UPLOAD} byte limit", 413)
    try:
        form = await request.form(max_files=1, max_fields=16, max_part_size=MAX_UPLOAD + 1)
    except Exception as exc:  # multipart errors (too large a part, malformed body)
        text = str(getattr(exc, "message", exc))
        if "size" in text.lower() or "large" in text.lower():
            raise RequestError(f"upload larger than the {MAX_UPLOAD} byte limit", 413) from None
        raise RequestError(f"cannot read the form: {text}") from None
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    key = key_of(model, fields.get("key"))
    meter_in_file = None
    upload = form.get("file")
    try:
        if upload is not None and not isinstance(upload, str) and upload.filename:
            data = await upload.read(MAX_UPLOAD + 1)
            melody, meter_in_file = parse_upload(data, upload.filename)
        else:
            melody = parse_note_names(fields.get("notes", ""))
    except MelodyError as exc:
        raise RequestError(str(exc), exc.status) from None
    meter = meter_of(fields, meter_in_file or "4/4")
    seed = _number(fields, "seed", 0, SEED_MAX, 0, True)
    tempo = _number(fields, "tempo", *TEMPO_RANGE, 80.0, False)
    return HarmonizeRequest(melody, key, meter, int(seed), float(tempo))


def run_harmonize(pool: Any, req: HarmonizeRequest) -> Any:
    harmonize = harmonizer(pool.model)
    try:
        with pool.slot() as model:
            return harmonize(model, req.melody, req.key, req.meter, req.seed)
    except (ValueError, ModesnnError) as exc:
        raise RequestError(f"cannot harmonise this melody: {exc}", 422) from None


def answer_request(data: dict) -> dict:
    trial, choice = data.get("trial"), data.get("choice")
    if not isinstance(trial, str) or len(trial) != 16:
        raise RequestError("trial: missing or not a trial id")
    if choice not in ("first", "second"):
        raise RequestError("choice: must be 'first' or 'second'")
    rater = data.get("rater") or ""
    experience = data.get("experience") or ""
    if not isinstance(rater, str) or not isinstance(experience, str):
        raise RequestError("rater and experience must be text")
    return {"trial": trial, "choice": choice, "rater": rater.strip()[:60], "experience": experience.strip()[:60]}
