"""A classroom: ten people train at once on one server (separate browser contexts = separate Streamlit sessions).

The server trains on its Ray workers, one training per worker (one per core): as many sessions train as there
are workers, the others see their queue position and start by themselves. Every training ends (at its 10 s time
limit), nothing crashes, each session's Forecast page shows its own data, and a fresh page load while the
trainings run answers: the HTML within 1 s, the rendered page within 2 s or (on a machine loaded by other work,
the ten Chromium pages included) within 8x that machine's idle page load. Figures go to
``artifacts/concurrency.json``.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
import urllib.request

import pandas as pd
import pytest

from tests.browser.conftest import goto_page, main_area, screenshot, set_number
from tests.helpers import ARTIFACTS, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SESSIONS = 10
#: Trainings at once: the server's Ray workers (one per core, as ``core.dashboard.jobs.app_manager`` starts them).
WORKERS = os.cpu_count() or 1
#: Each training's time limit: the first epoch on a new series shape traces its functions (up to ~18 s here).
TIME_LIMIT_S = 20
HTTP_ANSWER_LIMIT_S = 1.0
PAGE_LOAD_LIMIT_S = 2.0
#: How much slower than idle a page load may be while the trainings run (a stalled server is 10x and more;
#: a quiet fresh-clone CI run measured 4.8x: 1.5 s idle, 5.4-7.5 s while the four sessions trained).
BUSY_SLOWDOWN_LIMIT = 8.0
# Distinct names (none inside another), lengths and levels, so a session showing another's data is noticed.
NAMES = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
PEOPLE = [{"column": f"{name}_level", "days": 60 + 7 * k, "level": 1000.0 * k - 40.0} for k, name in enumerate(NAMES)]

TRACE_Y_JS = """(name) => {
  for (const plot of document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')) {
    // _fullData holds decoded arrays (Plotly receives numbers base64-encoded).
    const trace = (plot._fullData || []).find(t => (t.name || '').includes(name));
    if (trace) return Array.from(trace.y || []);
  }
  return null;
}"""


def _csv(person: dict, tmp_path) -> str:  # type: ignore[no-untyped-def]
    days = pd.date_range("2024-01-01", periods=person["days"], freq="D")
    rows = [f"{day:%Y-%m-%d},{person['level'] + (i % 7) * 0.5:.2f}" for i, day in enumerate(days)]
    path = tmp_path / f"{person['column']}.csv"
    path.write_text(f"date,{person['column']}\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def _prepare(page, url: str, person: dict, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Upload this person's series and fill in a small config that trains for the time limit."""
    page.goto(url)
    main = main_area(page)
    main.get_by_role("heading", name="1. Data").wait_for()
    main.locator('input[type="file"]').set_input_files(_csv(person, tmp_path))
    main.get_by_text(f"{person['days']} points", exact=False).first.wait_for()
    goto_page(page, "Train")
    set_number(page, "Epochs (passes over the data)", 2000)
    set_number(page, "LSTM units (model size)", 4)
    main.get_by_text("Advanced settings").click()
    set_number(page, "Time limit (seconds)", TIME_LIMIT_S)


def _status(page) -> str:  # type: ignore[no-untyped-def]
    main = main_area(page)
    for pattern in (r"number \d+ in the queue", "Training: epoch", "Stopped at the time limit", "Finished"):
        texts = main.get_by_text(re.compile(pattern)).all_inner_texts()  # no waiting: the page reruns twice a second
        if texts:
            return texts[0]
    return ""


def _state(status: str) -> str:
    """What a status says about the queue: its position, training, or ended (the elapsed seconds left out)."""
    if match := re.search(r"number (\d+) in the queue", status):
        return match.group(1)
    return "training" if "Training: epoch" in status else status.split(":")[0]


def _one_moment(pages) -> list[str] | None:  # type: ignore[no-untyped-def]
    """Every page's status, when a second sweep finds each page in the same state (else None: the queue moved).

    Positions only go down and trainings only end, so if the queue moved during the first sweep, a page read
    before the move differs in the second sweep; equal sweeps are one moment of the queue.
    """
    first = [_status(p) for p in pages]
    second = [_status(p) for p in pages]
    same = [_state(s) for s in first] == [_state(s) for s in second]
    return first if same and all(first) else None


def _http_seconds(url: str) -> float:
    """Time for the server to answer the app's HTML page over plain HTTP."""
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
    return time.monotonic() - started


