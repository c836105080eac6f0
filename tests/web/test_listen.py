"""The listening test: five trials answered in the browser are five rows, and `listen-results` counts them."""

from __future__ import annotations

import sqlite3

from selenium.webdriver.common.by import By

from modesnn.cli import main
from modesnn.web.listen_db import summarise, wilson
from tests.web.conftest import wait_for


def _rows(db) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT rater, experience, first_system, second_system, chosen, chosen_system, "
                            "response_s FROM answers WHERE rater = 'ada'").fetchall()
    finally:
        conn.close()


def test_five_trials_are_five_rows_and_counted(browser, server, capsys) -> None:
    browser.get(server.url + "/listen")
    browser.find_element(By.ID, "rater").send_keys("ada")
    browser.find_element(By.ID, "next").click()
    for i in range(5):
        wait_for(browser, "window.modesnnListen.trial !== null && !window.modesnnListen.busy", 60, f"trial {i + 1}")
        if i == 0:  # both excerpts are real audio
            for el in ("first", "second"):
                wait_for(browser, f"document.getElementById('{el}').duration > 0", 30, f"audio of {el}")
        browser.find_element(By.ID, "choose-first" if i % 2 else "choose-second").click()
        wait_for(browser, f"window.modesnnListen.answered === {i + 1}", 30, f"answer {i + 1} stored")
    rows = _rows(server.db)
    assert len(rows) == 5
    for _rater, _exp, first, second, chosen, chosen_system, response_s in rows:
        assert {first, second} == {"bach", "modesnn"}
        assert chosen_system == (first if chosen == "first" else second)
        assert response_s >= 0
    assert [r[4] for r in rows] == ["second", "first", "second", "first", "second"]
    assert main(["listen-results", "--db", str(server.db)]) == 0
    out = capsys.readouterr().out
    ada = [line for line in out.splitlines() if line.startswith("ada ")]
    assert len(ada) == 1 and ada[0].split()[-2] == "5"


def test_wilson_interval_matches_the_formula() -> None:
    lo, hi = wilson(5, 10)
    assert abs(lo - 0.2366) < 1e-3 and abs(hi - 0.7634) < 1e-3
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and abs(hi - 0.1611) < 1e-3


def test_summary_counts_each_system_once_per_trial() -> None:
    rows = [{"first_system": "bach", "second_system": "modesnn", "chosen_system": s, "rater": r, "experience": ""}
            for s, r in (("bach", "a"), ("modesnn", "a"), ("bach", "b"))]
    s = summarise(rows)
    assert s["systems"]["modesnn"]["trials"] == 3 and s["systems"]["modesnn"]["judged_human"] == 1
    assert s["systems"]["bach"]["judged_human"] == 2
    assert s["raters"]["a"]["answers"] == 2 and s["raters"]["b"]["chose_bach"] == 1
