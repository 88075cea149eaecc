"""The LSTM: a seeded Keras 3 functional model and a fast batched predictor."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from core.config import ForecastConfig

__all__ = ["build_model", "predict_scaled", "PREDICT_CHUNK"]

#: Rows per ``predict_on_batch`` call; bounds memory for long series.
PREDICT_CHUNK = 4096


def build_model(config: ForecastConfig, n_features: int = 1) -> keras.Model:
    """Input ``(window, n_features)`` -> ``layers`` stacked LSTM(``units``) with seeded Dropout -> Dense(1).

    Every initializer and dropout layer gets its own seed derived from ``config.seed``, so the same
    config builds the same weights in any thread; ``keras.utils.set_random_seed`` is process-global
    and is deliberately not used.

    Compiled with Adam(``learning_rate``) and MSE. ``jit_compile=False``: on a 2-core CPU, XLA
    added 3-5 s of compile time per training and was not faster per epoch for small LSTMs.
    """

    def seed(offset: int) -> int:
        return (config.seed + offset) % 2**31

    inputs = keras.Input(shape=(config.window, n_features), name="window")
    x = inputs
    for i in range(config.layers):
        x = layers.LSTM(
            config.units,
            return_sequences=i < config.layers - 1,
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed(10 * i + 1)),
            recurrent_initializer=keras.initializers.Orthogonal(seed=seed(10 * i + 2)),
            seed=seed(10 * i + 3),
            name=f"lstm_{i + 1}",
        )(x)
        if config.dropout > 0:
            x = layers.Dropout(config.dropout, seed=seed(10 * i + 4), name=f"dropout_{i + 1}")(x)
    outputs = layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed=seed(5)), name="next")(
        x
    )
    model = keras.Model(inputs, outputs, name="lstm_forecaster")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
        loss="mse",
        jit_compile=False,
    )
    return model


def predict_scaled(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """One-step predictions in scaled units.

    Args:
        model: a model from :func:`build_model` (or a loaded bundle).
        x: windows, shape ``(k, window, n_features)`` (or ``(k, window)`` for one feature).

    Returns:
        shape ``(k,)`` float64.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 2:
        x = x[:, :, np.newaxis]
    if len(x) == 0:
        return np.zeros((0,), np.float64)
    parts = [
        np.asarray(model.predict_on_batch(x[i : i + PREDICT_CHUNK])) for i in range(0, len(x), PREDICT_CHUNK)
    ]
    return np.concatenate(parts).reshape(-1).astype(np.float64)
