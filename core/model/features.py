"""Model inputs that carry the seasons (calendar, value one season ago, covariates) and residual targets.

Row ``p`` of the feature matrix says what is known at the end of step ``p`` about step ``p + 1``:

=====================  =========================================================================
column                 meaning
=====================  =========================================================================
``value``              scaled value at ``p``
``season_ago``         scaled value at ``p + 1 - m`` (one season before step ``p + 1``; the value
                       at ``p`` when that lies before the series start)
``change``             ``value`` at ``p`` minus ``value`` at ``p - 1`` (0 at ``p = 0``)
``season_ago_change``  ``season_ago`` at ``p`` minus ``season_ago`` at ``p - 1`` (0 at ``p = 0``)
``<term>_sin/_cos``    calendar of step ``p + 1`` (known in advance): hour of day, day of week,
                       day of year or month of year, as the frequency allows
``<covariate>``        scaled covariate at ``p``
=====================  =========================================================================

The input of target ``t`` is rows ``t - window .. t - 1``, so it reads values before ``t`` only and
its last row carries the target's own calendar and its seasonal-naive value.

The training target is ``(scaled[t] - base[t]) / target_scale`` (``target_scale``: the training residuals'
standard deviation, 1 for the value target): ``base`` is 0 (``target="value"``), ``scaled[t - 1]``
(``"change"``), ``scaled[t - m]`` (``"seasonal_change"``, the last value before the series has a
full season) or ``scaled[t - 1] + scaled[t - m] - scaled[t - m - 1]`` (``"seasonal_step"``: last value plus the
change one season ago; the last value before the series has a season and a step). The base is a simple rule's
forecast, so the model learns the correction to that rule, as ES-RNN learns on top of exponential smoothing.
``target="reference"`` in the config means: the rule among these three with the lowest MAE on the validation
targets (:func:`reference_target`, before any training). :func:`to_scaled` adds the base back, which inverts the
target exactly.

The two ``*change`` columns (``difference_input``) hand the model the steps it would otherwise have to
compute as the difference of two nearly equal inputs: on smooth series (hourly temperatures) the next
change is close to the change one season ago, and an LSTM learns "copy this small input" far more
precisely than "subtract these two large ones" (docs/forecast-quality.md, "The hourly series").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.config import ForecastConfig
from core.errors import DataError
from core.model.scaling import Scaler

__all__ = [
    "MODEL_TARGETS", "reference_target", "CALENDAR_PERIODS", "calendar_terms", "calendar_matrix", "FeatureSpec",
    "build_spec", "context_length",
    "feature_matrix", "target_base", "step_base", "make_xy", "to_scaled", "residual_scale",
]


#: What a model can learn (``ForecastConfig.target`` also allows ``"reference"``, resolved to one of these).
MODEL_TARGETS = ("value", "change", "seasonal_change", "seasonal_step")


#: Calendar term -> (how to read it from a DatetimeIndex as a fraction of its cycle).
CALENDAR_PERIODS = ("hour_of_day", "day_of_week", "day_of_year", "month_of_year")


_SUB_DAILY = ("min", "T", "s", "S", "h", "H")


_DAILY = ("D", "B")


def _base_alias(frequency: str) -> str:
    return frequency.split("-")[0].lstrip("0123456789")


def calendar_terms(frequency: str) -> tuple[str, ...]:
    """Calendar terms that vary at this frequency: sub-daily hour/week/year, daily week/year,
    weekly day of year, monthly/quarterly month of year, none for yearly or unknown."""
    alias = _base_alias(frequency)
    if alias in _SUB_DAILY:
        return ("hour_of_day", "day_of_week", "day_of_year")
    if alias in _DAILY:
        return ("day_of_week", "day_of_year") if alias == "D" else ("day_of_year",)
    if alias == "W":
        return ("day_of_year",)
    if alias in ("M", "MS", "ME", "Q", "QS", "QE"):
        return ("month_of_year",)
    return ()


def _fraction(index: pd.DatetimeIndex, term: str) -> np.ndarray:
    """Position of each date in the term's cycle, in ``[0, 1)``."""
    if term == "hour_of_day":
        return (index.hour + index.minute / 60.0) / 24.0
    if term == "day_of_week":
        return index.day_of_week / 7.0
    if term == "day_of_year":
        return (index.day_of_year - 1 + index.hour / 24.0) / 365.25
    if term == "month_of_year":
        return (index.month - 1) / 12.0
    raise ValueError(f"Unknown calendar term {term!r}: allowed {', '.join(CALENDAR_PERIODS)}")


