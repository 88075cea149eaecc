"""``core.dashboard.charts``: traces, axes, markers, downsampling and escaping of user strings."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core.dashboard.charts import DOWNSAMPLE_ABOVE, MARKERS_UP_TO, forecast_figure, loss_figure, series_figure
from core.data.series import LoadedSeries
from core.evaluation.diagnostics import skill_per_epoch
from core.evaluation.recommendation import Recommendation
from core.model.progress import EpochRecord
from core.run.results import ForecastRun

HOSTILE = "<img src=x onerror=alert(1)>"


def make_series(n: int = 120, name: str = "temp", freq: str = "D") -> pd.Series:
    index = pd.date_range("2020-01-01", periods=n, freq=freq)
    return pd.Series(10 + 5 * np.sin(np.arange(n) / 6.0), index=index, name=name)


def make_run(values: pd.Series, *, usable: bool = True, level: float = 0.9, horizon: int = 7) -> ForecastRun:
    test = values.iloc[-30:]
    predictions = pd.DataFrame(
        {"actual": test.to_numpy(), "lstm": test.to_numpy() + 0.5,
         "naive": values.shift(1).iloc[-30:].to_numpy(),
         "seasonal_naive": values.shift(7).iloc[-30:].to_numpy(), "mean": np.full(30, 10.0)},
        index=pd.DatetimeIndex(test.index, name="date"),
    )
    dates = pd.date_range(values.index[-1] + values.index.freq, periods=horizon, freq=values.index.freq)
    forecast = pd.DataFrame({"date": dates, "forecast": np.full(horizon, 11.0),
                             "lower": np.full(horizon, -2.5), "upper": np.full(horizon, 14.0)})
    history = [EpochRecord(1, 0.5, 0.6, 0.1), EpochRecord(2, 0.3, 0.4, 0.1)]
    common = dict(config=None, status="completed", history=history, best_epoch=2, train_seconds=1.0,
                  value_column=str(values.name), frequency="D", season_length=7, interval_level=level)
    if not usable:
        return ForecastRun(**common, message="Training diverged: lower the learning rate.")
    return ForecastRun(**common, model=object(), predictions=predictions, forecast=forecast)


def strings_in(fig: go.Figure) -> list[str]:
    """Every string in the figure's JSON (what the browser receives)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key != "template":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(fig.to_json()))
    return found


def names(fig: go.Figure) -> list[str]:
    return [trace.name for trace in fig.data]


def test_series_figure_has_range_tools_and_units():
    loaded = LoadedSeries(values=make_series(800), frequency="D", date_column="date", value_column="temp_max")
    fig = series_figure(loaded, unit="°C")
    assert len(fig.data) == 1 and fig.data[0].type == "scatter" and len(fig.data[0].x) == 800
    assert fig.layout.xaxis.rangeslider.visible is True
    labels = [button.label for button in fig.layout.xaxis.rangeselector.buttons]
    assert labels == ["1m", "6m", "1y", "all"]  # 800 days: no "5y", no hourly buttons
    assert "°C" in fig.data[0].hovertemplate and fig.layout.yaxis.title.text == "temp_max (°C)"
    assert fig.layout.title.text == "temp_max: 800 points"


def test_hourly_series_gets_hourly_buttons_and_times_in_hover():
    values = make_series(24 * 40, freq="h")
    loaded = LoadedSeries(values=values, frequency="h", date_column="t", value_column="load")
    fig = series_figure(loaded)
    labels = [button.label for button in fig.layout.xaxis.rangeselector.buttons]
    assert labels == ["1d", "1w", "1m", "all"]
    assert "%H:%M" in fig.data[0].hovertemplate


def test_long_series_is_downsampled_and_keeps_peaks():
    values = make_series(DOWNSAMPLE_ABOVE * 5)
    values.iloc[12_345] = 1_000.0
    values.iloc[77_777] = -1_000.0
    loaded = LoadedSeries(values=values, frequency="D", date_column="date", value_column="temp")
    fig = series_figure(loaded)
    y = np.asarray(fig.data[0].y)
    x = pd.DatetimeIndex(fig.data[0].x)
    assert len(y) <= 4_000
    assert y.max() == 1_000.0 and y.min() == -1_000.0
    assert x.is_monotonic_increasing
    assert "showing" in fig.layout.title.text and "100,000" in fig.layout.title.text


