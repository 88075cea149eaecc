"""Simple reference forecasts: naive, seasonal naive and mean, one step and many steps ahead."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "Forecaster", "naive_forecaster", "seasonal_naive_forecaster", "mean_forecaster", "naive_forecast",
    "seasonal_naive_forecast", "mean_forecast",
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
