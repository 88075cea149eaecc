"""Naive, seasonal naive and mean: one-step predictions and multi-step forecasters on hand-computed cases."""

from __future__ import annotations

import numpy as np

from core.evaluation.baselines import (
    mean_forecast,
    naive_forecast,
    seasonal_naive_forecast,
    seasonal_naive_forecaster,
)


def test_naive_seasonal_and_mean_baselines():
    values = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    np.testing.assert_array_equal(naive_forecast(values, range(3, 5)), [4.0, 8.0])
    seasonal, fallbacks = seasonal_naive_forecast(values, range(1, 5), 2)
    np.testing.assert_array_equal(seasonal, [1.0, 1.0, 2.0, 4.0])  # t=1 has no t-2: falls back to t-1
    assert fallbacks == 1
    np.testing.assert_array_equal(seasonal_naive_forecast(values, range(2, 5), 1)[0], [2.0, 4.0, 8.0])
    np.testing.assert_array_equal(mean_forecast(values[:3], 2), [7 / 3, 7 / 3])


def test_seasonal_naive_repeats_the_last_season() -> None:
    history = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    np.testing.assert_array_equal(seasonal_naive_forecaster(2)(history, 5), [4.0, 5.0, 4.0, 5.0, 4.0])
    np.testing.assert_array_equal(seasonal_naive_forecaster(7)(history, 2), [5.0, 5.0])  # shorter than a season
