"""Look inside a trained LSTM and judge it in plain words: gates per step, copy-cat check, report card."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd

from core.errors import DataError
from core.plots import frequency_word, unit_for
from core.types import EpochRecord, ForecastRun

__all__ = [
    "Internals",
    "lstm_layers",
    "lstm_internals",
    "CopycatResult",
    "copycat",
    "overfit_epoch",
    "report_card",
]


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
            e.g. from ``core.pipeline.model_input``.
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


@dataclass(frozen=True)
class CopycatResult:
    """How well the predictions match the actual series moved later by 0..k steps.

    Attributes:
        shifts: ``(0, 1, ..., k)``.
        mae: mean absolute difference between the prediction at ``t`` and the actual value at ``t - shift``,
            one per shift, on the same targets for every shift (original units).
        best_shift: the shift with the smallest difference.
        is_copycat: True when the predictions match the actual series best one step late.
        verdict: one plain sentence.
    """

    shifts: tuple[int, ...]
    mae: tuple[float, ...]
    best_shift: int
    is_copycat: bool
    verdict: str


def copycat(actual: pd.Series, predicted: pd.Series, max_shift: int = 5, step_word: str = "step") -> CopycatResult:
    """Compare predictions with the actual series shifted by 0..``max_shift`` steps.

    A model that mostly repeats the previous value matches the actual series moved one step later
    better than the actual series itself.

    Args:
        actual: the whole observed series (so that values before the first prediction exist), date index.
        predicted: one-step predictions, shape ``(k,)``, indexed by dates that occur in ``actual``.
        max_shift: largest shift tried, at least 1.
        step_word: "day", "hour", ... for the sentence.

    Raises:
        DataError: dates of ``predicted`` missing in ``actual`` or too few points to compare.
    """
    if max_shift < 1:
        raise ValueError(f"max_shift={max_shift} must be at least 1")
    positions = actual.index.get_indexer(predicted.index)
    if (positions < 0).any():
        raise DataError("Some prediction dates are not in the series.")
    keep = positions >= max_shift
    if keep.sum() < 2:
        raise DataError(f"Too few predictions to compare with shifts up to {max_shift}.")
    observed = actual.to_numpy(dtype=np.float64)
    guesses = predicted.to_numpy(dtype=np.float64)[keep]
    mae = tuple(float(np.mean(np.abs(guesses - observed[positions[keep] - s]))) for s in range(max_shift + 1))
    best = int(np.argmin(mae))
    is_copycat = best == 1
    if is_copycat:
        verdict = (f"The model mostly repeats the previous value: its predictions match the real values "
                   f"one {step_word} late (difference {mae[1]:.3g}) better than on time ({mae[0]:.3g}).")
    elif best == 0:
        verdict = (f"The model does not just copy the previous value: its predictions match the real values "
                   f"best on time (difference {mae[0]:.3g}, vs {mae[1]:.3g} when compared one {step_word} late).")
    else:
        verdict = (f"The predictions match the real values best {best} {step_word}s late: the model lags "
                   f"behind the data rather than anticipating it.")
    return CopycatResult(tuple(range(max_shift + 1)), mae, best, is_copycat, verdict)


def overfit_epoch(history: Sequence[EpochRecord], min_rise: float = 0.05) -> int | None:
    """First epoch after which the validation loss rose for good while the training loss kept falling.

    Returns the epoch with the lowest validation loss when, later on, the validation loss ends at least
    ``min_rise`` (relative) above that minimum and the training loss is lower than at that epoch; else None.
    """
    points = [(r.epoch, r.loss, r.val_loss) for r in history if r.val_loss is not None and math.isfinite(r.val_loss)]
    if len(points) < 3:
        return None
    best = min(range(len(points)), key=lambda k: points[k][2])
    epoch, train_at_best, val_best = points[best]
    later = points[best + 1 :]
    if not later:
        return None
    tail = [p[2] for p in later[-3:]]
    rose = float(np.mean(tail)) > float(val_best) * (1 + min_rise) + 1e-12
    train_fell = later[-1][1] < train_at_best
    return epoch if rose and train_fell else None


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def report_card(run: ForecastRun, copy: CopycatResult | None = None) -> list[str]:
    """A handful of plain sentences about how good the run's forecast is, from its numbers.

    Args:
        run: a finished run (usable or not).
        copy: the copy-cat check of the run, when available.

    Returns:
        Sentences without markdown, e.g. "On unseen days the model is off by 1.9 °C on average, 12 % better
        than 'same as the previous day'."
    """
    if not run.usable or not run.metrics or run.predictions is None:
        return [f"There is no usable model: {run.message}".strip()]
    unit = unit_for(run.value_column)
    amount = f"{{:.3g}} {unit}".strip() if unit else "{:.3g}"
    step = frequency_word(run.frequency)
    lstm, naive = run.metrics["lstm"]["mae"], run.metrics["naive"]["mae"]
    n_test = len(run.predictions)
    sentences = []
    head = f"On {n_test} unseen {step}s the model is off by {amount.format(lstm)} on average"
    if naive > 0 and lstm < naive:
        sentences.append(f"{head}, {_pct(1 - lstm / naive)} better than 'same as the previous {step}' "
                         f"({amount.format(naive)}).")
    elif naive > 0:
        sentences.append(f"{head}, {_pct(lstm / naive - 1)} worse than simply saying 'same as the previous "
                         f"{step}' ({amount.format(naive)}): don't trust it more than that simple rule.")
    else:
        sentences.append(f"{head}.")
    if run.interval_coverage is not None:
        sentences.append(f"The {run.interval_level:.0%} band held {run.interval_coverage:.0%} of the time "
                         f"(it should hold about {run.interval_level:.0%}).")
    epoch = overfit_epoch(run.history)
    if epoch is not None:
        sentences.append(f"It began to overfit at epoch {epoch}: after that it kept memorising the training "
                         f"data while getting worse on the validation data; the epoch-{run.best_epoch} "
                         "model was kept.")
    elif any(r.val_loss is not None for r in run.history):
        sentences.append(f"No sign of overfitting: the validation error did not rise for good "
                         f"(best epoch {run.best_epoch} of {run.epochs_run}).")
    else:
        sentences.append("There was no validation data, so overfitting could not be watched.")
    if run.features is not None and run.features.covariates:
        names = _quoted_list(run.features.covariates)
        word = "column" if len(run.features.covariates) == 1 else "columns"
        sentences.append(f"Besides the series itself it used the {word} {names} as inputs; beyond the last date "
                         f"their values are unknown, so the forecast holds each at its last observed value.")
    if copy is not None and copy.is_copycat:
        sentences.append(f"Careful: the model mostly repeats the previous {step}'s value.")
    return sentences


def _quoted_list(names: tuple[str, ...]) -> str:
    """``'a'``, ``'a' and 'b'``, ``'a', 'b' and 'c'``."""
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
