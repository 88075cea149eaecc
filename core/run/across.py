"""One LSTM across several series: trained on the windows of all, each series scaled on its own training span.

A *global* model (as in the M4/M5 forecasting competitions' winners) sees every series' windows in one training:
each series is prepared exactly as a run of its own (``core.model.windows.prepare``: its own scaler and feature
spec fitted on its own training span, its own season and residual target; by default plus a one-hot series id
input), their training and validation windows
are stacked into one ``WindowedData`` (``segments`` keeps every-position training inside each series) and one
network is trained on them. Each series then gets its own :class:`core.run.pipeline.Fitted` sharing that network,
whose history holds that series' own validation errors, so ``Fitted.validation_mae()`` is the series' own and
:func:`core.run.pipeline.complete` scores it on its own test span against its own references.

:func:`choose_across` decides between one model per series and the global one on validation only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.config import ForecastConfig, check_length
from core.errors import DataError
from core.model.features import feature_matrix, make_xy
from core.model.network import PREDICT_CHUNK, build_model
from core.model.progress import EpochRecord, TrainControl
from core.model.scaling import Scaler
from core.model.training import TrainOutcome, train
from core.model.windows import WindowedData, prepare
from core.run.pipeline import Fitted, covariate_array, filled_array, resolve_season_length
from core.run.references import check_series
from core.words import across_sentence

__all__ = ["ACROSS_CHOICES", "EACH", "GLOBAL", "series_input_names", "stack", "fit_global", "naive_validation_mae",
           "AcrossChoice", "choose_across"]

#: One model per series.
EACH = "each"

#: One model across all series.
GLOBAL = "global"

#: What a user can ask for: one model per series, one across them, or whichever wins on validation.
ACROSS_CHOICES = (EACH, GLOBAL, "auto")


def series_input_names(count: int) -> tuple[str, ...]:
    """The names of the series-id inputs of ``count`` series (one-hot columns, after any covariates)."""
    return tuple(f"series_id_{number + 1}" for number in range(count))


def _with_series_id(data: WindowedData, config: ForecastConfig, number: int, count: int) -> WindowedData:
    """``data`` whose inputs end with a one-hot series id (``count`` columns, 1 in column ``number``).

    ``prepare`` standardises every covariate on the training span, which turns a constant column into zeros, so
    the id columns get the identity scaler and the windows are rebuilt from the same spec; the targets do not read
    the inputs and stay as they are. A constant covariate is held ahead exactly, so every later path (bands,
    backtest, the future) sees the same id.
    """
    assert data.spec is not None and data.index is not None
    user = len(config.covariates) - count
    spec = dataclasses.replace(data.spec, covariate_scalers=data.spec.covariate_scalers[:user]
                               + (Scaler(0.0, 1.0),) * count)
    matrix = feature_matrix(spec, data.scaled, data.index, data.covariates)
    split = data.split
    x_train, _ = make_xy(spec, matrix, data.scaled, split.window, split.train_targets)
    x_val, _ = make_xy(spec, matrix, data.scaled, split.window, split.val_targets)
    x_test, _ = make_xy(spec, matrix, data.scaled, split.window, split.test_targets)
    return dataclasses.replace(data, spec=spec, x_train=x_train, x_val=x_val, x_test=x_test)


def _id_columns(values: pd.Series, cov: np.ndarray | None, number: int, count: int) -> np.ndarray:
    """The covariates ``(n, c)`` (or none) followed by the one-hot id of series ``number``, shape ``(n, c + count)``."""
    one_hot = np.zeros((len(values), count))
    one_hot[:, number] = 1.0
    return one_hot if cov is None else np.column_stack([cov, one_hot])


@dataclass(frozen=True)
class _Prepared:
    data: WindowedData
    frequency: str
    season: int
    filled: np.ndarray | None


def _name(values: pd.Series, number: int, names: Sequence[str] | None) -> str:
    if names is not None:
        return str(names[number])
    return f"series {number + 1}" if values.name is None else str(values.name)


def _prepare_all(
    series: Sequence[pd.Series], config: ForecastConfig, *, filled: Sequence[Any] | None = None,
    covariates: Sequence[pd.DataFrame | None] | None = None, names: Sequence[str] | None = None,
    series_input: bool = False,
) -> list[_Prepared]:
    """Check, split, scale and window each series on its own, as :func:`core.run.pipeline.fit` does (with
    ``series_input``, its one-hot id after the covariates: ``config`` already names those columns).

    Raises:
        DataError: a series cannot be prepared (the message starts with its name), or the series do not give the
            same inputs (another frequency gives other calendar columns).
    """
    prepared: list[_Prepared] = []
    ids = len(series) if series_input else 0
    user = dataclasses.replace(config, covariates=config.covariates[: len(config.covariates) - ids])  # the file's
    for number, values in enumerate(series):
        try:
            frequency, numbers = check_series(values)
            check_length(len(values), config)
            season = resolve_season_length(config, frequency, numbers)
            cov = covariate_array(values, user, None if covariates is None else covariates[number])
            if series_input:
                cov = _id_columns(values, cov, number, len(series))
            data = prepare(numbers, config, values.index, season, cov)
            if series_input:
                data = _with_series_id(data, config, number, len(series))
        except DataError as exc:
            raise DataError(f"{_name(values, number, names)}: {exc}") from exc
        mask = filled_array(None if filled is None else filled[number], values)
        prepared.append(_Prepared(data, frequency, season, mask))
    if not prepared:
        raise DataError("A model across series needs at least one series.")
    first = prepared[0].data.spec
    for number, part in enumerate(prepared[1:], start=1):
        spec = part.data.spec
        if first is not None and spec is not None and spec.names != first.names:
            raise DataError(f"{_name(series[number], number, names)} gives the inputs {', '.join(spec.names)}, "
                            f"the first series {', '.join(first.names)}: one model needs the same inputs "
                            "(the same frequency).")
    return prepared


def stack(parts: Sequence[WindowedData]) -> WindowedData:
    """The training and validation windows of all ``parts`` one after the other, for ``core.model.training.train``.

    ``x_train`` ``(sum k_i, window, n_features)``, ``y_train`` ``(sum k_i,)`` and likewise validation and test;
    ``segments`` holds each part's number of training windows. The fields training does not read (values, scaled,
    split, scaler, index, covariates) and the spec (read for its target kind, the same for all) are the first
    part's: evaluate each series with its own part, never with the stack.
    """
    first = parts[0]
    return dataclasses.replace(
        first,
        x_train=np.concatenate([p.x_train for p in parts]), y_train=np.concatenate([p.y_train for p in parts]),
        x_val=np.concatenate([p.x_val for p in parts]), y_val=np.concatenate([p.y_val for p in parts]),
        x_test=np.concatenate([p.x_test for p in parts]), y_test=np.concatenate([p.y_test for p in parts]),
        segments=tuple(len(p.y_train) for p in parts),
    )


def _errors(model: Any, parts: Sequence[WindowedData]) -> list[tuple[float | None, float | None]]:
    """Each part's (mean squared, mean absolute) one-step validation error in its target units, from one
    pass of the model over the stacked validation windows (eager: nothing traced per shape)."""
    x = np.concatenate([p.x_val for p in parts]).astype(np.float32)
    outputs = [np.asarray(model(x[start : start + PREDICT_CHUNK], training=False)).reshape(-1)
               for start in range(0, len(x), PREDICT_CHUNK)]
    predicted = np.concatenate(outputs) if outputs else np.zeros(0)
    errors: list[tuple[float | None, float | None]] = []
    start = 0
    for part in parts:
        count = len(part.y_val)
        difference = predicted[start : start + count] - np.asarray(part.y_val, dtype=np.float64)
        start += count
        errors.append((float(np.mean(difference**2)), float(np.mean(np.abs(difference)))) if count else (None, None))
    return errors


def fit_global(
    series: Sequence[pd.Series], config: ForecastConfig, control: TrainControl | None = None, *,
    filled: Sequence[Any] | None = None, covariates: Sequence[pd.DataFrame | None] | None = None,
    names: Sequence[str] | None = None, series_input: bool = True,
) -> list[Fitted]:
    """Train one network on the windows of every series (each prepared on its own) and return one
    :class:`~core.run.pipeline.Fitted` per series, all sharing that network.

    The best epoch is chosen on the validation loss over all series' windows together (each series in its own
    scaled units, so every series counts by its number of targets, not its size). Each series' ``outcome``
    is the shared training's (status, best epoch, seconds, predictor) with that series' own validation errors
    in its history (``val_loss``/``val_mae``; ``loss`` is the shared training loss), so its
    ``validation_mae()`` is its own, in its original units.

    Args:
        series: float series, each with a regular ``DatetimeIndex`` (the same frequency for all).
        config: the settings of every series (the same window and inputs, so one network fits all).
        filled: per series, its gap-filled mask or None (see :func:`core.run.pipeline.run_forecast`).
        covariates: per series, the frame holding ``config.covariates``, or None.
        names: per series, the name errors use (default: the series' name).
        series_input: also give the network each series' one-hot id (:func:`series_input_names`, added to the
            returned ``Fitted.config.covariates``, held ahead like any covariate). On by default: on the built-in
            three airports it brought the global model's validation error from 0.861 to 0.757 of naive's
            (docs/forecast-quality.md, "Many series").

    Raises:
        DataError: a series is too short for ``config`` or not regular/finite (the message names it), or the
            series do not give the same inputs.
    """
    control = control or TrainControl()
    if control.on_stage is not None:
        control.on_stage("preparing")
    if series_input:
        config = dataclasses.replace(config, covariates=config.covariates + series_input_names(len(series)))
    prepared = _prepare_all(series, config, filled=filled, covariates=covariates, names=names,
                            series_input=series_input)
    parts = [p.data for p in prepared]
    data = stack(parts)
    model = build_model(config, data.n_features)
    start = _errors(model, parts)
    histories: list[list[EpochRecord]] = [[] for _ in parts]
    caller_after = control.after_epoch

    def after_epoch(record: EpochRecord, trained: Any) -> None:
        for history, (val_loss, val_mae) in zip(histories, _errors(trained, parts), strict=True):
            history.append(dataclasses.replace(record, val_loss=val_loss, val_mae=val_mae))
        if caller_after is not None:
            caller_after(record, trained)

    if control.on_stage is not None:
        control.on_stage("training")
    outcome = train(model, data, config, dataclasses.replace(control, after_epoch=after_epoch))
    return [
        Fitted(config, part.data, model, _own_outcome(outcome, history, own_start), part.frequency, part.season,
               part.filled)
        for part, history, (_, own_start) in zip(prepared, histories, start, strict=True)
    ]


def _own_outcome(outcome: TrainOutcome, history: list[EpochRecord], start_mae: float | None) -> TrainOutcome:
    """The shared outcome with one series' own validation errors (its start MAE only where training scored the
    starting weights, i.e. a residual target with validation)."""
    return dataclasses.replace(outcome, history=history[: len(outcome.history)],
                               start_val_mae=None if outcome.start_val_mae is None else start_mae)


def naive_validation_mae(fitted: Fitted) -> float | None:
    """The naive forecast's (last value) one-step MAE on the series' validation targets, original units, leaving
    gap-filled targets out; None without validation targets. The yardstick that makes series of different
    sizes comparable in :func:`choose_across`."""
    values, targets = fitted.data.values, fitted.data.split.val_targets
    keep = np.ones(len(targets), dtype=bool) if fitted.filled is None else ~fitted.filled[targets.start:targets.stop]
    if len(targets) == 0 or not keep.any():
        return None
    errors = np.abs(values[targets.start : targets.stop] - values[targets.start - 1 : targets.stop - 1])
    return float(np.mean(errors[keep]))


@dataclass(frozen=True)
class AcrossChoice:
    """One model per series or one across them, chosen on validation.

    Attributes:
        model: :data:`EACH` or :data:`GLOBAL`.
        reason: one sentence saying why.
        each, shared: per series, the one-step validation MAE (original units) of its own model and of the
            global one (None: no finished epoch or no validation span).
        naive: per series, the naive forecast's validation MAE on the same targets.
        each_score, shared_score: the mean over series of (validation MAE / naive validation MAE); lower is
            better; None when some series has no figure.
    """

    model: str
    reason: str
    each: list[float | None]
    shared: list[float | None]
    naive: list[float | None]
    each_score: float | None
    shared_score: float | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _score(maes: Sequence[float | None], naive: Sequence[float | None]) -> float | None:
    ratios = [m / n for m, n in zip(maes, naive, strict=True) if m is not None and n]
    return float(np.mean(ratios)) if len(ratios) == len(maes) and ratios else None


def choose_across(each: Sequence[Fitted], shared: Sequence[Fitted]) -> AcrossChoice:
    """One model per series (``each[i]``) or the global one (``shared[i]``, from :func:`fit_global`), by validation
    only: the lower mean over series of each series' validation MAE divided by its naive validation MAE (every
    series counts alike, whatever its units or size). A tie, or a side without every figure, keeps one model
    per series (global only when it is shown to be better).

    Raises:
        ValueError: the two lists are not of the same series (lengths differ).
    """
    if len(each) != len(shared):
        raise ValueError(f"{len(each)} per-series models against {len(shared)} global ones: the same series needed")
    naive = [naive_validation_mae(f) for f in each]
    own = [f.validation_mae() for f in each]
    common = [f.validation_mae() for f in shared]
    each_score, shared_score = _score(own, naive), _score(common, naive)
    wins = each_score is not None and shared_score is not None and shared_score < each_score
    model = GLOBAL if wins else EACH
    won = sum(1 for a, b in zip(own, common, strict=True) if a is not None and b is not None and b < a)
    return AcrossChoice(model, across_sentence(model, each_score, shared_score, won, len(each)), own, common, naive,
                        each_score, shared_score)