def test_hostile_column_name_is_shown_literally():
    values = make_series(name=HOSTILE + "\n\x00second line" + "x" * 200)
    loaded = LoadedSeries(values=values, frequency="D", date_column="date", value_column=str(values.name))
    for fig in (series_figure(loaded), forecast_figure(make_run(values), values)):
        texts = strings_in(fig)
        assert not any("<img" in text for text in texts)
        assert any("&lt;img src=x onerror=alert(1)&gt;" in text for text in texts)
        assert not any("\n" in text or "\x00" in text for text in texts)
        assert len(fig.data[0].name) < 120 and "…" in fig.data[0].name


def test_unit_cannot_add_hover_template_fields():
    values = make_series()
    fig = forecast_figure(make_run(values), values, unit="%{customdata[0]}")
    assert all("%{customdata[0]}" not in (trace.hovertemplate or "") for trace in fig.data[:2])


def test_loss_figure_traces_log_axis_fixed_range_and_best_epoch():
    history = [EpochRecord(e, 1.0 / e, 1.2 / e if e != 3 else 0.1, 0.2) for e in range(1, 6)]
    fig = loss_figure(history, log_y=True, best_epoch=3, epochs=20)
    assert names(fig) == ["training loss", "validation loss"]
    assert fig.layout.yaxis.type == "log"
    assert tuple(fig.layout.xaxis.range) == (0.5, 20.5)
    assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].x0 == 3 and fig.layout.shapes[0].x1 == 3
    assert [a.text for a in fig.layout.annotations] == ["best epoch 3"]
    assert loss_figure(history).layout.yaxis.type == "linear"


def test_log_loss_axis_labels_powers_of_ten_over_a_decade_and_its_own_ticks_within_one():
    falling = [EpochRecord(e, 0.5 / e**2, None, 0.1) for e in range(1, 30)]  # 0.5 .. 0.0006: three decades
    axis = loss_figure(falling, log_y=True).layout.yaxis
    assert axis.type == "log" and axis.dtick == 1 and axis.tickformat == ".2~g"
    flat = [EpochRecord(e, 0.05 - 0.001 * e, None, 0.1) for e in range(1, 30)]  # 0.049 .. 0.021
    assert loss_figure(flat, log_y=True).layout.yaxis.dtick is None
    assert loss_figure(flat, log_y=True, naive_loss=0.9).layout.yaxis.dtick == 1, "the naive line counts too"


def test_loss_lines_drop_their_markers_for_long_trainings():
    def modes(epochs: int) -> set[str]:
        history = [EpochRecord(e, 1.0 / e, 1.1 / e, 0.1) for e in range(1, epochs + 1)]
        return {trace.mode for trace in loss_figure(history).data}

    assert modes(MARKERS_UP_TO) == {"lines+markers"}
    assert modes(MARKERS_UP_TO + 1) == {"lines"}


def test_naive_level_label_sits_on_its_line_on_both_axis_types():
    history = [EpochRecord(e, 0.5 / e, None, 0.1) for e in range(1, 10)]
    for log_y in (False, True):
        layout = loss_figure(history, log_y=log_y, naive_loss=0.2).layout
        line = next(shape for shape in layout.shapes if shape.yref == "y")
        label = next(a for a in layout.annotations if "same as previous value" in a.text)
        assert line.y0 == 0.2  # a shape takes the data value on either axis type
        assert label.y == pytest.approx(math.log10(0.2) if log_y else 0.2)  # an annotation takes its log


def test_loss_figure_without_validation_and_with_nan():
    history = [EpochRecord(1, 0.5, None, 0.1), EpochRecord(2, float("nan"), None, 0.1)]
    fig = loss_figure(history)
    assert names(fig) == ["training loss"]
    assert list(fig.data[0].y) == [0.5, None]


def test_empty_loss_figure_waits_for_first_epoch():
    fig = loss_figure([], epochs=10)
    assert [a.text for a in fig.layout.annotations] == ["Waiting for the first epoch…"]
    assert tuple(fig.layout.xaxis.range) == (0.5, 10.5) and not fig.layout.shapes


def test_forecast_figure_traces_markers_and_hover_units():
    values = make_series()
    run = make_run(values)
    fig = forecast_figure(run, values, unit="°C")
    assert names(fig) == [
        "temp (actual)", "LSTM (test span, 1 step ahead)", "Same as last step (naive)",
        "Same as one season ago (seasonal naive)", "Training average", "lower", "90 % interval",
        "LSTM forecast",
    ]
    assert all(trace.line.dash == "dot" for trace in fig.data[2:5])
    assert fig.data[6].fill == "tonexty" and fig.data[5].showlegend is False
    assert "°C" in fig.data[-1].hovertemplate and "90 % interval" in fig.data[-1].hovertemplate
    assert all("°C" in trace.hovertemplate for trace in fig.data[:5])
    assert [a.text for a in fig.layout.annotations] == ["test span starts", "forecast starts"]
    starts = [pd.Timestamp(shape.x0) for shape in fig.layout.shapes]
    assert starts == [run.predictions.index[0], run.forecast["date"].iloc[0]]
    assert min(fig.data[5].y) == -2.5  # negative interval bound drawn as is


