"""The HTTP side against a real uvicorn on 127.0.0.1: key changes that modulate, concurrent raters and
compositions, and bad input answered 4xx with one line."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from modesnn.evaluate.keyfinding import find_key
from modesnn.music import Note, Piece, Voice
from modesnn.theory import parse_key


def _events(url: str, job: str, change_at: int | None = None, new_key: str | None = None) -> list[dict]:
    """Follow a composition's event stream; post a key change once `change_at` notes per voice arrived."""
    out, sent = [], False
    with httpx.Client(base_url=url, timeout=60) as c, c.stream("GET", f"/api/live/{job}/events") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if not line.startswith("data: "):
                continue
            ev = json.loads(line[6:])
            out.append(ev)
            if ev.get("type") in ("done", "error"):
                break
            notes = sum(len(e["notes"]) for e in out if e.get("type") == "notes")
            if change_at is not None and not sent and notes >= 4 * change_at:
                assert c.post(f"/api/live/{job}/key", json={"key": new_key}).status_code == 200
                sent = True
    return out


def _compose(url: str, **body) -> str:
    r = httpx.post(url + "/api/compose", json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["id"]


def _after(done: dict, at: float, key_name: str) -> Piece:
    voices = tuple(Voice(str(i), tuple(Note(n["pitch"], n["duration"], n["onset"]) for n in v
                                       if n["onset"] >= at - 1e-9)) for i, v in enumerate(done["notes"]))
    return Piece("second half", parse_key(key_name), voices)


def _modulate(url: str, seed: int) -> tuple[str, str]:
    job = _compose(url, key="C major", length=32, seed=seed, tempo=900, pace=True)
    events = _events(url, job, change_at=16, new_key="A major")
    change = [e for e in events if e["type"] == "key"]
    done = events[-1]
    assert done["type"] == "done" and len(change) == 1
    first = find_key(_after(done, 0, "C major"))
    second = find_key(_after(done, change[0]["at"], "A major"))
    return first.key.name if hasattr(first, "key") else str(first), \
        second.key.name if hasattr(second, "key") else str(second)


def test_a_key_change_half_way_modulates_in_four_of_five_seeds(server) -> None:
    with ThreadPoolExecutor(5) as pool:
        found = list(pool.map(lambda s: _modulate(server.url, s), range(5)))
    second = [s for _, s in found]
    assert sum(s == "A major" for s in second) >= 4, found


def test_twenty_raters_ten_answers_each_lose_nothing(server) -> None:
    def rater(i: int) -> list[int]:
        codes = []
        with httpx.Client(base_url=server.url, timeout=60) as c:
            for _ in range(10):
                t = c.post("/api/listen/trial")
                codes.append(t.status_code)
                a = c.post("/api/listen/answer", json={"trial": t.json()["trial"], "choice": "first",
                                                       "rater": f"load{i}", "experience": "none"})
                codes.append(a.status_code)
        return codes

    with ThreadPoolExecutor(20) as pool:
        codes = [c for cs in pool.map(rater, range(20)) for c in cs]
    assert set(codes) == {200}
    conn = sqlite3.connect(server.db)
    per = dict(conn.execute("SELECT rater, COUNT(*) FROM answers WHERE rater LIKE 'load%' GROUP BY rater"))
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert per == {f"load{i}": 10 for i in range(20)}
    assert mode == "wal"


def test_four_concurrent_compositions_equal_the_same_pieces_alone(server) -> None:
    params = [dict(key=k, length=20, seed=s, pace=False) for k, s in
              (("G minor", 1), ("D major", 2), ("A minor", 3), ("F major", 4))]
    alone = [_events(server.url, _compose(server.url, **p))[-1]["notes"] for p in params]
    with ThreadPoolExecutor(4) as pool:
        jobs = [_compose(server.url, **p) for p in params]
        together = [ev[-1]["notes"] for ev in pool.map(lambda j: _events(server.url, j), jobs)]
    assert together == alone
    assert len({json.dumps(n) for n in alone}) == 4


@pytest.mark.parametrize("body, field", [
    ({"key": "H major"}, "key:"), ({"key": "G lydian"}, "key:"), ({"key": "G major", "length": 1}, "length:"),
    ({"key": "G major", "length": 999}, "length:"), ({"key": "G major", "length": "lots"}, "length:"),
    ({"key": "G major", "tempo": 0}, "tempo:"), ({"key": "G major", "meter": "4/0"}, "meter:"),
    ({}, "key:"),
])
def test_bad_compose_requests_are_400_with_one_line(server, body, field) -> None:
    r = httpx.post(server.url + "/api/compose", json=body)
    assert r.status_code == 400
    msg = r.json()["error"]
    assert msg.startswith(field) and "\n" not in msg and "Traceback" not in msg


def test_not_json_and_unknown_ids_are_4xx(server) -> None:
    r = httpx.post(server.url + "/api/compose", content=b"\x00not json")
    assert r.status_code == 400 and "JSON" in r.json()["error"]
    assert httpx.get(server.url + "/api/live/0123456789abcdef/events").status_code == 404
    assert httpx.post(server.url + "/api/live/0123456789abcdef/key", json={"key": "C major"}).status_code == 404
    r = httpx.post(server.url + "/api/listen/answer", json={"trial": "0123456789abcdef", "choice": "first"})
    assert r.status_code == 409
    assert httpx.post(server.url + "/api/listen/answer", json={"trial": "x", "choice": "third"}).status_code == 400


@pytest.mark.parametrize("path", [
    "/api/piece/0123456789abcdef/wav", "/api/piece/..%2F..%2Fetc%2Fpasswd/wav", "/api/piece/0123456789abcdef/py",
    "/static/..%2F..%2F__init__.py", "/static/../app.py", "/api/piece/%2Fetc%2Fpasswd/svg",
])
def test_only_generated_files_are_served(server, path) -> None:
    r = httpx.get(server.url + path)
    assert r.status_code == 404
    assert b"import" not in r.content and b"root:" not in r.content


def test_a_downloaded_midi_is_the_composed_piece(server) -> None:
    import io

    import mido

    done = _events(server.url, _compose(server.url, key="E minor", length=12, seed=5, pace=False))[-1]
    r = httpx.get(f"{server.url}/api/piece/{done['piece']}/mid")
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment")
    mid = mido.MidiFile(file=io.BytesIO(r.content))
    on = [m.note for t in mid.tracks for m in t if m.type == "note_on" and m.velocity > 0]
    expected = [n["pitch"] for v in done["notes"] for n in v if n["pitch"] is not None]
    assert sorted(on) == sorted(expected)


def test_a_foreign_host_header_is_refused(server) -> None:
    """A page on another site that rebinds its name to 127.0.0.1 gets nothing from the local server."""
    r = httpx.get(server.url + "/api/config", headers={"Host": "evil.example"})
    assert r.status_code == 400
    assert httpx.get(server.url + "/api/config", headers={"Host": f"localhost:{server.port}"}).status_code == 200


def test_the_store_evicts_old_pieces_but_never_pinned_ones(chorales) -> None:
    from modesnn.web.store import PieceStore

    store = PieceStore(capacity=3)
    pinned = store.add(chorales[0], 80, pinned=True)
    ids = [store.add(chorales[i], 80) for i in range(1, 6)]
    assert store.get(pinned) is chorales[0]
    assert [store.get(i) is not None for i in ids] == [False, False, True, True, True]
    assert store.render(ids[0], "mid") is None and store.render(pinned, "mid")[:4] == b"MThd"
