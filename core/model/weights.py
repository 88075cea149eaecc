"""The trained network as numpy arrays: its weights, a numpy forward pass, and its ``.keras`` bytes. No TensorFlow.

A training worker turns its Keras model into :class:`NetworkWeights` (:meth:`NetworkWeights.from_keras`); the web
process predicts, shows the gates and writes the model bundle from it without importing TensorFlow. The forward
pass mirrors Keras 3's default LSTM (``keras/src/layers/rnn/lstm.py``): ``kernel`` ``(features, 4u)``,
``recurrent_kernel`` ``(u, 4u)``, ``bias`` ``(4u,)``, gate blocks in the order input, forget, candidate, output;
``c = f * c_prev + i * tanh(z_c)``, ``h = o * tanh(c)``, zero initial states; dropout does nothing at prediction time.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from core.errors import DataError

__all__ = ["GATES", "LayerWeights", "NetworkWeights", "layer_pass", "predict_scaled"]


#: What :func:`layer_pass` records per step, in this order.
GATES = ("input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden")


@dataclass(frozen=True)
class LayerWeights:
    """One LSTM layer's weights in float64.

    Attributes:
        kernel: shape ``(features, 4 * units)``.
        recurrent: shape ``(units, 4 * units)``.
        bias: shape ``(4 * units,)``.
    """

    kernel: np.ndarray
    recurrent: np.ndarray
    bias: np.ndarray

    @property
    def units(self) -> int:
        return int(self.recurrent.shape[0])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # same as 1 / (1 + exp(-z)), without overflow warnings


def layer_pass(layer: LayerWeights, inputs: np.ndarray, gates: bool = False) -> dict[str, np.ndarray]:
    """Run one LSTM layer step by step in float64.

    Args:
        inputs: shape ``(k, steps, features)``.
        gates: also record the gates and the cell state (else only ``"hidden"``).

    Returns:
        ``{"hidden": (k, steps, units)}``, plus every name of :data:`GATES` when ``gates``.
    """
    units = layer.units
    k, steps = inputs.shape[0], inputs.shape[1]
    names = GATES if gates else ("hidden",)
    out = {name: np.zeros((k, steps, units)) for name in names}
    h, c = np.zeros((k, units)), np.zeros((k, units))
    projected = inputs @ layer.kernel + layer.bias  # (k, steps, 4u): the input part of every step at once
    for t in range(steps):
        z = projected[:, t] + h @ layer.recurrent
        i, f = _sigmoid(z[:, :units]), _sigmoid(z[:, units : 2 * units])
        g, o = np.tanh(z[:, 2 * units : 3 * units]), _sigmoid(z[:, 3 * units :])
        c = f * c + i * g
        h = o * np.tanh(c)
        out["hidden"][:, t] = h
        if gates:
            for name, value in zip(GATES[:5], (i, f, g, o, c), strict=True):
                out[name][:, t] = value
    return out


def _check_lstm(config: dict[str, Any]) -> None:
    """The numpy pass mirrors Keras' default LSTM; refuse anything else rather than show wrong numbers."""
    if config.get("activation") != "tanh" or config.get("recurrent_activation") != "sigmoid":
        raise DataError("This LSTM layer uses non-default activations, which the numpy view cannot compute.")
    if not config.get("use_bias", True) or config.get("go_backwards", False):
        raise DataError("This LSTM layer is configured in a way the numpy view cannot compute.")


def _as64(array: Any) -> np.ndarray:
    return np.array(array, dtype=np.float64, copy=True)


