"""Real-browser tests: headless Debian Chromium (Playwright) against `streamlit run app.py` on loopback."""

from __future__ import annotations

import re
import tomllib

import pytest

from tests.browser.conftest import goto_page, main_area, screenshot, serve_app, set_number
from tests.helpers import ROOT, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOSS_POINTS_JS = """() => {
  const plots = document.querySelectorAll('[data-testid="stMain"] [data-testid="stPlotlyChart"] .js-plotly-plot');
  for (const plot of plots) {
    const trace = (plot.data || []).find(t => t.name === 'training loss');
    if (trace) return (trace.y || []).length;
  }
  return -1;
}"""


def _loss_points(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.evaluate(LOSS_POINTS_JS))


def test_train_live_then_stop_then_forecast(page, streamlit_server):  # type: ignore[no-untyped-def]
    page.goto(streamlit_server)
    main_area(page).get_by_role("heading", name="1. Data").wait_for()
    main_area(page).get_by_text("20 points", exact=False).first.wait_for()
    main_area(page).locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for()
    main_area(page).locator('[data-testid="stDataFrame"]').first.wait_for()
    screenshot(page, "01-data")

    goto_page(page, "Train")
    # Long enough to watch: many epochs of batch size 1 on the 20-day tutorial series.
    set_number(page, "Epochs (passes over the data)", 2000)
    main_area(page).get_by_role("button", name="Train", exact=True).click()

    wait_for(lambda: _loss_points(page) >= 3, timeout=120, what="the live loss chart to show 3 epochs")
    before = _loss_points(page)
    wait_for(lambda: _loss_points(page) > before, timeout=60, what="the loss chart to grow")
    screenshot(page, "02-train-running")

    # Another widget mid-run must not kill the training.
    main_area(page).get_by_text("Logarithmic loss axis").click()
    during = _loss_points(page)
    wait_for(lambda: _loss_points(page) > during + 1, timeout=60, what="training to continue after a widget click")

    main_area(page).get_by_role("button", name="Stop").click()
    main_area(page).get_by_text("Stopped by you").wait_for(timeout=60_000)
    stopped_at = _loss_points(page)
    assert stopped_at < 2000
    screenshot(page, "03-train-stopped")

    goto_page(page, "Forecast")
    main = main_area(page)
    main.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    main.get_by_role("button", name=re.compile("chart \\(HTML\\)")).wait_for()
    labels = main.locator('[data-testid="stDownloadButton"] button').all_inner_texts()
    assert len(labels) >= 4 and all(label.strip().startswith("Download") for label in labels), labels
    alerts = main.locator('[data-testid="stAlert"]').all_inner_texts()
    assert alerts and "The LSTM " in alerts[0] and "on the test period" in alerts[0], alerts  # the lead first
    assert any("does not beat" in text or "better than simply repeating" in text for text in alerts[1:]), alerts
    screenshot(page, "04-forecast")


def test_bad_upload_keeps_data_and_hostile_names_are_text(page, streamlit_server, tmp_path):  # type: ignore[no-untyped-def]
    page.goto(streamlit_server)
    main = main_area(page)
    main.get_by_text("20 points", exact=False).first.wait_for()

    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"\x00\x01\x02\x89PNG\x00\x00binary")
    main.locator('input[type="file"]').set_input_files(str(bad))
    main.get_by_text("This is not a text CSV file", exact=False).wait_for()
    assert main.get_by_text("20 points", exact=False).count() >= 1, "previous data must be kept"
    screenshot(page, "05-data-bad-upload")

    hostile = tmp_path / "hostile.csv"
    name = "<img src=x onerror=alert(1)>"
    rows = "\n".join(f"2024-01-{day:02d},{10 + day % 5}" for day in range(1, 29))
    hostile.write_text(f"date,{name}\n{rows}\n", encoding="utf-8")
    main.locator('input[type="file"]').set_input_files(str(hostile))
    main.get_by_text("28 points", exact=False).first.wait_for()
    page.locator('[data-testid="stSidebar"]').get_by_text("Data: 28 points").wait_for()  # updated in the same run
    main.get_by_text(name, exact=False).first.wait_for()
    assert page.locator('img[src="x"]').count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]
    screenshot(page, "06-data-hostile-column")


def test_a_file_over_the_upload_cap_is_refused_in_the_browser(page, streamlit_server, tmp_path):  # type: ignore[no-untyped-def]
    cap_mb = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    big = tmp_path / "big.csv"
    line = b"2020-01-01,12.5\n"
    big.write_bytes(b"date,temp\n" + line * ((cap_mb * 1024 * 1024) // len(line) + 1000))
    page.goto(streamlit_server)
    main = main_area(page)
    main.get_by_text("20 points", exact=False).first.wait_for()
    main.locator('input[type="file"]').set_input_files(str(big))
    main.get_by_text(re.compile(rf"{cap_mb}(\.0)? ?MB", re.I)).first.wait_for(timeout=30_000)
    screenshot(page, "catalogue-upload-cap")
    assert main.get_by_text("20 points", exact=False).count() >= 1, "the previous data is kept"
    assert page.locator('[data-testid="stSidebar"]').get_by_text("Data: 20 points").count() == 1


def _start_long_training(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    main_area(page).get_by_role("heading", name="1. Data").wait_for()
    goto_page(page, "Train")
    set_number(page, "Epochs (passes over the data)", 2000)
    main_area(page).get_by_role("button", name="Train", exact=True).click()


def test_second_session_queues_and_closing_the_first_tab_frees_the_slot(browser):  # type: ignore[no-untyped-def]
    """On a server with one training worker (``LSTM_WORKERS=1``) the second session waits for the first."""
    with serve_app("streamlit-one-worker.log", LSTM_WORKERS="1") as url:
        first_context = browser.new_context(viewport={"width": 1400, "height": 1000})
        second_context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            first, second = first_context.new_page(), second_context.new_page()
            for tab in (first, second):
                tab.set_default_timeout(60_000)
            _start_long_training(first, url)
            main_area(first).get_by_text("Training: epoch").wait_for(timeout=120_000)

            _start_long_training(second, url)
            main_area(second).get_by_text("number 1 in the queue").wait_for()
            screenshot(second, "07-train-queued")

            first_context.close()  # the tab closes: its job must be cancelled and the slot freed
            main_area(second).get_by_text("Training: epoch").wait_for(timeout=60_000)
            main_area(second).get_by_role("button", name="Stop").click()
            main_area(second).get_by_text("Stopped by you").wait_for()
        finally:
            first_context.close()  # a no-op when already closed
            second_context.close()


def test_a_direct_page_link_on_a_fresh_server_goes_through_the_router(browser):  # type: ignore[no-untyped-def]
    """Streamlit runs pages/train.py alone (old pages-folder mode) for a first visit to /train unless
    ui.router.through_app reruns it through app.py; a server of its own makes this the first visit."""
    with serve_app("streamlit-server-direct-link.log") as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.goto(f"{url}/train")
            main_area(page).get_by_role("heading", name="2. Train").wait_for(timeout=60_000)
            nav = page.locator('[data-testid="stSidebarNav"]')
            nav.get_by_role("link", name="Learn").wait_for()
            links = nav.get_by_role("link").all_inner_texts()
            assert [text.split()[-1] for text in links] == ["Data", "Train", "Forecast", "Learn"]
            status = page.locator('[data-testid="stSidebar"]').get_by_text(re.compile(r"^Data: [0-9,]+ points$"))
            status.wait_for()  # app.py's sidebar status, drawn after the page
            screenshot(page, "direct-link-train")
        finally:
            context.close()