def _page_load_seconds(browser, url: str) -> float:  # type: ignore[no-untyped-def]
    """Time from navigation to the first rendered element (the Data page's title) in a new session."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        started = time.monotonic()
        page.goto(url)
        main_area(page).get_by_role("heading", name="1. Data").wait_for(timeout=30_000)
        return time.monotonic() - started
    finally:
        context.close()


def test_ten_sessions_train_at_once_queue_and_keep_their_own_data(browser, streamlit_server, tmp_path):  # type: ignore[no-untyped-def]
    _page_load_seconds(browser, streamlit_server)  # warm-up: the first load also fills Streamlit's caches
    idle_loads = [_page_load_seconds(browser, streamlit_server) for _ in range(3)]

    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(SESSIONS)]
    pages = [context.new_page() for context in contexts]
    dialogs: list[str] = []
    try:
        for page, person in zip(pages, PEOPLE, strict=True):
            page.set_default_timeout(60_000)
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            _prepare(page, streamlit_server, person, tmp_path)

        started = time.monotonic()
        for page in pages:  # ten clicks within a few seconds
            main_area(page).get_by_role("button", name="Train", exact=True).click()
        for page in pages:
            wait_for(lambda p=page: _status(p), timeout=60, what="a training status")
        # The statuses are read one page after another, and the queue moves on when a training ends: a sweep is one
        # moment of the queue only when the next sweep finds every page in the same state.
        first_status = wait_for(lambda: _one_moment(pages), timeout=120, what="two sweeps of the same queue")
        assert sum("Training: epoch" in s for s in first_status) <= WORKERS, first_status
        positions = sorted(int(m.group(1)) for s in first_status if (m := re.search(r"number (\d+) in", s)))
        assert positions and positions == list(range(1, len(positions) + 1)), first_status
        # most people queued: at most a round or two of trainings ended before the queue was read in one moment
        assert len(positions) >= SESSIONS - 3 * WORKERS, first_status
        queued_page = next(page for page, s in zip(pages, first_status, strict=True) if "in the queue" in s)
        screenshot(queued_page, "concurrency-01-queued")

        busy_loads, busy_http = [], []
        while len(busy_loads) < 3:  # page loads while trainings run
            busy_http.append(_http_seconds(streamlit_server))
            busy_loads.append(_page_load_seconds(browser, streamlit_server))
            assert any("Training: epoch" in _status(p) or "queue" in _status(p) for p in pages), "trainings ended early"

        def all_done() -> bool:
            return all("Stopped at the time limit" in _status(p) or "Finished" in _status(p) for p in pages)

        wait_for(all_done, timeout=SESSIONS * (TIME_LIMIT_S + 60), interval=0.5, what="every training to end")
        total = time.monotonic() - started
        final_status = [_status(p) for p in pages]
        screenshot(pages[-1], "concurrency-02-last-finished")

        for page, person in zip(pages, PEOPLE, strict=True):
            main = main_area(page)
            assert main.locator('[data-testid="stException"]').count() == 0
            goto_page(page, "Forecast")
            try:
                main.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for(timeout=120_000)
            except Exception as error:
                screenshot(page, f"concurrency-failed-forecast-{person['column']}")
                raise AssertionError(f"no forecast chart for {person['column']}; the Train page said: "
                                     f"{final_status}") from error
            assert main.locator('[data-testid="stException"]').count() == 0
            main.get_by_text(person["column"], exact=False).first.wait_for()
            for other in PEOPLE:
                if other is not person:
                    assert main.get_by_text(other["column"], exact=False).count() == 0, (person, other)
            actual = page.evaluate(TRACE_Y_JS, "(actual)")
            assert actual, "the chart has no actual-data trace"
            assert all(person["level"] - 1 <= y <= person["level"] + 4 for y in actual), (person, actual[:5])
            assert page.locator('[data-testid="stSidebar"]').get_by_text(f"Data: {person['days']} points").count()
            screenshot(page, f"concurrency-03-forecast-{person['column']}")
        assert dialogs == []
    finally:
        for context in contexts:
            context.close()

    figures = {
        "sessions": SESSIONS,
        "workers": WORKERS,
        "queue_positions_seen": positions,
        "page_load_idle_s": [round(s, 2) for s in idle_loads],
        "page_load_while_training_s": [round(s, 2) for s in busy_loads],
        "http_answer_while_training_s": [round(s, 3) for s in busy_http],
        "all_trainings_ended_after_s": round(total, 1),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "concurrency.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures))
    assert max(busy_http) < HTTP_ANSWER_LIMIT_S, figures  # the server itself answers at once
    # Goal: a page (JS bundle, websocket, first script run) loads within 2 s while others train. On a machine
    # busy with other work the bound scales with the same machine's idle page load; measured on the 2-core
    # machine with trainings in the web process: 1.5-1.8 s idle, 5-7.5 s while four sessions trained.
    bound = max(PAGE_LOAD_LIMIT_S, BUSY_SLOWDOWN_LIMIT * statistics.median(idle_loads))
    assert statistics.median(busy_loads) < bound, figures
