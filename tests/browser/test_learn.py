"""Real browser: a shared link reopens the same setup; the Learn page's views after a "train 3 times" run."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SCREENSHOTS, main_area, screenshot
from tests.helpers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]



def _number(page, label: str) -> str:  # type: ignore[no-untyped-def]
    return str(main_area(page).get_by_label(label, exact=True).input_value())


def _part(page, locator, name: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshot of one element (a chart with its heading), for looking at one view at a time."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_shared_link_reopens_the_same_dataset_preset_and_settings(page, streamlit_server):  # type: ignore[no-untyped-def]
    page.goto(f"{streamlit_server}/?page=train&dataset=seattle&preset=short_window&epochs=7&units=5"
              "&learning_rate=0.002")
    main = main_area(page)
    main.get_by_role("heading", name="2. Train").wait_for()
    main.get_by_text("1,461 points", exact=False).first.wait_for()
    wait_for(lambda: _number(page, "Epochs (passes over the data)") == "7", timeout=30, what="epochs from the link")
    assert _number(page, "Look-back window (steps)") == "2"
    assert _number(page, "LSTM units (model size)") == "5"
    main.get_by_text("What to notice: With only the last 2 values", exact=False).wait_for(timeout=5_000)
    main.get_by_text("Advanced settings").click()
    assert _number(page, "Learning rate") == "0.00200"
    main.get_by_text("Share this setup").click()
    link = main.locator('[data-testid="stCode"]').first.inner_text()
    for part in ("page=train", "dataset=seattle", "preset=short_window", "epochs=7", "units=5",
                 "learning_rate=0.002"):
        assert part in link, link
    assert link.startswith(f"{streamlit_server}/?"), link
    screenshot(page, "learn-01-train-shared-link")


def test_learn_page_views_after_training_three_times(page, streamlit_server):  # type: ignore[no-untyped-def]
    page.goto(f"{streamlit_server}/?page=train&dataset=synthetic&epochs=12&units=8&window=14")
    main = main_area(page)
    main.get_by_role("heading", name="2. Train").wait_for()
    wait_for(lambda: _number(page, "Epochs (passes over the data)") == "12", timeout=30, what="settings")
    main.get_by_role("button", name=re.compile("Train 3 times")).click()
    try:
        main.get_by_role("link", name="Open the forecast").wait_for(timeout=300_000)
    except Exception:
        screenshot(page, "learn-failed-training")
        raise
    main.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for()
    _part(page, main.locator('[data-testid="stPlotlyChart"]').first, "learn-02-loss-naive-skill")
    screenshot(page, "learn-02-train-finished")

    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Learn").click()
    main.get_by_role("heading", name="4. Learn").wait_for()
    main.get_by_text("Report card").wait_for()
    charts = main.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    wait_for(lambda: charts.count() >= 5, timeout=60, what="the Learn page's charts")
    screenshot(page, "learn-03-learn-page")
    _part(page, main.locator('[data-testid="stVerticalBlock"]', has=page.get_by_text("unseen days")).last,
          "learn-04-report-card")
    plots = main.locator('[data-testid="stPlotlyChart"]')
    for index, name in enumerate(("learn-05-copycat-bars", "learn-06-copycat-lines", "learn-07-gates",
                                  "learn-09-replay", "learn-10-seed-spread")):
        _part(page, plots.nth(index), name)

    # What-if: moving a slider changes the prediction at once.
    metric = main.locator('[data-testid="stMetric"]', has_text="Prediction with your values")
    before = metric.inner_text()
    slider = main.get_by_role("slider").last
    slider.focus()
    slider.press("End")  # the largest value the slider allows
    wait_for(lambda: metric.inner_text() != before, timeout=30, what="the what-if prediction to change")
    what_if = page.locator('[data-testid="stMetric"]', has_text="Prediction with your values")
    _part(page, main.locator('[data-testid="stVerticalBlock"]', has=what_if).last, "learn-08-what-if")

    # The replay's Play button animates through the epochs.
    replay = charts.nth(3)
    replay.get_by_text("▶ Play").click()
    wait_for(lambda: "after epoch 12" in replay.inner_text(), timeout=30, what="the replay to reach the last epoch")

    page.locator('[data-testid="stSidebar"]').get_by_text("Presenter mode").click()
    wait_for(lambda: page.evaluate(
        "() => document.querySelector('[data-testid=stMain] .js-plotly-plot')._fullLayout.font.size") >= 18,
        timeout=30, what="presenter mode's larger chart text")
    screenshot(page, "learn-11-presenter-mode")
