"""Rolling-origin evaluation: several forecast origins, ``horizon`` steps each, per-step errors per forecaster.

A forecaster is any ``callable(history, horizon) -> predictions`` where ``history`` is a copy of
``values[:origin]`` (nothing at or after the origin) and ``predictions`` has shape ``(horizon,)``.
Use ``rolling_origins(test_start, ...)`` for *validation* folds that never touch the test span (model choice),
and ``rolling_origins(n, ...)`` to evaluate over the test span.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import ConfigError
from core.evaluation.baselines import Forecaster

__all__ = ["Fold", "rolling_origins", "BacktestResult", "backtest"]


@dataclass(frozen=True)
class Fold:
    """One forecast origin: the forecaster sees ``values[:origin]`` and predicts ``targets``.

    Attributes:
        origin: first position the forecaster must not see.
        targets: ``range(origin, origin + horizon)``.
    """

    origin: int
    targets: range

    @property
    def horizon(self) -> int:
        return len(self.targets)


def rolling_origins(n_end: int, folds: int, horizon: int, min_train: int, step: int | None = None) -> list[Fold]:
    """Fold origins ``step`` apart, the last fold's last target at ``n_end - 1``, in time order.

    Args:
        n_end: end (exclusive) of the span the targets may use: the test start for validation folds,
            ``n`` to evaluate over the test span.
        folds: number of folds (>= 1).
        horizon: steps ahead per fold (>= 1).
        min_train: values the first fold must see at least (>= 1).
        step: distance between origins (>= 1); None means ``horizon`` (folds side by side, no overlap).

    Raises:
        ValueError: a count below 1 (a caller's mistake).
        ConfigError: the span is too short for the requested folds (fewer folds or a shorter horizon fix it).
    """
    step = horizon if step is None else step
    for name, value in (("folds", folds), ("horizon", horizon), ("min_train", min_train), ("step", step)):
        if value < 1:
            raise ValueError(f"{name}={value} is out of range: allowed 1 or more")
    first = n_end - horizon - step * (folds - 1)
    if first < min_train:
        needed = min_train + horizon + step * (folds - 1)
        raise ConfigError(
            f"{folds} folds of {horizon} steps (origins {step} apart) need {needed:,} values with at least "
            f"{min_train:,} to learn from, but only {max(n_end, 0):,} are available: "
            "use fewer folds or a shorter horizon"
        )
    return [Fold(origin, range(origin, origin + horizon)) for origin in range(first, n_end - horizon + 1, step)]


@dataclass(frozen=True)
class BacktestResult:
    """Predictions of every forecaster on every fold.

    Attributes:
        folds: the folds, in time order.
        actual: shape ``(len(folds), horizon)``: the observed values at each fold's targets.
        predictions: ``{name: (len(folds), horizon)}`` in original units; NaN where a forecaster gave up.
        seconds: ``{name: wall time summed over the folds}``.
    """

    folds: tuple[Fold, ...]
    actual: np.ndarray
    predictions: dict[str, np.ndarray]
    seconds: dict[str, float]

    @property
    def names(self) -> list[str]:
        return list(self.predictions)

    @property
    def horizon(self) -> int:
        return int(self.actual.shape[1])

    def errors(self, name: str) -> np.ndarray:
        """Signed errors ``prediction - actual``, shape ``(len(folds), horizon)``."""
        return self.predictions[name] - self.actual

    def per_step_mae(self) -> pd.DataFrame:
        """MAE per steps ahead: index ``step`` 1..horizon, one column per forecaster (NaN if any fold failed)."""
        steps = pd.RangeIndex(1, self.horizon + 1, name="step")
        return pd.DataFrame({name: np.abs(self.errors(name)).mean(axis=0) for name in self.names}, index=steps)

    def mae(self) -> dict[str, float]:
        """MAE over all folds and steps per forecaster (NaN if it gave up on any fold)."""
        return {name: float(np.abs(self.errors(name)).mean()) for name in self.names}

    def to_frame(self, index: pd.DatetimeIndex | None = None) -> pd.DataFrame:
        """One row per fold and step: ``fold`` (1-based), ``origin``, ``step``, ``target`` (position),
        ``date`` (when ``index``, the series' dates, is given), ``actual`` and one column per forecaster."""
        rows = len(self.folds) * self.horizon
        targets = np.concatenate([np.arange(fold.targets.start, fold.targets.stop) for fold in self.folds])
        frame = pd.DataFrame({
            "fold": np.repeat(np.arange(1, len(self.folds) + 1), self.horizon),
            "origin": np.repeat([fold.origin for fold in self.folds], self.horizon),
            "step": np.tile(np.arange(1, self.horizon + 1), len(self.folds)),
            "target": targets,
        })
        if index is not None:
            frame["date"] = index[targets]
        frame["actual"] = self.actual.reshape(rows)
        for name in self.names:
            frame[name] = self.predictions[name].reshape(rows)
        return frame


def backtest(values: np.ndarray, folds: list[Fold], forecasters: Mapping[str, Forecaster]) -> BacktestResult:
    """Run every forecaster on every fold, each seeing only a copy of ``values[:fold.origin]``.

    Args:
        values: the series, shape ``(n,)``, original units.
        folds: from :func:`rolling_origins`, all with the same horizon and targets inside ``values``.
        forecasters: ``{name: forecaster}``; names become columns.

    Raises:
        ValueError: no folds, folds of different horizons or past the series' end, or a forecaster
            returning the wrong shape.
    """
    values = np.asarray(values, dtype=np.float64)
    if not folds:
        raise ValueError("No folds to evaluate.")
    horizon = folds[0].horizon
    for fold in folds:
        if fold.horizon != horizon or fold.targets.start != fold.origin or fold.targets.stop > len(values):
            raise ValueError(f"fold at origin {fold.origin} does not fit a series of {len(values)} values "
                              f"with horizon {horizon}")
    actual = np.stack([values[fold.targets.start : fold.targets.stop] for fold in folds])
    predictions = {name: np.full((len(folds), horizon), np.nan) for name in forecasters}
    seconds = dict.fromkeys(forecasters, 0.0)
    for row, fold in enumerate(folds):
        for name, forecaster in forecasters.items():
            started = time.perf_counter()
            predicted = np.asarray(forecaster(values[: fold.origin].copy(), horizon), dtype=np.float64)
            seconds[name] += time.perf_counter() - started
            if predicted.shape != (horizon,):
                raise ValueError(f"forecaster {name!r} returned shape {predicted.shape}, expected ({horizon},)")
            predictions[name][row] = predicted
    return BacktestResult(tuple(folds), actual, predictions, seconds)