def calendar_matrix(index: pd.DatetimeIndex, terms: tuple[str, ...]) -> np.ndarray:
    """``sin``/``cos`` of each term: shape ``(len(index), 2 * len(terms))`` float64, columns term by term."""
    columns = []
    for term in terms:
        angle = 2 * np.pi * np.asarray(_fraction(index, term), dtype=np.float64)
        columns.extend([np.sin(angle), np.cos(angle)])
    return np.column_stack(columns) if columns else np.zeros((len(index), 0))


@dataclass(frozen=True)
class FeatureSpec:
    """Which inputs the model gets and what it learns; everything needed to rebuild its inputs.

    Attributes:
        value_scaler: fitted on the training span of the value.
        calendar: calendar terms (each adds a sin and a cos column).
        season_input: True adds the value one season earlier as an input.
        difference_input: True adds the last change (and, with ``season_input``, the change of the
            season-ago input) as inputs.
        season_length: ``m`` (>= 1) of the season input and the ``seasonal_change`` target.
        target: ``"value"``, ``"change"`` or ``"seasonal_change"``.
        covariates: covariate column names, in column order.
        covariate_scalers: one per covariate, fitted on the training span.
        target_scale: the model learns ``(scaled[t] - base[t]) / target_scale``: the residual target's standard
            deviation on the training span (1 for the value target), so a rule's small corrections are not
            drowned in the optimiser's noise.
    """

    value_scaler: Scaler
    calendar: tuple[str, ...] = ()
    season_input: bool = False
    difference_input: bool = False
    season_length: int = 1
    target: str = "value"
    covariates: tuple[str, ...] = ()
    covariate_scalers: tuple[Scaler, ...] = field(default=())
    target_scale: float = 1.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.target_scale) and self.target_scale > 0):
            raise ValueError(f"target_scale={self.target_scale} must be a positive number")
        if self.target not in MODEL_TARGETS:
            raise ValueError(f"target={self.target!r}: allowed {', '.join(MODEL_TARGETS)}")
        if self.season_length < 1:
            raise ValueError(f"season_length={self.season_length} must be at least 1")
        if len(self.covariates) != len(self.covariate_scalers):
            raise ValueError("one scaler per covariate is needed")

    @property
    def names(self) -> list[str]:
        """Feature column names in matrix order, e.g. ``["value", "season_ago", "day_of_year_sin", ...]``."""
        names = ["value"]
        if self.season_input:
            names.append("season_ago")
        if self.difference_input:
            names.extend(["change", "season_ago_change"] if self.season_input else ["change"])
        for term in self.calendar:
            names.extend([f"{term}_sin", f"{term}_cos"])
        return names + list(self.covariates)

    @property
    def n_features(self) -> int:
        return len(self.names)

    def describe(self) -> str:
        """One plain sentence for the report card, e.g. "Inputs: value, value 7 steps earlier, day of year; ..."."""
        inputs = ["the value"]
        if self.season_input:
            inputs.append(f"the value {self.season_length} steps earlier")
        if self.difference_input:
            inputs.append("the last change")
            if self.season_input:
                inputs.append(f"the change {self.season_length} steps earlier")
        inputs.extend(term.replace("_", " ") for term in self.calendar)
        inputs.extend(f"column {name!r} (last value held ahead)" for name in self.covariates)
        target = {
            "value": "the next value",
            "change": "the change from the last value",
            "seasonal_change": f"the change from the value {self.season_length} steps earlier",
            "seasonal_step": f"the correction to 'last value + the change {self.season_length} steps earlier'",
        }[self.target]
        return f"Inputs: {', '.join(inputs)}. The model learns {target}."

    def to_dict(self) -> dict[str, Any]:
        return {
            "value_scaler": self.value_scaler.to_dict(),
            "calendar": list(self.calendar),
            "season_input": self.season_input,
            "difference_input": self.difference_input,
            "season_length": self.season_length,
            "target": self.target,
            "covariates": list(self.covariates),
            "covariate_scalers": [scaler.to_dict() for scaler in self.covariate_scalers],
            "target_scale": self.target_scale,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        """Inverse of :meth:`to_dict`; raises KeyError/TypeError/ValueError on a malformed document."""
        calendar = tuple(str(term) for term in data.get("calendar", []))
        unknown = [term for term in calendar if term not in CALENDAR_PERIODS]
        if unknown:
            raise ValueError(f"unknown calendar terms {unknown}")
        return cls(
            value_scaler=Scaler.from_dict(data["value_scaler"]),
            calendar=calendar,
            season_input=bool(data.get("season_input", False)),
            difference_input=bool(data.get("difference_input", False)),  # absent in older bundles
            season_length=int(data.get("season_length", 1)),
            target=str(data.get("target", "value")),
            covariates=tuple(str(name) for name in data.get("covariates", [])),
            covariate_scalers=tuple(Scaler.from_dict(item) for item in data.get("covariate_scalers", [])),
            target_scale=float(data.get("target_scale", 1.0)),  # absent in older bundles
        )


def build_spec(
    config: ForecastConfig,
    frequency: str,
    season_length: int,
    train_values: np.ndarray,
    train_covariates: np.ndarray | None = None,
    target: str | None = None,
) -> FeatureSpec:
    """The spec ``config`` asks for, with scalers fitted on the training span only.

    Args:
        train_values: shape ``(n_train,)`` original units (the values before the validation span).
        train_covariates: shape ``(n_train, len(config.covariates))`` or None without covariates.
        target: the resolved target when ``config.target`` is ``"reference"`` (see :func:`reference_target`).
    """
    target = target or config.target
    if target not in MODEL_TARGETS:
        raise ValueError(f"target={target!r} must be resolved to one of {', '.join(MODEL_TARGETS)} first")
    covariate_scalers: tuple[Scaler, ...] = ()
    if config.covariates:
        if train_covariates is None or train_covariates.shape[1] != len(config.covariates):
            raise DataError(f"The covariate columns {', '.join(config.covariates)} are missing.")
        covariate_scalers = tuple(Scaler.fit(train_covariates[:, i]) for i in range(train_covariates.shape[1]))
    season = max(1, int(season_length))
    return FeatureSpec(
        value_scaler=Scaler.fit(train_values),
        calendar=calendar_terms(frequency) if config.calendar else (),
        season_input=bool(config.seasonal_input) and season > 1,
        difference_input=bool(config.difference_input),
        season_length=season,
        target=target,
        covariates=tuple(config.covariates),
        covariate_scalers=covariate_scalers,
    )


def reference_target(values: np.ndarray, targets: range, season_length: int) -> str:
    """The residual target over the best of three rules on ``targets``: ``"change"`` (naive), ``"seasonal_change"``
    (seasonal naive) or ``"seasonal_step"`` (last value + the change one season ago), by MAE; ``"change"`` without
    a season (or on ties). No training is involved: the rules have no parameters.

    Args:
        values: shape ``(n,)`` original units.
        targets: the positions that judge (the validation targets), all ``>= 1``.
        season_length: ``m``; ``<= 1`` means no season.
    """
    values = np.asarray(values, dtype=np.float64)
    t = np.arange(targets.start, targets.stop)
    t = t[t - season_length - 1 >= 0] if season_length > 1 else t[:0]
    if len(t) == 0:
        return "change"
    actual = values[t]
    errors = {
        "change": np.abs(actual - values[t - 1]).mean(),
        "seasonal_change": np.abs(actual - values[t - season_length]).mean(),
        "seasonal_step": np.abs(actual - step_base(values, t, season_length)).mean(),
    }
    return min(errors, key=lambda name: (errors[name], name != "change"))


def context_length(spec: FeatureSpec, window: int) -> int:
    """Values needed before a target so that no input or base falls back for lack of history."""
    needs_season = spec.season_input or spec.target in ("seasonal_change", "seasonal_step")
    if needs_season and spec.season_length > 1:
        return window + spec.season_length  # also covers the change inputs' step before the first row
    return window + int(spec.difference_input)  # the first row's change reads one value before the window


def _lag_index(positions: np.ndarray, lag: int) -> np.ndarray:
    """``positions - lag``, or ``positions - 1`` where that lies before the series start."""
    lagged = positions - lag
    return np.where(lagged < 0, positions - 1, lagged)


def _scaled_covariates(spec: FeatureSpec, covariates: np.ndarray | None, n: int) -> np.ndarray:
    if not spec.covariates:
        return np.zeros((n, 0))
    if covariates is None or covariates.shape != (n, len(spec.covariates)):
        raise DataError(f"The model needs the columns {', '.join(spec.covariates)} for every step.")
    if not np.isfinite(covariates).all():
        raise DataError(f"The columns {', '.join(spec.covariates)} must be finite for every step.")
    return np.column_stack([s.transform(covariates[:, i]) for i, s in enumerate(spec.covariate_scalers)])


def feature_matrix(
    spec: FeatureSpec, scaled: np.ndarray, index: pd.DatetimeIndex, covariates: np.ndarray | None = None
) -> np.ndarray:
    """Per-position inputs (see the module docstring).

    Args:
        scaled: shape ``(n,)`` ``spec.value_scaler.transform(values)``.
        index: the ``n`` dates, with a frequency (the calendar of ``p + 1`` is ``index.shift(1)[p]``).
        covariates: shape ``(n, len(spec.covariates))`` original units, or None without covariates.

    Returns:
        shape ``(n, spec.n_features)`` float64.
    """
    n = len(scaled)
    columns = [scaled[:, np.newaxis]]
    positions = np.arange(n)
    season_ago = scaled[_lag_index(positions + 1, spec.season_length)]
    if spec.season_input:
        columns.append(season_ago[:, np.newaxis])
    if spec.difference_input:
        previous = np.maximum(positions - 1, 0)
        columns.append((scaled - scaled[previous])[:, np.newaxis])
        if spec.season_input:
            columns.append((season_ago - season_ago[previous])[:, np.newaxis])
    if spec.calendar:
        columns.append(calendar_matrix(pd.DatetimeIndex(index).shift(1), spec.calendar))
    columns.append(_scaled_covariates(spec, covariates, n))
    return np.concatenate(columns, axis=1)


def target_base(spec: FeatureSpec, scaled: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``base[t]`` of each target index (scaled units), shape ``(len(targets),)``; targets ``>= 1``."""
    targets = np.asarray(targets, dtype=np.int64)
    scaled = np.asarray(scaled, dtype=np.float64)
    if spec.target == "value":
        return np.zeros(len(targets))
    if spec.target == "seasonal_step":
        return step_base(scaled, targets, spec.season_length)
    lag = 1 if spec.target == "change" else spec.season_length
    return scaled[_lag_index(targets, lag)]


def step_base(values: np.ndarray, targets: np.ndarray, season_length: int) -> np.ndarray:
    """``values[t - 1] + values[t - m] - values[t - m - 1]`` per target; ``values[t - 1]`` where ``t - m - 1 < 0``.

    Args:
        values: shape ``(n,)`` (scaled or original units: the rule is linear).
        targets: shape ``(k,)`` positions ``>= 1``.
        season_length: ``m`` (>= 1).
    """
    targets = np.asarray(targets, dtype=np.int64)
    last = values[targets - 1]
    before = targets - season_length - 1
    ok = before >= 0
    change = values[np.where(ok, targets - season_length, 0)] - values[np.where(ok, before, 0)]
    return np.where(ok, last + change, last)


def make_xy(
    spec: FeatureSpec, matrix: np.ndarray, scaled: np.ndarray, window: int, targets: range
) -> tuple[np.ndarray, np.ndarray]:
    """Windows and (residual) targets for consecutive target indices ``>= window``.

    Returns:
        ``x`` shape ``(len(targets), window, n_features)`` float32 (row ``i`` is
        ``matrix[t - window:t]``) and ``y`` shape ``(len(targets),)`` float32, ``scaled[t] - base[t]``.
        ``x`` is a read-only strided view of one float32 copy of the rows it covers, not ``window``
        copies of each row: a million hourly windows of 30 steps cost the rows once (tens of MB), not
        gigabytes. Consumers copy the chunks they need (``np.asarray(x[a:b])``).
    """
    if len(targets) == 0:
        return np.zeros((0, window, matrix.shape[1]), np.float32), np.zeros((0,), np.float32)
    rows = np.asarray(matrix[targets.start - window : targets.stop - 1], dtype=np.float32)
    # view[r] has shape (n_features, window): rows r..r + window - 1, the input of target start + r.
    view = np.lib.stride_tricks.sliding_window_view(rows, window, axis=0)
    x = view.transpose(0, 2, 1)
    index = np.arange(targets.start, targets.stop)
    y = (np.asarray(scaled, dtype=np.float64)[index] - target_base(spec, scaled, index)) / spec.target_scale
    return x, y.astype(np.float32)


def to_scaled(spec: FeatureSpec, outputs: np.ndarray, scaled: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Model outputs of ``targets`` back to scaled values: ``outputs * target_scale + base[t]`` (inverse of the
    target)."""
    return np.asarray(outputs, dtype=np.float64) * spec.target_scale + target_base(spec, scaled, targets)


def residual_scale(spec: FeatureSpec, scaled: np.ndarray, targets: range) -> float:
    """The standard deviation of ``scaled[t] - base[t]`` over ``targets`` (the training targets): 1 for the value
    target, for a constant residual or with fewer than two targets."""
    if spec.target == "value" or len(targets) < 2:
        return 1.0
    index = np.arange(targets.start, targets.stop)
    spread = float(np.std(np.asarray(scaled, dtype=np.float64)[index] - target_base(spec, scaled, index)))
    return spread if np.isfinite(spread) and spread > 1e-6 else 1.0
