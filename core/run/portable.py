"""What crosses between the web process and a training worker, without TensorFlow: a job's ``Plan`` going out, a
portable ``ForecastRun`` coming back, and the predictions the pages make from it (``model_input``, ``predict_next``).

A portable run is a ``ForecastRun`` whose ``model`` is a ``core.model.weights.NetworkWeights`` (numpy arrays and the
``.keras`` bytes) instead of a Keras model; everything else in a run is already arrays, frames and plain values.
Importing this module never imports TensorFlow, and neither does anything a page does with a portable run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core.model.features import FeatureSpec, feature_matrix, to_scaled
from core.model.scaling import Scaler
from core.model.weights import NetworkWeights, predict_scaled
from core.run.results import ForecastRun, StationRun

__all__ = ["PLAN_KINDS", "Plan", "to_portable", "model_input", "predict_next"]


#: What a job runs: one training, one that also records the Learn page's replay, "train 3 times", auto mode,
#: every station of a file in turn (each with a replay).
PLAN_KINDS = ("plain", "replay", "spread", "auto", "stations")


@dataclass(frozen=True, eq=False)
class Plan:
    """What a training job runs, named without code so it can be sent to a worker
    (``core.run.runners.runner_for`` turns it into a runner there).

    Attributes:
        kind: one of :data:`PLAN_KINDS`.
        budget_seconds: auto mode's time budget (``kind == "auto"`` only).
        covariates: the frame holding ``config.covariates`` (indexed by date), or None.
        classical: also score ETS and ARIMA on the test span.
        filled: True where intake filled a gap (``LoadedSeries.filled``): left out of every score, or None.
        stations: every station's id, name and values (``kind == "stations"`` only; the job's values are ignored).
        across: for ``kind == "stations"``: ``"each"`` (one model per station), ``"global"`` (one model across
            them, ``core.run.across``) or ``"auto"`` (both, keeping the one that wins on validation).
    """

    kind: str = "replay"
    budget_seconds: float = 120.0
    covariates: pd.DataFrame | None = None
    classical: bool = True
    filled: pd.Series | None = None
    stations: tuple[StationRun, ...] = ()
    across: str = "each"

    def __post_init__(self) -> None:
        if self.kind not in PLAN_KINDS:
            raise ValueError(f"kind={self.kind!r} is not one of {', '.join(PLAN_KINDS)}")
        if (self.kind == "stations") != bool(self.stations):
            raise ValueError("stations are given with kind='stations' and only then")
        if self.across not in ("each", "global", "auto"):
            raise ValueError(f"across={self.across!r} is not one of each, global, auto")
        if not 1.0 <= float(self.budget_seconds) <= 86400.0:
            raise ValueError(f"budget_seconds={self.budget_seconds} must lie in 1..86400")


def to_portable(run: ForecastRun) -> ForecastRun:
    """A copy of ``run`` whose Keras model is replaced by its ``NetworkWeights`` (with the ``.keras`` bytes).

    A run without a model, or already portable, is returned as it is.
    """
    if run.model is None or isinstance(run.model, NetworkWeights):
        return run
    return dataclasses.replace(run, model=NetworkWeights.from_keras(run.model))


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
        run: a usable run (its model a Keras model or ``NetworkWeights``).
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
