"""Error measures in original units: MAE, RMSE, sMAPE and MASE."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["mase_scale", "forecast_metrics"]


def mase_scale(train_values: np.ndarray) -> float:
    """Mean absolute lag-1 difference over the training span (the MASE denominator)."""
    train_values = np.asarray(train_values, dtype=np.float64)
    if len(train_values) < 2:
        return 0.0
    return float(np.mean(np.abs(np.diff(train_values))))


def forecast_metrics(actual: np.ndarray, predicted: np.ndarray, scale: float) -> dict[str, float]:
    """MAE, RMSE, sMAPE and MASE of ``predicted`` against ``actual`` (both shape ``(k,)``, original units);
    all NaN when ``k`` is 0.

    sMAPE is ``mean(200 |a - f| / (|a| + |f|))`` in 0..200 with 0/0 counted as 0, so it is defined at 0 °C.
    MASE is MAE divided by ``scale`` (see :func:`mase_scale`); NaN when the training span is constant
    (scale 0) and the errors are not all zero, 0 when they are.
    """
    actual = np.asarray(actual, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.float64)
    if len(actual) == 0:
        return dict.fromkeys(("mae", "rmse", "smape", "mase"), math.nan)
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
