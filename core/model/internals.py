"""Inside a trained LSTM: gates, cell and hidden states per step, computed in numpy from its weights (no TensorFlow)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import DataError
from core.model.weights import NetworkWeights, layer_pass

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


def lstm_layers(model: Any) -> list[Any]:
    """The Keras model's LSTM layers, input side first."""
    return [layer for layer in model.layers if type(layer).__name__ == "LSTM"]


def lstm_internals(model: Any, x: np.ndarray, layer: int = 1) -> Internals:
    """Gate activations and states of one LSTM layer for one input window, computed in numpy.

    Dropout layers between LSTM layers do nothing at prediction time, so the input of layer ``k`` is
    the hidden-state sequence of layer ``k - 1``.

    Args:
        model: a model from ``core.model.build_model`` (any number of stacked LSTM layers), or its
            ``core.model.weights.NetworkWeights`` (what a run trained by a worker holds).
        x: the model's input for one window, shape ``(1, window, n_features)`` or ``(window, n_features)``,
            e.g. from ``core.run.portable.model_input``.
        layer: 1-based LSTM layer to show.

    Returns:
        Internals with arrays of shape ``(window, units)``.

    Raises:
        DataError: no LSTM layer, ``layer`` out of range, a layer the numpy pass does not mirror, or an input
            of the wrong shape.
    """
    network = model if isinstance(model, NetworkWeights) else NetworkWeights.from_keras(model, keep_file=False)
    if not 1 <= layer <= network.layers:
        raise DataError(f"layer={layer} is out of range: the model has {network.layers} LSTM layer(s).")
    inputs = np.asarray(x, dtype=np.float64)
    if inputs.ndim == 3 and inputs.shape[0] == 1:
        inputs = inputs[0]
    if inputs.ndim != 2 or not np.isfinite(inputs).all():
        raise DataError(f"Expected one finite window of shape (window, features), got shape {np.shape(x)}.")
    below = network.hidden_sequence(inputs[np.newaxis], layer - 1)
    result = layer_pass(network.lstm[layer - 1], below, gates=True)
    return Internals(layer=layer, layers=network.layers, inputs=below[0],
                     **{name: value[0] for name, value in result.items()})
