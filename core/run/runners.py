"""Runners: what a job calls to train. The plain run, one that records a training replay, the seed spread, auto mode,
every station of a file in turn.

A runner is ``runner(values, config, control) -> ForecastRun`` (``core.run.results.Runner``); ``core.dashboard.jobs``
runs one per job, in this process or on a training worker; ``runner_for`` turns a ``Plan`` into one."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
import pandas as pd

from core.config import ForecastConfig
from core.errors import CoreError
from core.evaluation.scoring import lstm_one_step
from core.model.progress import EpochRecord, TrainControl
from core.model.windows import prepare_series
from core.run.auto import Lanes, run_auto
from core.run.pipeline import covariate_array, run_forecast
from core.run.portable import Plan
from core.run.references import ReferenceSource
from core.run.results import (
    MAX_STATIONS,
    ForecastRun,
    Replay,
    Runner,
    SeedSpread,
    StationRun,
    StationRuns,
    combine_stations,
    station_stage,
)
from core.words import first_line

__all__ = [
    "MAX_SNAPSHOTS", "MAX_REPLAY_POINTS", "SPREAD_SEEDS", "ReplayRecorder", "replay_runner", "seed_spread",
    "seed_spread_runner", "auto_runner", "runner_for", "train_stations", "panel_runner",
    "across_runner",
]

#: Most forecast snapshots a replay keeps; when full, every other one is dropped and the interval doubles.
MAX_SNAPSHOTS = 40


#: Most test points a snapshot keeps (the start of the test span), so memory stays small on long series.
MAX_REPLAY_POINTS = 400


#: How many trainings "train 3 times" runs.
SPREAD_SEEDS = 3


class ReplayRecorder:
    """A ``TrainControl.after_epoch`` callback that snapshots the test-span forecast every few epochs.

    It starts with every epoch; when ``max_snapshots`` are stored it keeps every other one and doubles
    the interval, so any number of epochs fits in a bounded, evenly spaced set.
    """

    def __init__(self, values: pd.Series, config: ForecastConfig, max_snapshots: int = MAX_SNAPSHOTS,
                 max_points: int = MAX_REPLAY_POINTS, covariates: pd.DataFrame | None = None) -> None:

        data = prepare_series(values, config, covariate_array(values, config, covariates))
        self._x = data.x_test[:max_points]
        self._data = data
        targets = data.split.test_targets
        stop = targets.start + len(self._x)
        self._targets = range(targets.start, stop)
        self.replay = Replay(dates=pd.DatetimeIndex(values.index[targets.start : stop]),
                             actual=data.values[targets.start : stop].copy())
        self.every = 1
        self.max_snapshots = max(2, int(max_snapshots))

    def __call__(self, record: EpochRecord, model: keras.Model) -> None:
        if record.epoch % self.every:
            return
        prediction = lstm_one_step(model, self._data, self._x, self._targets)  # adds a residual target's base
        if not np.isfinite(prediction).all():
            return
        self.replay.epochs.append(record.epoch)
        self.replay.predictions.append(prediction)
        if len(self.replay.epochs) > self.max_snapshots:
            self.every *= 2
            kept = [(e, p) for e, p in zip(self.replay.epochs, self.replay.predictions, strict=True)
                    if e % self.every == 0]
            self.replay.epochs = [e for e, _ in kept]
            self.replay.predictions = [p for _, p in kept]


def _run_with_replay(values: pd.Series, config: ForecastConfig, control: TrainControl,
                     covariates: pd.DataFrame | None = None, classical: bool | ReferenceSource = True,
                     filled: pd.Series | None = None) -> ForecastRun:
    recorder = ReplayRecorder(values, config, covariates=covariates)
    previous = control.after_epoch

    def after_epoch(record: EpochRecord, model: keras.Model) -> None:
        recorder(record, model)
        if previous is not None:
            previous(record, model)

    run = run_forecast(values, config, dataclasses.replace(control, after_epoch=after_epoch), covariates,
                       classical=classical, filled=filled)
    run.replay = recorder.replay
    return run


def replay_runner(values: pd.Series, config: ForecastConfig, control: TrainControl,
                  covariates: pd.DataFrame | None = None, classical: bool | ReferenceSource = True,
                  filled: pd.Series | None = None) -> ForecastRun:
    """A ``Runner``: ``run_forecast`` that also records ``run.replay``.

    ``covariates``, ``classical`` and ``filled`` are what ``run_forecast`` takes; bind them with
    ``functools.partial`` to submit the runner to a job.
    """
    return _run_with_replay(values, config, control, covariates, classical, filled)


def _spread_of(runs: list[ForecastRun]) -> SeedSpread | None:
    usable = [r for r in runs if r.usable and r.predictions is not None and r.metrics]
    if not usable:
        return None
    first = usable[0].predictions
    assert first is not None
    return SeedSpread(
        seeds=[r.config.seed for r in usable],
        dates=pd.DatetimeIndex(first.index),
        actual=first["actual"].to_numpy(dtype=np.float64),
        predictions=np.vstack([r.predictions["lstm"].to_numpy(dtype=np.float64)  # type: ignore[index]
                               for r in usable]),
        maes=[float(r.metrics["lstm"]["mae"]) for r in usable],  # type: ignore[index]
        statuses=[r.status for r in usable],
    )


def _staged(control: TrainControl, label: str) -> TrainControl:
    """The same control, with stages reported as "<label>: <stage>"."""
    on_stage = control.on_stage
    if on_stage is None:
        return control

    def stage(name: str) -> None:
        on_stage(f"{label}: {name}")

    return dataclasses.replace(control, on_stage=stage)


def seed_spread(values: pd.Series, config: ForecastConfig, control: TrainControl | None = None,
                runs: int = SPREAD_SEEDS, covariates: pd.DataFrame | None = None,
                classical: bool | ReferenceSource = True,
                filled: pd.Series | None = None) -> tuple[list[ForecastRun], SeedSpread | None]:
    """Train ``runs`` times with seeds ``config.seed``, ``config.seed + 1``, ...; the first one records a replay.

    A stop request ends the series of trainings after the current one. Stages are reported as
    "run 2 of 3: training". Every training has the same split, so a ``ReferenceSource`` is asked once per
    training and may give the same references each time.

    Returns:
        every run (the first equals a normal training with ``config``) and the spread of the usable ones.
    """
    control = control or TrainControl()
    done: list[ForecastRun] = []
    for k in range(runs):
        seeded = dataclasses.replace(config, seed=(config.seed + k) % 2**31)
        inner = _staged(control, f"run {k + 1} of {runs}")
        done.append(_run_with_replay(values, seeded, inner, covariates, classical, filled) if k == 0
                    else run_forecast(values, seeded, inner, covariates, classical=classical, filled=filled))
        if control.stop_event.is_set():
            break
    return done, _spread_of(done)


def seed_spread_runner(values: pd.Series, config: ForecastConfig, control: TrainControl,
                       covariates: pd.DataFrame | None = None, classical: bool | ReferenceSource = True,
                       filled: pd.Series | None = None) -> ForecastRun:
    """A ``Runner``: trains 3 times and returns the first run with ``run.seed_spread`` set."""
    runs, spread = seed_spread(values, config, control, covariates=covariates, classical=classical, filled=filled)
    run = runs[0]
    run.seed_spread = spread
    return run


def auto_runner(budget_seconds: float) -> Callable[[pd.Series, ForecastConfig, TrainControl], ForecastRun]:
    """A ``Runner`` that runs auto mode with this budget (for ``JobManager.submit(runner=...)``)."""

    def runner(values: pd.Series, config: ForecastConfig, control: TrainControl) -> ForecastRun:
        return run_auto(values, config, control, budget_seconds=budget_seconds)

    return runner


def runner_for(plan: Plan, classical: ReferenceSource | None = None, lanes: Lanes | None = None) -> Runner:
    """The ``Runner`` a :class:`core.run.portable.Plan` names.

    Args:
        classical: where the ETS and ARIMA references come from when ``plan.classical`` (None: fitted
            in this process).
        lanes: more places for auto mode's candidates (``kind == "auto"`` only).
    """
    references: bool | ReferenceSource = (classical or True) if plan.classical else False
    covariates, filled = plan.covariates, plan.filled
    if plan.kind == "stations" and plan.across != "each":
        return across_runner(plan.stations, plan.across, classical=plan.classical)
    if plan.kind == "stations":  # each station fits its own ETS and ARIMA while it trains
        return panel_runner(plan.stations, functools.partial(replay_runner, classical=plan.classical))
    if plan.kind == "auto":
        return functools.partial(run_auto, budget_seconds=plan.budget_seconds, covariates=covariates,
                                 classical=references, lanes=lanes, filled=filled)
    if plan.kind == "plain":
        return functools.partial(run_forecast, covariates=covariates, classical=references, filled=filled)
    runner = replay_runner if plan.kind == "replay" else seed_spread_runner
    return functools.partial(runner, covariates=covariates, classical=references, filled=filled)



def train_stations(stations: Sequence[StationRun], config: ForecastConfig, control: TrainControl,
                   runner: Runner = run_forecast) -> StationRuns:
    """Train each station in turn with the same settings and the same control.

    Stages are reported as ``"station 2 of 3: LGA: training"``. A stop request ends the current station's
    training (its best weights are kept) and leaves the later ones untrained; a station that cannot be trained
    (too short for the settings, ...) gets its reason in ``error`` and the next one starts.

    Args:
        stations: each station's id, name and values (their ``run`` is ignored).
        config: the settings every station is trained with.
        control: the job's control: its stop event, progress and stage callbacks.
        runner: what trains one station (``runner(values, config, control) -> ForecastRun``).

    Returns:
        Every station, in order, with its run or the reason it has none.

    Raises:
        ValueError: no stations, or more than ``MAX_STATIONS``.
    """
    if not stations or len(stations) > MAX_STATIONS:
        raise ValueError(f"train_stations takes 1 to {MAX_STATIONS} stations, got {len(stations)}")
    done: list[StationRun] = []
    for number, station in enumerate(stations, start=1):
        if control.stop_event.is_set():
            done.append(dataclasses.replace(station, run=None, error="not trained: stopped before its turn"))
            continue
        label = station_stage(number, len(stations), station.id)
        if control.on_stage is not None:
            control.on_stage(f"{label}: starting")
        try:
            run = runner(station.values, config, _staged(control, label))
        except CoreError as exc:
            done.append(dataclasses.replace(station, run=None, error=first_line(str(exc))))
            continue
        done.append(dataclasses.replace(station, run=run, error=""))
    return StationRuns(done)


def panel_runner(stations: Sequence[StationRun], runner: Runner = run_forecast) -> Runner:
    """A :data:`Runner` that trains every station in turn (``train_stations``); the job's own values are ignored.

    The returned run is :func:`core.run.results.combine_stations` of them. On Ray workers the pool trains the
    stations at once instead (``core.run.pool.WorkerPool.run``), each with its own ``Plan("replay")``.

    Raises:
        TrainingError: (when called) no station could be trained; the message is the first station's reason.
    """
    copies = [dataclasses.replace(station, values=station.values.copy(deep=True)) for station in stations]

    def run_all(values: pd.Series, config: ForecastConfig, control: TrainControl) -> ForecastRun:
        del values  # each station trains on its own copy
        return combine_stations(train_stations(copies, config, control, runner), control.stop_event.is_set())

    return run_all


def across_runner(stations: Sequence[StationRun], across: str, classical: bool = True) -> Runner:
    """A :data:`Runner` that trains one model across every station (``across="global"``,
    ``core.run.across.fit_global``), or (``"auto"``) also one per station and keeps whichever wins on validation
    (``choose_across``); the job's own values are ignored and every station uses the job's settings.

    Stations that cannot be prepared (too short, ...) keep their reason and are left out of the shared model;
    when the stations cannot share one model (other inputs), ``auto`` falls back to one model per station and
    ``global`` fails with the reason. Stages: ``"station 2 of 3: LGA: training"`` for the per-station models,
    ``"all stations together: training"`` for the shared one, whose epochs the loss chart draws. Stop ends the
    training under way and leaves the rest untrained; the models trained so far are scored.

    The returned run is :func:`core.run.results.combine_stations` of them, with ``run.stations.model`` and
    ``.reason`` saying which was kept and why.
    """
    from core.config import check_length
    from core.errors import DataError
    from core.run.across import EACH, GLOBAL, choose_across, fit_global
    from core.run.pipeline import complete, fit
    from core.run.references import check_series
    from core.words import across_impossible

    if across not in (GLOBAL, "auto"):
        raise ValueError(f"across_runner takes across='global' or 'auto', got {across!r}")
    copies = [dataclasses.replace(station, values=station.values.copy(deep=True)) for station in stations]

    def run_all(values: pd.Series, config: ForecastConfig, control: TrainControl) -> ForecastRun:
        del values
        errors: dict[int, str] = {}
        usable: list[int] = []
        for index, station in enumerate(copies):
            try:
                check_series(station.values)
                check_length(len(station.values), config)
            except CoreError as exc:
                errors[index] = first_line(str(exc))
            else:
                usable.append(index)
        if not usable:
            raise DataError(f"No station could be trained: {copies[0].id}: {errors.get(0, 'no usable data')}")
        chosen: dict[int, Any] = {}
        model, reason = GLOBAL, "One model across all stations, as asked."
        try:
            together = _staged(control, "all stations together")
            shared = fit_global([copies[i].values for i in usable], config, together,
                                names=[copies[i].id for i in usable])
            chosen = dict(zip(usable, shared, strict=True))
        except DataError as exc:
            if across == GLOBAL:
                raise
            model, reason = EACH, across_impossible(first_line(str(exc)))
        if across == "auto" and not control.stop_event.is_set():
            own: dict[int, Any] = {}
            for index in usable:
                if control.stop_event.is_set():
                    break
                label = station_stage(index + 1, len(copies), copies[index].id)
                own[index] = fit(copies[index].values, config, _staged(control, label))
            if chosen and len(own) == len(usable):
                choice = choose_across([own[i] for i in usable], [chosen[i] for i in usable])
                model, reason = choice.model, choice.reason
                if choice.model == EACH:
                    chosen = own
            elif chosen:
                reason = "Stopped before every station had its own model: kept the one across them."
            else:
                chosen = own
        done: list[StationRun] = []
        for index, station in enumerate(copies):
            if index in errors or index not in chosen:
                error = errors.get(index, "not trained: stopped before its turn")
                done.append(dataclasses.replace(station, run=None, error=error))
                continue
            label = station_stage(index + 1, len(copies), station.id)
            run = complete(chosen[index], station.values, _staged(control, label), classical=classical)
            done.append(dataclasses.replace(station, run=run, error=""))
        result = StationRuns(done, model=model, reason=reason)
        return combine_stations(result, control.stop_event.is_set())

    return run_all
