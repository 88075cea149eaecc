"""Chronological split by target index, training-only scaling and sliding windows."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.config import ForecastConfig, choose_season
from core.errors import DataError
from core.model.features import FeatureSpec, build_spec, feature_matrix, make_xy, reference_target, residual_scale
from core.model.scaling import Scaler

__all__ = ["Split", "split_series", "WindowedData", "prepare", "series_season", "prepare_series"]


@dataclass(frozen=True)
class Split:
    """Target-index ranges of a series of ``n`` points.

    Targets ``[window, val_start)`` train, ``[val_start, test_start)`` validate and
    ``[test_start, n)`` test. The input of target ``t`` is ``values[t - window:t]``, so training
    windows only ever read values before ``val_start`` (the scaler's fitting span).
    """

    n: int
    window: int
    val_start: int
    test_start: int

    @property
    def train_targets(self) -> range:
        return range(self.window, self.val_start)

    @property
    def val_targets(self) -> range:
        return range(self.val_start, self.test_start)

    @property
    def test_targets(self) -> range:
        return range(self.test_start, self.n)


def split_series(n: int, window: int, validation_fraction: float, test_fraction: float) -> Split:
    """Split ``n`` points: ``max(1, round(test_fraction*n))`` test and ``round(validation_fraction*n)``
    validation targets at the end, training targets from ``window`` on.

    Raises:
        DataError: fewer than one training window would remain.
    """
    n_test = max(1, round(test_fraction * n))
    n_val = round(validation_fraction * n)
    test_start = n - n_test
    val_start = test_start - n_val
    if val_start - window < 1:
        raise DataError(f"This series has {n} points: too few to train with window {window} after the split.")
    return Split(n=n, window=window, val_start=val_start, test_start=test_start)


@dataclass(frozen=True)
class WindowedData:
    """Everything training and evaluation need from one series.

    Attributes:
        values: shape ``(n,)`` float64, original units.
        scaled: shape ``(n,)`` float64, ``scaler.transform(values)``.
        split: the target ranges.
        scaler: fitted on ``values[:split.val_start]``.
        x_train, y_train, x_val, y_val, x_test, y_test: windows ``(k, window, n_features)``, targets ``(k,)``;
            float32. Targets are ``scaled[t] - base[t]`` (see ``core.model.features``; the value itself by default).
        spec: which inputs and target (``core.model.features.FeatureSpec``); None only for data built by hand.
        index: the ``n`` dates, or None when :func:`prepare` got none (no calendar inputs then).
        covariates: shape ``(n, c)`` original units, or None.
        segments: empty for one series; for the windows of several series stacked one after the other
            (``core.run.across``), the number of training windows of each, in order (summing to ``len(y_train)``):
            windows are consecutive slides only within a segment.
    """

    values: np.ndarray
    scaled: np.ndarray
    split: Split
    scaler: Scaler
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    spec: FeatureSpec | None = None
    index: pd.DatetimeIndex | None = None
    covariates: np.ndarray | None = None
    segments: tuple[int, ...] = ()

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[2])


def prepare(
    values: np.ndarray,
    config: ForecastConfig,
    index: pd.DatetimeIndex | None = None,
    season_length: int = 1,
    covariates: np.ndarray | None = None,
) -> WindowedData:
    """Split, scale (training part only) and window ``values`` of shape ``(n,)``.

    Args:
        values: shape ``(n,)`` original units.
        config: window, split fractions and the feature options (``calendar``, ``seasonal_input``,
            ``target``, ``covariates``).
        index: the ``n`` dates with a frequency; without it there are no calendar inputs.
        season_length: ``m`` of the season-ago input and the ``seasonal_change`` target.
        covariates: shape ``(n, len(config.covariates))`` original units, or None.
    """
    values = np.asarray(values, dtype=np.float64)
    split = split_series(len(values), config.window, config.validation_fraction, config.test_fraction)
    if index is None:
        index = pd.date_range("2000-01-01", periods=len(values), freq="D")
        if config.calendar:
            raise DataError("Calendar inputs need the series' dates.")
    frequency = str(index.freqstr) if index.freq is not None else ""
    train_cov = None if covariates is None else covariates[: split.val_start]
    target = config.target
    if target == "reference":  # the best simple rule on validation (training targets without validation)
        judged = split.val_targets if len(split.val_targets) else split.train_targets
        target = reference_target(values, judged, season_length)
    spec = build_spec(config, frequency, season_length, values[: split.val_start], train_cov, target)
    scaler = spec.value_scaler
    scaled = scaler.transform(values)
    spec = dataclasses.replace(spec, target_scale=residual_scale(spec, scaled, split.train_targets))
    matrix = feature_matrix(spec, scaled, index, covariates)
    x_train, y_train = make_xy(spec, matrix, scaled, config.window, split.train_targets)
    x_val, y_val = make_xy(spec, matrix, scaled, config.window, split.val_targets)
    x_test, y_test = make_xy(spec, matrix, scaled, config.window, split.test_targets)
    return WindowedData(
        values, scaled, split, scaler, x_train, y_train, x_val, y_val, x_test, y_test, spec, index, covariates
    )


def series_season(values: np.ndarray, config: ForecastConfig, frequency: str) -> int:
    """The season a run uses: ``config.season_length``, or when that is 0 the one
    :func:`core.model.seasons.choose_season` finds in the training span (the values before the validation span).

    Args:
        values: the whole series, shape ``(n,)``; only ``values[:val_start]`` is read.
        config: the split fractions, window and ``season_length``.
        frequency: the series' pandas alias.
    """
    if config.season_length:
        return int(config.season_length)
    n = len(values)
    val_start = n - max(1, round(config.test_fraction * n)) - round(config.validation_fraction * n)
    return choose_season(np.asarray(values, dtype=np.float64)[: max(val_start, 0)], frequency)


def prepare_series(values: pd.Series, config: ForecastConfig, covariates: np.ndarray | None = None) -> WindowedData:
    """:func:`prepare` for a dated series (regular ``DatetimeIndex`` with ``freq``), with the season the pipeline
    uses (:func:`series_season`): the same windows and targets as training."""
    index = pd.DatetimeIndex(values.index)
    frequency = str(index.freqstr) if index.freq is not None else ""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    season = series_season(numbers, config, frequency)
    return prepare(numbers, config, index if index.freq is not None else None, season, covariates)
