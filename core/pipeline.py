"""One forecast run end to end: split, scale, window, train, evaluate, calibrate, forecast."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.config import ForecastConfig, check_length, season_length_for
from core.errors import DataError
from core.evaluate import Evaluation, evaluate_test
from core.features import FeatureSpec, context_length, feature_matrix, to_scaled
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
    """The last observed values the future forecast reads (``window``, plus a season when needed)."""
    count = data.split.window if data.spec is None else context_length(data.spec, data.split.window)
    count = min(count, len(values))
    return pd.Series(data.values[-count:], index=values.index[-count:], name=values.name)


def _covariate_array(values: pd.Series, config: ForecastConfig, covariates: pd.DataFrame | None) -> np.ndarray | None:
    """The covariate columns ``config.covariates`` aligned to ``values``, shape ``(n, c)``, or None."""
    if not config.covariates:
        return None
    if covariates is None:
        raise DataError(f"The covariate columns {', '.join(config.covariates)} were not given.")
    missing = [name for name in config.covariates if name not in covariates.columns]
    if missing:
        raise DataError(f"The file has no column {', '.join(missing)} to use as a covariate.")
    if values.name in config.covariates:
        raise DataError(f"{values.name} is the value column; it cannot also be a covariate.")
    frame = covariates.reindex(values.index)[list(config.covariates)]
    numbers = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(numbers).all():
        raise DataError(f"The covariate columns {', '.join(config.covariates)} have missing values.")
    return numbers


def run_forecast(
    values: pd.Series,
    config: ForecastConfig,
    control: TrainControl | None = None,
    covariates: pd.DataFrame | None = None,
) -> ForecastRun:
    """Train an LSTM on ``values`` and evaluate, calibrate and forecast with it.

    Args:
        values: float series with a regular ``DatetimeIndex`` whose ``freq`` is set; ``values.name``
            is the value column. Not modified.
        config: validated settings.
        control: stop event and progress callbacks; stages are reported as "preparing",
            "training", "evaluating", "forecasting".
        covariates: a frame indexed by date holding the columns named in ``config.covariates``
            (needed only when that is non-empty).

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
    cov = _covariate_array(values, config, covariates)
    data = prepare(numbers, config, values.index, season, cov)
    model = build_model(config, data.n_features)
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
        features=data.spec,
        covariates=None if cov is None else pd.DataFrame(cov, index=values.index, columns=list(config.covariates)),
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


def _spec(run: ForecastRun) -> FeatureSpec:
    if run.model is None or run.scaler is None:
        raise DataError("This run has no trained model.")
    if run.features is not None:
        return run.features
    return FeatureSpec(value_scaler=Scaler.from_dict(run.scaler))


def _history_arrays(
    run: ForecastRun, history: pd.Series, spec: FeatureSpec
) -> tuple[np.ndarray, pd.DatetimeIndex, np.ndarray | None]:
    """Scaled history values, their dates (with a frequency) and the covariates at those dates."""
    window = run.config.window
    numbers = pd.to_numeric(history, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if len(numbers) < window or not np.isfinite(numbers[-window:]).all():
        raise DataError(f"The model needs the last {window} finite values; got {len(numbers)}.")
    index = pd.DatetimeIndex(history.index)
    if index.freq is None:
        try:
            index = pd.DatetimeIndex(index, freq=run.frequency)
        except ValueError as error:
            raise DataError(f"The history's dates are not regular at the run's frequency {run.frequency}.") from error
    cov = None
    if spec.covariates:
        if run.covariates is None:
            raise DataError("This run has no covariate values.")
        frame = run.covariates.reindex(index)
        cov = frame.to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.isfinite(cov[-window:]).all():
            raise DataError("The covariates are unknown at some of these dates.")
        cov = np.where(np.isfinite(cov), cov, 0.0)
    return spec.value_scaler.transform(numbers), index, cov


def model_input(run: ForecastRun, history: pd.Series) -> np.ndarray:
    """The trained model's input for predicting the step right after ``history``.

    Args:
        run: a usable run.
        history: dated values in original units ending just before the target, at the run's
            frequency; at least ``run.config.window`` values, the last ``window`` of which must be
            finite. The first value counts as the series start (inputs that would reach before it,
            such as the value one season earlier, fall back exactly as in training); pass the whole
            history or at least ``window + season`` values to avoid that.

    Returns:
        shape ``(1, window, n_features)`` float32 in the model's (scaled) input units; the feature
        columns are ``run.features.names``.

    Raises:
        DataError: too few or non-finite values.
    """
    spec = _spec(run)
    window = run.config.window
    scaled, index, cov = _history_arrays(run, history, spec)
    return feature_matrix(spec, scaled, index, cov)[-window:].astype(np.float32)[np.newaxis]


def predict_next(run: ForecastRun, history: pd.Series) -> float:
    """The run's one-step prediction for the step after ``history``, in original units."""
    spec = _spec(run)
    output = predict_scaled(run.model, model_input(run, history))
    scaled, _, _ = _history_arrays(run, history, spec)
    return float(spec.value_scaler.inverse(to_scaled(spec, output, scaled, np.array([len(scaled)])))[0])
