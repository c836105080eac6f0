"""The web tests' fixtures: a network learned from a slice of the Bach chorales, a real uvicorn server on
a free port of 127.0.0.1, and a real headless Debian chromium driven by selenium (skipped, with the
reason, where /usr/bin/chromium or the web extra is missing)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed (pip install -e '.[web]')")
uvicorn = pytest.importorskip("uvicorn", reason="the web extra is not installed (pip install -e '.[web]')")

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
N_CHORALES = 30


@pytest.fixture(scope="session")
def chorales() -> list:
    """The first N_CHORALES four-part Bach chorales stored as MusicXML (real phrases for the test)."""
    from modesnn.corpus import MUSIC_EXTENSIONS, bach_files, load_corpus

    paths = [str(f.path) for f in bach_files() if f.path.suffix.lower() in MUSIC_EXTENSIONS][:N_CHORALES]
    return load_corpus(paths, progress=False, cache=False).pieces


@pytest.fixture(scope="session")
def web_model(chorales: list):
    from modesnn.model import ModeSNN

    model = ModeSNN()
    model.learn(chorales, sources=["bach-slice"])
    return model


class Server:
    def __init__(self, app, db: Path) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db, self.app = db, app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return self
            time.sleep(0.05)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def server(web_model, chorales, tmp_path_factory):
    from modesnn.web.app import create_app

    db = tmp_path_factory.mktemp("web") / "listening.sqlite"
    with Server(create_app(web_model, db, lambda: chorales), db) as s:
        yield s


@pytest.fixture(scope="session")
def harmony_server(chorales, tmp_path_factory):
    """A server over a model of the package's default kind learned from the same slice, for harmonising
    (skipped while this modesnn has no harmoniser)."""
    from modesnn import model as modesnn_model

    if not hasattr(modesnn_model, "harmonize"):
        pytest.skip("modesnn.model.harmonize is not on this branch yet (the harmony helper's feature)")
    from modesnn.corpus import MUSIC_EXTENSIONS, bach_files
    from modesnn.web.app import create_app
    from modesnn.workflows import learn_sources

    paths = [str(f.path) for f in bach_files() if f.path.suffix.lower() in MUSIC_EXTENSIONS][:N_CHORALES]
    model = learn_sources(paths, progress=False)[0]
    db = tmp_path_factory.mktemp("web-harmony") / "listening.sqlite"
    with Server(create_app(model, db, lambda: chorales), db) as s:
        yield s


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip(f"{CHROMIUM} or {CHROMEDRIVER} missing (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (test extra)")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required", "--window-size=1280,1500",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def wait_for(driver, script: str, timeout: float = 60.0, what: str = ""):
    """Poll a JavaScript expression until it is truthy; its value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = driver.execute_script(f"return ({script});")
        if value:
            return value
        time.sleep(0.1)
    message = driver.execute_script("var m = document.getElementById('message'); return m ? m.textContent : ''")
    raise AssertionError(f"timed out waiting for {what or script} (page says: {message!r})")


def pick_key(driver, prefix: str, name: str) -> None:
    """Choose a key in the page's tonic and mode menus (`prefix`: "" compose, "new" change, "h" harmonise)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from modesnn.theory import parse_key

    key = parse_key(name)
    Select(driver.find_element(By.ID, f"{prefix}tonic")).select_by_value(str(key.tonic))
    Select(driver.find_element(By.ID, f"{prefix}mode")).select_by_value(key.mode)
