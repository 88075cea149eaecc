"""Inside a trained LSTM: gates, cell and hidden states per step, computed in numpy from its weights."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from core.errors import DataError

__all__ = ["Internals", "lstm_layers", "lstm_internals"]


@dataclass(frozen=True)
class Internals:
    """What one LSTM layer computed at every step of one input window.

    Attributes:
        layer: 1-based index of the LSTM layer among the model's LSTM layers.
        layers: number of LSTM layers in the model.
        inputs: shape ``(steps, features)``: what the layer read at each step (the scaled window for
            layer 1, the previous layer's hidden state above it).
        input_gate, forget_gate, output_gate: shape ``(steps, units)``, each value in 0..1.
        candidate: shape ``(steps, units)`` in -1..1: the new information offered to the cell.
        cell: shape ``(steps, units)``: the cell state (long-term memory) after each step.
        hidden: shape ``(steps, units)`` in -1..1: the hidden state (the layer's output) after each step.
    """

    layer: int
    layers: int
    inputs: np.ndarray
    input_gate: np.ndarray
    forget_gate: np.ndarray
    output_gate: np.ndarray
    candidate: np.ndarray
    cell: np.ndarray
    hidden: np.ndarray

    @property
    def units(self) -> int:
        return int(self.hidden.shape[1])

    @property
    def steps(self) -> int:
        return int(self.hidden.shape[0])


def lstm_layers(model: keras.Model) -> list[keras.layers.LSTM]:
    """The model's LSTM layers, input side first."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # same as 1 / (1 + exp(-z)), without overflow warnings


def _check_layer(layer: keras.layers.LSTM) -> None:
    """The numpy pass below mirrors Keras' default LSTM; refuse anything else rather than show wrong numbers."""
    cell = layer.cell
    if cell.activation is not keras.activations.tanh or cell.recurrent_activation is not keras.activations.sigmoid:
        raise DataError("This LSTM layer uses non-default activations, which the gate view cannot show.")
    if not cell.use_bias or layer.go_backwards:
        raise DataError("This LSTM layer is configured in a way the gate view cannot show.")


def _layer_pass(layer: keras.layers.LSTM, inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Run one LSTM layer step by step in float64.

    Keras 3 layout (keras/src/layers/rnn/lstm.py): ``kernel`` ``(features, 4u)``, ``recurrent_kernel``
    ``(u, 4u)``, ``bias`` ``(4u,)``, gate blocks in the order input, forget, candidate, output;
    ``c = f * c_prev + i * tanh(z_c)``, ``h = o * tanh(c)``; initial states are zeros.

    Args:
        inputs: shape ``(steps, features)``.
    """
    kernel, recurrent, bias = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
    units = recurrent.shape[0]
    steps = inputs.shape[0]
    names = ("input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden")
    out = {name: np.zeros((steps, units)) for name in names}
    h, c = np.zeros(units), np.zeros(units)
    projected = inputs @ kernel + bias  # (steps, 4u): the input part of every step at once
    for t in range(steps):
        z = projected[t] + h @ recurrent
        i, f = _sigmoid(z[:units]), _sigmoid(z[units : 2 * units])
        g, o = np.tanh(z[2 * units : 3 * units]), _sigmoid(z[3 * units :])
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, value in zip(names, (i, f, g, o, c, h), strict=True):
            out[name][t] = value
    return out


def lstm_internals(model: keras.Model, x: np.ndarray, layer: int = 1) -> Internals:
    """Gate activations and states of one LSTM layer for one input window, computed in numpy.

    Dropout layers between LSTM layers do nothing at prediction time, so the input of layer ``k`` is
    the hidden-state sequence of layer ``k - 1``.

    Args:
        model: a model from ``core.model.build_model`` (any number of stacked LSTM layers).
        x: the model's input for one window, shape ``(1, window, n_features)`` or ``(window, n_features)``,
            e.g. from ``core.run.pipeline.model_input``.
        layer: 1-based LSTM layer to show.

    Returns:
        Internals with arrays of shape ``(window, units)``.

    Raises:
        DataError: no LSTM layer, ``layer`` out of range, or an input of the wrong shape.
    """
    stack = lstm_layers(model)
    if not stack:
        raise DataError("This model has no LSTM layer.")
    if not 1 <= layer <= len(stack):
        raise DataError(f"layer={layer} is out of range: the model has {len(stack)} LSTM layer(s).")
    inputs = np.asarray(x, dtype=np.float64)
    if inputs.ndim == 3 and inputs.shape[0] == 1:
        inputs = inputs[0]
    if inputs.ndim != 2 or not np.isfinite(inputs).all():
        raise DataError(f"Expected one finite window of shape (window, features), got shape {np.shape(x)}.")
    for below in stack[: layer - 1]:
        _check_layer(below)
        inputs = _layer_pass(below, inputs)["hidden"]
    _check_layer(stack[layer - 1])
    result = _layer_pass(stack[layer - 1], inputs)
    return Internals(layer=layer, layers=len(stack), inputs=inputs, **result)
