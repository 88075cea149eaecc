"""One forecast run end to end: split, scale, window, train, evaluate, calibrate, forecast."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.config import ForecastConfig, check_length, season_length_for
from core.errors import DataError
from core.evaluate import Evaluation, evaluate_test
from core.intervals import Calibration, calibrate, future_forecast, interval_coverage
from core.model import build_model, predict_scaled
from core.training import TrainOutcome, train
from core.types import ForecastRun, TrainControl
from core.windows import Scaler, WindowedData, prepare

__all__ = ["run_forecast", "resolve_season_length", "model_input", "predict_next"]


def resolve_season_length(config: ForecastConfig, frequency: str) -> int:
    """``config.season_length``, or the frequency's typical season when it is 0."""
    return config.season_length or season_length_for(frequency)


def _check_series(values: pd.Series) -> tuple[str, np.ndarray]:
    """Validate the input series; returns its frequency alias and a float64 copy of its values."""
    if not isinstance(values, pd.Series) or not isinstance(values.index, pd.DatetimeIndex):
        raise DataError("The series needs a date index: load it through intake first.")
    if values.index.freq is None:
        raise DataError("The series has no regular frequency: load it through intake first.")
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    if not np.isfinite(numbers).all():
        raise DataError("The series contains missing or infinite values: load it through intake first.")
    return str(values.index.freqstr), numbers


def _stage(control: TrainControl, name: str) -> None:
    if control.on_stage is not None:
        control.on_stage(name)


def _unusable_message(outcome: TrainOutcome) -> str:
    if outcome.status == "diverged":
        return outcome.message
    return f"{outcome.message.split(';')[0]} before the first epoch finished, so there is no model yet."


def _summary(outcome: TrainOutcome, evaluation: Evaluation, calibration: Calibration, season: int) -> str:
    """One line: how training ended, whether the LSTM beat naive, and caveats."""
    parts = [f"{outcome.message} Best epoch {outcome.best_epoch} of {len(outcome.history)}."]
    lstm, naive = evaluation.metrics["lstm"]["mae"], evaluation.metrics["naive"]["mae"]
    if lstm < naive:
        parts.append(f"The LSTM beats the naive forecast on the test data (MAE {lstm:.4g} vs {naive:.4g}).")
    else:
        parts.append(
            f'The LSTM does NOT beat the naive forecast ("same as last step") on the test data '
            f"(MAE {lstm:.4g} vs {naive:.4g})."
        )
    if evaluation.seasonal_fallbacks:
        parts.append(
            f"Seasonal naive used the last value for {evaluation.seasonal_fallbacks} test points "
            f"with no value {season} steps earlier."
        )
    parts.extend(calibration.notes())
    return " ".join(parts)


def _recent(values: pd.Series, data: WindowedData) -> pd.Series:
    window = data.split.window
    return pd.Series(data.values[-window:], index=values.index[-window:], name=values.name)


def run_forecast(
    values: pd.Series, config: ForecastConfig, control: TrainControl | None = None
) -> ForecastRun:
    """Train an LSTM on ``values`` and evaluate, calibrate and forecast with it.

    Args:
        values: float series with a regular ``DatetimeIndex`` whose ``freq`` is set; ``values.name``
            is the value column. Not modified.
        config: validated settings.
        control: stop event and progress callbacks; stages are reported as "preparing",
            "training", "evaluating", "forecasting".

    Returns:
        A ForecastRun; when training diverged or no epoch finished, ``model`` is None and
        ``message`` says why.

    Raises:
        DataError: the series is too short for ``config`` or not regular/finite.
    """
    control = control or TrainControl()
    _stage(control, "preparing")
    frequency, numbers = _check_series(values)
    check_length(len(values), config)
    season = resolve_season_length(config, frequency)
    data = prepare(numbers, config)
    model = build_model(config)
    _stage(control, "training")
    outcome = train(model, data, config, control)
    run = ForecastRun(
        config=config,
        status=outcome.status,
        history=outcome.history,
        best_epoch=outcome.best_epoch,
        train_seconds=outcome.seconds,
        value_column="value" if values.name is None else str(values.name),
        frequency=frequency,
        season_length=season,
        scaler=data.scaler.to_dict(),
        interval_level=config.interval_level,
    )
    if outcome.best_epoch is None:
        run.message = _unusable_message(outcome)
        return run
    _stage(control, "evaluating")
    evaluation = evaluate_test(model, data, values.index, season)
    calibration = calibrate(model, data, config.horizon, config.interval_level)
    coverage = interval_coverage(
        evaluation.predictions["actual"].to_numpy(),
        evaluation.predictions["lstm"].to_numpy(),
        calibration.half_widths[0],
    )
    _stage(control, "forecasting")
    run.model = model
    run.predictions = evaluation.predictions
    run.metrics = evaluation.metrics
    run.forecast = future_forecast(model, data, values.index, calibration.half_widths)
    run.interval_coverage = None if math.isnan(coverage) else coverage
    run.interval_half_widths = calibration.half_widths
    run.message = _summary(outcome, evaluation, calibration, season)
    run.recent = _recent(values, data)
    return run


def model_input(run: ForecastRun, history: pd.Series) -> np.ndarray:
    """The trained model's input for predicting the step right after ``history``.

    Args:
        run: a usable run.
        history: dated values in original units ending just before the target; at least
            ``run.config.window`` values, the last ``window`` of which must be finite.

    Returns:
        shape ``(1, window, n_features)`` float32 in the model's (scaled) input units.

    Raises:
        DataError: too few or non-finite values.
    """
    window = run.config.window
    numbers = pd.to_numeric(history, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if len(numbers) < window or not np.isfinite(numbers[-window:]).all():
        raise DataError(f"The model needs the last {window} finite values; got {len(numbers)}.")
    if run.scaler is None:
        raise DataError("This run has no trained model.")
    scaled = Scaler.from_dict(run.scaler).transform(numbers[-window:])
    return scaled.astype(np.float32).reshape(1, window, 1)


def predict_next(run: ForecastRun, history: pd.Series) -> float:
    """The run's one-step prediction for the step after ``history``, in original units."""
    if run.model is None or run.scaler is None:
        raise DataError("This run has no trained model.")
    scaled = predict_scaled(run.model, model_input(run, history))
    return float(Scaler.from_dict(run.scaler).inverse(scaled)[0])
