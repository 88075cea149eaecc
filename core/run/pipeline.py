"""One forecast run end to end: split, scale, window, train, evaluate, calibrate, forecast."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.config import ForecastConfig, check_length, season_length_for
from core.errors import CoreError, DataError
from core.evaluation.backtest import BacktestResult, backtest, rolling_origins
from core.evaluation.baselines import Forecaster, mean_forecaster, naive_forecaster, seasonal_naive_forecaster
from core.evaluation.classical import ClassicalFit, fit_classical, one_step_forecasts
from core.evaluation.intervals import Calibration, calibrate, future_forecast, interval_coverage
from core.evaluation.scoring import Evaluation, best_reference, evaluate_test
from core.model.features import FeatureSpec, context_length, feature_matrix, to_scaled
from core.model.network import build_model, predict_scaled
from core.model.progress import TrainControl
from core.model.recursive import recursive_scaled
from core.model.scaling import Scaler
from core.model.training import TrainOutcome, train
from core.model.windows import WindowedData, prepare
from core.run.results import ForecastRun
from core.words import verdict

__all__ = [
    "resolve_season_length", "covariate_array", "run_forecast", "Fitted", "fit", "complete", "model_input",
    "predict_next", "References", "classical_references", "run_backtest",
]


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
    """One line: how training ended, whether the LSTM beat naive and the best reference, and caveats."""
    parts = [f"{outcome.message} Best epoch {outcome.best_epoch} of {len(outcome.history)}."]
    metrics = evaluation.metrics
    parts.append(verdict(metrics["lstm"]["mae"], metrics["naive"]["mae"], best_reference(metrics), evaluation.labels))
    parts.extend(evaluation.notes)
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


def covariate_array(values: pd.Series, config: ForecastConfig, covariates: pd.DataFrame | None) -> np.ndarray | None:
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
    *,
    classical: bool = True,
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
        classical: also score ETS and ARIMA on the test targets (``predictions`` columns ``ets``
            and ``arima``); False leaves them out (quick runs, tests).

    Returns:
        A ForecastRun; when training diverged or no epoch finished, ``model`` is None and
        ``message`` says why.

    Raises:
        DataError: the series is too short for ``config`` or not regular/finite.
    """
    control = control or TrainControl()
    fitted = fit(values, config, control, covariates)
    return complete(fitted, values, control, classical)


@dataclass
class Fitted:
    """A trained model with its data, before evaluation on the test span (what auto mode compares).

    Attributes:
        data: the windows, scaler and feature spec.
        model: the model with the best epoch's weights.
        outcome: how training ended.
        frequency, season: the series' frequency alias and season length.
    """

    config: ForecastConfig
    data: WindowedData
    model: Any
    outcome: TrainOutcome
    frequency: str
    season: int

    def validation_mae(self) -> float | None:
        """The best epoch's one-step MAE on the validation targets, in ORIGINAL units (None without
        validation or a finished epoch). The scaler is fitted on the same span whatever the window,
        so this compares settings fairly; it never touches the test span."""
        best = self.outcome.best_epoch
        if best is None or not self.outcome.history:
            return None
        record = next((r for r in self.outcome.history if r.epoch == best), None)
        if record is None or record.val_mae is None:
            return None
        return float(record.val_mae) * self.data.scaler.std


def fit(
    values: pd.Series,
    config: ForecastConfig,
    control: TrainControl | None = None,
    covariates: pd.DataFrame | None = None,
) -> Fitted:
    """Check, split, scale, window and train (the first half of :func:`run_forecast`).

    Raises:
        DataError: the series is too short for ``config`` or not regular/finite.
    """
    control = control or TrainControl()
    _stage(control, "preparing")
    frequency, numbers = _check_series(values)
    check_length(len(values), config)
    season = resolve_season_length(config, frequency)
    cov = covariate_array(values, config, covariates)
    data = prepare(numbers, config, values.index, season, cov)
    model = build_model(config, data.n_features)
    _stage(control, "training")
    outcome = train(model, data, config, control)
    return Fitted(config, data, model, outcome, frequency, season)


