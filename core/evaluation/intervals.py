"""Recursive multi-step forecasts and split-conformal prediction intervals per step."""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd

from core.model.recursive import data_paths
from core.model.windows import WindowedData

__all__ = [
    "MAX_CALIBRATION_ORIGINS", "conformal_quantile", "Calibration", "calibrate", "interval_coverage",
    "future_forecast",
]


#: Most recent calibration origins used; bounds the cost for very long series.
MAX_CALIBRATION_ORIGINS = 1000


#: Bound on origins * window * horizon (LSTM cell steps) so that a long window and horizon
#: cannot make calibration take minutes; at least 100 origins are always kept.
_CALIBRATION_STEP_BUDGET = 5_000_000


def conformal_quantile(abs_residuals: np.ndarray, level: float) -> tuple[float, bool]:
    """Split-conformal half width: the ``ceil((n + 1) * level)``-th smallest absolute residual.

    Returns:
        (half width, exact). ``exact`` is False when ``n`` is too small for the finite-sample
        correction (``ceil((n + 1) * level) > n``) and the largest residual was used instead.
    """
    ordered = np.sort(np.asarray(abs_residuals, dtype=np.float64))
    n = len(ordered)
    rank = math.ceil((n + 1) * level - 1e-9)
    if rank > n:
        return float(ordered[-1]), False
    return float(ordered[rank - 1]), True


@dataclass(frozen=True)
class Calibration:
    """Interval half widths per step ``h = 1..horizon`` (original units) and where they came from."""

    half_widths: list[float]
    source: str  # "validation" or "training"
    residual_count: int  # calibration origins (1-step residuals)
    exact: bool  # False when some step had too few residuals for the (n + 1) correction

    def notes(self) -> list[str]:
        """Plain sentences worth showing next to the intervals."""
        notes = []
        if self.source == "training":
            notes.append("No validation data: intervals use training residuals and are likely too narrow.")
        if not self.exact:
            notes.append(
                f"Only {self.residual_count} calibration points for a {len(self.half_widths)}-step interval: "
                "the bands may be too narrow."
            )
        return notes


def calibrate(model: keras.Model, data: WindowedData, horizon: int, level: float,
              max_origins: int = MAX_CALIBRATION_ORIGINS) -> Calibration:
    """Half widths from recursive forecasts at each validation origin (training origins without validation).

    The ``h``-step residuals of origin ``o`` are used only when ``o + h - 1`` lies inside the
    calibration span, so test values never calibrate. Steps with no residual reuse the previous
    width; widths are made non-decreasing in ``h`` (a wider band never lowers coverage). Only the
    most recent origins are used (at most ``max_origins``, fewer for long windows and horizons).
    """
    split = data.split
    span, source = (
        (split.val_targets, "validation") if len(split.val_targets) else (split.train_targets, "training")
    )
    count = min(max_origins, max(100, _CALIBRATION_STEP_BUDGET // (split.window * horizon)))
    origins = np.arange(max(span.start, span.stop - count), span.stop)
    paths = data_paths(model, data, origins, horizon)
    widths: list[float] = []
    exact = True
    for step in range(horizon):
        usable = origins + step < span.stop
        if not usable.any():
            widths.append(widths[-1])
            continue
        actual = data.values[origins[usable] + step]
        width, step_exact = conformal_quantile(np.abs(actual - paths[usable, step]), level)
        widths.append(width)
        exact = exact and step_exact
    widths = np.maximum.accumulate(np.asarray(widths)).tolist()
    return Calibration(half_widths=widths, source=source, residual_count=len(origins), exact=exact)


def interval_coverage(actual: np.ndarray, predicted: np.ndarray, half_width: float) -> float:
    """Share of ``actual`` inside ``predicted ± half_width`` (both shape ``(k,)``)."""
    inside = (
        np.abs(np.asarray(actual, dtype=np.float64) - np.asarray(predicted, dtype=np.float64)) <= half_width
    )
    return float(np.mean(inside)) if len(inside) else float("nan")


def future_forecast(
    model: keras.Model, data: WindowedData, index: pd.DatetimeIndex, half_widths: list[float]
) -> pd.DataFrame:
    """Recursive forecast of ``len(half_widths)`` steps past the last date from the last window of ALL data.

    Returns:
        columns ``date`` (at the index's frequency), ``forecast``, ``lower``, ``upper`` (original units).
    """
    steps = len(half_widths)
    path = data_paths(model, data, np.array([data.split.n]), steps)[0]
    width = np.asarray(half_widths, dtype=np.float64)
    dates = pd.date_range(start=index[-1] + index.freq, periods=steps, freq=index.freq)
    return pd.DataFrame({"date": dates, "forecast": path, "lower": path - width, "upper": path + width})

