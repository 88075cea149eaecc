"""Baselines, metrics and conformal intervals on hand-computed cases (a naive Keras model, no training)."""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np
import pandas as pd
import pytest
from keras import layers

from core.config import ForecastConfig
from core.evaluation.baselines import mean_forecast, naive_forecast, seasonal_naive_forecast
from core.evaluation.intervals import calibrate, conformal_quantile, future_forecast, interval_coverage
from core.evaluation.metrics import forecast_metrics, mase_scale
from core.evaluation.scoring import evaluate_test
from core.model.network import predict_scaled
from core.model.windows import prepare


# The plain recursive forecast (value-only inputs) that ``core.model.recursive.recursive_scaled`` generalises.
def recursive_paths(
    model: keras.Model, scaled: np.ndarray, origins: np.ndarray, window: int, steps: int
) -> np.ndarray:
    """Forecast ``steps`` ahead from each origin, feeding predictions back as inputs.

    Args:
        model: one-step model in scaled units.
        scaled: shape ``(n,)`` scaled series.
        origins: shape ``(k,)`` indices of the first forecast target; inputs are ``scaled[o - window:o]``.
        window: input length.
        steps: forecast length.

    Returns:
        shape ``(k, steps)`` scaled predictions; column ``h - 1`` is the ``h``-step forecast.
    """
    origins = np.asarray(origins, dtype=np.int64)
    offsets = np.arange(-window, 0)
    inputs = np.asarray(scaled, dtype=np.float64)[origins[:, np.newaxis] + offsets]
    paths = np.empty((len(origins), steps), dtype=np.float64)
    for step in range(steps):
        paths[:, step] = predict_scaled(model, inputs)
        inputs = np.concatenate([inputs[:, 1:], paths[:, step : step + 1]], axis=1)
    return paths


def last_value_model(window: int) -> keras.Model:
    """A Keras model that predicts the last input value: an exactly known 'LSTM' stand-in."""
    inputs = keras.Input(shape=(window, 1))
    outputs = layers.Flatten()(layers.Cropping1D((window - 1, 0))(inputs))
    return keras.Model(inputs, outputs)


def test_naive_seasonal_and_mean_baselines():
    values = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    np.testing.assert_array_equal(naive_forecast(values, range(3, 5)), [4.0, 8.0])
    seasonal, fallbacks = seasonal_naive_forecast(values, range(1, 5), 2)
    np.testing.assert_array_equal(seasonal, [1.0, 1.0, 2.0, 4.0])  # t=1 has no t-2: falls back to t-1
    assert fallbacks == 1
    np.testing.assert_array_equal(seasonal_naive_forecast(values, range(2, 5), 1)[0], [2.0, 4.0, 8.0])
    np.testing.assert_array_equal(mean_forecast(values[:3], 2), [7 / 3, 7 / 3])


def test_metrics_on_hand_computed_values():
    actual = np.array([1.0, -1.0, 0.0])
    predicted = np.array([2.0, -1.0, 0.0])
    scale = mase_scale(np.array([0.0, 2.0, 1.0]))  # |2-0|, |1-2| -> 1.5
    assert scale == 1.5
    metrics = forecast_metrics(actual, predicted, scale)
    assert metrics["mae"] == pytest.approx(1 / 3)
    assert metrics["rmse"] == pytest.approx(math.sqrt(1 / 3))
    assert metrics["smape"] == pytest.approx((200 * 1 / 3) / 3)  # 0/0 at the last point counts as 0
    assert metrics["mase"] == pytest.approx((1 / 3) / 1.5)


def test_metrics_are_defined_at_zero_and_for_constant_training():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        perfect = forecast_metrics(np.zeros(4), np.zeros(4), mase_scale(np.zeros(10)))
        assert perfect == {"mae": 0.0, "rmse": 0.0, "smape": 0.0, "mase": 0.0}
        off = forecast_metrics(np.zeros(2), np.array([1.0, -1.0]), 0.0)
        assert off["smape"] == 200.0 and math.isnan(off["mase"])


def test_conformal_quantile_uses_the_finite_sample_rank():
    residuals = np.arange(19, 0, -1, dtype=float)  # 1..19 shuffled order does not matter
    assert conformal_quantile(residuals, 0.9) == (18.0, True)  # ceil(20 * 0.9) = 18th smallest
    assert conformal_quantile(np.arange(1.0, 6.0), 0.9) == (5.0, False)  # ceil(6 * 0.9) = 6 > 5


