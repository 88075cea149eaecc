"""Simple reference forecasts: naive, seasonal naive, seasonal step, climatology, drift and mean.

The plain functions (``naive_forecast``, ``seasonal_naive_forecast``, ``mean_forecast`` and the ``*_forecaster``
callables) are the rules with a fixed step season; :class:`SimpleRules` holds all six with the series' own season
(by calendar date for a daily series with a yearly season) and their parameters fitted before a given position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.model.seasons import cycle_fraction, lag_positions, season_words

__all__ = [
    "Forecaster", "naive_forecaster", "seasonal_naive_forecaster", "mean_forecaster", "naive_forecast",
    "seasonal_naive_forecast", "mean_forecast", "SIMPLE_RULES", "SimpleRules", "fit_rules",
]


#: ``(history of shape (origin,), horizon) -> predictions of shape (horizon,)``, original units.
Forecaster = Callable[[np.ndarray, int], np.ndarray]


def naive_forecaster(history: np.ndarray, horizon: int) -> np.ndarray:
    """The last observed value for every step; shape ``(horizon,)``.

    ``core.evaluation.baselines``'s baselines are one-step (they read ``values[t - 1]`` for every target, which for
    later steps lies inside the horizon), so multi-step versions live here.
    """
    return np.full(horizon, float(history[-1]))


def seasonal_naive_forecaster(season_length: int) -> Forecaster:
    """Forecaster repeating the last observed season: step ``k`` (1-based) gets ``history[-m + (k - 1) % m]``.

    With ``m <= 1`` or a history shorter than one season it is the naive forecaster.
    """

    def forecast(history: np.ndarray, horizon: int) -> np.ndarray:
        if season_length <= 1 or len(history) < season_length:
            return naive_forecaster(history, horizon)
        last_season = np.asarray(history[-season_length:], dtype=np.float64)
        return last_season[np.arange(horizon) % season_length]

    return forecast


def mean_forecaster(history: np.ndarray, horizon: int) -> np.ndarray:
    """The mean of the history for every step; shape ``(horizon,)``."""
    return np.full(horizon, float(np.mean(history)))


def naive_forecast(values: np.ndarray, targets: range) -> np.ndarray:
    """Last observed value ``values[t - 1]`` for each target ``t >= 1``; shape ``(len(targets),)``."""
    index = np.arange(targets.start, targets.stop)
    return np.asarray(values, dtype=np.float64)[index - 1]


def seasonal_naive_forecast(values: np.ndarray, targets: range, season_length: int) -> tuple[np.ndarray, int]:
    """Value one season earlier, ``values[t - m]``.

    Targets with ``t - m < 0`` (no value a season earlier) fall back to the naive ``values[t - 1]``.

    Returns:
        predictions of shape ``(len(targets),)`` and how many targets used the fallback.
    """
    values = np.asarray(values, dtype=np.float64)
    index = np.arange(targets.start, targets.stop)
    lagged = index - max(1, season_length)
    fallback = lagged < 0
    lagged[fallback] = index[fallback] - 1
    return values[lagged], int(fallback.sum())


def mean_forecast(train_values: np.ndarray, count: int) -> np.ndarray:
    """Mean of the training values repeated ``count`` times; shape ``(count,)``."""
    return np.full(count, float(np.mean(train_values)))


#: The simple rules of :class:`SimpleRules`, in display order.
SIMPLE_RULES = ("naive", "seasonal_naive", "seasonal_step", "climatology", "drift", "mean")


#: A yearly season longer than this many steps averages the climatology over +-7 days of the year.
_SMOOTHED_ABOVE = 52


@dataclass(frozen=True)
class SimpleRules:
    """The simple references with their parameters fitted on ``values[:fit_end]``, then applied with them fixed.

    For target ``t`` (``L(t)``: the position one season earlier, :func:`core.model.seasons.lag_positions`):

    ==================  ======================================================================================
    rule                prediction of ``y[t]``
    ==================  ======================================================================================
    ``naive``           ``y[t-1]``
    ``seasonal_naive``  ``y[L(t)]`` (``y[t-1]`` when ``L(t) < 0``)
    ``seasonal_step``   ``y[t-1] + y[L(t)] - y[L(t)-1]`` (``y[t-1]`` when ``L(t) < 1``)
    ``climatology``     mean of ``y[:fit_end]`` at the same place of the season (day of year, hour of day,
                        month...; +-7 days for a yearly season of daily or sub-daily data)
    ``drift``           ``y[t-1] + b``, ``b = (y[fit_end-1] - y[0]) / (fit_end - 1)``
    ``mean``            mean of ``y[:fit_end]``
    ==================  ======================================================================================

    Many steps ahead from an origin ``o`` the same formulas run forward with the forecasts standing in for the
    values at or after ``o`` (seasonal naive repeats the last season, seasonal step adds last season's changes,
    drift adds ``b`` per step). Nothing at or after ``o`` is read.

    Attributes:
        season: season length in steps (1 = none: seasonal naive is naive, climatology is the mean).
        index: the series' dates, shape ``(n,)``, with a frequency.
        fit_end: the parameters read ``values[:fit_end]`` only.
        slope: the drift per step.
        mean: the mean of ``values[:fit_end]``.
        climate: climatology per training position: sorted cycle fractions and matching values,
            and the averaging half width (in cycle fractions).
    """

    season: int
    index: pd.DatetimeIndex
    fit_end: int
    slope: float
    mean: float
    climate_keys: np.ndarray
    climate_values: np.ndarray
    climate_half_width: float

    def dates(self, stop: int) -> pd.DatetimeIndex:
        """The series' dates continued at its frequency to ``stop`` positions."""
        if stop <= len(self.index):
            return self.index[:stop]
        return pd.date_range(self.index[0], periods=stop, freq=self.index.freq)

    def climatology(self, positions: np.ndarray) -> np.ndarray:
        """The climatology at ``positions`` (any, also past the series' end), shape ``(k,)``."""
        positions = np.asarray(positions, dtype=np.int64)
        if self.season <= 1 or len(self.climate_keys) == 0:
            return np.full(len(positions), self.mean)
        if len(positions) == 0:
            return np.zeros(0)
        keys = cycle_fraction(self.dates(int(positions.max()) + 1), self.season)[positions]
        return _circular_means(self.climate_keys, self.climate_values, keys, self.climate_half_width, self.mean)

    def paths(self, name: str, values: np.ndarray, origins: np.ndarray, steps: int) -> np.ndarray:
        """``steps``-ahead forecasts of rule ``name`` from each origin, each from ``values[:origin]`` only.

        Args:
            name: one of :data:`SIMPLE_RULES`.
            values: the series, shape ``(>= max(origins),)``, original units.
            origins: shape ``(k,)``, each in ``1..len(values)``: the first position forecast.
            steps: forecast length (>= 1).

        Returns:
            shape ``(k, steps)`` float64; column ``h - 1`` is the ``h``-step forecast.
        """
        if name not in SIMPLE_RULES:
            raise ValueError(f"Unknown rule {name!r}: allowed {', '.join(SIMPLE_RULES)}")
        values = np.asarray(values, dtype=np.float64)
        origins = np.asarray(origins, dtype=np.int64)
        if len(origins) and (origins.min() < 1 or origins.max() > len(values)):
            raise ValueError(f"origins must lie in 1..{len(values)}")
        last = values[origins - 1][:, np.newaxis] if len(origins) else np.zeros((0, 1))
        ahead = np.arange(1, steps + 1)
        if name == "naive":
            return np.repeat(last, steps, axis=1)
        if name == "mean":
            return np.full((len(origins), steps), self.mean)
        if name == "drift":
            return last + self.slope * ahead[np.newaxis, :]
        if name == "climatology":
            targets = origins[:, np.newaxis] + ahead[np.newaxis, :] - 1
            return self.climatology(targets.reshape(-1)).reshape(len(origins), steps)
        return self._recursive(name, values, origins, steps)

    def one_step(self, name: str, values: np.ndarray, targets: range) -> np.ndarray:
        """One-step predictions of ``targets`` (each ``>= 1``), each from ``values[:t]``; shape ``(len(targets),)``."""
        origins = np.arange(targets.start, targets.stop)
        return self.paths(name, values, origins, 1)[:, 0]

    def _recursive(self, name: str, values: np.ndarray, origins: np.ndarray, steps: int) -> np.ndarray:
        """Seasonal naive and seasonal step, run forward with forecasts in place of unseen values."""
        k = len(origins)
        path = np.zeros((k, steps))
        rows = np.arange(k)

        def get(positions: np.ndarray) -> np.ndarray:
            ahead = positions - origins
            seen = values[np.clip(positions, 0, len(values) - 1)]
            return np.where(ahead < 0, seen, path[rows, np.clip(ahead, 0, steps - 1)])

        for step in range(steps):
            target = origins + step
            previous = get(target - 1)
            lag = lag_positions(self.index, self.season, target)
            if name == "seasonal_naive":
                path[:, step] = np.where(lag >= 0, get(np.maximum(lag, 0)), previous)
            else:
                change = get(np.maximum(lag, 0)) - get(np.maximum(lag - 1, 0))
                path[:, step] = np.where(lag >= 1, previous + change, previous)
        return path


