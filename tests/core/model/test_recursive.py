"""Recursive multi-step forecasts: one-step inputs equal the training inputs, predictions (never actuals) are fed
back, and the feature-aware recursion reduces to the plain one for value-only inputs."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from core.config import TARGETS, ForecastConfig
from core.model.features import to_scaled
from core.model.network import build_model, predict_scaled
from core.model.recursive import recursive_scaled
from core.model.windows import prepare
from tests.core.fakes import RecordingModel, hourly, last_value_model


def config_for(target: str, **extra) -> ForecastConfig:
    return ForecastConfig(window=12, calendar=True, seasonal_input=True, target=target, units=4, **extra)


@pytest.mark.parametrize("differences", [False, True])
@pytest.mark.parametrize("target", TARGETS)
def test_recursive_one_step_inputs_equal_training_inputs(target, differences):
    values = hourly()
    data = prepare(values.to_numpy(), config_for(target, difference_input=differences), values.index, 24)
    targets = data.split.test_targets
    model = RecordingModel()
    paths = recursive_scaled(model, data.spec, data.scaled, values.index, np.arange(targets.start, targets.stop),
                             12, 1)
    np.testing.assert_allclose(model.inputs[0], data.x_test, rtol=0, atol=1e-6)
    direct = to_scaled(data.spec, RecordingModel().predict_on_batch(data.x_test)[:, 0], data.scaled,
                       np.arange(targets.start, targets.stop))
    np.testing.assert_allclose(paths[:, 0], direct, atol=1e-5)


@pytest.mark.parametrize("differences", [False, True])
def test_recursive_paths_feed_predictions_back_not_actuals(differences):
    values = hourly()
    data = prepare(values.to_numpy(), config_for("seasonal_change", difference_input=differences), values.index, 24)
    origin = data.split.test_targets.start
    first = recursive_scaled(RecordingModel(), data.spec, data.scaled, values.index, np.array([origin]), 12, 30)
    changed = data.scaled.copy()
    changed[origin:] += 50.0  # values at and after the origin must not matter
    second = recursive_scaled(RecordingModel(), data.spec, changed, values.index, np.array([origin]), 12, 30)
    np.testing.assert_array_equal(first, second)
    # Forecasting past the end works: calendar of future dates, season values from history and predictions.
    future = recursive_scaled(RecordingModel(), data.spec, data.scaled, values.index, np.array([400]), 12, 48)
    assert future.shape == (1, 48) and np.isfinite(future).all()


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


def test_recursive_paths_feed_predictions_back():
    scaled = np.arange(10.0)
    paths = recursive_paths(last_value_model(3), scaled, np.array([3, 7]), 3, 4)
    np.testing.assert_allclose(paths, [[2.0] * 4, [6.0] * 4])


def test_value_only_recursion_equals_the_plain_recursive_forecast() -> None:
    values = np.random.default_rng(7).normal(5, 2, 80)
    config = ForecastConfig(window=5, units=3, validation_fraction=0.0, patience=0, seed=4)
    data = prepare(values, config)
    assert data.spec is not None and data.spec.names == ["value"]
    model = build_model(config)  # untrained but not trivial: every step's prediction differs
    origins = np.array([10, 33, 79])
    expected = recursive_paths(model, data.scaled, origins, 5, 6)
    got = recursive_scaled(model, data.spec, data.scaled, data.index, origins, 5, 6)
    assert np.ptp(expected, axis=1).min() > 0
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
