"""``ui.stations``: the station picker (names shown, ids kept, "All stations" only up to ``MAX_STATIONS``), and
the Forecast page's table of every station with its picker (AppTest ``from_function``)."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.run.runners import MAX_STATIONS
from ui.session import ALL_STATIONS

pytestmark = pytest.mark.apptest

TIMEOUT = 60


def long_file(count: int, days: int = 30, name: str = "Place") -> bytes:
    dates = np.datetime64("2024-01-01") + np.arange(days)
    rows = ["station,name,date,temp"]
    for k in range(count):
        rows += [f"S{k:02d},{name} {k},{date},{k + np.sin(day / 3):.3f}" for day, date in enumerate(dates)]
    return ("\n".join(rows) + "\n").encode()


def picker_script() -> None:
    import streamlit as st

    from core.data.panel import read_panel
    from ui.session import current_panel, set_panel
    from ui.stations import station_picker

    if current_panel() is None:
        set_panel(read_panel(st.session_state["file"]), "File: test.csv")
    panel = current_panel()
    assert panel is not None
    station_picker(panel)
    st.markdown(f"series {st.session_state['series'].series_id}")


def _open(data: bytes) -> AppTest:
    at = AppTest.from_function(picker_script, default_timeout=TIMEOUT)
    at.session_state["file"] = data
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_picker_shows_names_keeps_ids_and_offers_all_stations() -> None:
    hostile = "<b>Hill</b> [x](javascript:alert(1))"
    at = _open(long_file(3, name=hostile))
    picker = at.selectbox(key="station_pick")
    assert picker.options == [f"S0{k} · {hostile} {k}" for k in range(3)] + [
        "All 3 stations (Train trains each in turn)"]
    picker.set_value("S02").run()
    assert at.markdown[-1].value == "series S02"
    picker = at.selectbox(key="station_pick")
    at.selectbox(key="station_pick").set_value(ALL_STATIONS).run()
    assert at.session_state["station"] == ALL_STATIONS and at.markdown[-1].value == "series S00"


def test_no_all_stations_choice_above_the_limit() -> None:
    at = _open(long_file(MAX_STATIONS + 1, days=20))
    options = at.selectbox(key="station_pick").options
    assert len(options) == MAX_STATIONS + 1 and not any(option.startswith("All") for option in options)
