"""``evaluate_test`` with a model whose answers are known, and the choice of the best reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.config import ForecastConfig
from core.evaluation.scoring import best_reference, evaluate_test
from core.model.windows import prepare
from tests.core.fakes import last_value_model


def series(values: np.ndarray) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2021-03-01", periods=len(values), freq="D"), name="y")


def test_lstm_column_is_inverse_transformed_once_and_aligned_with_naive():
    values = series(np.random.default_rng(0).normal(-2, 5, 120))
    config = ForecastConfig(window=6, validation_fraction=0.2, test_fraction=0.2, horizon=3)
    data = prepare(values.to_numpy(), config)
    evaluation = evaluate_test(last_value_model(6), data, values.index, season_length=7)
    frame = evaluation.predictions
    np.testing.assert_allclose(frame["lstm"], frame["naive"], atol=1e-5)
    assert list(frame.columns) == ["actual", "lstm", "naive", "seasonal_naive", "mean"]
    assert frame.index.name == "date" and frame.index[0] == values.index[data.split.test_start]
    np.testing.assert_array_equal(frame["actual"], values.to_numpy()[data.split.test_start :])
    np.testing.assert_array_equal(frame["mean"], np.mean(values.to_numpy()[: data.split.val_start]))
    assert evaluation.metrics["lstm"]["mae"] == pytest.approx(evaluation.metrics["naive"]["mae"], abs=1e-5)


def test_best_reference_is_the_lowest_finite_mae_among_the_references() -> None:
    def metrics(**maes: float) -> dict[str, dict[str, float]]:
        return {name: {"mae": mae} for name, mae in maes.items()}

    assert best_reference(metrics(lstm=0.1, naive=2.0, seasonal_naive=1.5, mean=0.5)) == ("seasonal_naive", 1.5)
    assert best_reference(metrics(naive=2.0, ets=float("nan"), arima=1.9)) == ("arima", 1.9)
    assert best_reference(metrics(lstm=0.1, mean=0.5)) is None  # neither the LSTM nor the mean is a reference
    assert best_reference(metrics(naive=float("nan"), arima=float("inf"))) is None

