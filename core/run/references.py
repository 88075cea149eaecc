"""What a run is measured against: ETS and ARIMA (also fitted in the background while the LSTM trains), every
reference's forecasts from every origin, the backtest over the test span and the validation choice of the
recommended forecast."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.config import ForecastConfig, check_length
from core.errors import CoreError, DataError
from core.evaluation.backtest import BacktestResult, Fold, backtest, rolling_origins
from core.evaluation.baselines import (
    SIMPLE_RULES,
    Forecaster,
    SimpleRules,
    fit_rules,
    mean_forecaster,
    naive_forecaster,
    seasonal_naive_forecaster,
)
from core.evaluation.classical import ClassicalFit, fit_classical, one_step_forecasts
from core.evaluation.intervals import MAX_CALIBRATION_ORIGINS
from core.evaluation.recommendation import Recommendation, recommend
from core.evaluation.scoring import REFERENCES, lstm_one_step, scored_mask
from core.model.features import FeatureSpec
from core.model.recursive import recursive_scaled
from core.model.windows import Split, WindowedData, series_season, split_series

__all__ = [
    "check_series", "References", "ReferenceSource", "classical_references", "reference_inputs",
    "BackgroundReferences",
    "lstm_forecaster", "backtest_folds", "run_backtest", "split_band_origins", "band_origins", "reference_paths",
    "PARAMETER_FREE", "training_choice", "validation_choice",
]


def check_series(values: pd.Series) -> tuple[str, np.ndarray]:
    """Validate the input series; returns its frequency alias and a float64 copy of its values.

    Raises:
        DataError: no regular date index, or missing/infinite values.
    """
    if not isinstance(values, pd.Series) or not isinstance(values.index, pd.DatetimeIndex):
        raise DataError("The series needs a date index: load it through intake first.")
    if values.index.freq is None:
        raise DataError("The series has no regular frequency: load it through intake first.")
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    if not np.isfinite(numbers).all():
        raise DataError("The series contains missing or infinite values: load it through intake first.")
    return str(values.index.freqstr), numbers


@dataclass(frozen=True)
class References:
    """ETS and ARIMA fitted on the values before the test span, and their one-step test forecasts."""

    forecasts: dict[str, Any]  # {"ets": ClassicalForecast, "arima": ...}
    fits: dict[str, ClassicalFit]  # or anything with ClassicalFit's forecast and paths (a worker's precomputed ones)


#: Gives the ETS and ARIMA references when the run needs them, or None to leave them out (e.g. stopped meanwhile).
ReferenceSource = Callable[[], "References | None"]


def classical_references(values: np.ndarray, split: Any, season: int, budget_seconds: float = 30.0,
                         stop_event: threading.Event | None = None) -> References:
    """ETS and ARIMA one-step forecasts of the test targets, fitted on the values before the test span
    (``budget_seconds`` per model for choosing its variant; ``stop_event`` ends the choice early)."""
    targets = split.test_targets
    fits = fit_classical(values, targets.start, season, time_budget_seconds=budget_seconds, stop_event=stop_event)
    return References(one_step_forecasts(values, targets.start, targets, season, fits=fits), fits)


def reference_inputs(values: pd.Series, config: ForecastConfig) -> tuple[np.ndarray, Split, int]:
    """The values, split and season ETS and ARIMA are fitted with: the ones ``core.run.pipeline.fit`` finds for
    the same values and settings (the search fields of auto mode change neither).

    Raises:
        DataError: the series is too short for the split or not finite.
    """
    frequency, numbers = check_series(values)
    check_length(len(numbers), config)
    split = split_series(len(numbers), config.window, config.validation_fraction, config.test_fraction)
    return numbers, split, series_season(numbers, config, frequency)


class BackgroundReferences:
    """:func:`classical_references` computed in a daemon thread, so ETS and ARIMA are fitted while the LSTM trains.

    The values, split and season are :func:`reference_inputs`.

    Raises:
        DataError: the series is too short for the split or not finite.
    """

    def __init__(self, values: pd.Series, config: ForecastConfig, budget_seconds: float = 30.0) -> None:
        numbers, split, season = reference_inputs(values, config)
        self._result: References | None = None
        self._error: BaseException | None = None
        self._halt = threading.Event()

        def work() -> None:
            try:
                self._result = classical_references(numbers, split, season, budget_seconds, self._halt)
            except Exception as error:  # reported by result(); the thread must not die silently
                self._error = error

        self._thread = threading.Thread(target=work, name="classical-references", daemon=True)
        self._thread.start()

    def result(self) -> References:
        """The fits and forecasts (waits for the thread; each model's search is bounded by its time budget)."""
        self._thread.join()
        if self._error is not None or self._result is None:
            raise self._error or RuntimeError("the classical references did not finish")
        return self._result

    def when_not_stopped(self, stop_event: threading.Event) -> ReferenceSource:
        """A ``ReferenceSource`` that waits for :meth:`result`, or, once ``stop_event`` is set, cancels it
        and gives None (a search cut short chose nothing worth showing)."""

        def source() -> References | None:
            while self._thread.is_alive() and not stop_event.is_set():
                self._thread.join(0.05)
            if stop_event.is_set():
                self.cancel()
                return None
            return self.result()

        return source

    def cancel(self) -> None:
        """End the thread at its next model variant and wait for it: it never outlives the run."""
        self._halt.set()
        self._thread.join()


def lstm_forecaster(model: Any, data: WindowedData) -> Forecaster:
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


def _lookup(paths: np.ndarray, first: int) -> Forecaster:
    """A forecaster answering from precomputed paths: row ``origin - first`` of ``paths`` ``(k, horizon)``."""

    def forecast(history: np.ndarray, horizon: int) -> np.ndarray:
        return paths[len(history) - first, :horizon]

    return forecast


def backtest_folds(split: Split, folds: int, horizon: int) -> tuple[list[Fold] | None, str]:
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
    model: Any,
    data: WindowedData,
    season: int,
    folds: int,
    horizon: int,
    fits: dict[str, ClassicalFit] | None,
    *,
    paths: dict[str, np.ndarray] | None = None,
    first: int = 0,
) -> tuple[BacktestResult | None, str]:
    """Rolling-origin evaluation over the test span: ``folds`` origins, ``horizon`` steps each.

    The LSTM was trained before the validation span and each fold's forecasts read only the values
    before its origin; ETS and ARIMA keep the parameters fitted before the test span and are only
    conditioned on the history. Folds are ``horizon`` apart, closer when the test span is short.

    Args:
        paths: ``{model: (k, >= horizon)}`` forecasts already made from origins ``first .. first + k - 1``
            (each from the values before its origin, as :func:`complete` makes them); given, the backtest
            reads its folds from them, every model on the same origins. None: the LSTM, naive, seasonal naive,
            mean and the classical ``fits`` forecast here.

    Returns:
        (result, "") or (None, a plain note why there is no backtest).
    """
    origins, note = backtest_folds(data.split, folds, horizon)
    if origins is None:
        return None, note
    if paths is not None:
        lookups = {name: _lookup(table, first) for name, table in paths.items()}
        return backtest(data.values, origins, lookups), ""
    forecasters: dict[str, Forecaster] = {
        "lstm": lstm_forecaster(model, data),
        "naive": naive_forecaster,
        "seasonal_naive": seasonal_naive_forecaster(season),
        "mean": mean_forecaster,
    }
    for name, fitted in (fits or {}).items():
        forecasters[name] = (lambda f: lambda history, steps: f.forecast(history, len(history), steps))(fitted)
    return backtest(data.values, origins, forecasters), ""


