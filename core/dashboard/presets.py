"""Presets with a story: settings that show a typical training behaviour, and what to notice in each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.config import ForecastConfig
from core.errors import ConfigError

__all__ = ["Preset", "PRESETS", "preset_names", "preset_config"]


@dataclass(frozen=True)
class Preset:
    """Config overrides on top of the data's suggested settings, and one sentence of what to notice.

    Attributes:
        title: short name shown in the picker.
        overrides: field -> value applied to the suggested config (empty = the suggested config).
        notice: one plain sentence: what to look for on the charts.
    """

    title: str
    overrides: dict[str, Any]
    notice: str


#: Preset key -> preset; the first one is the default. Underfitting and diverging predict the value itself:
#: with a "change" target, predicting "no change" is already as good as "same as the previous value", which
#: hides the story (a 1-unit or blown-up model looks fine).
PRESETS: dict[str, Preset] = {
    "good_fit": Preset(
        "Good fit (suggested settings)",
        {},
        "Both loss curves fall and level off together; early stopping keeps the best epoch. Then check the "
        "Forecast page: does the model beat 'same as the previous value'?",
    ),
    "overfitting": Preset(
        "Overfitting: too many epochs, no early stopping",
        {"units": 128, "epochs": 150, "patience": 0, "dropout": 0.0},
        "Watch the two curves part: the training loss keeps falling while the validation loss stops "
        "improving and creeps up: the model memorises the training days instead of learning the pattern.",
    ),
    "underfitting": Preset(
        "Underfitting: a 1-unit model, 5 epochs",
        {"units": 1, "layers": 1, "epochs": 5, "patience": 0, "target": "value"},
        "Both losses stay high: one memory cell and a few passes are too little to learn anything; the "
        "forecast is a flat, sluggish line.",
    ),
    "diverging": Preset(
        "Diverging: learning rate far too high",
        {"learning_rate": 1.0, "epochs": 30, "patience": 0, "target": "value"},
        "The loss jumps to a huge value and bounces around instead of falling smoothly: each correction "
        "overshoots. On some data it even becomes NaN and training stops.",
    ),
    "short_window": Preset(
        "Window too short: 2 steps",
        {"window": 2},
        "With only the last 2 values to look at, the model cannot see a weekly or seasonal pattern and ends "
        "up close to 'same as the previous value'.",
    ),
}


def preset_names() -> list[str]:
    """The preset keys, default first."""
    return list(PRESETS)


def preset_config(name: str, suggested: ForecastConfig) -> ForecastConfig:
    """The preset's settings on top of ``suggested`` (the data's default config).

    Early stopping needs validation data: when ``suggested`` has none, ``patience`` stays 0.

    Raises:
        ConfigError: unknown preset name (the message lists the allowed ones) or an invalid result.
    """
    if name not in PRESETS:
        raise ConfigError(f"Unknown preset '{name}': allowed {', '.join(PRESETS)}")
    overrides = dict(PRESETS[name].overrides)
    if suggested.validation_fraction == 0:
        overrides["patience"] = 0
    return ForecastConfig.from_dict(overrides, suggested)
