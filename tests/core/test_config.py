"""ForecastConfig validation, JSON round trip, CLI parsing and data-driven defaults."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from core.config import (
    FIELD_CHOICES,
    FIELD_HELP,
    FIELD_RANGES,
    PARAMETER_BUDGET,
    ForecastConfig,
    check_length,
    default_config,
    minimum_length,
    parameter_count,
    parse_set_options,
    season_length_for,
)
from core.errors import ConfigError, DataError
from core.model.windows import split_series


def series(n: int, freq: str = "D") -> pd.Series:
    rng = np.random.default_rng(0)
    values = np.sin(np.arange(n) * 2 * np.pi / 7) + rng.normal(0, 0.1, n)
    return pd.Series(values, index=pd.date_range("2020-01-01", periods=n, freq=freq), name="y")


def test_defaults_are_valid_and_every_field_has_help_and_range():
    config = ForecastConfig()
    assert set(FIELD_HELP) == set(FIELD_RANGES) | set(FIELD_CHOICES) | {"covariates"} == set(config.to_dict())
    assert all(text.endswith(".") and len(text) < 120 for text in FIELD_HELP.values())


def test_json_round_trip_keeps_types():
    config = ForecastConfig(window=12, dropout=0.2, learning_rate=0.01, seed=7)
    restored = ForecastConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert restored == config
    assert isinstance(restored.window, int) and isinstance(restored.dropout, float)


BAD_VALUES = [
    ("window", 1),
    ("window", 731),
    ("window", 2.5),
    ("window", True),
    ("window", "5"),
    ("horizon", 0),
    ("horizon", 366),
    ("units", 0),
    ("units", 4096),
    ("layers", 0),
    ("layers", 5),
    ("dropout", -0.1),
    ("dropout", 0.95),
    ("dropout", math.nan),
    ("epochs", 0),
    ("epochs", 10**6),
    ("batch_size", 0),
    ("batch_size", 5000),
    ("learning_rate", 0.0),
    ("learning_rate", -1e-3),
    ("learning_rate", math.nan),
    ("learning_rate", math.inf),
    ("learning_rate", 2.0),
    ("patience", -1),
    ("patience", 501),
    ("validation_fraction", -0.1),
    ("validation_fraction", 0.6),
    ("test_fraction", 0.0),
    ("test_fraction", 0.6),
    ("seed", -1),
    ("seed", 2**31),
    ("season_length", -1),
    ("season_length", 9000),
    ("interval_level", 0.4),
    ("interval_level", 1.0),
    ("time_limit_seconds", 0),
    ("time_limit_seconds", 1e9),
    ("time_limit_seconds", None),
    ("backtest_folds", -1),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_bad_value_is_refused_naming_field_value_and_range(name, value):
    with pytest.raises(ConfigError) as caught:
        ForecastConfig(**{name: value})
    message = str(caught.value)
    assert message.startswith(f"{name}={value!r}")
    low, high = FIELD_RANGES[name]
    assert f"allowed {low:g}..{high:g}" in message
    assert "\n" not in message


def test_every_field_has_a_bad_value_case():
    assert {name for name, _ in BAD_VALUES} == set(FIELD_RANGES)


def test_whole_floats_become_ints_and_ints_become_floats():
    config = ForecastConfig(window=5.0, dropout=0, time_limit_seconds=60)
    assert config.window == 5 and isinstance(config.window, int)
    assert isinstance(config.dropout, float) and isinstance(config.time_limit_seconds, float)


def test_patience_needs_validation():
    with pytest.raises(ConfigError, match="patience=10 needs validation"):
        ForecastConfig(validation_fraction=0.0, patience=10)
    assert ForecastConfig(validation_fraction=0.0, patience=0).patience == 0


def test_fractions_must_leave_training_data():
    with pytest.raises(ConfigError, match="validation_fraction \\+ test_fraction = 0.9"):
        ForecastConfig(validation_fraction=0.45, test_fraction=0.45)


def test_parameter_budget():
    with pytest.raises(ConfigError, match=f"over the budget of {PARAMETER_BUDGET:,}"):
        ForecastConfig(units=512, layers=4)
    assert parameter_count(ForecastConfig(units=512, layers=1)) <= PARAMETER_BUDGET


@pytest.mark.parametrize(("units", "layers"), [(4, 1), (8, 3)])
def test_parameter_count_matches_keras(units, layers):
    from core.model.network import build_model

    config = ForecastConfig(window=5, units=units, layers=layers, dropout=0.1)
    assert parameter_count(config) == build_model(config).count_params()


def test_from_dict_fills_from_base_and_refuses_unknown_keys():
    base = ForecastConfig(window=10, units=16)
    assert ForecastConfig.from_dict({"epochs": 3}, base) == ForecastConfig(window=10, units=16, epochs=3)
    assert ForecastConfig.from_dict({"epochs": 3}).window == ForecastConfig().window
    with pytest.raises(ConfigError, match="Unknown setting.*colour.*allowed window, horizon"):
        ForecastConfig.from_dict({"colour": 1, "epochs": 2})


def test_parse_set_options():
    config = parse_set_options(["window=5", " learning_rate = 1e-2", "dropout=0", "epochs=3.0"])
    assert (config.window, config.learning_rate, config.dropout, config.epochs) == (5, 0.01, 0.0, 3)
    assert isinstance(config.epochs, int)
    base = ForecastConfig(units=8)
    assert parse_set_options(["epochs=2"], base).units == 8
    for items, pattern in [
        (["window"], "not key=value"),
        (["window=abc"], "not a number"),
        (["window=5.5"], "whole number"),
        (["size=3"], "Unknown setting size"),
        (["units=4096"], "out of range"),
    ]:
        with pytest.raises(ConfigError, match=pattern):
            parse_set_options(items)


@pytest.mark.parametrize(
    ("alias", "season"),
    [
        ("h", 24),
        ("2h", 24),
        ("D", 7),
        ("B", 5),
        ("W-SUN", 52),
        ("MS", 12),
        ("ME", 12),
        ("M", 12),
        ("QS-OCT", 4),
        ("min", 60),
        ("s", 1),
        ("YS", 1),
    ],
)
def test_season_length_for(alias, season):
    assert season_length_for(alias) == season


@pytest.mark.parametrize(
    ("n", "freq", "window", "horizon", "validated"),
    [
        (1461, "D", 30, 7, True),
        (2000, "h", 48, 24, True),
        (120, "MS", 12, 12, False),
        (20, "D", 5, 5, False),
    ],
)
def test_default_config_by_frequency_and_length(n, freq, window, horizon, validated):
    config = default_config(series(n, freq), freq)
    assert (config.window, config.horizon) == (window, horizon)
    assert (config.validation_fraction > 0) == validated
    assert (config.patience > 0) == validated
    assert config.difference_input and config.target == "reference", "changes as inputs, the best rule's correction"
    check_length(n, config)


def test_default_config_for_tiny_series_is_small():
    config = default_config(series(20), "D")
    assert config.batch_size == 1 and config.units <= 32


def test_check_length_names_the_minimum():
    config = ForecastConfig(window=5, horizon=3, test_fraction=0.2, validation_fraction=0.0, patience=0)
    needed = minimum_length(config)
    with pytest.raises(
        DataError, match=f"This series has {needed - 1} points; window 5 .* needs at least {needed}"
    ):
        check_length(needed - 1, config)


@pytest.mark.parametrize("window", [2, 5, 30])
@pytest.mark.parametrize(("val", "test"), [(0.0, 0.05), (0.15, 0.2), (0.5, 0.3), (0.3, 0.5)])
def test_every_length_from_the_minimum_on_can_be_split(window, val, test):
    config = ForecastConfig(window=window, validation_fraction=val, test_fraction=test, patience=0)
    needed = minimum_length(config)
    for n in range(needed, needed + 300):
        check_length(n, config)
        split = split_series(n, window, val, test)
        assert len(split.train_targets) >= 2 and len(split.test_targets) >= 1
        assert val == 0 or len(split.val_targets) >= 1


def test_feature_options_round_trip_and_are_checked():
    config = ForecastConfig(calendar=True, seasonal_input=True, target="seasonal_change", covariates=("a", "b"))
    restored = ForecastConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert restored == config and restored.covariates == ("a", "b")
    assert ForecastConfig.from_dict({k: v for k, v in config.to_dict().items() if k not in FIELD_CHOICES}).target == (
        "value"
    )  # documents saved before these options existed load with the defaults
    for bad in ({"target": "delta"}, {"calendar": 1}, {"seasonal_input": "yes"}, {"covariates": "a"},
                {"covariates": ["a", "a"]}):
        with pytest.raises(ConfigError, match=next(iter(bad))):
            ForecastConfig.from_dict(bad)
    parsed = parse_set_options(["calendar=true", "target=change", "covariates=wind, rain", "seasonal_input=0"])
    assert (parsed.calendar, parsed.target, parsed.covariates, parsed.seasonal_input) == (
        True, "change", ("wind", "rain"), False)
    with pytest.raises(ConfigError, match="true or false"):
        parse_set_options(["calendar=maybe"])
