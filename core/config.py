"""Forecast configuration: one validated, JSON round-tripping dataclass plus data-driven defaults."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from core.errors import ConfigError, DataError

__all__ = [
    "PARAMETER_BUDGET", "MAX_SPLIT_FRACTION", "FIELD_RANGES", "TARGETS", "FIELD_CHOICES", "FIELD_HELP",
    "FIELD_LABELS", "TARGET_LABELS",
    "ForecastConfig", "parameter_count", "parse_set_options", "season_length_for", "default_config",
    "minimum_length", "check_length", "MAX_CALENDAR_INPUTS", "input_count", "base_alias", "MIN_STRENGTH",
    "HARMONICS", "YEAR_DAYS", "step_length", "season_candidates", "seasonal_strength", "choose_season",
]


#: Largest number of trainable weights a model may have (blocks absurd models before ``fit``).
PARAMETER_BUDGET = 2_000_000


#: validation_fraction + test_fraction may not exceed this, so that training keeps most of the data.
MAX_SPLIT_FRACTION = 0.8


#: Allowed (min, max) per field, both ends inclusive.
FIELD_RANGES: dict[str, tuple[float, float]] = {
    "window": (2, 730),
    "horizon": (1, 365),
    "units": (1, 512),
    "layers": (1, 4),
    "dropout": (0.0, 0.9),
    "epochs": (1, 2000),
    "batch_size": (1, 4096),
    "learning_rate": (1e-6, 1.0),
    "patience": (0, 500),
    "validation_fraction": (0.0, 0.5),
    "test_fraction": (0.05, 0.5),
    "seed": (0, 2**31 - 1),
    "season_length": (0, 8784),
    "interval_level": (0.5, 0.99),
    "time_limit_seconds": (1.0, 86400.0),
    "backtest_folds": (0, 20),
}


#: What the model learns to predict: the value itself, or its difference from a simple rule's forecast (residual
#: learning; predictions add the rule back): the last value, the value one season earlier, or the last value plus
#: the change one season ago; ``"reference"`` picks the rule of these three with the lowest validation MAE.
TARGETS = ("value", "change", "seasonal_change", "seasonal_step", "reference")


#: Allowed values of the non-numeric fields (``covariates`` is a tuple of column names instead).
FIELD_CHOICES: dict[str, tuple[Any, ...]] = {
    "calendar": (False, True),
    "seasonal_input": (False, True),
    "difference_input": (False, True),
    "target": TARGETS,
}


FIELD_HELP: dict[str, str] = {
    "window": "How many past steps the model looks at to predict the next one.",
    "horizon": "How many steps into the future the final forecast goes.",
    "units": "How much memory each LSTM layer has; more units can learn more but train slower.",
    "layers": "How many LSTM layers are stacked on top of each other.",
    "dropout": "Share of signals randomly switched off while training, which can reduce overfitting.",
    "epochs": "The most times the model goes through all the training data.",
    "batch_size": "How many examples the model looks at before each small correction.",
    "learning_rate": "How big each correction is; too big and training can blow up.",
    "patience": "Stop after this many epochs without progress on the validation data (0 = never stop early).",
    "validation_fraction": "Share of the data before the test part, used to check progress while training.",
    "test_fraction": "Share of the most recent data kept aside to measure how good the forecast is.",
    "seed": "A number that makes training repeatable: the same seed gives the same model.",
    "season_length": "Steps in one season, e.g. 365 for a yearly cycle in daily data (0 = found in the data).",
    "interval_level": "How sure the shaded range should be: 0.9 means 9 in 10 values should fall inside.",
    "time_limit_seconds": "Training stops after this many seconds and keeps the best model so far.",
    "backtest_folds": "Forecasts from this many start points in the test data, each horizon steps long (0 = off).",
    "calendar": "Give the model the time of day and day of year (as the frequency allows) as inputs.",
    "seasonal_input": "Give the model the value one season earlier as an input.",
    "difference_input": "Give the model the last change (and the season-ago change) as inputs; helps on smooth data.",
    "target": "Learn the value, or the correction to a simple rule (reference: the best on validation data).",
    "covariates": "Other numeric columns of the file used as extra inputs (their last value is held ahead).",
}


#: Label of every field's widget on the Train page (the same keys as :data:`FIELD_HELP`).
FIELD_LABELS: dict[str, str] = {
    "window": "Look-back window (steps)",
    "horizon": "Forecast horizon (steps)",
    "epochs": "Epochs (passes over the data)",
    "units": "LSTM units (model size)",
    "layers": "LSTM layers",
    "dropout": "Dropout",
    "batch_size": "Batch size",
    "learning_rate": "Learning rate",
    "patience": "Early-stopping patience (0 = off)",
    "validation_fraction": "Validation share",
    "test_fraction": "Test share",
    "seed": "Random seed",
    "interval_level": "Prediction-interval level",
    "season_length": "Season length (0 = from the frequency)",
    "time_limit_seconds": "Time limit (seconds)",
    "backtest_folds": "Backtest start points (0 = off)",
    "calendar": "Calendar inputs (time of day, day of year)",
    "seasonal_input": "Value one season ago as an input",
    "difference_input": "Recent changes as inputs",
    "target": "The model learns",
    "covariates": "Other columns as inputs (covariates)",
}


#: How each of :data:`TARGETS` reads after "The model learns".
TARGET_LABELS: dict[str, str] = {
    "value": "the next value itself",
    "change": "the change from the last value",
    "seasonal_change": "the change from one season ago",
    "seasonal_step": "the correction to \"last value + the change one season ago\"",
    "reference": "the correction to the best simple rule (chosen on validation)",
}


_INT_FIELDS = (
    "window",
    "horizon",
    "units",
    "layers",
    "epochs",
    "batch_size",
    "patience",
    "seed",
    "season_length",
    "backtest_folds",
)


def _key_text(key: object) -> str:
    """A setting name as shown in a message: plain names as they are, anything else quoted on one line."""
    text = str(key)
    return text if text.isidentifier() else repr(text)


def _fmt(number: float) -> str:
    return f"{number:g}"


@dataclass(frozen=True)
class ForecastConfig:
    """Every choice that shapes one training; validated on creation, raises ConfigError."""

    window: int = 30
    horizon: int = 7
    units: int = 32
    layers: int = 1
    dropout: float = 0.0
    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 0.001
    patience: int = 10
    validation_fraction: float = 0.15
    test_fraction: float = 0.2
    seed: int = 42
    season_length: int = 0
    interval_level: float = 0.9
    time_limit_seconds: float = 600.0
    backtest_folds: int = 0
    calendar: bool = False
    seasonal_input: bool = False
    difference_input: bool = False
    target: str = "value"
    covariates: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in FIELD_RANGES:
            object.__setattr__(self, name, _checked(name, getattr(self, name)))
        for name, allowed in FIELD_CHOICES.items():
            value = getattr(self, name)
            if isinstance(value, bool) != isinstance(allowed[0], bool) or value not in allowed:
                raise ConfigError(f"{name}={value!r} is not allowed: allowed {', '.join(map(str, allowed))}")
        object.__setattr__(self, "covariates", _checked_names(self.covariates))
        if self.patience > 0 and self.validation_fraction == 0:
            raise ConfigError(
                f"patience={self.patience} needs validation data: "
                "set validation_fraction above 0 or patience=0"
            )
        total = self.validation_fraction + self.test_fraction
        if total > MAX_SPLIT_FRACTION + 1e-12:
            raise ConfigError(
                f"validation_fraction + test_fraction = {_fmt(total)} leaves too little for training: "
                f"allowed at most {_fmt(MAX_SPLIT_FRACTION)}"
            )
        count = parameter_count(self)
        if count > PARAMETER_BUDGET:
            raise ConfigError(
                f"The model would have {count:,} parameters, over the budget of {PARAMETER_BUDGET:,}: "
                "use fewer units or layers"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of every field (``covariates`` as a list)."""
        data = asdict(self)
        data["covariates"] = list(self.covariates)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], base: ForecastConfig | None = None) -> ForecastConfig:
        """Config from a (possibly partial) dict; missing keys come from ``base`` or the defaults.

        Raises:
            ConfigError: unknown keys (the message lists the allowed ones) or invalid values.
        """
        if not isinstance(data, dict):
            raise ConfigError(f"A configuration must be a JSON object, not {type(data).__name__}")
        allowed = [f.name for f in fields(cls)]
        unknown = sorted(_key_text(key) for key in data if key not in allowed)
        if unknown:
            raise ConfigError(f"Unknown setting(s) {', '.join(unknown)}: allowed {', '.join(allowed)}")
        merged = (base or cls()).to_dict()
        merged.update(data)
        return cls(**merged)


