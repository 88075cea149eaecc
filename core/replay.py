"""Instruments around a training: naive reference level, forecast snapshots for a replay, seed spread."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import keras
import numpy as np
import pandas as pd

from core.config import ForecastConfig
from core.evaluate import lstm_one_step
from core.types import EpochRecord, ForecastRun, TrainControl
from core.windows import prepare_series

__all__ = [
    "NaiveLevel",
    "naive_level",
    "skill_per_epoch",
    "Replay",
    "ReplayRecorder",
    "replay_runner",
    "SeedSpread",
    "seed_spread",
    "seed_spread_runner",
    "MAX_SNAPSHOTS",
    "MAX_REPLAY_POINTS",
    "SPREAD_SEEDS",
]

#: Most forecast snapshots a replay keeps; when full, every other one is dropped and the interval doubles.
MAX_SNAPSHOTS = 40
#: Most test points a snapshot keeps (the start of the test span), so memory stays small on long series.
MAX_REPLAY_POINTS = 400
#: How many trainings "train 3 times" runs.
SPREAD_SEEDS = 3


@dataclass(frozen=True)
class NaiveLevel:
    """The naive forecast's ("same as the previous step") errors on the span the loss chart monitors.

    Attributes:
        mse: mean squared error in scaled units: comparable with the loss curve.
        mae: mean absolute error in scaled units: divides ``EpochRecord.val_mae`` for the skill score.
        span: "validation" or "training" (the latter when the config has no validation data).
    """

    mse: float
    mae: float
    span: str


def naive_level(values: pd.Series, config: ForecastConfig) -> NaiveLevel | None:
    """Naive errors on the validation targets (training targets without validation), scaled like training.

    Returns None when there are no such targets.
    """
    # Covariates change neither the value's scaling nor the split, and the naive rule never reads them.
    data = prepare_series(values, dataclasses.replace(config, covariates=()))
    targets = data.split.val_targets if len(data.split.val_targets) else data.split.train_targets
    if len(targets) == 0:
        return None
    index = np.arange(targets.start, targets.stop)
    errors = data.scaled[index] - data.scaled[index - 1]
    span = "validation" if len(data.split.val_targets) else "training"
    return NaiveLevel(mse=float(np.mean(errors**2)), mae=float(np.mean(np.abs(errors))), span=span)


def skill_per_epoch(history: Sequence[EpochRecord], naive_mae: float) -> list[float | None]:
    """``1 − val_mae / naive_mae`` per epoch (None where unknown): 0 = as good as naive, 1 = perfect."""
    if not naive_mae > 0:
        return [None for _ in history]
    return [None if r.val_mae is None or not np.isfinite(r.val_mae) else 1.0 - r.val_mae / naive_mae
            for r in history]


@dataclass
class Replay:
    """Test-span forecasts taken while the model learned.

    Attributes:
        dates: the first ``<= MAX_REPLAY_POINTS`` test dates, shape ``(k,)``.
        actual: the real values there, original units, shape ``(k,)``.
        epochs: epoch of each snapshot, increasing.
        predictions: one ``(k,)`` float64 array per snapshot, original units.
    """

    dates: pd.DatetimeIndex
    actual: np.ndarray
    epochs: list[int] = field(default_factory=list)
    predictions: list[np.ndarray] = field(default_factory=list)


class ReplayRecorder:
    """A ``TrainControl.after_epoch`` callback that snapshots the test-span forecast every few epochs.

    It starts with every epoch; when ``max_snapshots`` are stored it keeps every other one and doubles
    the interval, so any number of epochs fits in a bounded, evenly spaced set.
    """

    def __init__(self, values: pd.Series, config: ForecastConfig, max_snapshots: int = MAX_SNAPSHOTS,
                 max_points: int = MAX_REPLAY_POINTS, covariates: pd.DataFrame | None = None) -> None:
        from core.pipeline import covariate_array  # imported late, as in _run_with_replay

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
                     covariates: pd.DataFrame | None = None) -> ForecastRun:
    from core.pipeline import run_forecast  # imported late: core.pipeline may import this module's users

    recorder = ReplayRecorder(values, config, covariates=covariates)
    previous = control.after_epoch

    def after_epoch(record: EpochRecord, model: keras.Model) -> None:
        recorder(record, model)
        if previous is not None:
            previous(record, model)

    run = run_forecast(values, config, dataclasses.replace(control, after_epoch=after_epoch), covariates)
    run.replay = recorder.replay
    return run


def replay_runner(values: pd.Series, config: ForecastConfig, control: TrainControl,
                  covariates: pd.DataFrame | None = None) -> ForecastRun:
    """A ``core.jobs.Runner``: ``run_forecast`` that also records ``run.replay``.

    ``covariates`` is the frame ``run_forecast`` takes for ``config.covariates``; bind it with
    ``functools.partial`` to submit the runner to a job.
    """
    return _run_with_replay(values, config, control, covariates)


@dataclass
class SeedSpread:
    """The same training repeated with different seeds.

    Attributes:
        seeds: seed of each finished training.
        dates: test dates, shape ``(k,)``.
        actual: real test values, shape ``(k,)``.
        predictions: shape ``(runs, k)``, original units.
        maes: test MAE of each training.
        statuses: how each training ended.
    """

    seeds: list[int]
    dates: pd.DatetimeIndex
    actual: np.ndarray
    predictions: np.ndarray
    maes: list[float]
    statuses: list[str]

    @property
    def low(self) -> np.ndarray:
        return np.min(self.predictions, axis=0)

    @property
    def high(self) -> np.ndarray:
        return np.max(self.predictions, axis=0)

    @property
    def mean(self) -> np.ndarray:
        return np.mean(self.predictions, axis=0)


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
                ) -> tuple[list[ForecastRun], SeedSpread | None]:
    """Train ``runs`` times with seeds ``config.seed``, ``config.seed + 1``, ...; the first one records a replay.

    A stop request ends the series of trainings after the current one. Stages are reported as
    "run 2 of 3: training".

    Returns:
        every run (the first equals a normal training with ``config``) and the spread of the usable ones.
    """
    from core.pipeline import run_forecast

    control = control or TrainControl()
    done: list[ForecastRun] = []
    for k in range(runs):
        seeded = dataclasses.replace(config, seed=(config.seed + k) % 2**31)
        inner = _staged(control, f"run {k + 1} of {runs}")
        done.append(_run_with_replay(values, seeded, inner, covariates) if k == 0
                    else run_forecast(values, seeded, inner, covariates))
        if control.stop_event.is_set():
            break
    return done, _spread_of(done)


def seed_spread_runner(values: pd.Series, config: ForecastConfig, control: TrainControl,
                       covariates: pd.DataFrame | None = None) -> ForecastRun:
    """A ``core.jobs.Runner``: trains 3 times and returns the first run with ``run.seed_spread`` set."""
    runs, spread = seed_spread(values, config, control, covariates=covariates)
    run = runs[0]
    run.seed_spread = spread
    return run