def band_origins(data: WindowedData) -> tuple[np.ndarray, str]:
    """:func:`split_band_origins` of the data's split."""
    return split_band_origins(data.split)


def split_band_origins(split: Split) -> tuple[np.ndarray, str]:
    """Origins whose forecasts calibrate and check the bands: the latest validation origins (training ones
    without validation), every test origin, and the series' end (the future forecast); and their source."""
    span, source = (
        (split.val_targets, "validation") if len(split.val_targets) else (split.train_targets, "training")
    )
    first = max(span.start, split.test_start - MAX_CALIBRATION_ORIGINS)
    return np.arange(first, split.n + 1), source


def reference_paths(
    data: WindowedData, rules: SimpleRules, fits: dict[str, ClassicalFit], origins: np.ndarray, horizon: int
) -> dict[str, np.ndarray]:
    """Every reference's ``horizon``-step forecasts from ``origins``, each from the values before its origin."""
    paths = {name: rules.paths(name, data.values, origins, horizon) for name in SIMPLE_RULES}
    for name, fitted in fits.items():
        paths[name] = fitted.paths(data.values, origins, horizon)
    return paths


#: The rules a series without validation data chooses among on its training targets: they have no parameters, so
#: their training errors are out-of-sample ones.
PARAMETER_FREE = ("naive", "seasonal_naive", "seasonal_step")


def training_choice(
    data: WindowedData, index: pd.DatetimeIndex, season: int, filled: np.ndarray | None
) -> Recommendation:
    """Without validation data: the best parameter-free rule on the training targets (``span="training"``). The
    LSTM cannot be checked before the test span, so a rule is the forecast to use; the LSTM with fewer than two
    training targets (nothing to compare)."""
    split = data.split
    targets = range(max(1, split.train_targets.start), split.train_targets.stop)
    if len(targets) < 2:
        return Recommendation("lstm", {"lstm": 1.0})
    rules = fit_rules(data.values, index, split.val_start, season)
    candidates = {name: rules.one_step(name, data.values, targets) for name in PARAMETER_FREE}
    chosen = recommend(data.values[targets.start : targets.stop], None, candidates, scored_mask(filled, targets))
    if chosen.best_reference is None:
        return Recommendation("lstm", {"lstm": 1.0})
    return dataclasses.replace(chosen, span="training")


def validation_choice(
    model: Any, data: WindowedData, index: pd.DatetimeIndex, season: int, fits: dict[str, ClassicalFit],
    filled: np.ndarray | None, lstm_paths: tuple[np.ndarray, int] | None = None,
) -> Recommendation:
    """:func:`core.evaluation.recommendation.recommend` on the validation targets: the simple rules fitted
    before the validation span, ETS/ARIMA in-sample, the LSTM's one-step predictions (read from ``lstm_paths``,
    ``(paths, first origin)``, when they cover the validation span: the 1-step path is the one-step prediction)."""
    split = data.split
    targets = split.val_targets
    if len(targets) == 0 or split.val_start < 2:
        return training_choice(data, index, season, filled)
    rules = fit_rules(data.values, index, split.val_start, season)
    candidates = {name: rules.one_step(name, data.values, targets) for name in SIMPLE_RULES if name in REFERENCES}
    for name, fitted in fits.items():
        candidates[name] = fitted.paths(data.values, np.arange(targets.start, targets.stop), 1)[:, 0]
    if lstm_paths is not None and lstm_paths[1] <= targets.start:
        paths, first = lstm_paths
        lstm = paths[targets.start - first : targets.stop - first, 0]
    else:
        lstm = lstm_one_step(model, data, data.x_val, targets)
    actual = data.values[targets.start : targets.stop]
    return recommend(actual, lstm, candidates, scored_mask(filled, targets))
