"""Melodies in from the page: note names, uploads, and everything that must be refused with one line."""

from __future__ import annotations

import httpx
import pytest

from modesnn.web.forms import harmonizer
from modesnn.web.melody import MAX_UPLOAD, MelodyError, parse_note_names, parse_upload

ABC = b"X:1\nT:test\nM:4/4\nL:1/4\nK:G\nG G A B | A2 G2 |]\n"
ABC_CHORD = b"X:1\nT:test\nM:4/4\nL:1/4\nK:G\nG [GB] A B | A2 G2 |]\n"


def test_note_names_become_a_voice() -> None:
    v = parse_note_names("G4 A4:0.5 B4:1/2 r:2 F#4")
    assert [n.pitch for n in v.notes] == [67, 69, 71, None, 66]
    assert [n.onset for n in v.notes] == [0, 1, 1.5, 2, 4]


@pytest.mark.parametrize("text, status, starts", [
    ("", 400, "the melody box is empty"), ("G4 C4+E4 D4", 422, "note 2"), ("G4 [C4 E4]", 422, "note 2"),
    ("G4 X9", 400, "note 2"), ("G4:0", 400, "note 1"), ("r r:2", 422, "the melody has only rests"),
])
def test_bad_note_names_are_refused(text, status, starts) -> None:
    with pytest.raises(MelodyError) as e:
        parse_note_names(text)
    assert e.value.status == status and str(e.value).startswith(starts) and "\n" not in str(e.value)


def test_an_abc_upload_is_read_and_a_chord_is_refused() -> None:
    v, meter = parse_upload(ABC, "tune.abc")
    assert [n.pitch for n in v.notes] == [67, 67, 69, 71, 69, 67] and meter == "4/4"
    with pytest.raises(MelodyError) as e:
        parse_upload(ABC_CHORD, "tune.abc")
    assert e.value.status == 422 and "chord" in str(e.value)


def test_a_midi_upload_round_trips(tmp_path) -> None:
    from modesnn.export import midi_bytes
    from modesnn.music import Piece, voice_from_durations
    from modesnn.theory import parse_key

    piece = Piece("m", parse_key("C major"), (voice_from_durations("s", [60, 62, 64, 65], [1, 1, 1, 1]),))
    v, _ = parse_upload(midi_bytes(piece), "m.mid")
    assert [n.pitch for n in v.notes] == [60, 62, 64, 65]


@pytest.mark.parametrize("data, name, status", [
    (b"this is not music at all", "x.musicxml", 422), (b"\x89PNG\r\n\x1a\n" + bytes(200), "x.mid", 422),
    (b"<score/>", "x.exe", 415), (b"", "x.abc", 422), (b"0" * (MAX_UPLOAD + 1), "big.abc", 413),
])
def test_bad_uploads_are_refused(data, name, status) -> None:
    with pytest.raises(MelodyError) as e:
        parse_upload(data, name)
    assert e.value.status == status and "\n" not in str(e.value)


def test_harmonize_answers_501_until_there_is_a_harmoniser(server) -> None:
    if harmonizer(server.app.state.web.model) is not None:
        pytest.skip("this modesnn has a harmoniser")
    r = httpx.post(server.url + "/api/harmonize", data={"key": "G major", "notes": "G4 A4 B4"}, timeout=60)
    assert r.status_code == 501 and "harmonize" in r.json()["error"] and "\n" not in r.json()["error"]


def test_harmonize_endpoint(harmony_server) -> None:
    server = harmony_server
    r = httpx.post(server.url + "/api/harmonize", data={"key": "G major", "notes": "G4 A4 B4"}, timeout=60)
    assert r.status_code == 200
    assert [n["pitch"] for n in r.json()["notes"][0]] == [67, 69, 71]
    r = httpx.post(server.url + "/api/harmonize", data={"key": "G major"}, files={"file": ("t.abc", ABC_CHORD)})
    assert r.status_code == 422 and "chord" in r.json()["error"]
    big = {"file": ("big.abc", b"0" * (MAX_UPLOAD + 100_000))}
    r = httpx.post(server.url + "/api/harmonize", data={"key": "G major"}, files=big)
    assert r.status_code == 413
    r = httpx.post(server.url + "/api/harmonize", data={"key": "G major"}, files={"file": ("x.txt", b"hello")})
    assert r.status_code == 415
