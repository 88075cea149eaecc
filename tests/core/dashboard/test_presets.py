"""Presets with a story: valid on every built-in series, and they behave as their sentence says."""

from __future__ import annotations

import pytest

from core.config import ForecastConfig, check_length, default_config
from core.dashboard.presets import PRESETS, preset_config, preset_names
from core.data.datasets import builtin_names, load_builtin, synthetic_series
from core.errors import ConfigError
from core.run.pipeline import run_forecast


@pytest.mark.parametrize("dataset", builtin_names())
@pytest.mark.parametrize("name", preset_names())
def test_every_preset_is_a_valid_config_for_every_builtin(dataset: str, name: str) -> None:
    series = load_builtin(dataset)
    suggested = default_config(series.values, series.frequency)
    config = preset_config(name, suggested)
    check_length(len(series.values), config)
    assert ForecastConfig.from_dict(config.to_dict()) == config
    assert PRESETS[name].notice.endswith((".", "?")) and len(PRESETS[name].notice) < 300


def test_presets_change_what_their_title_says() -> None:
    suggested = default_config(synthetic_series(600).rename("temp"), "D")
    assert preset_config("good_fit", suggested) == suggested
    assert preset_config("underfitting", suggested).units == 1
    assert preset_config("short_window", suggested).window == 2
    overfit = preset_config("overfitting", suggested)
    assert overfit.patience == 0 and overfit.epochs > suggested.epochs / 2 and overfit.units > suggested.units
    assert preset_config("diverging", suggested).learning_rate >= 100 * suggested.learning_rate


def test_presets_without_validation_data_never_ask_for_early_stopping() -> None:
    tiny = load_builtin("seed")
    suggested = default_config(tiny.values, tiny.frequency)
    assert suggested.validation_fraction == 0
    assert all(preset_config(name, suggested).patience == 0 for name in preset_names())


def test_unknown_preset_lists_the_allowed_ones() -> None:
    with pytest.raises(ConfigError, match="good_fit"):
        preset_config("magic", ForecastConfig())


@pytest.mark.slow
def test_diverging_preset_ends_far_worse_than_the_suggested_settings() -> None:
    values = synthetic_series(300, "D", seed=1)
    # Losses are compared in the same scaled units: both predict the value itself.
    suggested = ForecastConfig.from_dict({"epochs": 30, "units": 16, "target": "value"}, default_config(values, "D"))
    good = run_forecast(values, suggested)
    bad = run_forecast(values, preset_config("diverging", suggested))
    if bad.status == "diverged":  # NaN loss: the clearest form of the story
        return
    # The loss jumps to a huge value, bounces, and the model never gets near the suggested settings' quality.
    assert max(r.loss for r in bad.history) > 10 * max(r.loss for r in good.history)
    worst_val = max(r.val_loss for r in good.history if r.val_loss is not None)
    assert max(r.val_loss for r in bad.history if r.val_loss is not None) > 10 * worst_val
    assert bad.metrics["lstm"]["mae"] > 2 * good.metrics["lstm"]["mae"]


@pytest.mark.slow
def test_underfitting_preset_is_worse_than_the_suggested_settings() -> None:
    values = synthetic_series(300, "D", seed=2)
    # Losses are compared in the same scaled units: both predict the value itself.
    suggested = ForecastConfig.from_dict({"epochs": 30, "units": 16, "target": "value"}, default_config(values, "D"))
    good = run_forecast(values, suggested)
    weak = run_forecast(values, preset_config("underfitting", suggested))
    assert weak.history[-1].loss > 2 * good.history[-1].loss
