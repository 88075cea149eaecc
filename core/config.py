"""Forecast configuration: one validated, JSON round-tripping dataclass plus data-driven defaults."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields
from numbers import Integral, Real
from typing import Any

import pandas as pd

from core.errors import ConfigError, DataError

__all__ = [
    "PARAMETER_BUDGET", "MAX_SPLIT_FRACTION", "FIELD_RANGES", "TARGETS", "FIELD_CHOICES", "FIELD_HELP",
    "ForecastConfig", "parameter_count", "parse_set_options", "season_length_for", "default_config",
    "minimum_length", "check_length", "MAX_CALENDAR_INPUTS", "input_count",
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
    "season_length": "Steps in one season, e.g. 7 for a weekly pattern in daily data (0 = guess from dates).",
    "interval_level": "How sure the shaded range should be: 0.9 means 9 in 10 values should fall inside.",
    "time_limit_seconds": "Training stops after this many seconds and keeps the best model so far.",
    "backtest_folds": "Forecasts from this many start points in the test data, each horizon steps long (0 = off).",
    "calendar": "Give the model the time of day and day of year (as the frequency allows) as inputs.",
    "seasonal_input": "Give the model the value one season earlier as an input.",
    "difference_input": "Give the model the last change (and the season-ago change) as inputs; helps on smooth data.",
    "target": "Learn the value itself, or the correction to a simple rule: the last value (change), the value one "
    "season earlier (seasonal_change), last value + the change one season ago (seasonal_step), or the best of "
    "these on the validation data (reference).",
    "covariates": "Other numeric columns of the file used as extra inputs (their last value is held ahead).",
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


def _base_alias(frequency: str) -> str:
    """``"W-SUN"`` -> ``"W"``, ``"2h"`` -> ``"h"``, ``"MS"`` -> ``"MS"``."""
    alias = frequency.split("-")[0].lstrip("0123456789")
    return alias


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
    return _SEASONS.get(_base_alias(frequency), 1)


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


def default_config(series: pd.Series, frequency: str) -> ForecastConfig:
    """Sensible settings for a series of this length and frequency.

    Long series get a 64-unit LSTM with early stopping; tiny ones a small window, batch size 1
    and no validation split (too few points to spare).
    """
    n = len(series)
    window, horizon = _SHAPES.get(_base_alias(frequency), (30, 7))
    window = max(2, min(window, n // 4))
    horizon = max(1, min(horizon, n // 4))
    validation = 0.15
    train_windows = n - round(0.2 * n) - round(validation * n) - window
    if round(validation * n) < 20 or train_windows < 100:
        validation = 0.0
        train_windows = n - round(0.2 * n) - window
    big = train_windows >= 500
    # Calendar + the value one season ago as inputs and the change from the last value as the target
    # (the plain value target lost to "same as last step" on hourly and on daily minimum temperatures);
    # dropout 0.2 on daily and coarser data made the result steady over seeds (without it, 2 of 4 seeds
    # lost to naive on Seattle's daily maximum). Figures: README "Forecast quality" (python -m bench.quality).
    # Sub-daily data also gets the recent changes as inputs: on Seattle's hourly temperatures (seeds 0-2) the
    # test MAE fell from 0.170 / 0.127 / 0.142 °F without them to 0.064 / 0.087 / 0.059 with them.
    sub_daily = _base_alias(frequency) in ("h", "H", "min", "T", "s", "S")
    return ForecastConfig(
        calendar=True,
        seasonal_input=season_length_for(frequency) > 1,
        difference_input=sub_daily,
        target="change",
        dropout=0.0 if sub_daily else 0.2,
        backtest_folds=5,
        window=window,
        horizon=horizon,
        units=64 if big else 32,
        epochs=100 if big else 200,
        # Long series: 128 targets per step with the learning rate scaled alike (32 -> 128, 0.001 -> 0.004):
        # 3-4x cheaper epochs and, over seeds 0-4 on Seattle, a lower test MAE (README "Performance").
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