def test_the_best_reference_is_drawn_with_its_future_and_every_other_one_is_a_legend_click_away():
    values = make_series()
    run = make_run(values)
    run.best_reference = ("seasonal_naive", 0.4)
    run.reference_forecasts = {name: np.full(7, 12.0) for name in ("naive", "seasonal_naive", "mean")}
    fig = forecast_figure(run, values, unit="°C")
    best = [t for t in fig.data if t.legendgroup == "seasonal_naive"]
    assert [t.name for t in best] == ["Same as one season ago (seasonal naive) (best reference)",
                                      "Same as one season ago (seasonal naive) forecast"]
    assert all(t.visible is True for t in best), "the best reference: test span and forecast shown at first"
    assert list(best[1].x) == list(run.forecast["date"]) and best[1].showlegend is False
    assert best[0].line.color == best[1].line.color
    others = [t for t in fig.data if t.legendgroup in ("naive", "mean")]
    assert len(others) == 4 and all(t.visible == "legendonly" for t in others)
    shown = {t.name for t in fig.data if t.visible in (None, True)}
    assert shown >= {"temp (actual)", "LSTM (test span, 1 step ahead)", "90 % interval", "LSTM forecast"}


def test_a_recommended_reference_is_drawn_once_past_the_end_as_the_recommended_forecast():
    values = make_series()
    run = make_run(values)
    run.best_reference = ("naive", 0.4)
    run.recommendation = Recommendation("naive", {"naive": 1.0})
    run.reference_forecasts = {"naive": np.full(7, 12.0)}
    run.forecast = run.forecast.assign(recommended=12.0, recommended_model="naive")
    fig = forecast_figure(run, values)
    assert [t.name for t in fig.data if len(t.x) == 7 and t.showlegend is not False] == [
        "90 % interval", "LSTM forecast", "recommended forecast: Same as last step (naive)"]
    assert "Same as last step (naive) forecast" not in names(fig)


def test_forecast_figure_without_baselines_with_tail_and_other_level():
    values = make_series()
    run = make_run(values, level=0.8)
    fig = forecast_figure(run, values, show_baselines=False, tail=10)
    assert names(fig) == ["temp (actual)", "LSTM (test span, 1 step ahead)", "lower", "80 % interval",
                          "LSTM forecast"]
    history_x = pd.DatetimeIndex(fig.data[0].x)
    assert len(history_x) == 10 + 30 and history_x[10] == run.predictions.index[0]


def test_unusable_run_shows_history_and_message_only():
    values = make_series()
    fig = forecast_figure(make_run(values, usable=False), values)
    assert names(fig) == ["temp (actual)"] and not fig.layout.shapes
    assert "lower the learning rate" in fig.layout.annotations[0].text


def test_loss_chart_has_whole_epoch_ticks_for_a_short_training():
    history = [EpochRecord(epoch=e, loss=1.0 / e, val_loss=None, seconds=0.1) for e in (1, 2, 3)]
    short = loss_figure(history, epochs=3)
    assert short.layout.xaxis.dtick == 1 and short.layout.xaxis.tick0 == 1
    long = loss_figure(history, epochs=200)
    assert long.layout.xaxis.dtick is None


def test_loss_figure_draws_the_naive_level_and_skill_per_epoch() -> None:
    history = [EpochRecord(1, 0.5, 0.4, 0.1, val_mae=0.3), EpochRecord(2, 0.4, 0.3, 0.1, val_mae=0.1)]
    fig = loss_figure(history, best_epoch=2, naive_loss=0.35, skill=skill_per_epoch(history, 0.2))
    assert any(shape.y0 == 0.35 and shape.line.dash == "dot" for shape in fig.layout.shapes)
    skill = next(t for t in fig.data if t.name.startswith("skill"))
    assert list(skill.y) == [pytest.approx(-50.0), pytest.approx(50.0)] and skill.yaxis == "y2"
    plain = loss_figure(history, best_epoch=2)
    assert not any(t.name.startswith("skill") for t in plain.data) and "yaxis2" not in plain.layout.to_plotly_json()
