"""Test-span evaluation: LSTM vs naive, seasonal naive and mean baselines on identical targets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import pandas as pd

from core.evaluation.baselines import mean_forecast, naive_forecast, seasonal_naive_forecast
from core.evaluation.metrics import forecast_metrics, mase_scale
from core.model.features import to_scaled
from core.model.network import predict_scaled
from core.model.windows import WindowedData

__all__ = ["MODEL_COLUMNS", "REFERENCES", "Evaluation", "best_reference", "lstm_one_step", "evaluate_test"]


#: Prediction columns in display order (``ets`` and ``arima`` only when the classical models ran).
MODEL_COLUMNS = ("lstm", "naive", "seasonal_naive", "mean", "ets", "arima")


#: The references the LSTM is compared with in the summary ("does it beat the best of these?").
REFERENCES = ("naive", "seasonal_naive", "ets", "arima")


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
        classical: ``core.evaluation.classical.one_step_forecasts`` on the same test targets
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