def _checked(name: str, value: Any) -> int | float:
    """Type-check and range-check one field value; returns it as int or float."""
    low, high = FIELD_RANGES[name]
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ConfigError(f"{name}={value!r} must be a number: allowed {_fmt(low)}..{_fmt(high)}")
    number = float(value)
    if not math.isfinite(number):
        raise ConfigError(f"{name}={value!r} must be a finite number: allowed {_fmt(low)}..{_fmt(high)}")
    if name in _INT_FIELDS:
        if not isinstance(value, Integral) and not number.is_integer():
            raise ConfigError(f"{name}={value!r} must be a whole number: allowed {_fmt(low)}..{_fmt(high)}")
        result: int | float = int(number)
    else:
        result = number
    if not low <= result <= high:
        raise ConfigError(f"{name}={value!r} is out of range: allowed {_fmt(low)}..{_fmt(high)}")
    return result


def _checked_names(value: Any) -> tuple[str, ...]:
    """``covariates`` as a tuple of distinct non-empty strings (a list from JSON is accepted)."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ConfigError(f"covariates={value!r} must be a list of column names")
    names = tuple(value)
    if not all(isinstance(name, str) and name.strip() for name in names) or len(set(names)) != len(names):
        raise ConfigError(f"covariates={value!r} must be distinct, non-empty column names")
    if len(names) > 20:
        raise ConfigError(f"covariates: {len(names)} columns is too many: allowed at most 20")
    return names


#: Calendar inputs add at most three sin/cos pairs (hour of day, day of week, day of year).
MAX_CALENDAR_INPUTS = 6


def input_count(config: ForecastConfig) -> int:
    """Most input features the model can get (the calendar terms actually used depend on the frequency)."""
    return (
        1
        + int(config.seasonal_input)
        + (1 + int(config.seasonal_input) if config.difference_input else 0)
        + (MAX_CALENDAR_INPUTS if config.calendar else 0)
        + len(config.covariates)
    )


def parameter_count(config: ForecastConfig) -> int:
    """Trainable weights of the model ``config`` describes (stacked LSTM + Dense(1)); an upper bound
    when the calendar inputs are on (fewer calendar terms exist for some frequencies)."""
    count = 0
    inputs = input_count(config)
    for _ in range(config.layers):
        count += 4 * config.units * (config.units + inputs + 1)
        inputs = config.units
    return count + config.units + 1


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _parse_value(key: str, text: str) -> Any:
    text = text.strip()
    if key == "covariates":
        return tuple(name.strip() for name in text.split(",") if name.strip())
    if key == "target":
        return text
    if key in FIELD_CHOICES:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ConfigError(f"{key}={text!r} must be true or false")
    if not _NUMBER.match(text):
        raise ConfigError(f"{key}={text!r} is not a number")
    number = float(text)
    if key in _INT_FIELDS and number.is_integer():
        return int(number)
    return number


def parse_set_options(items: list[str], base: ForecastConfig | None = None) -> ForecastConfig:
    """Config from CLI ``key=value`` strings such as ``["window=5", "learning_rate=0.01"]``.

    Raises:
        ConfigError: a malformed item, an unknown key or an invalid value.
    """
    updates: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"{item!r} is not key=value, e.g. window=30")
        allowed = [f.name for f in fields(ForecastConfig)]
        if key not in allowed:
            raise ConfigError(f"Unknown setting {_key_text(key)}: allowed {', '.join(allowed)}")
        updates[key] = _parse_value(key, text)
    return ForecastConfig.from_dict(updates, base)


def base_alias(frequency: str) -> str:
    """``"W-SUN"`` -> ``"W"``, ``"2h"`` -> ``"h"``, ``"MS"`` -> ``"MS"``."""
    alias = frequency.split("-")[0].lstrip("0123456789")
    return alias


# Which season a series has: the frequency proposes candidates, shortest first (hourly: a day, a week; daily: a
# week, a year; weekly: a year of 52 weeks; monthly: 12 months; yearly: none), and the training span decides which
# is real. A candidate counts when the span holds at least two full seasons and its seasonal strength there is at
# least MIN_STRENGTH; the first that counts is the season, none counting means no season (1). Seasonal strength of
# m steps: remove the level with a centred moving average over one season (2 x m for even m), fit HARMONICS
# sine/cosine pairs of period m to what remains by least squares, and take the share of its variance they explain
# (noise alone explains about 2 x HARMONICS / n; docs/forecast-quality.md shows the development series' values).
# Only the training span is read, never the validation or test span.

#: A candidate season counts when its seasonal strength on the training span is at least this.
MIN_STRENGTH = 0.2


#: Sine/cosine pairs fitted per season when measuring its strength (at most ``(m - 1) // 2``).
HARMONICS = 3


#: Steps of a yearly season of daily data (looked up by calendar date, see :func:`lag_positions`).
YEAR_DAYS = 365


_CALENDAR_CANDIDATES = {
    "B": (5, 261),
    "W": (52,),
    "M": (12,),
    "MS": (12,),
    "ME": (12,),
    "Q": (4,),
    "QS": (4,),
    "QE": (4,),
}


_LONGEST = 8784  # ForecastConfig's largest season_length


def step_length(frequency: str) -> pd.Timedelta | None:
    """The fixed length of one step (``"30min"`` -> 30 minutes), None for calendar frequencies (months, weeks)."""
    if base_alias(frequency) in _CALENDAR_CANDIDATES:
        return None
    try:
        offset = to_offset(frequency)
    except ValueError:
        return None
    try:
        nanos = getattr(offset, "nanos", None)
    except ValueError:  # a calendar offset (months, years) has no fixed length
        return None
    if nanos is None:
        return None
    try:
        return pd.Timedelta(int(nanos), unit="ns")
    except (TypeError, ValueError):
        return None


def season_candidates(frequency: str) -> tuple[int, ...]:
    """Candidate season lengths for a pandas frequency alias, shortest first.

    Fixed steps that divide a day propose a day and a week (``"h"``: 24, 168; ``"30min"``: 48, 336); a daily
    step proposes a week and a year (7, 365); business days 5 and 261; weeks 52; months 12; quarters 4; years
    and anything else none. Candidates longer than 8,784 steps or shorter than 2 are dropped.
    """
    alias = base_alias(frequency)
    if alias in _CALENDAR_CANDIDATES:
        return _CALENDAR_CANDIDATES[alias]
    step = step_length(frequency)
    if step is None or step <= pd.Timedelta(0):
        return ()
    day = pd.Timedelta(days=1)
    if step == day:
        return (7, YEAR_DAYS)
    if step < day and day % step == pd.Timedelta(0):
        per_day = int(day / step)
        return tuple(m for m in (per_day, 7 * per_day) if 2 <= m <= _LONGEST)
    return ()


def _moving_average(values: np.ndarray, length: int) -> np.ndarray:
    """Centred moving average over ``length`` steps (``2 x length`` for even lengths); NaN at both ends."""
    weights = np.ones(length, dtype=np.float64)
    if length % 2 == 0:
        weights = np.concatenate([[0.5], np.ones(length - 1), [0.5]])
    weights /= weights.sum()
    smooth = np.convolve(values, weights, mode="valid")
    pad = (len(values) - len(smooth)) // 2
    out = np.full(len(values), np.nan)
    out[pad : pad + len(smooth)] = smooth
    return out


def seasonal_strength(train_values: np.ndarray, length: int) -> float:
    """Share (0..1) of the detrended training values explained by ``HARMONICS`` sine/cosine pairs of period ``length``.

    Args:
        train_values: shape ``(n_train,)``, the training span only.
        length: the candidate season in steps (>= 2).

    Returns:
        0 when the span holds fewer than two full seasons or is constant.
    """
    values = np.asarray(train_values, dtype=np.float64)
    if length < 2 or len(values) < 2 * length or not np.isfinite(values).all():
        return 0.0
    remainder = values - _moving_average(values, length)
    keep = np.isfinite(remainder)
    positions = np.arange(len(values))[keep]
    remainder = remainder[keep]
    total = float(np.sum((remainder - remainder.mean()) ** 2))
    if total <= 1e-12 * max(1.0, float(np.sum(values**2))):
        return 0.0
    pairs = max(1, min(HARMONICS, (length - 1) // 2))
    angle = 2 * np.pi * positions / length
    design = np.column_stack(
        [np.ones(len(positions))] + [f(k * angle) for k in range(1, pairs + 1) for f in (np.sin, np.cos)]
    )
    coefficients = np.linalg.lstsq(design, remainder, rcond=None)[0]
    residual = remainder - design @ coefficients
    return float(max(0.0, 1.0 - float(residual @ residual) / total))


def choose_season(train_values: np.ndarray, frequency: str) -> int:
    """The first candidate of :func:`season_candidates` whose strength on ``train_values`` is at least
    :data:`MIN_STRENGTH`, or 1 (no season).

    Args:
        train_values: shape ``(n_train,)``: the values before the validation span, never later ones.
        frequency: the series' pandas alias.
    """
    for length in season_candidates(frequency):
        if seasonal_strength(train_values, length) >= MIN_STRENGTH:
            return length
    return 1




_SEASONS = {
    "h": 24,
    "H": 24,
    "D": 7,
    "B": 5,
    "W": 52,
    "M": 12,
    "MS": 12,
    "ME": 12,
    "Q": 4,
    "QS": 4,
    "QE": 4,
    "min": 60,
    "T": 60,
}


def season_length_for(frequency: str) -> int:
    """Typical season length for a pandas alias: h 24, D 7, B 5, W 52, M/MS 12, Q 4, min 60, else 1."""
    return _SEASONS.get(base_alias(frequency), 1)


# Per-frequency (window, horizon) before capping by series length.
_SHAPES = {
    "h": (48, 24),
    "H": (48, 24),
    "D": (30, 7),
    "B": (20, 5),
    "W": (52, 8),
    "M": (12, 12),
    "MS": (12, 12),
    "ME": (12, 12),
    "Q": (8, 4),
    "QS": (8, 4),
    "QE": (8, 4),
    "min": (60, 60),
    "T": (60, 60),
}


def _span_years(points: int, frequency: str) -> float:
    """How many years ``points`` steps of this frequency cover (0 when the step length is unknown)."""
    step = step_length(frequency)
    alias = base_alias(frequency)
    days = {"W": 7.0, "M": 30.44, "MS": 30.44, "ME": 30.44, "Q": 91.3, "QS": 91.3, "QE": 91.3, "B": 7 / 5}
    count = int("".join(ch for ch in frequency.split("-")[0] if ch.isdigit()) or 1)
    if step is not None:
        return points * step / pd.Timedelta(days=365.25)
    return points * count * days.get(alias, 0.0) / 365.25


def default_config(series: pd.Series, frequency: str) -> ForecastConfig:
    """Sensible settings for a series of this length and frequency, chosen on validation spans of the
    development series (docs/forecast-quality.md).

    Long series get a 64-unit LSTM with early stopping; tiny ones a small window, batch size 1 and no validation
    split (too few points to spare). The model learns the correction to the best simple rule on validation
    (``target="reference"``) from its recent changes (``difference_input``); the value one season earlier is an
    input when the season (found in the training span, :func:`choose_season`) fits in the window; the calendar
    when the training span covers two years or more (otherwise each day of the year is seen once at most).
    """
    n = len(series)
    window, horizon = _SHAPES.get(base_alias(frequency), (30, 7))
    window = max(2, min(window, n // 4))
    horizon = max(1, min(horizon, n // 4))
    validation = 0.15
    train_windows = n - round(0.2 * n) - round(validation * n) - window
    if round(validation * n) < 20 or train_windows < 100:
        validation = 0.0
        train_windows = n - round(0.2 * n) - window
    big = train_windows >= 500
    n_train = n - round(0.2 * n) - round(validation * n)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    season = choose_season(numbers[: max(n_train, 0)], frequency)
    sub_daily = base_alias(frequency) in ("h", "H", "min", "T", "s", "S")
    return ForecastConfig(
        calendar=_span_years(n_train, frequency) >= 2,
        seasonal_input=1 < season <= window,
        difference_input=True,
        target="reference",
        dropout=0.0 if sub_daily else 0.2,
        backtest_folds=20,
        window=window,
        horizon=horizon,
        units=64 if big else 32,
        epochs=100 if big else 200,
        # Long series: 128 targets per step with the learning rate scaled alike (32 -> 128, 0.001 -> 0.004):
        # fewer optimizer steps per epoch at no loss of accuracy (docs/performance.md).
        batch_size=128 if big else 32 if train_windows >= 256 else max(1, min(16, train_windows // 8)),
        learning_rate=0.004 if big else 0.001,
        patience=10 if validation > 0 else 0,
        validation_fraction=validation,
        test_fraction=0.2,
    )


def _split_counts(n: int, config: ForecastConfig) -> tuple[int, int, int]:
    """(training windows, validation targets, test targets) for a series of ``n`` points."""
    n_test = max(1, round(config.test_fraction * n))
    n_val = round(config.validation_fraction * n)
    return n - n_test - n_val - config.window, n_val, n_test


def _long_enough(n: int, config: ForecastConfig) -> bool:
    train_windows, n_val, _ = _split_counts(n, config)
    enough_val = n_val >= 1 or config.validation_fraction == 0
    return train_windows >= 2 and enough_val and n >= config.window + config.horizon + 1


def minimum_length(config: ForecastConfig) -> int:
    """Fewest points from which on every length leaves 2+ training windows, 1+ test (and validation)
    target and covers window + horizon + 1.

    Rounding of the split sizes makes "long enough" dip for single lengths; training keeps at least
    20 % of the points, so 10 good lengths in a row mean every longer series is good too.
    """
    n = config.window + 3
    while not all(_long_enough(n + k, config) for k in range(11)):
        n += 1
    return n


def check_length(n_points: int, config: ForecastConfig) -> None:
    """Raise DataError naming the minimum length when ``n_points`` is too short for ``config``."""
    needed = minimum_length(config)
    if n_points < needed:
        raise DataError(
            f"This series has {n_points} points; window {config.window} + horizon {config.horizon} with "
            f"test_fraction {_fmt(config.test_fraction)} and validation_fraction "
            f"{_fmt(config.validation_fraction)} needs at least {needed}."
        )
