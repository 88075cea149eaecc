"""Copy-cat shifts, the overfitting epoch, the naive level of the loss chart and skill per epoch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.config import ForecastConfig
from core.errors import DataError
from core.evaluation.diagnostics import copycat, naive_level, overfit_epoch, skill_per_epoch
from core.model.progress import EpochRecord
from core.model.windows import prepare
from tests.core.fakes import TINY, daily


def test_copycat_flags_a_last_value_model_and_not_a_good_model() -> None:
    actual = daily(200, seed=4)
    test = actual.index[150:]
    last_value = actual.shift(1).loc[test]  # a "model" that returns its last input
    result = copycat(actual, last_value, max_shift=5, step_word="day")
    assert result.best_shift == 1 and result.is_copycat
    assert result.mae[1] == pytest.approx(0.0)
    assert "repeats the previous value" in result.verdict

    good = actual.loc[test] + np.random.default_rng(0).normal(0, 0.2, len(test))
    result = copycat(actual, good, max_shift=5)
    assert result.best_shift == 0 and not result.is_copycat
    assert len(result.mae) == 6


def test_copycat_refuses_unknown_dates() -> None:
    actual = daily(50)
    stray = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("1990-01-01", periods=3, freq="D"))
    with pytest.raises(DataError):
        copycat(actual, stray)


def _history(val_losses: list[float], losses: list[float]) -> list[EpochRecord]:
    return [EpochRecord(k + 1, loss, val, 0.1) for k, (loss, val) in enumerate(zip(losses, val_losses, strict=True))]


def test_overfit_epoch() -> None:
    falling = [1.0 / k for k in range(1, 11)]
    rising_val = [1.0, 0.6, 0.4, 0.35, 0.38, 0.45, 0.5, 0.55, 0.6, 0.62]
    assert overfit_epoch(_history(rising_val, falling)) == 4
    assert overfit_epoch(_history(falling, falling)) is None
    assert overfit_epoch([EpochRecord(1, 1.0, None, 0.1), EpochRecord(2, 0.5, None, 0.1)]) is None


def test_naive_level_and_skill() -> None:
    values = daily()
    level = naive_level(values, TINY)
    data = prepare(values.to_numpy(), TINY)
    targets = np.arange(data.split.val_start, data.split.test_start)
    assert level is not None and level.span == "validation"
    assert level.mae == pytest.approx(np.mean(np.abs(data.scaled[targets] - data.scaled[targets - 1])))
    history = [EpochRecord(1, 1.0, 1.0, 0.1, val_mae=level.mae), EpochRecord(2, 1.0, 1.0, 0.1, val_mae=0.0),
               EpochRecord(3, 1.0, None, 0.1)]
    assert skill_per_epoch(history, level.mae) == [pytest.approx(0.0), pytest.approx(1.0), None]
    no_val = ForecastConfig.from_dict({"validation_fraction": 0.0}, TINY)
    assert naive_level(values, no_val).span == "training"  # type: ignore[union-attr]