@dataclass(frozen=True)
class References:
    """ETS and ARIMA fitted on the values before the test span, and their one-step test forecasts."""

    forecasts: dict[str, Any]  # {"ets": ClassicalForecast, "arima": ...}
    fits: dict[str, ClassicalFit]


def classical_references(values: np.ndarray, split: Any, season: int, budget_seconds: float = 30.0) -> References:
    """ETS and ARIMA one-step forecasts of the test targets, fitted on the values before the test span
    (``budget_seconds`` per model for choosing its variant)."""
    targets = split.test_targets
    fits = fit_classical(values, targets.start, season, time_budget_seconds=budget_seconds)
    return References(one_step_forecasts(values, targets.start, targets, season, fits=fits), fits)


def _lstm_forecaster(model: Any, data: WindowedData) -> Forecaster:
    """Recursive LSTM forecasts from ``history`` only (its own scaled values, dates and covariates)."""
    spec = data.spec or FeatureSpec(value_scaler=data.scaler)
    index = data.index if data.index is not None else pd.date_range("2000-01-01", periods=data.split.n, freq="D")

    def forecast(history: np.ndarray, horizon: int) -> np.ndarray:
        origin = len(history)
        scaled = spec.value_scaler.transform(history)
        covariates = None if data.covariates is None else data.covariates[:origin]
        path = recursive_scaled(model, spec, scaled, index[:origin], np.array([origin]), data.split.window,
                                horizon, covariates)
        return spec.value_scaler.inverse(path)[0]

    return forecast


def run_backtest(
    model: Any, data: WindowedData, season: int, folds: int, horizon: int, fits: dict[str, ClassicalFit] | None
) -> tuple[BacktestResult | None, str]:
    """Rolling-origin evaluation over the test span: ``folds`` origins, ``horizon`` steps each.

    The LSTM was trained before the validation span and each fold's forecasts read only the values
    before its origin; ETS and ARIMA keep the parameters fitted before the test span and are only
    conditioned on the history. Folds are ``horizon`` apart, closer when the test span is short.

    Returns:
        (result, "") or (None, a plain note why there is no backtest).
    """
    n_test = len(data.split.test_targets)
    if n_test < horizon:
        return None, f"No backtest: the test span ({n_test} steps) is shorter than the horizon ({horizon})."
    step = horizon if folds * horizon <= n_test or folds == 1 else max(1, (n_test - horizon) // (folds - 1))
    try:
        origins = rolling_origins(data.split.n, folds, horizon, data.split.test_start, step)
    except CoreError:
        return None, f"No backtest: {folds} start points of {horizon} steps do not fit in the test span."
    forecasters: dict[str, Forecaster] = {
        "lstm": _lstm_forecaster(model, data),
        "naive": naive_forecaster,
        "seasonal_naive": seasonal_naive_forecaster(season),
        "mean": mean_forecaster,
    }
    for name, fitted in (fits or {}).items():
        forecasters[name] = (lambda f: lambda history, steps: f.forecast(history, len(history), steps))(fitted)
    return backtest(data.values, origins, forecasters), ""


def complete(
    fitted: Fitted,
    values: pd.Series,
    control: TrainControl | None = None,
    classical: References | bool = True,
) -> ForecastRun:
    """Evaluate on the test span, calibrate the intervals, backtest and forecast (the second half of
    :func:`run_forecast`).

    Args:
        classical: precomputed :func:`classical_references` of the same split; True computes them here;
            False leaves ETS and ARIMA out.
    """
    control = control or TrainControl()
    config, data, model, outcome = fitted.config, fitted.data, fitted.model, fitted.outcome
    frequency, season, cov = fitted.frequency, fitted.season, data.covariates
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
    if classical is True:
        classical = classical_references(data.values, data.split, season)
    references = classical if isinstance(classical, References) else None
    evaluation = evaluate_test(model, data, values.index, season, None if references is None else references.forecasts)
    run.baseline_labels = evaluation.labels
    backtest_note = ""
    if config.backtest_folds > 0:
        fits = None if references is None else references.fits
        run.backtest, backtest_note = run_backtest(model, data, season, config.backtest_folds, config.horizon, fits)
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
    run.message = _summary(outcome, evaluation, calibration, season) + (f" {backtest_note}" if backtest_note else "")
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
