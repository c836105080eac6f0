"""Speed and load of the web page with a loaded model (the default Bach model), in a real headless chromium
against a real uvicorn on 127.0.0.1.

The machine is shared: wall-clock figures grow with its load (printed); the server's CPU seconds per 64-note
piece (composing, engraving: thread CPU time) do not.

Figures: first note on the page after the click on "Compose" (live pacing on, as a user has it); a 64-note
piece composed flat out and fully engraved (score SVG in the page) after the click; 20 raters x 10 answers
at once (rows stored, errors); 4 compositions at once (wall time, equal to the same pieces composed alone).

    MODESNN_CACHE=... python benchmarks/web.py [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn
from _common import peak_rss_mb, print_figures
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from modesnn.corpus import load_corpus
from modesnn.web.app import create_app
from modesnn.workflows import default_model

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required", "--window-size=1280,1400")


def _serve(app) -> tuple[uvicorn.Server, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def _browser(profile: str) -> webdriver.Chrome:
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def _click_compose(driver, url: str, length: int, pace: bool, seed: int) -> dict:
    driver.get(url + "/")
    while not driver.execute_script("return !!(window.modesnn && window.modesnn.config)"):
        time.sleep(0.05)
    driver.execute_script("window.modesnnNoPace = arguments[0];"
                          "document.getElementById('length').value = arguments[1];"
                          "document.getElementById('seed').value = arguments[2];", not pace, str(length), str(seed))
    driver.find_element("id", "compose").click()
    watch = "firstNoteAt" if pace else "engravedAt"
    end = time.monotonic() + 120
    while not driver.execute_script(f"return window.modesnn.{watch} !== null") and time.monotonic() < end:
        time.sleep(0.02)
    m = driver.execute_script("return {click: window.modesnn.clickAt, first: window.modesnn.firstNoteAt, "
                              "engraved: window.modesnn.engravedAt, message: document.getElementById('message')"
                              ".textContent, timing: window.modesnn.final && window.modesnn.final.timing}")
    if m["message"]:
        raise SystemExit(f"the page says: {m['message']}")
    return m


def _events(url: str, body: dict) -> list:
    with httpx.Client(base_url=url, timeout=120) as c:
        job = c.post("/api/compose", json=body).json()["id"]
        with c.stream("GET", f"/api/live/{job}/events") as r:
            for line in r.iter_lines():
                if line.startswith("data: ") and '"type":"done"' in line:
                    return json.loads(line[6:])["notes"]
    raise RuntimeError("no done event")


def _raters(url: str, raters: int, answers: int) -> tuple[float, int]:
    def one(i: int) -> int:
        errors = 0
        with httpx.Client(base_url=url, timeout=120) as c:
            for _ in range(answers):
                t = c.post("/api/listen/trial")
                a = c.post("/api/listen/answer", json={"trial": t.json()["trial"], "choice": "first",
                                                       "rater": f"bench{i}"}) if t.status_code == 200 else t
                errors += int(t.status_code != 200) + int(a.status_code != 200)
        return errors

    c = httpx.Client(base_url=url, timeout=120)
    for _ in range(4):  # the pool of excerpt pairs is made on the first trials: not part of the load figure
        c.post("/api/listen/trial")
    t0 = time.perf_counter()
    with ThreadPoolExecutor(raters) as pool:
        errors = sum(pool.map(one, range(raters)))
    return time.perf_counter() - t0, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    model = default_model(progress=False)
    tmp = Path(tempfile.mkdtemp(prefix="modesnn-bench-web-"))
    db = tmp / "listening.sqlite"
    server, url = _serve(create_app(model, db, lambda: load_corpus(["bach"], progress=False).pieces))
    driver = _browser(str(tmp / "chromium"))
    try:
        _click_compose(driver, url, 16, False, 99)  # warm-up: first requests import music21 and verovio
        first = [(m["first"] - m["click"]) / 1000 for m in
                 (_click_compose(driver, url, 32, True, s) for s in range(args.runs))]
        runs64 = [_click_compose(driver, url, 64, False, s) for s in range(args.runs)]
        engraved = [(m["engraved"] - m["click"]) / 1000 for m in runs64]
    finally:
        driver.quit()
    load_s, load_errors = _raters(url, 20, 10)
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT COUNT(*) FROM answers WHERE rater LIKE 'bench%'").fetchone()[0]
    conn.close()
    bodies = [dict(key=k, length=32, seed=s, pace=False) for k, s in
              (("G minor", 1), ("D major", 2), ("A minor", 3), ("F major", 4))]
    alone = [_events(url, b) for b in bodies]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda b: _events(url, b), bodies))
    together_s = time.perf_counter() - t0
    server.should_exit = True
    print_figures({
        "first_note_s_median": round(statistics.median(first), 3), "first_note_s_max": round(max(first), 3),
        "engraved_64_s_median": round(statistics.median(engraved), 3),
        "engraved_64_s_max": round(max(engraved), 3),
        "of_which_server_compose_s_median": statistics.median(m["timing"]["compose_s"] for m in runs64),
        "of_which_server_engrave_s_median": statistics.median(m["timing"]["engrave_s"] for m in runs64),
        "server_compose_cpu_s_median": statistics.median(m["timing"]["compose_cpu_s"] for m in runs64),
        "server_engrave_cpu_s_median": statistics.median(m["timing"]["engrave_cpu_s"] for m in runs64),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "raters_20x10_s": round(load_s, 2), "raters_rows": rows, "raters_errors": load_errors,
        "compose_4_at_once_s": round(together_s, 2), "compose_4_equal_alone": together == alone,
        "runs": args.runs, "peak_rss_mb": round(peak_rss_mb(), 1),
    }, args.json)


if __name__ == "__main__":
    main()
