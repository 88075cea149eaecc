"""Runners: the replay recorder stays bounded and evenly spaced, replays are reproducible and match the run, the
seed spread trains with consecutive seeds and stops after the current training, covariates reach every runner;
every station in turn with the same settings, Stop leaving the later stations untrained."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pandas as pd
import pytest

from core.config import ForecastConfig
from core.dashboard.report import report_card
from core.errors import DataError, TrainingError
from core.evaluation.diagnostics import naive_level
from core.model.progress import EpochRecord, TrainControl
from core.model.windows import prepare_series
from core.run.results import STATION_COLUMNS, ForecastRun, StationRun
from core.run.runners import (
    MAX_STATIONS,
    ReplayRecorder,
    panel_runner,
    replay_runner,
    seed_spread,
    seed_spread_runner,
    train_stations,
)
from tests.core.fakes import TINY, daily


class _Constant:
    """Stands in for a model in ``predict_scaled``: predicts ``epoch`` for every row."""

    def __init__(self) -> None:
        self.value = 0.0

    def predict_on_batch(self, x: np.ndarray) -> np.ndarray:
        return np.full((len(x), 1), self.value, np.float32)


def test_replay_recorder_stays_bounded_and_evenly_spaced() -> None:
    recorder = ReplayRecorder(daily(), TINY, max_snapshots=10, max_points=5)
    model = _Constant()
    for epoch in range(1, 101):
        model.value = float(epoch)
        recorder(EpochRecord(epoch, 1.0, None, 0.1), model)  # type: ignore[arg-type]
    replay = recorder.replay
    assert 5 <= len(replay.epochs) <= 10
    gaps = np.diff(replay.epochs)
    assert (gaps == gaps[0]).all() and replay.epochs[-1] >= 90
    assert all(p.shape == (5,) for p in replay.predictions)
    assert len(replay.dates) == 5 and len(replay.actual) == 5


def test_replay_snapshots_are_reproducible_and_follow_training() -> None:
    values = daily()
    control = TrainControl()
    first = replay_runner(values, TINY, control)
    second = replay_runner(values, TINY, TrainControl())
    assert first.replay is not None and second.replay is not None
    assert first.replay.epochs == [1, 2, 3]
    for a, b in zip(first.replay.predictions, second.replay.predictions, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first.replay.predictions[0], first.replay.predictions[-1])
    # The snapshot of the kept epoch is the forecast the run reports on the same dates.
    kept = first.replay.epochs.index(first.best_epoch)
    shown = first.predictions["lstm"].loc[first.replay.dates].to_numpy()
    np.testing.assert_allclose(first.replay.predictions[kept], shown, atol=1e-4)


@pytest.mark.slow
def test_seed_spread_is_reproducible_and_shows_a_spread() -> None:
    values = daily()
    runs, spread = seed_spread(values, TINY)
    _, again = seed_spread(values, TINY)
    assert spread is not None and again is not None
    assert spread.seeds == [3, 4, 5] and len(runs) == 3
    np.testing.assert_array_equal(spread.predictions, again.predictions)
    assert spread.predictions.shape == (3, len(runs[0].predictions))
    assert (spread.high - spread.low).max() > 0  # different seeds, different models
    assert (spread.low <= spread.mean).all() and (spread.mean <= spread.high).all()
    assert spread.maes[0] == pytest.approx(runs[0].metrics["lstm"]["mae"])
    assert runs[0].replay is not None  # the first run is a normal training with a replay


def test_seed_spread_stops_after_the_current_training_and_reports_stages() -> None:
    stages: list[str] = []
    stop = threading.Event()
    control = TrainControl(stop_event=stop, on_stage=stages.append,
                           on_epoch=lambda record: stop.set() if record.epoch == 2 else None)
    run = seed_spread_runner(daily(), TINY, control)
    assert run.seed_spread is not None and run.seed_spread.seeds == [3]
    assert stages[0] == "run 1 of 3: preparing"
    assert not any(s.startswith("run 2") for s in stages)


def _frame(days: int = 80) -> tuple[pd.Series, pd.DataFrame]:
    index = pd.date_range("2024-01-01", periods=days, freq="D")
    t = np.arange(days)
    values = pd.Series(10 + 5 * np.sin(2 * np.pi * t / 7), index=index, name="temperature")
    return values, pd.DataFrame({"humidity": 60 + 20 * np.cos(2 * np.pi * t / 7)}, index=index)


def test_replay_runner_and_naive_level_take_covariates() -> None:
    values, covariates = _frame()
    config = ForecastConfig(window=7, horizon=3, epochs=2, units=4, patience=0, covariates=("humidity",))
    plain = naive_level(values, dataclasses.replace(config, covariates=()))
    assert naive_level(values, config) == plain  # the naive rule never reads covariates
    run = replay_runner(values, config, TrainControl(), covariates=covariates)
    assert run.usable and run.features is not None and run.features.covariates == ("humidity",)
    assert run.replay is not None and len(run.replay.epochs) == 2
    assert any("'humidity'" in sentence and "last observed value" in sentence for sentence in report_card(run))


def test_replay_recorder_keeps_the_first_test_points_only_and_skips_non_finite_snapshots() -> None:
    values = daily(400)
    recorder = ReplayRecorder(values, TINY, max_snapshots=10, max_points=7)
    n_test = round(TINY.test_fraction * len(values))
    first = len(values) - n_test
    assert list(recorder.replay.dates) == list(values.index[first : first + 7])
    np.testing.assert_array_equal(recorder.replay.actual, values.to_numpy()[first : first + 7])
    model = _Constant()
    for epoch, value in enumerate([1.0, float("nan"), 3.0, float("inf"), 5.0], start=1):
        model.value = value
        recorder(EpochRecord(epoch, 1.0, None, 0.1), model)  # type: ignore[arg-type]
    assert recorder.replay.epochs == [1, 3, 5]  # a diverged epoch leaves no snapshot to draw
    assert all(np.isfinite(p).all() and p.shape == (7,) for p in recorder.replay.predictions)


def test_replay_recorder_keeps_at_least_two_snapshots() -> None:
    values = daily()
    recorder = ReplayRecorder(values, TINY, max_snapshots=0, max_points=3)
    scaler = prepare_series(values, TINY).scaler
    model = _Constant()
    for epoch in range(1, 21):
        model.value = float(epoch)
        recorder(EpochRecord(epoch, 1.0, None, 0.1), model)  # type: ignore[arg-type]
    assert recorder.max_snapshots == 2 and 1 <= len(recorder.replay.epochs) <= 2
    assert recorder.replay.epochs[-1] >= 16
    for epoch, prediction in zip(recorder.replay.epochs, recorder.replay.predictions, strict=True):
        # each snapshot is its own epoch's forecast (the stand-in predicts the epoch in scaled units)
        np.testing.assert_allclose(prediction, scaler.inverse(np.full(3, float(epoch))), atol=1e-4)


def test_seed_spread_seeds_count_up_from_the_config_and_wrap_at_the_largest_seed() -> None:
    stages: list[str] = []
    config = dataclasses.replace(TINY, seed=2**31 - 1, epochs=1)
    runs, spread = seed_spread(daily(), config, TrainControl(on_stage=stages.append), runs=2)
    assert [run.config.seed for run in runs] == [2**31 - 1, 0]
    assert spread is not None and spread.seeds == [2**31 - 1, 0] and spread.predictions.shape[0] == 2
    assert "run 2 of 2: training" in stages
    assert runs[0].replay is not None and runs[1].replay is None  # only the first run records a replay



def _stations(count: int = 3, short: int | None = None) -> list[StationRun]:
    """``count`` daily stations (seeds 0, 1, ...); station ``short`` (an index) has only 10 points."""
    return [StationRun(f"S{k}", f"Station {k}", daily(10 if k == short else 120, seed=k)) for k in range(count)]


def test_train_stations_trains_each_in_turn_with_the_same_settings_and_reports_stages() -> None:
    stages: list[str] = []
    seen: list[tuple[float, int]] = []

    def fake(values: pd.Series, config: ForecastConfig, control: TrainControl) -> ForecastRun:
        seen.append((float(values.iloc[0]), config.seed))
        if control.on_stage is not None:
            control.on_stage("training")
        if len(values) < 20:
            raise DataError("The series is too short.")
        return ForecastRun(config=config, status="completed", history=[], best_epoch=None, train_seconds=0.0,
                           value_column="temp", frequency="D", season_length=7)

    stations = _stations(3, short=1)
    result = train_stations(stations, TINY, TrainControl(on_stage=stages.append), fake)
    assert seen == [(float(s.values.iloc[0]), TINY.seed) for s in stations]
    assert [s.id for s in result.stations] == ["S0", "S1", "S2"]
    assert result.stations[1].run is None and result.stations[1].error == "The series is too short."
    assert result.stations[0].run is not None and result.stations[2].run is not None
    assert stages == ["station 1 of 3: S0: starting", "station 1 of 3: S0: training",
                      "station 2 of 3: S1: starting", "station 2 of 3: S1: training",
                      "station 3 of 3: S2: starting", "station 3 of 3: S2: training"]
    assert stations[0].run is None, "the stations given are not changed"


def test_train_stations_refuses_no_stations_or_too_many() -> None:
    with pytest.raises(ValueError, match="1 to"):
        train_stations([], TINY, TrainControl())
    with pytest.raises(ValueError, match="1 to"):
        train_stations(_stations(MAX_STATIONS + 1), TINY, TrainControl())


@pytest.mark.slow
def test_panel_runner_trains_every_station_and_stop_leaves_the_rest_untrained() -> None:
    stop = threading.Event()
    epochs: list[int] = []

    def on_epoch(record: EpochRecord) -> None:
        epochs.append(record.epoch)
        if len(epochs) == TINY.epochs + 1:  # the first epoch of the second station
            stop.set()

    stations = _stations(3)
    run = panel_runner(stations)(stations[0].values, TINY, TrainControl(stop_event=stop, on_epoch=on_epoch))
    assert run.stations is not None and [s.id for s in run.stations.stations] == ["S0", "S1", "S2"]
    first, second, third = run.stations.stations
    assert first.usable and first.run is not None and first.run.status == "completed"
    assert second.usable and second.run is not None and second.run.status == "stopped"
    assert third.run is None and "stopped" in third.error
    assert run.status == "stopped" and run.message == "Trained 2 of 3 stations; stopped before the rest."
    assert run.metrics == first.run.metrics, "the run shown is the first station's"
    table = run.stations.table()
    assert list(table.columns) == list(STATION_COLUMNS)
    assert table["lstm_mae"].notna().tolist() == [True, True, False]
    assert table.loc[0, "best_reference"] == first.run.best_reference[0]  # type: ignore[index]
    assert table.loc[2, "error"] == third.error


def test_panel_runner_without_any_trainable_station_fails_with_the_first_reason() -> None:
    stations = [StationRun("TINY", None, daily(8))]
    with pytest.raises(TrainingError, match="No station could be trained: TINY: "):
        panel_runner(stations)(stations[0].values, TINY, TrainControl())


def _daily_stations(count: int = 2) -> tuple[StationRun, ...]:
    return tuple(StationRun(id=f"S{k}", name=f"Station {k}", values=daily(seed=k)) for k in range(count))


@pytest.mark.parametrize("across", ["global", "auto"])
def test_one_model_across_the_stations_scores_each_on_its_own_test_span(across: str) -> None:
    from core.run.runners import across_runner

    stations = _daily_stations()
    stages: list[str] = []
    run = across_runner(stations, across, classical=False)(stations[0].values, TINY,
                                                           TrainControl(on_stage=stages.append))
    assert run.stations is not None and [s.id for s in run.stations.stations] == ["S0", "S1"]
    assert all(station.usable for station in run.stations.stations)
    for station, own in zip(run.stations.stations, stations, strict=True):  # each scored on its own targets
        assert station.run is not None and station.run.predictions is not None
        actual = station.run.predictions["actual"]
        assert np.allclose(actual.to_numpy(), own.values.loc[actual.index].to_numpy())
    assert any(stage.startswith("all stations together: ") for stage in stages), stages
    if across == "global":
        assert run.stations.model == "global" and "as asked" in run.stations.reason
        first, second = (s.run for s in run.stations.stations)
        assert first.model is second.model  # type: ignore[union-attr]  # one network for both
    else:
        assert run.stations.model in ("each", "global") and "on validation" in run.stations.reason
        assert any(stage.startswith("station 2 of 2: S1: ") for stage in stages)  # the per-station models too
    assert run.stations.reason in run.message


def test_a_station_too_short_keeps_its_reason_and_the_others_share_a_model() -> None:
    from core.run.runners import across_runner

    short = StationRun(id="TINY", name=None, values=daily()[:7])
    stations = (*_daily_stations(2), short)
    run = across_runner(stations, "global", classical=False)(stations[0].values, TINY, TrainControl())
    assert run.stations is not None
    assert [station.usable for station in run.stations.stations] == [True, True, False]
    assert "points" in run.stations.station("TINY").error
