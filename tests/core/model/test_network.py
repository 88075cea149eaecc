"""The model: its output is the last position of the per-position head, which training can use directly."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from core.config import ForecastConfig
from core.model.network import build_model, predict_scaled, sequence_model


@pytest.mark.parametrize(("layers", "features", "dropout"), [(1, 1, 0.0), (2, 3, 0.2)])
def test_sequence_model_shares_weights_and_ends_in_the_models_prediction(layers, features, dropout) -> None:
    config = ForecastConfig(window=6, units=5, layers=layers, dropout=dropout, seed=7)
    model = build_model(config, n_features=features)
    twin = sequence_model(model)
    assert twin is not None
    x = np.random.default_rng(0).normal(size=(9, 6, features)).astype(np.float32)
    per_position = np.asarray(twin.predict_on_batch(x))
    assert per_position.shape == (9, 6, 1) and model.output_shape == (None, 1)
    np.testing.assert_allclose(per_position[:, -1, 0], predict_scaled(model, x), atol=1e-6)
    # a position only sees the inputs up to itself: changing later inputs leaves it alone
    later = x.copy()
    later[:, 4:] += 5.0
    np.testing.assert_allclose(np.asarray(twin.predict_on_batch(later))[:, :4], per_position[:, :4], atol=1e-6)
    # shared weights: changing the model changes the twin
    model.set_weights([w + 0.1 for w in model.get_weights()])
    np.testing.assert_allclose(np.asarray(twin.predict_on_batch(x))[:, -1, 0], predict_scaled(model, x), atol=1e-6)


def test_same_config_builds_the_same_weights() -> None:
    config = ForecastConfig(window=5, units=4, seed=3)
    for a, b in zip(build_model(config).get_weights(), build_model(config).get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_last_step_only_model_has_no_sequence_twin() -> None:
    inputs = keras.Input((5, 1))
    outputs = keras.layers.Dense(1, name="next")(keras.layers.LSTM(3)(inputs))
    assert sequence_model(keras.Model(inputs, outputs)) is None
