"""One forecast run end to end: split, scale, window, train, evaluate, calibrate, forecast."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.config import ForecastConfig, check_length, season_length_for
from core.errors import CoreError, DataError
from core.evaluation.bands import Bands, rolling_bands
from core.evaluation.baselines import (
    fit_rules,
)
from core.evaluation.intervals import future_forecast
from core.evaluation.metrics import forecast_metrics, mase_scale
from core.evaluation.recommendation import BLEND
from core.evaluation.scoring import Evaluation, best_reference, evaluate_test, scored_mask
from core.model.features import context_length
from core.model.network import build_model
from core.model.progress import TrainControl
from core.model.recursive import data_paths
from core.model.seasons import season_words
from core.model.training import TrainOutcome, train
from core.model.weights import NetworkWeights
from core.model.windows import WindowedData, prepare, series_season
from core.run.portable import model_input, predict_next  # noqa: F401  (re-exported: they predict from a run)
from core.run.references import (
    BackgroundReferences,
    References,
    ReferenceSource,
    band_origins,
    check_series,
    classical_references,
    lstm_forecaster,
    reference_paths,
    run_backtest,
    validation_choice,
)
from core.run.results import ForecastRun
from core.words import (
    filled_sentence,
    recommendation_sentence,
    season_sentence,
    verdict,
    winner_sentence,
)

__all__ = [
    "STOPPED_BAND_ORIGINS", "resolve_season_length", "filled_array", "covariate_array", "run_forecast", "Fitted",
    "fit", "complete",
]

#: Calibration origins the bands use when the run was stopped (the latest ones before the test span): a Stop
#: ends all of the run's work within a second, so the bands are not re-measured over the whole test span.
STOPPED_BAND_ORIGINS = 200

#: The LSTM as a backtest forecaster (``core.run.references.lstm_forecaster``), under its former name here.
_lstm_forecaster = lstm_forecaster


def resolve_season_length(config: ForecastConfig, frequency: str, values: np.ndarray | None = None) -> int:
    """``config.season_length``; when it is 0, the season found in the training span of ``values``
    (``core.model.windows.series_season``), or without ``values`` the frequency's typical season."""
    if values is None:
        return config.season_length or season_length_for(frequency)
    return series_season(values, config, frequency)


def filled_array(filled: pd.Series | np.ndarray | None, values: pd.Series) -> np.ndarray | None:
    """The gap-filled mask as a bool array aligned with ``values``, shape ``(n,)``; None when nothing was filled.

    Args:
        filled: a bool ``pd.Series`` on the values' index (dates missing from it count as observed), a bool array
            of the values' length, or None.

    Raises:
        ValueError: an array of another length (a caller's mistake).
    """
    if filled is None:
        return None
    if isinstance(filled, pd.Series):
        mask = filled.astype(bool).reindex(values.index, fill_value=False).to_numpy(dtype=bool)
    else:
        mask = np.asarray(filled, dtype=bool)
        if mask.shape != (len(values),):
            raise ValueError(f"filled has shape {mask.shape}, the series {len(values)} values")
    return mask if mask.any() else None


def _stage(control: TrainControl, name: str) -> None:
    if control.on_stage is not None:
        control.on_stage(name)


def _unusable_message(outcome: TrainOutcome) -> str:
    if outcome.status == "diverged":
        return outcome.message
    return f"{outcome.message.split(';')[0]} before the first epoch finished, so there is no model yet."


