"""``ui.stations``: the station picker (names shown, ids kept, "All stations" only up to ``MAX_STATIONS``), and
the Forecast page's table of every station with its picker (AppTest ``from_function``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.run.results import MAX_STATIONS
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
        "All 3 stations (Train trains each)"]
    picker.set_value("S02").run()
    assert at.markdown[-1].value == "series S02"
    picker = at.selectbox(key="station_pick")
    at.selectbox(key="station_pick").set_value(ALL_STATIONS).run()
    assert at.session_state["station"] == ALL_STATIONS and at.markdown[-1].value == "series S00"


def test_no_all_stations_choice_above_the_limit() -> None:
    at = _open(long_file(MAX_STATIONS + 1, days=20))
    options = at.selectbox(key="station_pick").options
    assert len(options) == MAX_STATIONS + 1 and not any(option.startswith("All") for option in options)


def table_script() -> None:
    import pandas as pd
    import streamlit as st

    from core.run.results import ForecastRun, StationRun, StationRuns
    from ui.stations import chosen_station, station_table

    values = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-01-01", periods=3, freq="D"))
    forecast = pd.DataFrame({"date": pd.date_range("2024-01-04", periods=2, freq="D"), "forecast": [1.0, 2.0],
                             "lower": [0.0, 1.0], "upper": [2.0, 3.0]})

    def run(lstm: float) -> ForecastRun:
        return ForecastRun(config=None, status="completed", history=[], best_epoch=1, train_seconds=1.0,  # type: ignore[arg-type]
                           value_column="temp", frequency="D", season_length=7, model=object(),  # type: ignore[arg-type]
                           predictions=pd.DataFrame({"actual": [1.0]}), forecast=forecast,
                           metrics={"lstm": {"mae": lstm}, "arima": {"mae": 1.0}}, best_reference=("arima", 1.0),
                           baseline_labels={"arima": "ARIMA(1,0,0)"}, interval_coverage=0.9)

    stations = StationRuns([StationRun("A", "Alpha", values, run(0.5)),
                            StationRun("B", None, values, None, error="The series is too short."),
                            StationRun("C", "Gamma", values, run(2.0))])
    station_table(stations, "°C")
    shown = chosen_station(stations)
    st.markdown(f"shown {None if shown is None else shown.id}")


def test_the_station_table_gives_each_verdict_and_the_picker_offers_trained_stations_only() -> None:
    at = AppTest.from_function(table_script, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert table["series"].tolist() == ["A", "B", "C"]
    names = table["best_reference"].tolist()
    assert names[::2] == ["ARIMA(1,0,0)", "ARIMA(1,0,0)"] and pd.isna(names[1])  # the fitted variant's own name
    assert table["beats_best_reference"].tolist()[::2] == [True, False] and pd.isna(table["beats_best_reference"][1])
    assert table["error"].tolist() == ["", "The series is too short.", ""]
    assert "**1 of 2** trained stations" in at.markdown[0].value
    assert at.selectbox(key="forecast_station").options == ["A · Alpha", "C · Gamma"]
    assert at.markdown[-1].value == "shown A"
    at.selectbox(key="forecast_station").set_value("C").run()
    assert at.markdown[-1].value == "shown C"
    assert at.get("download_button")[0].proto.label == "Download all forecasts (CSV)"


def test_a_station_left_out_of_the_file_is_reported_beside_the_picker() -> None:
    rows = long_file(2).decode().rstrip("\n").split("\n") + ["S09,Short,2024-01-01,1.0", "S09,Short,2024-01-02,2.0"]
    at = _open(("\n".join(rows) + "\n").encode())
    assert at.selectbox(key="station_pick").options[:2] == ["S00 · Place 0", "S01 · Place 1"]
    assert any("1 of 3 series could not be used and were left out: 'S09'" in i.value.replace("\\", "")
               for i in at.info), [i.value for i in at.info]
