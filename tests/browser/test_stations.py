"""Real browser: a long file of two stations uploaded, a station chosen, then every station trained in one job and
compared on the Forecast page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import goto_page, main_area, pick_option, screenshot, set_number
from tests.pages.test_stations import long_csv

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_upload_a_long_file_choose_a_station_and_train_every_station(page, streamlit_server, tmp_path):  # type: ignore[no-untyped-def]
    page.goto(streamlit_server)
    main = main_area(page)
    main.get_by_role("heading", name="1. Data").wait_for()
    upload = tmp_path / "noaa.csv"
    upload.write_bytes(long_csv())
    main.locator('input[type="file"]').set_input_files(str(upload))
    main.get_by_role("heading", name="Stations").wait_for()
    main.get_by_text("station USW0001 · AIRPORT A", exact=False).first.wait_for()
    picker = main.locator('[data-testid="stSelectbox"]').filter(has_text="Station")
    pick_option(page, picker, "USW0002 · HILL B")
    main.get_by_text("station USW0002 · HILL B", exact=False).first.wait_for()
    screenshot(page, "stations-data")

    pick_option(page, picker, "All 2 stations (Train trains each)")
    main.get_by_text("Train trains every station with the same settings", exact=False).first.wait_for()
    goto_page(page, "Train")
    main.get_by_text("each of the 2 stations", exact=False).first.wait_for()
    set_number(page, "Epochs (passes over the data)", 3)
    main.get_by_role("button", name="Train", exact=True).click()
    main.get_by_text("Trained 2 of 2 stations", exact=False).wait_for(timeout=240_000)

    goto_page(page, "Forecast")
    main.get_by_role("heading", name="Every station").wait_for()
    main.get_by_role("button", name="Download all forecasts (CSV)").wait_for()
    screenshot(page, "stations-forecast")
