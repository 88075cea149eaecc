"""``core.dashboard.export``: formula-safe CSV, bundle zip, config JSON, offline figure HTML."""

from __future__ import annotations

import io
import json
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core.dashboard.export import (
    bundle_zip,
    config_json,
    figure_html,
    forecast_csv,
    forecast_view,
    neutralise_formulas,
    predictions_csv,
    stations_forecast_csv,
)
from core.errors import TrainingError
from core.evaluation.recommendation import Recommendation
from core.run.results import ForecastRun, StationRun, StationRuns


def make_run(*, usable: bool = True, freq: str = "D") -> ForecastRun:
    dates = pd.date_range("2020-04-10", periods=3, freq=freq)
    forecast = pd.DataFrame({"date": dates, "forecast": [1.5, -3.2, 0.0], "lower": [-1.0, -5.25, -2.0],
                             "upper": [4.0, -1.0, 2.0]})
    predictions = pd.DataFrame(
        {"actual": [1.0, -2.0], "lstm": [1.1, -2.2], "naive": [0.9, 1.0], "seasonal_naive": [1.0, -1.0],
         "mean": [0.1, 0.1]},
        index=pd.DatetimeIndex(pd.date_range("2020-04-08", periods=2, freq=freq), name="date"),
    )
    run = ForecastRun(config=None, status="completed", history=[], best_epoch=None, train_seconds=1.0,
                      value_column="temp", frequency=freq, season_length=7)
    if usable:
        run.model, run.predictions, run.forecast = object(), predictions, forecast
    return run


def test_the_forecast_view_leads_with_the_recommended_forecast_and_names_it():
    run = make_run()
    run.forecast = run.forecast.assign(recommended=[2.0, 2.0, 2.0], recommended_lower=[1.0] * 3,
                                       recommended_upper=[3.0] * 3, recommended_model="arima")
    run.recommendation = Recommendation("arima", {"arima": 1.0})
    run.baseline_labels = {"arima": "ARIMA(1,1,0)"}
    run.best_reference = ("naive", 0.5)
    run.reference_forecasts = {"naive": np.full(3, 9.0), "arima": np.full(3, 2.0)}
    view = forecast_view(run)
    assert list(view.columns) == ["date", "recommended", "lower", "upper", "model", "lstm", "reference"]
    assert list(view["model"]) == ["ARIMA(1,1,0)"] * 3 and list(view["recommended"]) == [2.0] * 3
    assert list(view["lstm"]) == [1.5, -3.2, 0.0] and list(view["reference"]) == [9.0] * 3
    run.best_reference = ("arima", 0.4)  # the recommended forecast is not repeated as the reference
    assert "reference" not in forecast_view(run).columns


def test_the_forecast_view_of_a_recommended_lstm_is_its_forecast_and_band():
    run = make_run()
    view = forecast_view(run)
    assert list(view.columns) == ["date", "recommended", "lower", "upper", "model"]
    assert list(view["recommended"]) == [1.5, -3.2, 0.0] and list(view["lower"]) == [-1.0, -5.25, -2.0]
    assert set(view["model"]) == {"LSTM (your model)"}
    with pytest.raises(TrainingError):
        forecast_view(make_run(usable=False))


def test_neutralise_formulas_prefixes_strings_only():
    frame = pd.DataFrame({
        "=HYPERLINK(\"http://x\")": ["=1+2", "+SUM(A1)", "-cmd", "@x", "\tq", "\rr", "plain", None],
        "value": [-3.2, 1.0, -0.5, 2.0, 0.0, -1e6, 3.0, 4.0],
        "count": [-1, 2, 3, 4, 5, 6, 7, 8],
    })
    before = frame.copy()
    safe = neutralise_formulas(frame)
    assert list(safe.columns) == ["'=HYPERLINK(\"http://x\")", "value", "count"]
    assert list(safe.iloc[:7, 0]) == ["'=1+2", "'+SUM(A1)", "'-cmd", "'@x", "'\tq", "'\rr", "plain"]
    assert pd.isna(safe.iloc[7, 0])
    assert safe["value"].dtype == np.float64 and safe["value"].iloc[0] == -3.2
    assert safe["count"].dtype == np.int64 and safe["count"].iloc[0] == -1
    pd.testing.assert_frame_equal(frame, before)  # input untouched


