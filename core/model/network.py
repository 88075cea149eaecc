"""The LSTM: a seeded Keras 3 functional model and a fast batched predictor."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from core.config import ForecastConfig
from core.model import weights

__all__ = ["PREDICT_CHUNK", "build_model", "sequence_model", "predict_scaled"]


#: Rows per ``predict_on_batch`` call; bounds memory for long series.
PREDICT_CHUNK = 4096


def build_model(config: ForecastConfig, n_features: int = 1) -> keras.Model:
    """Input ``(window, n_features)`` -> ``layers`` stacked LSTM(``units``) with seeded Dropout -> Dense(1).

    Every LSTM layer returns its whole sequence and the Dense head ``"next"`` is applied at every
    position; the model's output is the head's value at the last position, shape ``(k, 1)``, i.e. the
    usual "last hidden state -> Dense(1)" forecaster (layers ``"last_step"`` and ``"prediction"`` pick
    it out). The per-position outputs let training use every position of a window as a target
    (:func:`sequence_model`, ``core.model.training``); prediction is unchanged.

    Every initializer and dropout layer gets its own seed derived from ``config.seed``, so the same
    config builds the same weights in any thread; ``keras.utils.set_random_seed`` is process-global
    and is deliberately not used.

    With a residual target (anything but ``"value"``) the head starts at zero, so the untrained model forecasts
    exactly the rule its target is the correction to.

    Compiled with Adam(``learning_rate``) and MSE, without XLA (``jit_compile``) and with the LSTM
    not unrolled: both cost more in compile or first-trace time than they save per training
    (docs/performance.md, "Measured and not kept").
    """

    def seed(offset: int) -> int:
        return (config.seed + offset) % 2**31

    inputs = keras.Input(shape=(config.window, n_features), name="window")
    x = inputs
    for i in range(config.layers):
        x = layers.LSTM(
            config.units,
            return_sequences=True,
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed(10 * i + 1)),
            recurrent_initializer=keras.initializers.Orthogonal(seed=seed(10 * i + 2)),
            seed=seed(10 * i + 3),
            name=f"lstm_{i + 1}",
        )(x)
        if config.dropout > 0:
            x = layers.Dropout(config.dropout, seed=seed(10 * i + 4), name=f"dropout_{i + 1}")(x)
    # A residual target starts from the rule itself (output 0): the model only learns corrections to it.
    head = keras.initializers.Zeros() if config.target != "value" else keras.initializers.GlorotUniform(seed=seed(5))
    per_position = layers.Dense(1, kernel_initializer=head, name="next")(x)
    last = layers.Cropping1D((config.window - 1, 0), name="last_step")(per_position)
    outputs = layers.Flatten(name="prediction")(last)
    model = keras.Model(inputs, outputs, name="lstm_forecaster")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
        loss="mse",
        jit_compile=False,
    )
    return model


def sequence_model(model: keras.Model) -> keras.Model | None:
    """A model sharing ``model``'s layers and weights whose output is the prediction at every position.

    Output shape ``(k, window, 1)``: position ``p`` predicts the step after input ``p`` from inputs
    ``0..p``; the last position is ``model``'s own output. None for a model whose head sees only the
    last step (e.g. a bundle saved before per-position outputs existed).
    """
    try:
        head = model.get_layer("next")
    except ValueError:
        return None
    output = head.output
    if len(output.shape) != 3 or output.shape[1] != model.input_shape[1]:
        return None
    return keras.Model(model.inputs, output, name="lstm_forecaster_positions")


def predict_scaled(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """One-step predictions in scaled units.

    Args:
        model: a model from :func:`build_model` (or a loaded bundle, or its ``NetworkWeights``).
        x: windows, shape ``(k, window, n_features)`` (or ``(k, window)`` for one feature).

    Returns:
        shape ``(k,)`` float64.
    """
    return weights.predict_scaled(model, x, PREDICT_CHUNK)
