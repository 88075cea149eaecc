"""A training worker killed mid-training (SIGKILL, as the kernel's out-of-memory killer does): only that job ends,
as failed with a plain message; the server stays up, the session keeps its data and its previous model, and the
next training runs on a fresh worker."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator

import pytest

from tests.browser.conftest import goto_page, main_area, screenshot, serve_app, set_number, training_workers
from tests.helpers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WORKER_LOST_TEXT = "The training worker stopped unexpectedly"


@pytest.fixture()
def own_server() -> Iterator[tuple[str, str]]:
    """A server of this test's own (its workers get killed): (base URL, its Ray session directory)."""
    ray_dir = tempfile.mkdtemp(prefix="lstm-ray-kill-")
    with serve_app("streamlit-faults.log", ray_dir=ray_dir) as url:
        yield url, ray_dir


def _train(page, epochs: int) -> None:  # type: ignore[no-untyped-def]
    set_number(page, "Epochs (passes over the data)", epochs)
    main_area(page).get_by_role("button", name="Train", exact=True).click()


def test_a_killed_worker_fails_only_its_job_and_keeps_the_model(browser, own_server):  # type: ignore[no-untyped-def]
    url, ray_dir = own_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        main = main_area(page)
        main.get_by_text("20 points", exact=False).first.wait_for()
        goto_page(page, "Train")
        _train(page, 5)
        main.get_by_text("Finished", exact=False).first.wait_for(timeout=180_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("A trained model is ready").wait_for()

        _train(page, 2000)
        main.get_by_text("Training: epoch", exact=False).first.wait_for(timeout=120_000)
        before = training_workers(ray_dir)
        assert before, "the server's training workers"
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        lost = main.get_by_text(WORKER_LOST_TEXT, exact=False).first
        lost.wait_for(timeout=60_000)
        screenshot(page, "faults-01-worker-lost")
        assert ".." not in lost.inner_text() and lost.inner_text().count("kept") == 1, lost.inner_text()
        assert main.locator('[data-testid="stException"]').count() == 0
        sidebar.get_by_text("A trained model is ready").wait_for()
        sidebar.get_by_text("Data: 20 points").wait_for()

        goto_page(page, "Forecast")
        main.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for()

        goto_page(page, "Train")
        _train(page, 5)
        main.get_by_text("Finished", exact=False).first.wait_for(timeout=180_000)
        fresh = wait_for(lambda: training_workers(ray_dir), timeout=60, what="the fresh training workers")
        assert not set(fresh) & set(before), "the next training ran on fresh workers"
        assert main.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()