def _summary(outcome: TrainOutcome, evaluation: Evaluation, bands: Bands, season: int, frequency: str,
             recommended: str) -> str:
    """One line: how training ended, the LSTM against naive and the best reference, the recommendation, caveats."""
    parts = [f"{outcome.message} Best epoch {outcome.best_epoch} of {len(outcome.history)}."]
    metrics = evaluation.metrics
    best = best_reference(metrics)
    parts.append(verdict(metrics["lstm"]["mae"], metrics["naive"]["mae"], best, evaluation.labels))
    parts.append(winner_sentence(metrics["lstm"]["mae"], best, evaluation.labels))
    parts.append(recommended)
    parts.append(season_sentence(season, season_words(frequency, season)))
    parts.extend(evaluation.notes)
    if evaluation.seasonal_fallbacks:
        parts.append(
            f"Seasonal naive used the last value for {evaluation.seasonal_fallbacks} test points "
            f"with no value {season} steps earlier."
        )
    parts.append(filled_sentence(evaluation.filled))
    parts.extend(bands.notes())
    return " ".join(part for part in parts if part)


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
    filled: pd.Series | np.ndarray | None = None,
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
            and ``arima``); False leaves them out (quick runs, tests); a ``ReferenceSource``
            (``core.run.references``) gives them from elsewhere (a training worker's cancellable task).
        filled: True where intake filled a gap (``LoadedSeries.filled``: a bool series on the same index),
            or None; those targets are left out of every metric, of calibration and of coverage.

    Returns:
        A ForecastRun; when training diverged or no epoch finished, ``model`` is None and
        ``message`` says why. A training that reached its time limit is completed the quick way, as
        after a Stop (see :func:`complete`).

    Raises:
        DataError: the series is too short for ``config`` or not regular/finite.
    """
    control = control or TrainControl()
    background = None
    if classical is True:
        try:  # ETS and ARIMA are fitted while the LSTM trains
            background = BackgroundReferences(values, config)
        except CoreError:
            background = None  # fit() below names the problem
    try:
        fitted = fit(values, config, control, covariates, filled=filled)
    except BaseException:
        if background is not None:
            background.cancel()
        raise
    after = control
    if fitted.outcome.status == "time_limit":  # the limit covers the work after training too: end it quickly
        after = dataclasses.replace(control, stop_event=threading.Event())
        after.stop_event.set()
    if background is None:
        return complete(fitted, values, after, classical)
    if fitted.outcome.best_epoch is None:  # no model: nothing to compare with them
        background.cancel()
    return complete(fitted, values, after, background.when_not_stopped(after.stop_event))


@dataclass
class Fitted:
    """A trained model with its data, before evaluation on the test span (what auto mode compares).

    Attributes:
        data: the windows, scaler and feature spec.
        model: the model with the best epoch's weights.
        outcome: how training ended.
        frequency, season: the series' frequency alias and season length.
        filled: shape ``(n,)`` bool, True at gap-filled positions, or None.
    """

    config: ForecastConfig
    data: WindowedData
    model: Any
    outcome: TrainOutcome
    frequency: str
    season: int
    filled: np.ndarray | None = None

    def validation_mae(self) -> float | None:
        """The best epoch's one-step MAE on the validation targets, in ORIGINAL units (None without
        validation or a finished epoch). The scaler is fitted on the same span whatever the window,
        so this compares settings fairly; it never touches the test span."""
        best = self.outcome.best_epoch
        if best is None or not self.outcome.history:
            return None
        record = next((r for r in self.outcome.history if r.epoch == best), None)
        mae = self.outcome.start_val_mae if best == 0 else None if record is None else record.val_mae
        if mae is None:
            return None
        scale = self.data.spec.target_scale if self.data.spec is not None else 1.0
        return float(mae) * self.data.scaler.std * scale


def fit(
    values: pd.Series,
    config: ForecastConfig,
    control: TrainControl | None = None,
    covariates: pd.DataFrame | None = None,
    *,
    filled: pd.Series | np.ndarray | None = None,
) -> Fitted:
    """Check, split, scale, window and train (the first half of :func:`run_forecast`).

    Args:
        filled: the gap-filled mask (see :func:`run_forecast`), kept for :func:`complete`.

    Raises:
        DataError: the series is too short for ``config`` or not regular/finite.
    """
    control = control or TrainControl()
    _stage(control, "preparing")
    frequency, numbers = check_series(values)
    check_length(len(values), config)
    mask = filled_array(filled, values)
    season = resolve_season_length(config, frequency, numbers)
    cov = covariate_array(values, config, covariates)
    data = prepare(numbers, config, values.index, season, cov)
    model = build_model(config, data.n_features)
    _stage(control, "training")
    outcome = train(model, data, config, control)
    return Fitted(config, data, model, outcome, frequency, season, mask)


def _new_run(fitted: Fitted, values: pd.Series) -> ForecastRun:
    """The run's record before evaluation: settings, training history, series facts."""
    config, data, outcome = fitted.config, fitted.data, fitted.outcome
    cov = data.covariates
    return ForecastRun(
        config=config,
        status=outcome.status,
        history=outcome.history,
        best_epoch=outcome.best_epoch,
        train_seconds=outcome.seconds,
        value_column="value" if values.name is None else str(values.name),
        frequency=fitted.frequency,
        season_length=fitted.season,
        scaler=data.scaler.to_dict(),
        interval_level=config.interval_level,
        features=data.spec,
        covariates=None if cov is None else pd.DataFrame(cov, index=values.index, columns=list(config.covariates)),
    )


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


def _forecast_frame(
    future: pd.DataFrame, recommended: np.ndarray, bands: Bands, model: str
) -> pd.DataFrame:
    """The future forecast (LSTM with its band) with the recommended forecast, its band and its name."""
    frame = future.copy()
    width = np.asarray(bands.half_widths, dtype=np.float64)
    frame["recommended"] = recommended
    frame["recommended_lower"] = recommended - width
    frame["recommended_upper"] = recommended + width
    frame["recommended_model"] = model
    return frame


