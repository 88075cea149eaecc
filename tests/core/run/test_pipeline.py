"""run_forecast end to end on small series: every field filled, reproducible, clear failures."""

from __future__ import annotations

import math
import threading

import keras
import numpy as np
import pandas as pd
import pytest

import core.run.pipeline as pipeline
from core.config import ForecastConfig
from core.errors import DataError
from core.model.network import build_model
from core.model.progress import FINAL_STATUSES, TrainControl
from core.run.pipeline import run_forecast

# 300 points leave 185 training windows: 5 equal batches of 37.
CONFIG = ForecastConfig(window=10, horizon=5, units=8, epochs=4, batch_size=37, patience=2, seed=1)
SEED_TEMPS = [20, 21, 22, 24, 27, 30, 32, 33, 35, 34, 32, 29, 25, 22, 21, 20, 18, 17, 16, 15]


def sine_series(n: int = 300, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    values = 15 + 8 * np.sin(np.arange(n) * 2 * np.pi / 7) + rng.normal(0, 1, n)
    return pd.Series(values, index=pd.date_range("2022-01-01", periods=n, freq="D"), name="temp")


@pytest.fixture(scope="module")
def finished():
    values = sine_series()
    original = values.copy()
    stages: list[str] = []
    run = run_forecast(values, CONFIG, TrainControl(on_stage=stages.append))
    return values, original, stages, run


def test_every_field_is_filled(finished):
    values, original, stages, run = finished
    assert stages == ["preparing", "training", "evaluating", "forecasting"]
    assert run.usable and run.status in FINAL_STATUSES and run.status != "diverged"
    assert (run.value_column, run.frequency, run.season_length) == ("temp", "D", 7)
    assert run.config == CONFIG and 1 <= run.best_epoch <= run.epochs_run <= CONFIG.epochs
    assert run.train_seconds > 0 and run.message
    assert set(run.scaler) == {"mean", "std"}
    assert set(run.metrics) >= {"lstm", "naive", "seasonal_naive", "seasonal_step", "climatology", "drift", "mean",
                                "ets", "arima"}
    assert all(set(m) == {"mae", "rmse", "smape", "mase"} for m in run.metrics.values())
    assert all(np.isfinite(list(m.values())).all() for m in run.metrics.values())
    assert run.interval_level == CONFIG.interval_level and 0 <= run.interval_coverage <= 1
    assert len(run.interval_half_widths) == CONFIG.horizon
    assert list(np.diff(run.interval_half_widths) >= 0) == [True] * (CONFIG.horizon - 1)
    assert run.metrics_json()["beats_naive"] in (True, False)
    pd.testing.assert_series_equal(values, original)  # run_forecast does not mutate its input


def test_predictions_are_on_the_test_targets_in_original_units(finished):
    values, _, _, run = finished
    n_test = round(CONFIG.test_fraction * len(values))
    frame = run.predictions
    assert list(frame.columns)[:10] == ["actual", "lstm", "naive", "seasonal_naive", "seasonal_step", "climatology",
                                        "drift", "mean", "ets", "arima"]
    assert frame.index.equals(values.index[-n_test:].rename("date"))
    np.testing.assert_array_equal(frame["actual"], values.to_numpy()[-n_test:])
    np.testing.assert_array_equal(frame["naive"], values.to_numpy()[-n_test - 1 : -1])
    np.testing.assert_array_equal(frame["seasonal_naive"], values.to_numpy()[-n_test - 7 : -7])
    assert abs(frame["lstm"].mean() - frame["actual"].mean()) < 5  # original units, not scaled


def test_future_forecast_follows_the_series(finished):
    values, _, _, run = finished
    forecast = run.forecast
    assert list(forecast.columns) == ["date", "forecast", "lower", "upper", "recommended", "recommended_lower",
                                      "recommended_upper", "recommended_model"]
    assert list(forecast["date"]) == list(
        pd.date_range(values.index[-1] + pd.Timedelta(days=1), periods=5, freq="D")
    )
    assert (forecast["lower"] <= forecast["forecast"]).all() and (
        forecast["forecast"] <= forecast["upper"]
    ).all()
    np.testing.assert_allclose(forecast["upper"] - forecast["forecast"], run.interval_half_widths)
    recent = run.recent
    assert recent.index.equals(values.index[-CONFIG.window :])


def test_every_reference_forecasts_past_the_end_from_the_values_before_it(finished):
    values, _, _, run = finished
    futures = run.reference_forecasts
    assert set(futures) == set(run.predictions.columns) - {"actual", "lstm"}
    assert all(path.shape == (CONFIG.horizon,) for path in futures.values())
    np.testing.assert_allclose(futures["naive"], np.full(CONFIG.horizon, values.iloc[-1]))
    np.testing.assert_allclose(futures["seasonal_naive"], values.to_numpy()[-7 : -7 + CONFIG.horizon])


def test_two_runs_in_two_threads_equal_the_sequential_run(finished):
    values, _, _, run = finished
    results = {}

    def work(slot: int) -> None:
        results[slot] = run_forecast(values, CONFIG)

    threads = [threading.Thread(target=work, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in results.values():
        pd.testing.assert_frame_equal(other.predictions, run.predictions, check_exact=True)
        pd.testing.assert_frame_equal(other.forecast, run.forecast, check_exact=True)
        # Weights (hence predictions) are bit-identical; the reported epoch loss is a float32 sum inside a
        # compiled multi-step call whose reduction order may differ under concurrency (~1e-8 relative).
        assert [r.loss for r in other.history] == pytest.approx([r.loss for r in run.history], rel=1e-6)


def test_seed_tutorial_setup_runs_end_to_end():
    values = pd.Series(
        np.array(SEED_TEMPS, dtype=float),
        index=pd.date_range("2024-06-01", periods=20, freq="D"),
        name="temperature",
    )
    config = ForecastConfig(
        window=5,
        horizon=5,
        units=50,
        epochs=100,
        batch_size=1,
        test_fraction=1 / 3,
        validation_fraction=0.0,
        patience=0,
    )
    run = run_forecast(values, config)
    assert run.usable and run.status == "completed" and run.epochs_run == 100
    assert len(run.predictions) == 7 and len(run.forecast) == 5
    assert "training residuals" in run.message


def test_divergence_gives_no_model_and_a_plain_message(monkeypatch):
    def nan_model(config: ForecastConfig, n_features: int = 1) -> keras.Model:
        model = build_model(config, n_features)
        model.compile(
            optimizer="adam", loss=lambda y_true, y_pred: keras.ops.log(keras.ops.mean(y_pred * 0) - 1)
        )
        return model

    monkeypatch.setattr(pipeline, "build_model", nan_model)
    run = run_forecast(sine_series(120), ForecastConfig(window=5, units=4, epochs=3, patience=0))
    assert run.status == "diverged" and not run.usable
    assert run.model is None and run.metrics is None and run.forecast is None
    assert run.message == "Training diverged (loss became NaN): lower the learning rate."
    assert run.metrics_json()["beats_naive"] is None


def test_stop_before_the_first_epoch_gives_no_model():
    control = TrainControl()
    control.stop_event.set()
    run = run_forecast(sine_series(120), ForecastConfig(window=5, units=4, epochs=3, patience=0), control)
    assert run.status == "stopped" and not run.usable and run.history == []
    assert "before the first epoch finished" in run.message


def test_too_short_series_names_the_minimum():
    with pytest.raises(DataError, match="This series has 12 points; window 10 .* needs at least"):
        run_forecast(sine_series(12), CONFIG)


def test_irregular_or_non_finite_series_is_refused():
    values = sine_series(100)
    irregular = values.drop(values.index[5])
    with pytest.raises(DataError, match="no regular frequency"):
        run_forecast(irregular, CONFIG)
    broken = values.copy()
    broken.iloc[3] = np.inf
    with pytest.raises(DataError, match="missing or infinite"):
        run_forecast(broken, CONFIG)


@pytest.mark.slow
def test_default_config_beats_naive_on_the_bundled_seattle_series():
    from core.config import default_config
    from core.data.datasets import load_builtin

    series = load_builtin("seattle")
    run = run_forecast(series.values, default_config(series.values, series.frequency))
    assert run.usable
    assert run.metrics["lstm"]["mae"] < run.metrics["naive"]["mae"], run.metrics


def test_predict_next_matches_the_first_test_prediction(finished):
    values, _, _, run = finished
    first_test = run.predictions.index[0]
    history = values[values.index < first_test]
    assert pipeline.predict_next(run, history) == pytest.approx(run.predictions["lstm"].iloc[0], rel=1e-5)
    assert pipeline.model_input(run, history).shape == (1, CONFIG.window, 1)
    with pytest.raises(DataError):
        pipeline.predict_next(run, history.iloc[:3])


def test_feature_run_model_input_matches_its_test_windows():
    values = sine_series(300)
    config = ForecastConfig(window=10, horizon=5, units=4, epochs=2, batch_size=64, patience=0, seed=1,
                            validation_fraction=0.15, calendar=True, seasonal_input=True, target="change")
    run = run_forecast(values, config)
    assert run.features is not None and run.features.names == [
        "value", "season_ago", "day_of_week_sin", "day_of_week_cos", "day_of_year_sin", "day_of_year_cos"]
    first = run.predictions.index[0]
    history = values.loc[: first - pd.Timedelta(days=1)]
    x = pipeline.model_input(run, history)
    assert x.shape == (1, 10, 6)
    assert pipeline.predict_next(run, history) == pytest.approx(run.predictions["lstm"].iloc[0], abs=1e-4)
    assert pipeline.predict_next(run, history.iloc[-20:]) == pytest.approx(run.predictions["lstm"].iloc[0], abs=1e-4)
    assert len(run.recent) == 10 + 7


def test_change_inputs_predict_next_from_the_shortest_history_it_keeps():
    values = sine_series(300)
    config = ForecastConfig(window=10, horizon=5, units=4, epochs=2, batch_size=64, patience=0, seed=1,
                            validation_fraction=0.15, difference_input=True, target="change")
    run = run_forecast(values, config, classical=False)
    assert run.features is not None and run.features.names == ["value", "change"]
    first = run.predictions.index[0]
    history = values.loc[: first - pd.Timedelta(days=1)]
    assert len(run.recent) == 10 + 1  # the first row's change needs the value before the window
    expected = run.predictions["lstm"].iloc[0]
    assert pipeline.predict_next(run, history.iloc[-11:]) == pytest.approx(expected, abs=1e-4)


def test_classical_references_are_scored_on_the_identical_test_targets(finished):
    from core.evaluation.classical import one_step_forecasts
    from core.evaluation.metrics import forecast_metrics, mase_scale

    values, _, _, run = finished
    numbers = values.to_numpy()
    n_test = len(run.predictions)
    start = len(values) - n_test
    expected = one_step_forecasts(numbers, start, range(start, len(values)), 7)
    n_val = round(CONFIG.validation_fraction * len(values))
    for name in ("ets", "arima"):
        np.testing.assert_allclose(run.predictions[name], expected[name].predictions, rtol=1e-9)
        assert run.baseline_labels[name] == expected[name].label
        assert run.metrics[name] == forecast_metrics(
            numbers[start:], expected[name].predictions, mase_scale(numbers[: start - n_val]))
    assert "ETS" in run.message or "ARIMA" in run.message or "every reference" in run.message


def test_backtest_folds_lie_in_the_test_span_and_read_only_their_history(finished):
    from dataclasses import replace

    from core.model.windows import prepare_series

    values, _, _, run = finished
    data = prepare_series(values, replace(CONFIG, backtest_folds=3))
    result, note = pipeline.run_backtest(run.model, data, 7, 3, 5, None)
    assert note == "" and len(result.folds) == 3 and result.horizon == 5
    assert all(fold.origin >= data.split.test_start for fold in result.folds)
    assert result.names == ["lstm", "naive", "seasonal_naive", "mean"]
    assert list(result.per_step_mae().index) == [1, 2, 3, 4, 5]
    for row, fold in enumerate(result.folds):  # step 1 of each fold is the one-step test prediction there
        date = values.index[fold.origin]
        assert result.predictions["lstm"][row, 0] == pytest.approx(run.predictions.loc[date, "lstm"], abs=1e-4)
    forecaster = pipeline._lstm_forecaster(run.model, data)
    origin = result.folds[1].origin
    changed = data.values.copy()
    changed[origin:] = 1e6  # the future of a fold cannot leak into its forecast
    np.testing.assert_array_equal(forecaster(changed[:origin], 5), result.predictions["lstm"][1])
    short, why = pipeline.run_backtest(run.model, data, 7, 3, 500, None)
    assert short is None and "shorter than the horizon" in why


def test_constant_series_trains_without_dividing_by_zero() -> None:
    values = pd.Series(5.0, index=pd.date_range("2023-01-01", periods=120, freq="D"), name="temp")
    config = ForecastConfig(window=7, horizon=3, units=4, epochs=2, patience=0, validation_fraction=0.0, seed=0)
    with np.errstate(all="raise"):  # a division by zero in numpy code fails the test
        run = run_forecast(values, config)
    assert run.usable, run.message
    assert np.isfinite(run.forecast[["forecast", "lower", "upper"]].to_numpy()).all()
    lstm = run.metrics["lstm"]
    assert math.isfinite(lstm["mae"]) and math.isfinite(lstm["rmse"])
    assert run.metrics["naive"]["mae"] == 0.0
