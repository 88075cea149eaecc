"""Inside the LSTM: the numpy pass over gates and states equals Keras, for a trained run too."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from core.config import ForecastConfig
from core.errors import DataError
from core.model.internals import lstm_internals, lstm_layers
from core.model.network import build_model
from core.run.pipeline import model_input, predict_next, run_forecast
from tests.core.fakes import TINY, daily


def _scrambled(model: keras.Model, seed: int) -> None:
    """Give every weight (also the biases, which start at 0/1) random values so every gate matters."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.6, w.shape).astype(np.float32) for w in model.get_weights()])


def _keras_states(layer: keras.layers.LSTM, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keras' own hidden and cell state after every step, via a twin layer returning sequences and states."""
    twin = keras.layers.LSTM(layer.units, return_sequences=True, return_state=True)
    twin.build((1, *inputs.shape[1:]))
    twin.set_weights(layer.get_weights())
    cells = []
    for t in range(1, inputs.shape[1] + 1):  # the cell state is only returned for the last step: grow the window
        _, _, c = twin(inputs[:, :t])
        cells.append(np.asarray(c)[0])
    sequence, _, _ = twin(inputs)
    return np.asarray(sequence)[0], np.stack(cells)


@pytest.mark.parametrize(("layers", "features"), [(1, 1), (1, 3), (2, 1), (2, 3)])
def test_numpy_gates_and_states_equal_keras(layers: int, features: int) -> None:
    config = ForecastConfig(window=7, units=5, layers=layers, dropout=0.2 if layers > 1 else 0.0, seed=11)
    model = build_model(config, n_features=features)
    _scrambled(model, seed=layers * 10 + features)
    x = np.random.default_rng(1).normal(size=(1, 7, features)).astype(np.float32)
    stack = lstm_layers(model)
    assert len(stack) == layers
    for k, layer in enumerate(stack, start=1):
        below = x if k == 1 else np.asarray(keras.Model(model.input, stack[k - 2].output)(x))
        hidden, cells = _keras_states(layer, below)
        inside = lstm_internals(model, x, layer=k)
        assert inside.hidden.shape == inside.cell.shape == inside.forget_gate.shape == (7, 5)
        np.testing.assert_allclose(inside.hidden, hidden, atol=1e-5)
        np.testing.assert_allclose(inside.cell, cells, atol=1e-5)
        for gate in (inside.input_gate, inside.forget_gate, inside.output_gate):
            assert ((gate > 0) & (gate < 1)).all()
    # The last LSTM layer's final hidden state is what the Dense head turns into the prediction.
    head = model.get_layer("next")
    w, b = (np.asarray(v, dtype=np.float64) for v in head.get_weights())
    top = lstm_internals(model, x, layer=layers)
    assert float(top.hidden[-1] @ w[:, 0] + b[0]) == pytest.approx(float(model.predict_on_batch(x)[0, 0]), abs=1e-5)


def test_internals_of_a_trained_run_use_the_models_input() -> None:
    values = daily()
    run = run_forecast(values, TINY)
    x = model_input(run, values.iloc[:80])
    inside = lstm_internals(run.model, x)
    head_w, head_b = (np.asarray(v, dtype=np.float64) for v in run.model.get_layer("next").get_weights())
    scaled = float(inside.hidden[-1] @ head_w[:, 0] + head_b[0])
    assert scaled * run.scaler["std"] + run.scaler["mean"] == pytest.approx(predict_next(run, values.iloc[:80]),
                                                                            abs=1e-4)


def test_internals_refuse_bad_layer_and_shape() -> None:
    model = build_model(ForecastConfig(window=4, units=3))
    with pytest.raises(DataError, match="out of range"):
        lstm_internals(model, np.zeros((1, 4, 1)), layer=2)
    with pytest.raises(DataError, match="shape"):
        lstm_internals(model, np.zeros((2, 4, 1)))
    with pytest.raises(DataError):
        lstm_internals(model, np.full((1, 4, 1), np.nan))
