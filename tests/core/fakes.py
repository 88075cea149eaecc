"""Stand-ins the core tests share: models whose answers are known exactly, and small seeded series."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
from keras import layers

from core.config import ForecastConfig
from core.data.datasets import synthetic_series

__all__ = ["TINY", "RecordingModel", "last_value_model", "daily", "hourly"]

#: A config that trains in about a second on ``daily()``: 4 units, 3 epochs, validation and test spans.
TINY = ForecastConfig(window=6, horizon=2, units=4, epochs=3, batch_size=16, patience=0,
                      validation_fraction=0.15, test_fraction=0.2, seed=3)


def last_value_model(window: int) -> keras.Model:
    """A Keras model that predicts the last input value: an exactly known 'LSTM' stand-in.

    Input ``(k, window, 1)``, output ``(k, 1)``.
    """
    inputs = keras.Input(shape=(window, 1))
    outputs = layers.Flatten()(layers.Cropping1D((window - 1, 0))(inputs))
    return keras.Model(inputs, outputs)


class RecordingModel:
    """Stands in for a Keras model: remembers its inputs, answers with a fixed linear read-out."""

    def __init__(self) -> None:
        self.inputs: list[np.ndarray] = []

    def predict_on_batch(self, x: np.ndarray) -> np.ndarray:
        """``x`` of shape ``(k, window, features)`` -> ``(k, 1)``."""
        self.inputs.append(np.array(x))
        weights = np.linspace(-0.3, 0.5, x.shape[1] * x.shape[2]).reshape(x.shape[1], x.shape[2])
        return (x * weights).sum(axis=(1, 2))[:, np.newaxis] * 0.1


def daily(n: int = 120, seed: int = 0) -> pd.Series:
    """``n`` days of the synthetic temperature generator with a 30-day period."""
    return synthetic_series(n, "D", seed=seed, period=30)


def hourly(n: int = 400, seed: int = 0) -> pd.Series:
    """``n`` hours of a daily cycle with seeded noise, starting 2021-03-01."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 10 + 5 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.5, n)
    return pd.Series(values, index=pd.date_range("2021-03-01", periods=n, freq="h"), name="temp")
