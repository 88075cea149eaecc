"""Browser tests only: a live ``streamlit run app.py`` on a loopback port, Debian's headless Chromium driven by
Playwright, and the page helpers the tests share (``main_area``, ``goto_page``, ``pick_option``, ``set_number``,
``screenshot``). A missing ``chromium`` fails these tests; it never skips them."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ARTIFACTS, ROOT, wait_for

SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve_app(log_name: str = "streamlit-server.log", ray_dir: str | None = None, **env: str) -> Iterator[str]:
    """``streamlit run app.py`` on a loopback port, training on its own embedded Ray as a user's server does
    (in ``ray_dir``, default a fresh temp dir; ``env`` adds variables); yields the base URL once it accepts
    connections. Afterwards the server and every
    process of its Ray are gone (checked by the Ray session directory in their command lines)."""
    port = _free_port()
    log_path = ARTIFACTS / log_name
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    ray_dir = ray_dir or tempfile.mkdtemp(prefix="lstm-ray-bt-")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "LSTM_BACKEND": "ray", "LSTM_RAY_TMPDIR": ray_dir, **env},
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"streamlit exited early; see {log_path}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_for(healthy, timeout=90, interval=0.2, what="the Streamlit server to accept connections")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        try:
            wait_for(lambda: not ray_processes(ray_dir), timeout=30, interval=0.2,
                     what="the server's Ray processes to end")
        finally:
            shutil.rmtree(ray_dir, ignore_errors=True)


def _live_processes() -> Iterator[tuple[int, int, bytes]]:
    """``(pid, parent pid, command line with NULs)`` of every live (not zombie) process, from ``/proc``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if stat[0] != "Z":
            yield int(entry.name), int(stat[1]), cmdline


def training_workers(ray_dir: str) -> list[int]:
    """Process ids of the training workers of the Ray in ``ray_dir`` (the raylet's ``ray::TrainingWorker`` children)."""
    processes = list(_live_processes())
    marker = ray_dir.encode()
    raylets = {pid for pid, _, cmdline in processes if marker in cmdline and b"raylet/raylet" in cmdline}
    return [pid for pid, parent, cmdline in processes
            if parent in raylets and cmdline.startswith(b"ray::TrainingWorker")]


def ray_processes(ray_dir: str) -> list[int]:
    """Process ids whose command line names the Ray session directory ``ray_dir`` (the raylet, GCS and helpers;
    the workers are their children and end with the raylet)."""
    marker = ray_dir.encode()
    return [pid for pid, _, cmdline in _live_processes() if marker in cmdline]


@pytest.fixture(scope="session")
def streamlit_server() -> Iterator[str]:
    """One server shared by the browser tests; yields the base URL."""
    with serve_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium driven by Playwright. Missing chromium is a failure, never a skip."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's `chromium` is not on PATH: install it with `apt-get install -y chromium`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, streamlit_server):  # type: ignore[no-untyped-def]
    """A fresh browser context (its own Streamlit session) with dialogs recorded, not accepted."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """When a browser test fails, put what the page showed and the server log's tail in the failure report:
    CI keeps only the printed output, not the screenshots."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    page = item.funcargs.get("page")
    if page is not None:
        try:
            path = screenshot(page, f"failed-{item.name}")
            text = main_area(page).inner_text(timeout=5_000)
            report.sections.append(("page at the failure", f"url: {page.url}\nscreenshot: {path}\n{text[-4000:]}"))
        except Exception as error:  # noqa: BLE001 - a report must not fail because the page is gone
            report.sections.append(("page at the failure", f"could not read the page: {error}"))
    log = ARTIFACTS / "streamlit-server.log"
    if "streamlit_server" in item.funcargs and log.exists():
        tail = log.read_text(errors="replace").splitlines()[-60:]
        report.sections.append(("streamlit server log (last 60 lines)", "\n".join(tail)))


def main_area(page):  # type: ignore[no-untyped-def]
    """The page body, without the sidebar."""
    return page.locator('[data-testid="stMain"]')


def goto_page(page, title: str) -> None:  # type: ignore[no-untyped-def]
    """Open a page from the sidebar navigation and wait for its heading."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    main_area(page).get_by_role("heading", name=re.compile(re.escape(title))).first.wait_for()


def pick_option(page, widget, option: str | re.Pattern[str]) -> None:  # type: ignore[no-untyped-def]
    """Choose ``option`` (a whole label, or a pattern) in a selectbox or multiselect ``widget`` (a locator around it).

    Headless Chromium does not always open the list on a click of the text box (and a rerun that lands meanwhile
    closes it), so press the widget's own Open button until the list shows, then click the option."""
    choice = page.get_by_role("option", name=option, exact=True)

    def listed() -> bool:
        if choice.is_visible():
            return True
        if widget.get_by_role("combobox").get_attribute("aria-expanded") != "true":
            widget.get_by_role("button", name="Open").click()
        return False

    wait_for(listed, timeout=30, interval=0.2, what=f"the option {option!r} to be listed")
    choice.click()


def set_number(page, label: str, value: float) -> None:  # type: ignore[no-untyped-def]
    """Type into a number input and wait until the widget shows the value."""
    box = main_area(page).get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")
    wait_for(lambda: float(box.input_value() or "nan") == value, timeout=30, what=f"{label} = {value}")


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Streamlit scrolls inside its main container, so full_page alone clips: show the page in a tall window.
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')].map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 6000))})
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path
