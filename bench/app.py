"""App timings in a real headless Chromium: first render, Train page usable, live-chart overhead.

Starts ``streamlit run app.py`` on a free loopback port (as the browser tests do) and drives Debian's
``chromium`` with Playwright (no browser download).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SEATTLE_TITLE = "Seattle daily max temperature 2012–2015 (real)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _poll(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def _ray_processes() -> set[int]:
    """Live (not zombie) Ray processes on this machine: its servers and its renamed workers and agents (what
    ``tests/ray/conftest.py`` looks for, read from ``/proc`` here)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and ("ray::" in args or "ray/core/src/ray/" in args):
            found.add(int(entry.name))
    return found


@contextmanager
def server(log_path: Path, script: Path = ROOT / "app.py") -> Iterator[tuple[str, float, float]]:
    """A fresh ``streamlit run app.py`` (or ``script``); yields (url, launch time, time it accepted connections)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = log_path.open("w")
    before = _ray_processes()  # a Ray already running here (a user's cluster) is not the server's
    launched = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=script.parent, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early; see {log_path}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        _poll(healthy, 120, "the server to accept connections")
        yield url, launched, time.monotonic()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        # The server's Ray agents take up to a minute to exit after it; the next measurement must not share the
        # cores with them (a visitor's first page does not come while a previous server shuts down).
        _poll(lambda: not _ray_processes() - before, 120, "the server's Ray processes to exit", interval=0.2)


@contextmanager
def chromium() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("Debian's `chromium` is not on PATH (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _main(page: Any) -> Any:
    return page.locator('[data-testid="stMain"]')


def _goto(page: Any, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    _main(page).get_by_role("heading", name=re.compile(title)).first.wait_for()


def _train_button(page: Any) -> Any:
    return _main(page).get_by_role("button", name="Train", exact=True)


def startup(browser: Any, log_path: Path) -> dict[str, float]:
    """Seconds from ``streamlit run`` to: accepting connections, the first page's text drawn (its heading down to
    "Your series"), its chart drawn, the Train page usable.

    The browser tab is opened before the server starts, as a visitor's browser is already running: the
    seconds after the server accepts connections are the app's (HTML, JavaScript, the first script run and
    drawing the page), not Chromium creating a tab.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    with server(log_path) as (url, launched, accepted):
        opened = time.monotonic()
        page.goto(url)
        main = _main(page)
        main.get_by_role("heading", name="1. Data").wait_for()
        heading = time.monotonic()
        main.get_by_role("heading", name="Your series").wait_for()
        text = time.monotonic()
        main.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for()
        rendered = time.monotonic()
        link = page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Train")
        clicked = [0.0]

        def train_ready() -> bool:
            if _train_button(page).count() == 1:
                return bool(_train_button(page).is_enabled())
            if time.monotonic() - clicked[0] > 2:  # a click during a running script can be dropped: click again
                link.click()
                clicked[0] = time.monotonic()
            return False

        _poll(train_ready, 120, "the Train button to be enabled")
        usable = time.monotonic()
        context.close()
    return {"accept_s": accepted - launched, "first_heading_after_accept_s": heading - accepted,
            "first_text_after_accept_s": text - accepted,
            "first_render_s": rendered - launched, "first_render_after_accept_s": rendered - accepted,
            "open_to_render_s": rendered - opened,
            "train_usable_s": usable - launched, "train_usable_after_accept_s": usable - accepted}


#: The reference for the first page: a Streamlit script with one heading and one four-point Plotly chart, the
#: least a page with a Plotly chart can cost in this browser on this machine.
BARE_APP = """import plotly.graph_objects as go
import streamlit as st

st.title("1. Data")
st.plotly_chart(go.Figure(go.Scatter(y=[1, 3, 2, 4])))
"""


def bare_startup(browser: Any, log_path: Path) -> dict[str, float]:
    """Seconds from accepting connections to the heading and to the chart of :data:`BARE_APP`, timed as
    :func:`startup` times the app."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "bare.py"
        script.write_text(BARE_APP)
        with server(log_path, script) as (url, _launched, accepted):
            page.goto(url)
            main = _main(page)
            main.get_by_role("heading", name="1. Data").wait_for()
            text = time.monotonic()
            main.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for()
            rendered = time.monotonic()
    context.close()
    return {"text_after_accept_s": text - accepted, "chart_after_accept_s": rendered - accepted}


def _choose_builtin(page: Any, title: str, shown: str) -> None:
    """Pick a built-in series on the Data page and wait for its summary. The list is opened with the widget's
    Open button until the option shows (a click on the text box does not always open it headless)."""
    box = _main(page).locator('[data-testid="stSelectbox"]').filter(has_text="Built-in series")
    option = page.get_by_role("option", name=title)

    def listed() -> bool:
        if option.is_visible():
            return True
        if box.get_by_role("combobox").get_attribute("aria-expanded") != "true":
            box.get_by_role("button", name="Open").click()
        return False

    _poll(listed, 60, f"the option {title!r}", interval=0.2)
    option.click()
    try:
        _main(page).get_by_text(shown, exact=False).first.wait_for(timeout=60_000)
    except Exception as error:
        path = ROOT / "artifacts" / "bench-choose-builtin.png"
        page.screenshot(path=str(path))
        raise RuntimeError(f"{shown!r} did not show after choosing {title!r} (screenshot {path}): "
                           f"{_main(page).inner_text()[:500]!r}") from error


def live_training(browser: Any, log_path: Path) -> dict[str, float]:
    """Train the default Seattle config in the app while its page polls the live chart; the run's train seconds."""
    with server(log_path) as (url, _, _):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(300_000)
        page.goto(url)
        main = _main(page)
        main.get_by_role("heading", name="1. Data").wait_for()
        _choose_builtin(page, SEATTLE_TITLE, "1,461 points")
        _goto(page, "Train")
        _poll(lambda: _train_button(page).is_enabled(), 120, "the Train button to be enabled")
        _train_button(page).click()
        main.get_by_text("Finished:", exact=False).first.wait_for()
        _goto(page, "Forecast")
        text = main.get_by_text(re.compile(r"s of training")).first.inner_text()
        context.close()
    match = re.search(r"([0-9.]+) s of training", text)
    if match is None:
        raise RuntimeError(f"no training time on the Forecast page: {text!r}")
    return {"fit_s": float(match.group(1))}