def fit_rules(values: np.ndarray, index: pd.DatetimeIndex, fit_end: int, season: int) -> SimpleRules:
    """:class:`SimpleRules` with drift, mean and climatology fitted on ``values[:fit_end]`` only.

    Args:
        values: the series, shape ``(n,)``, original units (only ``values[:fit_end]`` is read).
        index: its ``n`` dates, with a frequency.
        fit_end: end (exclusive) of the span the parameters come from, ``2..n``.
        season: season length in steps (1 = none).
    """
    values = np.asarray(values, dtype=np.float64)
    if not 1 <= fit_end <= len(values):
        raise ValueError(f"fit_end={fit_end} is out of range: allowed 1..{len(values)}")
    span = values[:fit_end]
    slope = float((span[-1] - span[0]) / (fit_end - 1)) if fit_end > 1 else 0.0
    mean = float(np.mean(span))
    keys, ordered, half = np.zeros(0), np.zeros(0), 0.0
    if season > 1:
        fractions = cycle_fraction(index[:fit_end], season)
        order = np.argsort(fractions, kind="stable")
        keys, ordered = fractions[order], span[order]
        yearly = season > _SMOOTHED_ABOVE and season_words(str(index.freqstr), season) == "a year"
        half = 7.0 / 365.0 if yearly else 0.5 / season
    return SimpleRules(season, pd.DatetimeIndex(index), fit_end, slope, mean, keys, ordered, half)


def _circular_means(
    keys: np.ndarray, values: np.ndarray, queries: np.ndarray, half_width: float, default: float
) -> np.ndarray:
    """Mean of ``values`` whose ``keys`` (sorted, in ``[0, 1)``) lie within ``half_width`` of each query on a circle.

    ``half_width`` below half the gap between neighbouring keys picks exactly the same key; queries with no
    key in reach get ``default``.
    """
    tolerance = 1e-9
    extended_keys = np.concatenate([keys - 1.0, keys, keys + 1.0])
    sums = np.concatenate([[0.0], np.cumsum(np.concatenate([values, values, values]))])
    low = np.searchsorted(extended_keys, queries - half_width - tolerance, side="left")
    high = np.searchsorted(extended_keys, queries + half_width + tolerance, side="right")
    count = high - low
    total = sums[high] - sums[low]
    return np.where(count > 0, total / np.maximum(count, 1), default)
