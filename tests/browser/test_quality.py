"""Real browser: the Forecast page shows the full comparison (ETS, ARIMA), the inputs and the backtest chart."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import goto_page, main_area, pick_option, screenshot
from tests.helpers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_forecast_page_shows_classical_references_and_backtest(page, streamlit_server):  # type: ignore[no-untyped-def]
    page.goto(streamlit_server)
    main_area(page).get_by_role("heading", name="1. Data").wait_for()
    builtin = main_area(page).locator('[data-testid="stSelectbox"]').filter(has_text="Built-in series")
    pick_option(page, builtin, re.compile("Seattle daily max"))
    main_area(page).get_by_text("1,461 points", exact=False).first.wait_for()

    goto_page(page, "Train")
    box = main_area(page).get_by_label("Epochs (passes over the data)", exact=True)
    box.fill("8")
    box.press("Enter")
    main_area(page).get_by_role("button", name="Train", exact=True).click()
    wait_for(lambda: main_area(page).get_by_text("Open the forecast").count() > 0, timeout=300,
             what="the training (and ETS/ARIMA fits) to finish")

    goto_page(page, "Forecast")
    main_area(page).get_by_role("heading", name=re.compile("backtest")).wait_for()
    main_text = main_area(page).inner_text()
    assert "ARIMA" in main_text and "ETS" in main_text
    assert "What the model sees." in main_text and "day of year" in main_text
    charts = main_area(page).locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    wait_for(lambda: charts.count() >= 2, timeout=60, what="the forecast and backtest charts")
    names = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')]
        .map(p => (p.data || []).map(t => t.name))""")
    assert any(any(str(name).startswith("ETS") for name in trace_names) for trace_names in names), names
    assert any(any("ARIMA" in name for name in trace_names) and "LSTM (your model)" in trace_names
               for trace_names in names), names
    screenshot(page, "forecast-quality")
