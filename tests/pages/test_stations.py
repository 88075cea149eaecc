"""Files of several series in the app (issue #14): the Data page's station picker with the built-in New York
airports and with an uploaded long file, what survives page changes and bad files, and the all-stations run."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
import pytest

from core.dashboard.export import stations_forecast_csv
from core.run.results import STATION_COLUMNS
from core.words import model_name
from tests.helpers import wait_for
from tests.pages.drive import chart, open_app, set_numbers, texts
from ui.session import ALL_STATIONS

pytestmark = pytest.mark.apptest


def long_csv(days: int = 60) -> bytes:
    """Two stations stacked in one long file, as NOAA exports them: station ``B`` is 20 degrees warmer."""
    dates = np.datetime64("2024-01-01") + np.arange(days)
    rows = ["STATION,NAME,DATE,TAVG"]
    for offset, (station, name) in enumerate([("USW0001", "AIRPORT A"), ("USW0002", "HILL B")]):
        rows += [f"{station},{name},{date},{offset * 20 + 5 + 3 * np.sin(day / 4):.2f}"
                 for day, date in enumerate(dates)]
    return ("\n".join(rows) + "\n").encode()


def numbers(trace: dict) -> np.ndarray:
    """A Plotly trace's ``y`` as numbers (a plain list, or Plotly's base64 typed array)."""
    y = trace["y"]
    if isinstance(y, dict):
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"])
    return np.asarray(y, dtype=float)


def test_builtin_airports_offer_a_station_picker_and_the_choice_survives_page_changes() -> None:
    at = open_app()
    at.switch_page("pages/data.py").run()
    at.selectbox(key="builtin_choice").set_value("nyc_airports").run()
    assert not at.exception
    picker = at.selectbox(key="station_pick")
    assert picker.options[:3] == ["EWR · Newark Liberty Intl", "JFK · John F Kennedy Intl", "LGA · La Guardia"]
    assert picker.value == "EWR" and at.session_state["series"].series_id == "EWR"
    figure = chart(at, "3 stations")
    assert [trace["name"] for trace in figure["data"]] == ["EWR", "JFK", "LGA"]
    picker.set_value("LGA").run()
    assert not at.exception
    series = at.session_state["series"]
    assert series.series_id == "LGA" and "La Guardia" in at.session_state["series_source"]
    assert "La Guardia" in texts(at), "the caption names the chosen station"
    at.switch_page("pages/train.py").run()
    assert "La Guardia" in texts(at)
    at.switch_page("pages/data.py").run()
    assert at.selectbox(key="station_pick").value == "LGA"
    assert at.session_state["series"].series_id == "LGA"


def test_uploaded_long_file_splits_into_stations_and_a_bad_file_keeps_them() -> None:
    at = open_app()
    at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(("noaa.csv", long_csv(), "text/csv")).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    series = at.session_state["series"]
    assert series.series_id == "USW0001" and len(series.values) == 60
    assert series.values.max() < 10, "the stations are never averaged together"
    at.selectbox(key="station_pick").set_value("USW0002").run()
    series = at.session_state["series"]
    assert series.series_id == "USW0002" and series.values.min() > 20
    at.file_uploader[0].set_value(("empty.csv", b"", "text/csv")).run()
    assert any("empty" in e.value for e in at.error)
    assert at.session_state["series"].series_id == "USW0002", "the previous good station is kept"
    assert at.selectbox(key="station_pick").value == "USW0002"
    at.selectbox(key="builtin_choice").set_value("seattle").run()
    assert "panel" not in at.session_state and "station" not in at.session_state
    assert len(at.session_state["series"].values) == 1461
    assert all(box.key != "station_pick" for box in at.selectbox), "one series: no station picker"


def test_all_stations_trains_each_in_one_job_and_the_forecast_page_compares_them() -> None:
    at = open_app()
    at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(("noaa.csv", long_csv(), "text/csv")).run()
    at.selectbox(key="station_pick").set_value(ALL_STATIONS).run()
    assert not at.exception, at.exception
    at.switch_page("pages/train.py").run()
    assert "each of the 2 stations" in texts(at)
    assert at.button(key="train_spread").disabled and at.button(key="train_auto").disabled
    assert not at.button(key="train").disabled
    assert at.radio(key="across_pick").value == "auto", "by default the model kind that wins on validation"
    set_numbers(at, epochs=2, units=4)
    at.button(key="train").click().run()
    job = at.session_state["job"]
    wait_for(lambda: job.snapshot().done, 240, what="the all-stations job")
    at.run()
    assert not at.exception, at.exception
    assert any("Trained 2 of 2 stations" in s.value for s in at.success), [s.value for s in at.success]
    run = at.session_state["run"]
    assert run.stations is not None and [s.id for s in run.stations.stations] == ["USW0001", "USW0002"]

    at.switch_page("pages/forecast.py").run()
    assert not at.exception, at.exception
    table = next(frame.value for frame in at.dataframe if "lstm_mae" in frame.value.columns)
    assert list(table.columns) == [c for c in STATION_COLUMNS if c != "error"], "no problem column: all trained"
    assert table["best_reference"].tolist() == [model_name(str(s.run.best_reference[0]), s.run.baseline_labels)
                                                for s in run.stations.stations]
    assert table["series"].tolist() == ["USW0001", "USW0002"] and table["lstm_mae"].notna().all()
    assert "of 2** trained stations" in texts(at)
    assert run.stations.model in ("each", "global") and run.stations.reason.startswith("Chose one model")
    assert any("Chose one model" in caption.value for caption in at.caption), "the page says which model and why"
    download = next(d for d in at.get("download_button") if d.proto.label == "Download all forecasts (CSV)")
    assert download is not None
    csv = pd.read_csv(io.BytesIO(stations_forecast_csv(run.stations)))
    assert csv.columns[0] == "series" and sorted(set(csv["series"])) == ["USW0001", "USW0002"]
    actual = next(t for t in chart(at, "test-span predictions")["data"] if t["name"] == "TAVG (actual)")
    assert numbers(actual).max() < 10, "the first station is drawn first"
    at.selectbox(key="forecast_station").set_value("USW0002").run()
    assert not at.exception, at.exception
    actual = next(t for t in chart(at, "test-span predictions")["data"] if t["name"] == "TAVG (actual)")
    assert numbers(actual).min() > 20, "the detail sections draw the chosen (warmer) station's run"
    at.switch_page("pages/learn.py").run()
    assert not at.exception, at.exception
    assert at.session_state["run_values"].min() < 10, "the Learn page draws the first station's run on its data"


def test_a_new_value_column_of_a_long_file_keeps_the_chosen_station() -> None:
    dates = np.datetime64("2024-01-01") + np.arange(40)
    rows = ["STATION,DATE,TMAX,TMIN"]
    for k, station in enumerate(["A", "B", "C"]):
        rows += [f"{station},{date},{10 + k * 10 + i % 5},{k * 10 + i % 3}" for i, date in enumerate(dates)]
    at = open_app()
    at.file_uploader[0].set_value(("t.csv", ("\n".join(rows) + "\n").encode(), "text/csv")).run()
    assert at.session_state["series"].value_column == "TMAX"
    at.selectbox(key="station_pick").set_value("C").run()
    at.selectbox(key="value_pick").set_value("TMIN").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    series = at.session_state["series"]
    assert (series.value_column, series.series_id) == ("TMIN", "C")
    assert series.values.iloc[:3].tolist() == [20.0, 21.0, 22.0]
    assert at.selectbox(key="station_pick").value == "C"
    at.selectbox(key="date_pick").set_value("STATION").run()
    assert any("does not contain dates" in e.value for e in at.error)
    assert at.session_state["series"].series_id == "C", "a bad column choice keeps the station"


def test_a_wide_file_offers_its_temperature_columns_as_stations() -> None:
    days = [f"2024-{1 + d // 28:02d}-{1 + d % 28:02d}" for d in range(56)]
    wide = ["date,tmax_seattle,tmax_portland,humidity"] + [f"{day},{5 + k % 3},{25 + k % 4},{60 + k % 5}"
                                                           for k, day in enumerate(days)]
    at = open_app()
    at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(("wide.csv", ("\n".join(wide) + "\n").encode(), "text/csv")).run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="station_pick")
    assert picker.options[:2] == ["tmax_seattle", "tmax_portland"] and len(picker.options) == 3  # and "All"
    picker.set_value("tmax_portland").run()
    assert at.session_state["series"].values.min() >= 25, "the second station's own column"
    next(box for box in at.selectbox if box.label == "Value column").set_value("humidity").run()  # one series
    assert "panel" not in at.session_state and at.session_state["series"].values.min() >= 60
    single = ["date,temp_c,humidity"] + [f"{day},{5 + k % 3},{60 + k % 5}" for k, day in enumerate(days)]
    fresh = open_app()
    fresh.switch_page("pages/data.py").run()
    fresh.file_uploader[0].set_value(("one.csv", ("\n".join(single) + "\n").encode(), "text/csv")).run()
    assert "panel" not in fresh.session_state and fresh.selectbox(key="value_pick").value == "temp_c"