@dataclass(frozen=True, eq=False)
class NetworkWeights:
    """A trained ``core.model.network.build_model`` network without TensorFlow.

    It answers the two calls the rest of ``core`` makes on a model, ``predict_on_batch`` and ``save``, so a run
    holding it predicts, forecasts and saves its bundle as a run holding the Keras model does.

    Attributes:
        window, n_features: the input shape ``(window, n_features)``.
        lstm: the stacked LSTM layers, input side first.
        head_kernel: the Dense head ``(units, 1)``; head_bias: ``(1,)``.
        keras_bytes: the ``.keras`` file of the same model (for the bundle), empty when not kept.
    """

    window: int
    n_features: int
    lstm: tuple[LayerWeights, ...]
    head_kernel: np.ndarray
    head_bias: np.ndarray
    keras_bytes: bytes = b""

    @classmethod
    def from_keras(cls, model: Any, keep_file: bool = True) -> NetworkWeights:
        """The weights of a Keras model from ``build_model`` (or a loaded bundle); duck-typed, imports nothing.

        Args:
            keep_file: also keep the model's ``.keras`` file as bytes (``model.save``).

        Raises:
            DataError: no LSTM or Dense layer, or an LSTM the numpy pass does not mirror.
        """
        lstms = [layer for layer in model.layers if type(layer).__name__ == "LSTM"]
        dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
        if not lstms or not dense:
            raise DataError("This model is not a stacked LSTM with a Dense head.")
        stack = []
        for layer in lstms:
            _check_lstm(layer.get_config())
            kernel, recurrent, bias = (_as64(w) for w in layer.get_weights())
            stack.append(LayerWeights(kernel, recurrent, bias))
        head_kernel, head_bias = (_as64(w) for w in dense[-1].get_weights())
        _, window, n_features = model.input_shape
        return cls(int(window), int(n_features), tuple(stack), head_kernel, head_bias,
                   _keras_file(model) if keep_file else b"")

    @property
    def layers(self) -> int:
        return len(self.lstm)

    def hidden_sequence(self, x: np.ndarray, below: int) -> np.ndarray:
        """The input of LSTM layer ``below + 1``: ``x`` ``(k, window, features)`` passed through the first
        ``below`` layers, shape ``(k, window, units)`` (``x`` itself as float64 when ``below`` is 0)."""
        inputs = np.asarray(x, dtype=np.float64)
        for layer in self.lstm[:below]:
            inputs = layer_pass(layer, inputs)["hidden"]
        return inputs

    def predict_on_batch(self, x: np.ndarray) -> np.ndarray:
        """One-step outputs (scaled units) of windows ``x`` ``(k, window, n_features)``; shape ``(k, 1)`` float64."""
        inputs = np.asarray(x, dtype=np.float64)
        if inputs.ndim == 2:
            inputs = inputs[:, :, np.newaxis]
        if inputs.ndim != 3 or inputs.shape[1:] != (self.window, self.n_features):
            raise ValueError(f"expected windows of shape (k, {self.window}, {self.n_features}), got {inputs.shape}")
        with threadpool_limits(limits=1, user_api="blas"):  # tiny matrices: BLAS threads only contend
            hidden = self.hidden_sequence(inputs, self.layers)[:, -1]  # (k, units): the last position
            return hidden @ self.head_kernel + self.head_bias

    def save(self, path: str | Path) -> None:
        """Write the model's ``.keras`` file to ``path`` (as ``keras.Model.save`` does).

        Raises:
            DataError: the file was not kept.
        """
        if not self.keras_bytes:
            raise DataError("This trained model was kept without its model file, so it cannot be saved.")
        Path(path).write_bytes(self.keras_bytes)


def _keras_file(model: Any) -> bytes:
    with tempfile.TemporaryDirectory(prefix="lstm-model-") as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()


def predict_scaled(model: Any, x: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """One-step predictions in scaled units from a Keras model or :class:`NetworkWeights`.

    Args:
        model: anything with ``predict_on_batch`` returning ``(k, 1)``.
        x: windows, shape ``(k, window, n_features)`` (or ``(k, window)`` for one feature).
        chunk: rows per call; bounds memory for long series.

    Returns:
        shape ``(k,)`` float64.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 2:
        x = x[:, :, np.newaxis]
    if len(x) == 0:
        return np.zeros((0,), np.float64)
    parts = [np.asarray(model.predict_on_batch(x[i : i + chunk])) for i in range(0, len(x), chunk)]
    return np.concatenate(parts).reshape(-1).astype(np.float64)
