"""Recursive multi-step forecasts: predictions fed back as inputs, in scaled and original units.

Works with a Keras model and with its ``NetworkWeights`` (numpy, no TensorFlow import here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.model.features import FeatureSpec, _lag_index, _scaled_covariates, calendar_matrix
from core.model.scaling import Scaler
from core.model.weights import NetworkWeights, predict_scaled
from core.model.windows import WindowedData

if TYPE_CHECKING:
    import keras

__all__ = ["recursive_scaled", "data_paths"]


def _recursive_changes(
    spec: FeatureSpec, values: np.ndarray, positions: np.ndarray, start: np.ndarray
) -> list[np.ndarray]:
    """The ``change`` (and ``season_ago_change``) columns of :func:`feature_matrix` for ``positions``
    ``(k, window)`` absolute rows, read from ``values`` (local columns: absolute minus ``start``)."""
    previous = np.maximum(positions - 1, 0)

    def at(absolute: np.ndarray) -> np.ndarray:
        return np.take_along_axis(values, absolute - start[:, np.newaxis], axis=1)

    parts = [(at(positions) - at(previous))[:, :, np.newaxis]]
    if spec.season_input:
        lag = spec.season_length
        parts.append((at(_lag_index(positions + 1, lag)) - at(_lag_index(previous + 1, lag)))[:, :, np.newaxis])
    return parts


def _recursive_base(spec: FeatureSpec, values: np.ndarray, target: np.ndarray, start: np.ndarray) -> np.ndarray:
    """``target_base`` of each path's current target, read from the local ``values`` (observed or predicted)."""
    rows = np.arange(len(target))
    if spec.target == "value":
        return np.zeros(len(target))

    def at(absolute: np.ndarray) -> np.ndarray:
        return values[rows, absolute - start]

    if spec.target == "seasonal_step":
        m = spec.season_length
        ok = target - m - 1 >= 0
        last = at(target - 1)
        change = at(np.where(ok, target - m, target - 1)) - at(np.where(ok, target - m - 1, target - 1))
        return np.where(ok, last + change, last)
    return at(_lag_index(target, 1 if spec.target == "change" else spec.season_length))


def recursive_scaled(
    model: keras.Model | NetworkWeights,
    spec: FeatureSpec,
    scaled: np.ndarray,
    index: pd.DatetimeIndex,
    origins: np.ndarray,
    window: int,
    steps: int,
    covariates: np.ndarray | None = None,
) -> np.ndarray:
    """Forecast ``steps`` ahead from each origin, feeding predictions back into the inputs.

    Inputs at positions ``>= o`` use predictions for the value and the season-ago value, the known
    calendar of future dates, and each covariate's last observed value ``covariates[o - 1]`` (held).
    With ``steps=1`` the inputs equal :func:`make_xy`'s exactly.

    Args:
        scaled: shape ``(n,)`` observed scaled values; origins ``o`` satisfy ``window <= o <= n``.
        index: the ``n`` dates (with a frequency); future dates continue it.
        origins: shape ``(k,)`` index of each path's first target.
        covariates: shape ``(n, c)`` original units or None.

    Returns:
        shape ``(k, steps)`` scaled predictions; column ``h - 1`` is the ``h``-step forecast.
    """
    origins = np.asarray(origins, dtype=np.int64)
    n = len(scaled)
    if len(origins) and (origins.min() < window or origins.max() > n):
        raise ValueError(f"origins must lie in {window}..{n}")
    dates = pd.date_range(index[0], periods=n + steps, freq=index.freq)
    calendar = calendar_matrix(dates.shift(1), spec.calendar)  # row p: calendar of p + 1
    cov = _scaled_covariates(spec, covariates, n)
    back = window + spec.season_length
    start = origins - back  # absolute position of local column 0
    local = np.arange(back + steps)
    absolute = start[:, np.newaxis] + local  # (k, back + steps)
    values = np.asarray(scaled, dtype=np.float64)[np.clip(absolute, 0, n - 1)]
    rows = np.arange(window)
    for step in range(steps):
        target = origins + step
        positions = target[:, np.newaxis] - window + rows  # (k, window) absolute rows
        cols = positions - start[:, np.newaxis]
        parts = [np.take_along_axis(values, cols, axis=1)[:, :, np.newaxis]]
        if spec.season_input:
            lag_cols = _lag_index(positions + 1, spec.season_length) - start[:, np.newaxis]
            parts.append(np.take_along_axis(values, lag_cols, axis=1)[:, :, np.newaxis])
        if spec.difference_input:
            parts.extend(_recursive_changes(spec, values, positions, start))
        if spec.calendar:
            parts.append(calendar[positions])
        if spec.covariates:
            held = np.minimum(positions, origins[:, np.newaxis] - 1)
            parts.append(cov[held])
        x = np.concatenate(parts, axis=2)
        output = predict_scaled(model, x) * spec.target_scale
        values[:, back + step] = output + _recursive_base(spec, values, target, start)
    return values[:, back:]


def data_paths(model: keras.Model | NetworkWeights, data: WindowedData, origins: np.ndarray, steps: int) -> np.ndarray:
    """Recursive forecasts from ``origins`` with the run's own inputs and target (see
    :func:`recursive_scaled`); shape ``(k, steps)`` in ORIGINAL units."""
    spec = data.spec or FeatureSpec(value_scaler=Scaler(data.scaler.mean, data.scaler.std))
    index = data.index if data.index is not None else pd.date_range("2000-01-01", periods=data.split.n, freq="D")
    paths = recursive_scaled(
        model, spec, data.scaled, index, origins, data.split.window, steps, data.covariates
    )
    return data.scaler.inverse(paths)
