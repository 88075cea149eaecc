"""Real browser: the Forecast page shows the full comparison (ETS, ARIMA), the inputs and the backtest chart."""

from __future__ import annotations

import re

import pytest

from tests.conftest import screenshot, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _main(page):  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stMain"]')


def _goto(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    _main(page).get_by_role("heading", name=re.compile(title)).first.wait_for()


def test_forecast_page_shows_classical_references_and_backtest(page, streamlit_server):  # type: ignore[no-untyped-def]
    page.goto(streamlit_server)
    _main(page).get_by_role("heading", name="1. Data").wait_for()
    _main(page).locator('[data-testid="stSelectbox"]').filter(has_text="Built-in series").click()
    page.get_by_role("option", name=re.compile("Seattle daily max")).click()
    _main(page).get_by_text("1,461 points", exact=False).first.wait_for()

    _goto(page, "Train")
    box = _main(page).get_by_label("Epochs (passes over the data)", exact=True)
    box.fill("8")
    box.press("Enter")
    _main(page).get_by_role("button", name="Train", exact=True).click()
    wait_for(lambda: _main(page).get_by_text("Open the forecast").count() > 0, timeout=300,
             what="the training (and ETS/ARIMA fits) to finish")

    _goto(page, "Forecast")
    _main(page).get_by_role("heading", name=re.compile("backtest")).wait_for()
    main_text = _main(page).inner_text()
    assert "ARIMA" in main_text and "ETS" in main_text
    assert "What the model sees." in main_text and "day of year" in main_text
    charts = _main(page).locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    wait_for(lambda: charts.count() >= 2, timeout=60, what="the forecast and backtest charts")
    names = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')]
        .map(p => (p.data || []).map(t => t.name))""")
    assert any("ETS (statsmodels)" in trace_names for trace_names in names), names
    assert any(any("ARIMA" in name for name in trace_names) and "LSTM (your model)" in trace_names
               for trace_names in names), names
    screenshot(page, "forecast-quality")