def test_neutralise_formulas_handles_object_columns_with_mixed_cells():
    frame = pd.DataFrame({"note": pd.Series(["=cmd", -3.2, 7], dtype=object)})
    assert list(neutralise_formulas(frame)["note"]) == ["'=cmd", -3.2, 7]


def test_forecast_csv_is_iso_utf8_and_keeps_negative_numbers():
    text = forecast_csv(make_run()).decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "date,forecast,lower,upper"
    assert lines[1] == "2020-04-10,1.5,-1.0,4.0"
    assert lines[2] == "2020-04-11,-3.2,-5.25,-1.0"
    assert "'" not in text and "\r" not in text


def test_forecast_csv_with_hourly_dates_has_times():
    lines = forecast_csv(make_run(freq="h")).decode("utf-8").splitlines()
    assert lines[1].startswith("2020-04-10T00:00:00,") and lines[2].startswith("2020-04-10T01:00:00,")


def test_predictions_csv():
    lines = predictions_csv(make_run()).decode("utf-8").splitlines()
    assert lines[0] == "date,actual,lstm,naive,seasonal_naive,mean"
    assert lines[2] == "2020-04-09,-2.0,-2.2,1.0,-1.0,0.1"


@pytest.mark.parametrize("export", [forecast_csv, predictions_csv, bundle_zip])
def test_exports_without_a_usable_run_explain_what_to_do(export):
    with pytest.raises(TrainingError, match="train a model first"):
        export(make_run(usable=False))


def test_bundle_zip_zips_what_save_bundle_writes(monkeypatch):
    written: list[Path] = []

    def save_bundle(run, directory):
        directory = Path(directory)
        (directory / "model.keras").write_bytes(b"weights")
        (directory / "meta.json").write_text(json.dumps({"value_column": run.value_column}))
        written.append(directory)

    monkeypatch.setitem(sys.modules, "core.run.bundle", types.SimpleNamespace(save_bundle=save_bundle))
    data = bundle_zip(make_run())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["meta.json", "model.keras"]
        assert json.loads(archive.read("meta.json")) == {"value_column": "temp"}
        assert archive.read("model.keras") == b"weights"
    assert written and not written[0].exists()  # temporary directory removed


def test_config_json_round_trips():
    config_module = pytest.importorskip("core.config")  # written by another helper at the same time
    config = config_module.ForecastConfig(window=14, horizon=3, epochs=5, units=8, seed=7)
    data = config_json(config)
    document = json.loads(data.decode("utf-8"))
    assert document["window"] == 14 and data.endswith(b"\n") and b"\n  " in data
    assert config_module.ForecastConfig.from_dict(document) == config


def test_figure_html_is_self_contained():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], name="a"))
    page = figure_html(fig).decode("utf-8")
    assert "<html>" in page and "Plotly.newPlot" in page
    assert len(page) > 1_000_000  # plotly.js itself is inlined
    assert 'src="https://cdn.plot.ly' not in page


def test_stations_forecast_csv_has_a_series_column_and_leaves_out_stations_without_a_model():
    values = pd.Series([1.0, 2.0], index=pd.date_range("2020-01-01", periods=2, freq="D"))
    stations = StationRuns([
        StationRun("=EWR", "Newark", values, make_run()),
        StationRun("JFK", None, values, None, error="too short"),
        StationRun("LGA", "La Guardia", values, make_run(usable=False)),
        StationRun("ISP", None, values, make_run()),
    ])
    lines = stations_forecast_csv(stations).decode("utf-8").splitlines()
    assert lines[0] == "series,name,date,forecast,lower,upper"
    assert lines[1] == "'=EWR,Newark,2020-04-10,1.5,-1.0,4.0"  # a formula-like id is neutralised, numbers stay
    assert [line.split(",")[0] for line in lines[1:]] == ["'=EWR"] * 3 + ["ISP"] * 3


def test_stations_forecast_csv_without_any_model_explains():
    values = pd.Series([1.0], index=pd.date_range("2020-01-01", periods=1, freq="D"))
    with pytest.raises(TrainingError, match="no station has a trained model"):
        stations_forecast_csv(StationRuns([StationRun("A", None, values, make_run(usable=False))]))