def test_interval_coverage():
    assert interval_coverage(np.array([0.0, 1.0, 2.0, 3.0]), np.zeros(4), 1.5) == 0.5


def series(values: np.ndarray) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2021-03-01", periods=len(values), freq="D"), name="y")


def test_lstm_column_is_inverse_transformed_once_and_aligned_with_naive():
    values = series(np.random.default_rng(0).normal(-2, 5, 120))
    config = ForecastConfig(window=6, validation_fraction=0.2, test_fraction=0.2, horizon=3)
    data = prepare(values.to_numpy(), config)
    evaluation = evaluate_test(last_value_model(6), data, values.index, season_length=7)
    frame = evaluation.predictions
    np.testing.assert_allclose(frame["lstm"], frame["naive"], atol=1e-5)
    assert list(frame.columns) == ["actual", "lstm", "naive", "seasonal_naive", "mean"]
    assert frame.index.name == "date" and frame.index[0] == values.index[data.split.test_start]
    np.testing.assert_array_equal(frame["actual"], values.to_numpy()[data.split.test_start :])
    np.testing.assert_array_equal(frame["mean"], np.mean(values.to_numpy()[: data.split.val_start]))
    assert evaluation.metrics["lstm"]["mae"] == pytest.approx(evaluation.metrics["naive"]["mae"], abs=1e-5)


def test_recursive_paths_feed_predictions_back():
    scaled = np.arange(10.0)
    paths = recursive_paths(last_value_model(3), scaled, np.array([3, 7]), 3, 4)
    np.testing.assert_allclose(paths, [[2.0] * 4, [6.0] * 4])


def test_calibration_widths_match_hand_computed_residuals():
    values = np.random.default_rng(3).normal(0, 1, 200)
    config = ForecastConfig(
        window=4, validation_fraction=0.2, test_fraction=0.1, horizon=3, interval_level=0.8
    )
    data = prepare(values, config)
    calibration = calibrate(last_value_model(4), data, config.horizon, config.interval_level)
    span = data.split.val_targets
    expected = []
    for step in range(3):
        origins = np.arange(span.start, span.stop - step)
        residuals = np.abs(values[origins + step] - values[origins - 1])
        rank = math.ceil((len(residuals) + 1) * 0.8)
        expected.append(np.sort(residuals)[rank - 1])
    expected = np.maximum.accumulate(expected)
    assert calibration.source == "validation" and calibration.exact
    np.testing.assert_allclose(calibration.half_widths, expected, atol=1e-5)


def test_interval_coverage_is_near_the_level_on_exchangeable_noise():
    values = np.random.default_rng(4).normal(10, 2, 3000)
    config = ForecastConfig(
        window=3, validation_fraction=0.3, test_fraction=0.3, horizon=1, interval_level=0.9
    )
    data = prepare(values, config)
    model = last_value_model(3)
    calibration = calibrate(model, data, 1, 0.9)
    evaluation = evaluate_test(model, data, series(values).index, season_length=7)
    coverage = interval_coverage(
        evaluation.predictions["actual"], evaluation.predictions["lstm"], calibration.half_widths[0]
    )
    assert 0.87 <= coverage <= 0.93


def test_training_residuals_are_used_and_flagged_without_validation():
    values = np.random.default_rng(5).normal(0, 1, 60)
    config = ForecastConfig(window=4, validation_fraction=0.0, patience=0, horizon=2)
    calibration = calibrate(last_value_model(4), prepare(values, config), 2, 0.9)
    assert calibration.source == "training"
    assert any("training residuals" in note for note in calibration.notes())


def test_future_forecast_starts_after_the_last_date_at_the_series_frequency():
    values = pd.Series(np.arange(30.0), index=pd.date_range("2020-01-01", periods=30, freq="MS"), name="y")
    config = ForecastConfig(window=4, validation_fraction=0.0, patience=0, horizon=3)
    data = prepare(values.to_numpy(), config)
    frame = future_forecast(last_value_model(4), data, values.index, [1.0, 2.0, 3.0])
    assert list(frame["date"]) == list(pd.date_range("2022-07-01", periods=3, freq="MS"))
    np.testing.assert_allclose(frame["forecast"], 29.0, atol=1e-4)
    np.testing.assert_allclose(frame["upper"] - frame["lower"], [2.0, 4.0, 6.0], atol=1e-9)
