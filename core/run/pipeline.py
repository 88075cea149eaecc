"""One forecast run end to end: split, scale, window, train, evaluate, calibrate, forecast."""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.config import ForecastConfig, check_length, season_length_for
from core.errors import CoreError, DataError
from core.evaluation.backtest import BacktestResult, Fold, backtest, rolling_origins
from core.evaluation.baselines import Forecaster, mean_forecaster, naive_forecaster, seasonal_naive_forecaster
from core.evaluation.classical import ClassicalFit, fit_classical, one_step_forecasts
from core.evaluation.intervals import Calibration, calibrate, future_forecast, interval_coverage
from core.evaluation.scoring import Evaluation, best_reference, evaluate_test
from core.model.features import FeatureSpec, context_length
from core.model.network import build_model
from core.model.progress import TrainControl
from core.model.recursive import recursive_scaled
from core.model.training import TrainOutcome, train
from core.model.weights import NetworkWeights
from core.model.windows import WindowedData, prepare
from core.run.portable import model_input, predict_next  # noqa: F401  (re-exported: they predict from a run)
from core.run.results import ForecastRun
from core.words import verdict

__all__ = [
    "resolve_season_length", "covariate_array", "run_forecast", "Fitted", "fit", "complete", "References",
    "ReferenceSource", "STOPPED_CALIBRATION_ORIGINS", "classical_references", "backtest_folds", "run_backtest",
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
    classical: bool | ReferenceSource = True,
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
            and ``arima``); False leaves them out (quick runs, tests); a :data:`ReferenceSource` gives
            them from elsewhere (a training worker fits them in a task it can cancel).

    Returns:
        A ForecastRun; when training diverged or no epoch finished, ``model`` is None and
        ``message`` says why. A training that reached its time limit is completed the quick way, as
        after a Stop (see :func:`complete`).

    Raises:
        DataError: the series is too short for ``config`` or not regular/finite.
    """
    control = control or TrainControl()
    fitted = fit(values, config, control, covariates)
    if fitted.outcome.status == "time_limit":  # the limit covers the work after training too: end it quickly
        halted = dataclasses.replace(control, stop_event=threading.Event())
        halted.stop_event.set()
        return complete(fitted, values, halted, classical)
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
    fits: dict[str, ClassicalFit]  # or anything with ClassicalFit.forecast (a worker's precomputed paths)


#: Gives the ETS and ARIMA references when the run needs them, or None to leave them out (e.g. stopped meanwhile).
ReferenceSource = Callable[[], "References | None"]


#: Most recent calibration origins used when the run was stopped: quick intervals instead of the full calibration.
STOPPED_CALIBRATION_ORIGINS = 100


class _Stopped(Exception):
    """The run was stopped during an optional stage (backtest, full calibration)."""


class _Predictor:
    """The trained model for the work after training: the training's own traced predictor when it has one
    (``TrainOutcome.predict``), else Keras until ``stop_event`` is set and the numpy ``NetworkWeights`` after
    (once stopped, a Keras predict function traced for a new batch shape would cost more than all the rest)."""

    def __init__(self, model: Any, outcome: TrainOutcome, stop_event: threading.Event) -> None:
        self._model, self._predict, self._stop_event = model, outcome.predict, stop_event
        self._numpy: NetworkWeights | None = None

    def predict_on_batch(self, x: np.ndarray) -> Any:
        if self._predict is not None:
            return self._predict(x)
        if not self._stop_event.is_set() or isinstance(self._model, NetworkWeights):
            return self._model.predict_on_batch(x)
        if self._numpy is None:
            self._numpy = NetworkWeights.from_keras(self._model, keep_file=False)
        return self._numpy.predict_on_batch(x)


class _StopGuard:
    """A model whose predictions raise :class:`_Stopped` once ``stop_event`` is set, so a stage that predicts
    step by step ends at its next step."""

    def __init__(self, model: Any, stop_event: threading.Event) -> None:
        self._model, self._stop_event = model, stop_event

    def predict_on_batch(self, x: np.ndarray) -> Any:
        if self._stop_event.is_set():
            raise _Stopped
        return self._model.predict_on_batch(x)


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


def backtest_folds(split: Any, folds: int, horizon: int) -> tuple[list[Fold] | None, str]:
    """The backtest's folds over the test span of ``split`` (``horizon`` apart, closer when the test span is
    short), or (None, a plain note why there are none)."""
    n_test = len(split.test_targets)
    if n_test < horizon:
        return None, f"No backtest: the test span ({n_test} steps) is shorter than the horizon ({horizon})."
    step = horizon if folds * horizon <= n_test or folds == 1 else max(1, (n_test - horizon) // (folds - 1))
    try:
        return rolling_origins(split.n, folds, horizon, split.test_start, step), ""
    except CoreError:
        return None, f"No backtest: {folds} start points of {horizon} steps do not fit in the test span."


def run_backtest(
    model: Any, data: WindowedData, season: int, folds: int, horizon: int, fits: dict[str, ClassicalFit] | None,
    stop_event: threading.Event | None = None,
) -> tuple[BacktestResult | None, str]:
    """Rolling-origin evaluation over the test span: ``folds`` origins, ``horizon`` steps each.

    The LSTM was trained before the validation span and each fold's forecasts read only the values
    before its origin; ETS and ARIMA keep the parameters fitted before the test span and are only
    conditioned on the history. Folds are ``horizon`` apart, closer when the test span is short.

    Args:
        stop_event: when set, the backtest ends at the next forecast with the note "the run was stopped".

    Returns:
        (result, "") or (None, a plain note why there is no backtest).
    """
    origins, note = backtest_folds(data.split, folds, horizon)
    if origins is None:
        return None, note
    stopped = "No backtest: the run was stopped."
    stop_event = stop_event or threading.Event()
    if stop_event.is_set():
        return None, stopped
    forecasters: dict[str, Forecaster] = {
        "lstm": _lstm_forecaster(_StopGuard(model, stop_event), data),
        "naive": naive_forecaster,
        "seasonal_naive": seasonal_naive_forecaster(season),
        "mean": mean_forecaster,
    }
    for name, fitted in (fits or {}).items():
        forecasters[name] = _classical_forecaster(fitted, stop_event)
    try:
        return backtest(data.values, origins, forecasters), ""
    except _Stopped:
        return None, stopped


def _classical_forecaster(fitted: ClassicalFit, stop_event: threading.Event) -> Forecaster:
    """ETS or ARIMA conditioned on ``history`` with its parameters kept; raises :class:`_Stopped` once stopped."""

    def forecast(history: np.ndarray, steps: int) -> np.ndarray:
        if stop_event.is_set():
            raise _Stopped
        return np.asarray(fitted.forecast(history, len(history), steps))

    return forecast


def _calibrated(model: Any, data: WindowedData, config: ForecastConfig, stop_event: threading.Event
                ) -> tuple[Calibration, str]:
    """The full calibration, or, once the run is stopped, a quick one on the most recent origins (with a note)."""
    try:
        return calibrate(_StopGuard(model, stop_event), data, config.horizon, config.interval_level), ""
    except _Stopped:
        quick = calibrate(model, data, config.horizon, config.interval_level, STOPPED_CALIBRATION_ORIGINS)
        return quick, (f"Cut short: the intervals are calibrated on the last {quick.residual_count} "
                       "calibration points only.")


def complete(
    fitted: Fitted,
    values: pd.Series,
    control: TrainControl | None = None,
    classical: References | bool | ReferenceSource = True,
) -> ForecastRun:
    """Evaluate on the test span, calibrate the intervals, backtest and forecast (the second half of
    :func:`run_forecast`).

    Args:
        classical: precomputed :func:`classical_references` of the same split, or a :data:`ReferenceSource`
            for them; True computes them here; False leaves ETS and ARIMA out.

    Once ``control.stop_event`` is set the run keeps what it has and ends quickly: ETS and ARIMA are left
    out when not fitted yet, the backtest is skipped or ends at its next forecast, and the intervals
    come from a quick calibration (:data:`STOPPED_CALIBRATION_ORIGINS`); the test-span evaluation and the
    future forecast always run.
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
    stop_event = control.stop_event
    if classical is True:
        classical = False if stop_event.is_set() else classical_references(data.values, data.split, season)
    elif callable(classical):
        classical = classical() or False
    references = classical if isinstance(classical, References) else None
    quick = _Predictor(model, outcome, stop_event)
    evaluation = evaluate_test(quick, data, values.index, season, None if references is None else references.forecasts)
    run.baseline_labels = evaluation.labels
    backtest_note = ""
    if config.backtest_folds > 0:
        fits = None if references is None else references.fits
        run.backtest, backtest_note = run_backtest(model, data, season, config.backtest_folds, config.horizon, fits,
                                                   stop_event)
    calibration, calibration_note = _calibrated(quick, data, config, stop_event)
    coverage = interval_coverage(
        evaluation.predictions["actual"].to_numpy(),
        evaluation.predictions["lstm"].to_numpy(),
        calibration.half_widths[0],
    )
    _stage(control, "forecasting")
    run.model = model
    run.predictions = evaluation.predictions
    run.metrics = evaluation.metrics
    run.forecast = future_forecast(quick, data, values.index, calibration.half_widths)
    run.interval_coverage = None if math.isnan(coverage) else coverage
    run.interval_half_widths = calibration.half_widths
    notes = "".join(f" {note}" for note in (backtest_note, calibration_note) if note)
    run.message = _summary(outcome, evaluation, calibration, season) + notes
    run.recent = _recent(values, data)
    return run