def complete(
    fitted: Fitted,
    values: pd.Series,
    control: TrainControl | None = None,
    classical: References | bool | ReferenceSource = True,
    *,
    filled: pd.Series | np.ndarray | None = None,
) -> ForecastRun:
    """Evaluate on the test span, choose the recommended forecast on validation, calibrate the bands, backtest
    and forecast (the second half of :func:`run_forecast`).

    Args:
        classical: precomputed ``classical_references`` of the same split, or a ``ReferenceSource`` for them
            (``core.run.references``); True computes them here; False leaves ETS and ARIMA out.
        filled: the gap-filled mask (see :func:`run_forecast`); None uses the one given to :func:`fit`.

    Once ``control.stop_event`` is set the run keeps what it has and ends quickly: ETS and ARIMA are left out
    when not fitted yet and the backtest is skipped; the test-span evaluation, the recommendation, the bands and
    the future forecast always run (through the training's traced predictor, or numpy, never a new Keras trace).
    """
    control = control or TrainControl()
    config, data, model, outcome = fitted.config, fitted.data, fitted.model, fitted.outcome
    season, split, horizon = fitted.season, fitted.data.split, fitted.config.horizon
    mask = fitted.filled if filled is None else filled_array(filled, values)
    run = _new_run(fitted, values)
    if outcome.best_epoch is None:
        run.message = _unusable_message(outcome)
        return run
    _stage(control, "evaluating")
    stop_event = control.stop_event
    if classical is True:
        classical = False if stop_event.is_set() else classical_references(data.values, split, season)
    elif callable(classical):
        classical = classical() or False
    references = classical if isinstance(classical, References) else None
    model = _Predictor(fitted.model, outcome, stop_event)
    fits = {} if references is None else references.fits
    rules = fit_rules(data.values, values.index, split.test_start, season)
    evaluation = evaluate_test(model, data, values.index, season, None if references is None else references.forecasts,
                               rules=rules, filled=mask)
    origins, source = band_origins(data)
    cut_short = ""
    if stop_event.is_set():  # quick bands: the latest calibration origins and the series' end, no test coverage
        origins = np.append(origins[origins < split.test_start][-STOPPED_BAND_ORIGINS:], split.n)
        cut_short = (f"Stopped: the bands come from the last {len(origins) - 1} calibration points only, and their "
                     "coverage on the test period was not measured.")
    paths = {"lstm": data_paths(model, data, origins, horizon), **reference_paths(data, rules, fits, origins, horizon)}
    recommendation = validation_choice(model, data, values.index, season, fits, mask, (paths["lstm"], int(origins[0])))
    scored = None if mask is None else ~mask
    bands = rolling_bands(paths["lstm"], origins, data.values, split.test_start, config.interval_level, scored,
                          source=source)
    recommended_paths = recommendation.combine(paths)
    recommended_bands = bands if recommendation.model == "lstm" else rolling_bands(
        recommended_paths, origins, data.values, split.test_start, config.interval_level, scored, source=source)
    predictions, metrics = evaluation.predictions, dict(evaluation.metrics)
    if recommendation.model == BLEND:
        predictions = predictions.assign(blend=recommendation.combine(
            {name: predictions[name].to_numpy() for name in recommendation.weights}))
        keep = scored_mask(mask, split.test_targets)
        metrics[BLEND] = forecast_metrics(predictions["actual"].to_numpy()[keep], predictions[BLEND].to_numpy()[keep],
                                          mase_scale(data.values[: split.val_start]))
    if config.backtest_folds > 0 and stop_event.is_set():
        backtest_note = "No backtest: the run was stopped."
    elif config.backtest_folds > 0:
        run.backtest, backtest_note = run_backtest(model, data, season, config.backtest_folds, horizon, fits,
                                                   paths={**paths, **({BLEND: recommended_paths}
                                                                      if recommendation.model == BLEND else {})},
                                                   first=int(origins[0]))
    else:
        backtest_note = ""
    _stage(control, "forecasting")
    future = future_forecast(model, data, values.index, bands.half_widths)
    run.model = fitted.model
    run.baseline_labels = evaluation.labels
    run.predictions = predictions
    run.metrics = metrics
    run.best_reference = best_reference(evaluation.metrics)
    run.recommendation = recommendation
    run.bands, run.recommended_bands = bands, recommended_bands
    run.filled_test_points = evaluation.filled
    at_end = {name: table[-1] for name, table in paths.items()}
    run.reference_forecasts = {name: np.asarray(path, dtype=np.float64) for name, path in at_end.items()
                               if name != "lstm"}
    at_end["lstm"] = future["forecast"].to_numpy()
    run.forecast = _forecast_frame(future, recommendation.combine(at_end), recommended_bands, recommendation.model)
    run.interval_coverage = bands.coverage
    run.interval_half_widths = bands.half_widths
    reason = recommendation_sentence(recommendation.model, recommendation.weights, recommendation.validation_mae,
                                     recommendation.best_reference, evaluation.labels, span=recommendation.span)
    run.message = _summary(outcome, evaluation, bands, season, fitted.frequency, reason) + "".join(
        f" {note}" for note in (backtest_note, cut_short) if note)
    run.recent = _recent(values, data)
    return run
