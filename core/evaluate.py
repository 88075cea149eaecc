"""Test-span evaluation: LSTM vs naive, seasonal naive and mean baselines on identical targets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import pandas as pd

from core.features import to_scaled
from core.model import predict_scaled
from core.windows import WindowedData

__all__ = [
    "MODEL_COLUMNS",
    "REFERENCES",
    "best_reference",
    "Evaluation",
    "naive_forecast",
    "seasonal_naive_forecast",
    "mean_forecast",
    "mase_scale",
    "forecast_metrics",
    "evaluate_test",
    "lstm_one_step",
]

#: Prediction columns in display order (``ets`` and ``arima`` only when the classical models ran).
MODEL_COLUMNS = ("lstm", "naive", "seasonal_naive", "mean", "ets", "arima")
#: The references the LSTM is compared with in the summary ("does it beat the best of these?").
REFERENCES = ("naive", "seasonal_naive", "ets", "arima")


def naive_forecast(values: np.ndarray, targets: range) -> np.ndarray:
    """Last observed value ``values[t - 1]`` for each target ``t >= 1``; shape ``(len(targets),)``."""
    index = np.arange(targets.start, targets.stop)
    return np.asarray(values, dtype=np.float64)[index - 1]


def seasonal_naive_forecast(values: np.ndarray, targets: range, season_length: int) -> tuple[np.ndarray, int]:
    """Value one season earlier, ``values[t - m]``.

    Targets with ``t - m < 0`` (no value a season earlier) fall back to the naive ``values[t - 1]``.

    Returns:
        predictions of shape ``(len(targets),)`` and how many targets used the fallback.
    """
    values = np.asarray(values, dtype=np.float64)
    index = np.arange(targets.start, targets.stop)
    lagged = index - max(1, season_length)
    fallback = lagged < 0
    lagged[fallback] = index[fallback] - 1
    return values[lagged], int(fallback.sum())


def mean_forecast(train_values: np.ndarray, count: int) -> np.ndarray:
    """Mean of the training values repeated ``count`` times; shape ``(count,)``."""
    return np.full(count, float(np.mean(train_values)))


def mase_scale(train_values: np.ndarray) -> float:
    """Mean absolute lag-1 difference over the training span (the MASE denominator)."""
    train_values = np.asarray(train_values, dtype=np.float64)
    if len(train_values) < 2:
        return 0.0
    return float(np.mean(np.abs(np.diff(train_values))))


def forecast_metrics(actual: np.ndarray, predicted: np.ndarray, scale: float) -> dict[str, float]:
    """MAE, RMSE, sMAPE and MASE of ``predicted`` against ``actual`` (both shape ``(k,)``, original units).

    sMAPE is ``mean(200 |a - f| / (|a| + |f|))`` in 0..200 with 0/0 counted as 0, so it is defined at 0 °C.
    MASE is MAE divided by ``scale`` (see :func:`mase_scale`); NaN when the training span is constant
    (scale 0) and the errors are not all zero, 0 when they are.
    """
    actual = np.asarray(actual, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.float64)
    error = np.abs(actual - predicted)
    denominator = np.abs(actual) + np.abs(predicted)
    ratios = np.divide(200.0 * error, denominator, out=np.zeros_like(error), where=denominator > 0)
    mae = float(np.mean(error))
    # A constant training span (scale 0) leaves MASE undefined unless the errors are all zero.
    mase = mae / scale if scale > 0 else (0.0 if mae == 0 else math.nan)
    return {
        "mae": mae,
        "rmse": float(np.sqrt(np.mean(error**2))),
        "smape": float(np.mean(ratios)),
        "mase": float(mase),
    }


@dataclass(frozen=True)
class Evaluation:
    """Test-span predictions and metrics.

    Attributes:
        predictions: index ``date``; columns ``actual`` + :data:`MODEL_COLUMNS`, original units.
        metrics: ``{model: {"mae", "rmse", "smape", "mase"}}``.
        seasonal_fallbacks: test targets where seasonal naive used the last value instead.
        notes: one line per classical model that failed or fell back (shown as they are).
        labels: the classical models' descriptions, e.g. ``{"arima": "ARIMA(2,0,2)"}``.
    """

    predictions: pd.DataFrame
    metrics: dict[str, dict[str, float]]
    seasonal_fallbacks: int
    notes: tuple[str, ...] = ()
    labels: dict[str, str] | None = None


def best_reference(metrics: dict[str, dict[str, float]]) -> tuple[str, float] | None:
    """The reference (naive, seasonal naive, ETS, ARIMA) with the lowest finite test MAE, or None."""
    scored = [(metrics[name]["mae"], name) for name in REFERENCES if name in metrics]
    finite = [(mae, name) for mae, name in scored if math.isfinite(mae)]
    if not finite:
        return None
    mae, name = min(finite)
    return name, mae


def lstm_one_step(model: keras.Model, data: WindowedData, x: np.ndarray, targets: range) -> np.ndarray:
    """The LSTM's one-step predictions of ``targets`` from their windows ``x``, in original units.

    The model's outputs are turned back into scaled values (adding the residual target's base when
    there is one) and inverse-transformed exactly once here. Shape ``(len(targets),)``.
    """
    outputs = predict_scaled(model, x)
    if data.spec is not None:
        outputs = to_scaled(data.spec, outputs, data.scaled, np.arange(targets.start, targets.stop))
    return data.scaler.inverse(outputs)


def evaluate_test(
    model: keras.Model,
    data: WindowedData,
    index: pd.DatetimeIndex,
    season_length: int,
    classical: dict[str, Any] | None = None,
) -> Evaluation:
    """One-step-ahead predictions of the LSTM and baselines on the test targets.

    Args:
        model: trained model (scaled units in and out).
        data: windows and scaler of the series; the LSTM output is inverse-transformed exactly once here.
        index: the series' dates, length ``n``.
        season_length: ``m`` for seasonal naive.
        classical: ``core.classical.one_step_forecasts`` on the same test targets
            (``{"ets": ClassicalForecast, "arima": ...}``), or None to leave them out.
    """
    targets = data.split.test_targets
    values = data.values
    train_values = values[: data.split.val_start]
    seasonal, fallbacks = seasonal_naive_forecast(values, targets, season_length)
    columns = {
        "actual": values[targets.start : targets.stop],
        "lstm": lstm_one_step(model, data, data.x_test, targets),
        "naive": naive_forecast(values, targets),
        "seasonal_naive": seasonal,
        "mean": mean_forecast(train_values, len(targets)),
    }
    notes, labels = [], {}
    for name, forecast in (classical or {}).items():
        if len(forecast.predictions) != len(targets):
            raise ValueError(f"{name} has {len(forecast.predictions)} predictions for {len(targets)} test targets")
        columns[name] = np.asarray(forecast.predictions, dtype=np.float64)
        labels[name] = forecast.label
        if forecast.note:
            notes.append(forecast.note)
    dates = pd.DatetimeIndex(index[targets.start : targets.stop], name="date")
    predictions = pd.DataFrame(columns, index=dates)
    scale = mase_scale(train_values)
    metrics = {
        name: forecast_metrics(columns["actual"], columns[name], scale) for name in MODEL_COLUMNS if name in columns
    }
    return Evaluation(predictions, metrics, fallbacks, tuple(notes), labels)
