"""Test-span evaluation: the LSTM against every reference on identical targets, gap-filled targets left out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import pandas as pd

from core.evaluation.baselines import (
    SIMPLE_RULES,
    SimpleRules,
    mean_forecast,
    naive_forecast,
    seasonal_naive_forecast,
)
from core.evaluation.metrics import forecast_metrics, mase_scale
from core.model.features import to_scaled
from core.model.network import predict_scaled
from core.model.seasons import lag_positions
from core.model.windows import WindowedData

__all__ = [
    "MODEL_COLUMNS", "REFERENCES", "Evaluation", "best_reference", "lstm_one_step", "scored_mask", "evaluate_test",
]


#: Prediction columns in display order (``seasonal_step``, ``climatology`` and ``drift`` only with the fitted
#: simple rules, ``ets`` and ``arima`` only when the classical models ran).
MODEL_COLUMNS = ("lstm", "naive", "seasonal_naive", "seasonal_step", "climatology", "drift", "mean", "ets", "arima")


#: The references the LSTM is compared with ("does it beat the best of these?"); the mean is shown, not compared.
REFERENCES = ("naive", "seasonal_naive", "seasonal_step", "climatology", "drift", "ets", "arima")


@dataclass(frozen=True)
class Evaluation:
    """Test-span predictions and metrics.

    Attributes:
        predictions: index ``date``; columns ``actual`` + :data:`MODEL_COLUMNS`, original units.
        metrics: ``{model: {"mae", "rmse", "smape", "mase"}}``.
        seasonal_fallbacks: test targets where seasonal naive used the last value instead.
        notes: one line per classical model that failed or fell back (shown as they are).
        labels: the classical models' descriptions, e.g. ``{"arima": "ARIMA(2,0,2)"}``.
        filled: test targets left out of the metrics because they were gap-filled, not observed.
    """

    predictions: pd.DataFrame
    metrics: dict[str, dict[str, float]]
    seasonal_fallbacks: int
    notes: tuple[str, ...] = ()
    labels: dict[str, str] | None = None
    filled: int = 0


def best_reference(metrics: dict[str, dict[str, float]]) -> tuple[str, float] | None:
    """The reference of :data:`REFERENCES` with the lowest finite MAE in ``metrics``, or None (ties: the first)."""
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


def scored_mask(filled: np.ndarray | None, targets: range) -> np.ndarray:
    """True for the targets that count in metrics: observed, not gap-filled; shape ``(len(targets),)`` bool.

    Args:
        filled: shape ``(n,)`` bool, True where intake filled a gap; None when nothing was filled.
        targets: consecutive positions.
    """
    if filled is None:
        return np.ones(len(targets), dtype=bool)
    return ~np.asarray(filled, dtype=bool)[targets.start : targets.stop]


def _simple_columns(
    data: WindowedData, targets: range, season_length: int, rules: SimpleRules | None
) -> tuple[dict[str, np.ndarray], int]:
    """The simple rules' one-step predictions of ``targets`` and how many had no value a season earlier."""
    values = data.values
    if rules is None:
        seasonal, fallbacks = seasonal_naive_forecast(values, targets, season_length)
        return {
            "naive": naive_forecast(values, targets),
            "seasonal_naive": seasonal,
            "mean": mean_forecast(values[: data.split.val_start], len(targets)),
        }, fallbacks
    positions = np.arange(targets.start, targets.stop)
    fallbacks = int((lag_positions(rules.index, rules.season, positions) < 0).sum()) if rules.season > 1 else 0
    return {name: rules.one_step(name, values, targets) for name in SIMPLE_RULES}, fallbacks


def evaluate_test(
    model: keras.Model,
    data: WindowedData,
    index: pd.DatetimeIndex,
    season_length: int,
    classical: dict[str, Any] | None = None,
    *,
    rules: SimpleRules | None = None,
    filled: np.ndarray | None = None,
) -> Evaluation:
    """One-step-ahead predictions of the LSTM and the references on the test targets.

    Args:
        model: trained model (scaled units in and out).
        data: windows and scaler of the series; the LSTM output is inverse-transformed exactly once here.
        index: the series' dates, length ``n``.
        season_length: ``m`` for seasonal naive when ``rules`` is None.
        classical: ``core.evaluation.classical.one_step_forecasts`` on the same test targets
            (``{"ets": ClassicalForecast, "arima": ...}``), or None to leave them out.
        rules: the simple rules fitted before the test span (:func:`core.evaluation.baselines.fit_rules`); None
            gives naive, seasonal naive (``season_length`` steps) and the training mean only.
        filled: shape ``(n,)`` bool, True at gap-filled positions: those targets keep their predictions in the
            table but are left out of every metric.
    """
    targets = data.split.test_targets
    values = data.values
    train_values = values[: data.split.val_start]
    simple, fallbacks = _simple_columns(data, targets, season_length, rules)
    columns = {
        "actual": values[targets.start : targets.stop],
        "lstm": lstm_one_step(model, data, data.x_test, targets),
        **simple,
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
    predictions = pd.DataFrame({name: columns[name] for name in ("actual", *MODEL_COLUMNS) if name in columns},
                               index=dates)
    scale = mase_scale(train_values)
    keep = scored_mask(filled, targets)
    metrics = {
        name: forecast_metrics(columns["actual"][keep], columns[name][keep], scale)
        for name in MODEL_COLUMNS if name in columns
    }
    return Evaluation(predictions, metrics, fallbacks, tuple(notes), labels, int((~keep).sum()))
