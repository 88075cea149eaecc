"""Real browser: choose another column of an uploaded file as an input on the Train page, train, see it named."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from tests.browser.conftest import goto_page, main_area, pick_option, screenshot, set_number

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _weather_csv(tmp_path, days: int = 90):  # type: ignore[no-untyped-def]
    t = np.arange(days)
    frame = pd.DataFrame({
        "date": pd.date_range("2024-01-01", periods=days, freq="D").strftime("%Y-%m-%d"),
        "temperature_c": np.round(10 + 5 * np.sin(2 * np.pi * t / 7) + 0.05 * t, 2),
        "humidity": np.round(60 + 20 * np.cos(2 * np.pi * t / 7), 1),
        "wind_kmh": np.round(12 + 3 * np.sin(t / 5), 1),
    })
    path = tmp_path / "weather.csv"
    frame.to_csv(path, index=False)
    return path


def test_covariate_picker_feeds_the_trained_model(page, streamlit_server, tmp_path):  # type: ignore[no-untyped-def]
    page.goto(streamlit_server)
    main = main_area(page)
    main.get_by_role("heading", name="1. Data").wait_for()
    main.locator('input[type="file"]').set_input_files(str(_weather_csv(tmp_path)))
    main.get_by_text("90 points", exact=False).first.wait_for()

    goto_page(page, "Train")
    main.get_by_text("Advanced settings").click()
    picker = main.locator(".st-key-cfg_covariates")
    picker.wait_for()
    pick_option(page, picker, "humidity")
    page.keyboard.press("Escape")
    picker.get_by_text("humidity").wait_for()
    main.get_by_text("hold each one at its last observed value", exact=False).wait_for()
    picker.scroll_into_view_if_needed()
    screenshot(page, "train-covariates")

    set_number(page, "Epochs (passes over the data)", 2)
    set_number(page, "LSTM units (model size)", 4)
    main.get_by_role("button", name="Train", exact=True).click()
    main.get_by_text(re.compile("Finished|Stopped")).first.wait_for(timeout=120_000)

    goto_page(page, "Forecast")
    main.get_by_text("column 'humidity' (last value held ahead)", exact=False).wait_for()
    assert main.get_by_text("wind_kmh", exact=False).count() == 0, "only the chosen column is an input"
