"""The recommended forecast is chosen on validation only, the verdict names a winning reference, and filled
points are left out of every score; metrics.json carries it all."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.config import ForecastConfig
from core.dashboard.export import forecast_csv
from core.evaluation.metrics import forecast_metrics
from core.evaluation.recommendation import BLEND, MIN_MARGIN, recommend
from core.run.pipeline import run_forecast
from core.words import cli_summary, winner_sentence


def test_a_reference_that_wins_on_validation_is_recommended():
    rng = np.random.default_rng(0)
    actual = rng.normal(0, 1, 200)
    rule = actual + rng.normal(0, 0.1, 200)
    lstm = actual + rng.normal(0, 0.5, 200)
    choice = recommend(actual, lstm, {"seasonal_step": rule, "naive": actual + 1.0, "arima": np.full(200, np.nan)})
    assert choice.model == "seasonal_step" and choice.weights == {"seasonal_step": 1.0}
    assert choice.best_reference == "seasonal_step" and math.isinf(choice.validation_mae["arima"])
    assert choice.validation_mae[BLEND] >= choice.validation_mae["seasonal_step"] * (1 - MIN_MARGIN)


def test_the_lstm_or_a_blend_is_recommended_only_with_a_clear_margin():
    rng = np.random.default_rng(1)
    actual = rng.normal(0, 1, 500)
    lstm = actual + rng.normal(0, 0.2, 500)
    assert recommend(actual, lstm, {"naive": actual + rng.normal(0, 1, 500)}).model in ("lstm", BLEND)
    almost = actual + rng.normal(0, 0.2, 500)  # as good as the LSTM: no clear margin, so the reference stays
    assert recommend(actual, lstm, {"naive": almost}).model in ("naive", BLEND)
    errors_apart = actual + np.where(np.arange(500) % 2 == 0, 1.0, -1.0) * 0.3  # independent errors: blend wins
    other = actual - np.where(np.arange(500) % 2 == 0, 1.0, -1.0) * 0.3
    choice = recommend(actual, errors_apart, {"ets": other})
    assert choice.model == BLEND and choice.weights == {"lstm": 0.5, "ets": 0.5}
    np.testing.assert_allclose(choice.combine({"lstm": errors_apart, "ets": other}), actual)


def test_the_verdict_says_plainly_when_a_simple_rule_wins():
    assert "exactly as good" in winner_sentence(0.04, ("seasonal_step", 0.04 * (1 + 1e-9)))
    text = winner_sentence(0.08, ("seasonal_step", 0.04))
    assert text.startswith("A simple rule wins") and "last value + the change one season ago" in text
    assert "beats the best reference" in winner_sentence(1.0, ("arima", 2.0), {"arima": "ARIMA(1,0,0)"})
    line = cli_summary(0.08, ("seasonal_step", 0.04), "seasonal_step")
    assert "a simple rule wins" in line and "seasonal_step=0.040" in line and "Recommended: Last value" in line


def smooth_hourly(n: int = 24 * 40) -> pd.Series:
    t = np.arange(n)
    values = 12 + 6 * np.sin(2 * np.pi * t / 24) + 0.01 * t  # "last value + yesterday's change" is exact here
    return pd.Series(values, index=pd.date_range("2023-05-01", periods=n, freq="h"), name="temp °C")


@pytest.fixture(scope="module")
def smooth_run():
    values = smooth_hourly()
    filled = pd.Series(False, index=values.index)
    filled.iloc[-60:-50] = True  # ten filled points inside the test span
    values = values.copy()
    values.iloc[-60:-50] = 40.0  # an absurd fill: scored, it would dominate every MAE
    config = ForecastConfig(window=12, horizon=6, units=4, epochs=3, batch_size=64, patience=2, seed=0,
                            seasonal_input=True, difference_input=True, target="reference", backtest_folds=4)
    return values, filled, run_forecast(values, config, filled=filled, classical=False)  # no ETS: a rule wins


def test_metrics_json_names_the_best_reference_and_the_recommendation(smooth_run):
    values, filled, run = smooth_run
    document = run.metrics_json()
    assert run.season_length == 24 and run.features.target == "seasonal_step"
    assert document["best_reference"] == "seasonal_step" and isinstance(document["beats_best_reference"], bool)
    assert document["beats_best_reference"] == (document["margin"] > 0)
    assert document["recommended"]["model"] == "seasonal_step"  # exact on validation: nothing beats it there
    assert document["recommended"]["validation_mae"]["seasonal_step"] == pytest.approx(0.0, abs=1e-9)
    said = "A simple rule wins" if document["margin"] < 0 else "exactly as good" if document["margin"] == 0 else (
        "beats the best reference")
    assert said in run.message
    interval = document["interval"]
    assert len(interval["coverage_by_step"]) == 6 and interval["coverage"] == interval["coverage_by_step"][0]
    assert set(document["backtest"]) == {"lstm", "naive", "seasonal_naive", "seasonal_step", "climatology", "drift",
                                         "mean"}
    assert all(len(maes) == 6 for maes in document["backtest"].values())
    header = forecast_csv(run).decode().splitlines()[0].split(",")
    assert header[-4:] == ["recommended", "recommended_lower", "recommended_upper", "recommended_model"]
    assert "seasonal step" in forecast_csv(run).decode().splitlines()[1]


def test_filled_points_are_counted_and_left_out_of_every_metric(smooth_run):
    values, filled, run = smooth_run
    assert run.filled_test_points == 10 and run.metrics_json()["filled_test_points"] == 10
    assert "10 test points were filled in" in run.message
    keep = ~filled.reindex(run.predictions.index).to_numpy()
    frame = run.predictions
    for name in ("lstm", "naive", "seasonal_step"):
        expected = forecast_metrics(frame["actual"].to_numpy()[keep], frame[name].to_numpy()[keep], 1.0)["mae"]
        assert run.metrics[name]["mae"] == pytest.approx(expected)
    assert run.metrics["naive"]["mae"] < 5  # the 40-degree fills would push it far higher
    assert run.bands.points_by_step[0] == len(frame) - 10


def test_without_validation_data_the_best_simple_rule_on_the_training_data_is_recommended():
    """Nothing checks the LSTM before the test span, so the forecast to use is the parameter-free rule with the
    lowest training MAE (here: a weekly pattern, which "same as a week ago" repeats exactly), and the page says why."""
    pattern = np.array([0.0, 3.0, 1.0, 4.0, 2.0, 5.0, 1.0])
    values = pd.Series(10 + np.tile(pattern, 10), index=pd.date_range("2024-01-01", periods=70, freq="D"),
                       name="temp")
    config = ForecastConfig(window=7, horizon=3, units=4, epochs=2, patience=0, validation_fraction=0.0,
                            season_length=7, seed=0)
    run = run_forecast(values, config)
    rec = run.recommendation
    assert rec is not None and rec.span == "training" and rec.model == "seasonal_naive"
    assert rec.weights == {"seasonal_naive": 1.0} and "lstm" not in rec.validation_mae
    train = np.arange(config.window, 70 - round(config.test_fraction * 70))  # the training targets
    y = values.to_numpy()
    assert rec.validation_mae["naive"] == pytest.approx(np.mean(np.abs(y[train] - y[train - 1])))
    assert rec.validation_mae["seasonal_naive"] == 0.0
    assert (run.forecast["recommended_model"] == "seasonal_naive").all()
    np.testing.assert_allclose(run.forecast["recommended"], 10 + pattern[np.arange(70, 73) % 7])
    assert "too short to keep validation data aside" in run.message
    assert run.metrics_json()["recommended"]["span"] == "training"
