"""The compose page in a real headless chromium: live streaming, the engraved score, audio, a key change,
an error shown in the page, and a screenshot (looked at by a person: see the README)."""

from __future__ import annotations

import os
from pathlib import Path

from selenium.webdriver.common.by import By

from tests.web.conftest import pick_key, wait_for


def _set(driver, element_id: str, value) -> None:
    driver.execute_script("document.getElementById(arguments[0]).value = arguments[1];", element_id, str(value))


def _compose(driver, server, key: str, length: int, tempo: int, seed: int = 0) -> None:
    driver.get(server.url + "/")
    wait_for(driver, "window.modesnn && window.modesnn.config", 20, "the page's configuration")
    pick_key(driver, "", key)
    _set(driver, "length", length)
    _set(driver, "tempo", tempo)
    _set(driver, "seed", seed)
    driver.find_element(By.ID, "compose").click()


def test_compose_streams_then_engraves_four_staves_with_audio(browser, server, tmp_path: Path) -> None:
    _compose(browser, server, "G minor", 24, 480)
    # mid-stream: the piano roll is drawn and the score is not there yet
    wait_for(browser, "window.modesnn.arrivals.length >= 12", 30, "the first notes")
    assert browser.execute_script("return document.getElementById('score').hidden") is True
    browser.save_screenshot(str(tmp_path / "streaming.png"))
    wait_for(browser, "window.modesnn.done", 60, "the end of the composition")
    arrivals = browser.execute_script("return window.modesnn.arrivals")
    last = max(a["t"] for a in arrivals)
    for v in range(4):
        early = [a for a in arrivals if a["voice"] == v and a["t"] < last]
        assert len(early) >= 8, f"voice {v}: only {len(early)} notes arrived before the last one"
    staves = browser.execute_script(
        "var m = document.querySelector('#score svg g.measure'); return m ? m.querySelectorAll('g.staff').length : 0")
    assert staves == 4
    assert browser.execute_script("return document.getElementById('roll').hidden") is True
    duration = wait_for(browser, "(function(a){return a.readyState >= 1 && a.duration > 0 ? a.duration : 0})"
                                 "(document.getElementById('audio'))", 30, "playable audio")
    assert duration > 1.0
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#downloads a")]
    assert [u.rsplit("/", 1)[1] for u in links] == ["mid", "musicxml", "wav", "svg"]
    raster_bands = browser.execute_script("return window.modesnn.bands.map(b => b.label)")
    assert any(b.startswith("key ") for b in raster_bands) and any(b.startswith("soprano") for b in raster_bands)
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert fetched and all(u.startswith(server.url + "/") for u in fetched), fetched  # nothing from elsewhere
    shot = Path(os.environ.get("MODESNN_WEB_SCREENSHOT", tmp_path / "page.png"))
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


def test_key_change_in_the_page_is_sent_and_marked(browser, server) -> None:
    _compose(browser, server, "C major", 32, 600, seed=3)
    wait_for(browser, "window.modesnn.arrivals.length >= 40", 30, "half the notes")
    pick_key(browser, "new", "A major")
    browser.find_element(By.ID, "changekey").click()
    keys = wait_for(browser, "window.modesnn.keys.length && window.modesnn.keys", 30, "the key change event")
    assert keys[0]["key"] == "A major"
    wait_for(browser, "window.modesnn.done", 60, "the end")
    status = browser.find_element(By.ID, "status").text
    assert status.startswith("C major \u2192 A major")


def test_bad_length_is_a_one_line_message_in_the_page(browser, server) -> None:
    _compose(browser, server, "G major", 100000, 80)
    text = wait_for(browser, "document.getElementById('message').textContent", 20, "the error message")
    assert text.startswith("length:") and "\n" not in text and "Traceback" not in text
    assert browser.execute_script("return window.modesnn.job") is None


def test_harmonised_melody_keeps_every_note(browser, harmony_server) -> None:
    browser.get(harmony_server.url + "/")
    wait_for(browser, "window.modesnn && window.modesnn.config", 20)
    melody = "G4 G4 A4 B4:2 A4 G4 F#4 G4:2"
    _set(browser, "melody", melody)
    pick_key(browser, "h", "G major")
    browser.find_element(By.ID, "harmonize").click()
    result = wait_for(browser, "window.modesnn.harmony", 60, "the harmonisation")
    soprano = [n["pitch"] for n in result["notes"][0] if n["pitch"] is not None]
    assert soprano == [67, 67, 69, 71, 69, 67, 66, 67]
    assert len(result["notes"]) == 4
    wait_for(browser, "document.getElementById('hscore').querySelector('svg')", 30, "the harmonised score")
