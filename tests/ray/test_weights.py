"""The numpy network (``NetworkWeights``) against Keras: forward pass, gates, saving, and a run's predictions."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import keras
import numpy as np
import pytest

from core.config import ForecastConfig
from core.dashboard.export import bundle_zip
from core.model.internals import lstm_internals
from core.model.network import build_model
from core.model.weights import NetworkWeights
from core.run import pipeline
from core.run.bundle import load_bundle
from core.run.portable import model_input, predict_next, to_portable
from tests.ray.conftest import TINY, series


def _scrambled(model: keras.Model, seed: int) -> None:
    """Random values for every weight (biases too), so every gate and the head matter."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.6, w.shape).astype(np.float32) for w in model.get_weights()])


@pytest.mark.parametrize(("layers", "features"), [(1, 1), (1, 4), (2, 1), (2, 3)])
def test_numpy_forward_pass_equals_keras_to_1e_5(layers: int, features: int) -> None:
    config = ForecastConfig(window=9, units=7, layers=layers, dropout=0.2 if layers > 1 else 0.0, seed=layers)
    model = build_model(config, n_features=features)
    _scrambled(model, seed=10 * layers + features)
    x = np.random.default_rng(features).normal(size=(64, 9, features)).astype(np.float32)
    network = NetworkWeights.from_keras(model)
    expected = np.asarray(model.predict_on_batch(x), dtype=np.float64)
    got = network.predict_on_batch(x)
    assert got.shape == expected.shape == (64, 1)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_gates_from_weights_equal_gates_from_the_keras_model() -> None:
    config = ForecastConfig(window=6, units=5, layers=2, seed=3)
    model = build_model(config, n_features=2)
    _scrambled(model, seed=4)
    x = np.random.default_rng(2).normal(size=(1, 6, 2)).astype(np.float32)
    network = NetworkWeights.from_keras(model, keep_file=False)
    for layer in (1, 2):
        a, b = lstm_internals(model, x, layer), lstm_internals(network, x, layer)
        for name in ("inputs", "input_gate", "forget_gate", "output_gate", "candidate", "cell", "hidden"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert network.keras_bytes == b""


def test_a_portable_run_predicts_and_saves_like_the_keras_run(tmp_path) -> None:
    values = series(260)
    run = pipeline.run_forecast(values, TINY, classical=False)
    portable = to_portable(run)
    assert isinstance(portable.model, NetworkWeights) and portable.model.keras_bytes
    assert run.model is not None and not isinstance(run.model, NetworkWeights)  # the original is untouched
    history = values.iloc[:200]
    np.testing.assert_allclose(model_input(portable, history), model_input(run, history))
    assert predict_next(portable, history) == pytest.approx(predict_next(run, history), abs=1e-5)
    changed = history.copy()
    changed.iloc[-1] += 5.0  # a what-if: the last value moved
    assert predict_next(portable, changed) == pytest.approx(predict_next(run, changed), abs=1e-5)
    assert predict_next(portable, changed) != predict_next(portable, history)
    with zipfile.ZipFile(io.BytesIO(bundle_zip(portable))) as archive:
        archive.extractall(tmp_path)
    loaded = load_bundle(tmp_path)
    np.testing.assert_allclose(loaded.forecast()["forecast"], run.forecast["forecast"], atol=1e-5)


def test_a_model_the_numpy_pass_does_not_mirror_is_refused() -> None:
    inputs = keras.Input((5, 1))
    hidden = keras.layers.LSTM(3, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    from core.errors import DataError

    with pytest.raises(DataError, match="non-default activations"):
        NetworkWeights.from_keras(model)
    network = NetworkWeights.from_keras(build_model(dataclasses.replace(TINY, window=4)))
    with pytest.raises(ValueError, match="expected windows of shape"):
        network.predict_on_batch(np.zeros((2, 5, 1)))
