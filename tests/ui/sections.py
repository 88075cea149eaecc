"""A small finished run shared by the section tests (trained once per test module, a few seconds)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.config import ForecastConfig
from core.run.pipeline import run_forecast
from core.run.results import ForecastRun

__all__ = ["small_series", "small_run"]


def small_series(n: int = 160) -> pd.Series:
    """A daily series with a weekly wave and noise."""
    rng = np.random.default_rng(3)
    values = 15 + 6 * np.sin(np.arange(n) * 2 * np.pi / 7) + rng.normal(0, 0.8, n)
    return pd.Series(values, index=pd.date_range("2023-01-01", periods=n, freq="D"), name="temp")


def small_run(values: pd.Series | None = None, **settings: object) -> ForecastRun:
    """A tiny LSTM trained on ``values`` (``small_series`` by default; extra ``settings`` go to the config)."""
    config = ForecastConfig(window=7, horizon=4, units=4, epochs=3, patience=0, seed=1, **settings)  # type: ignore[arg-type]
    return run_forecast(small_series() if values is None else values, config)
