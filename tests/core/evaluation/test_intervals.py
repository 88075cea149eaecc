"""Split-conformal intervals: the finite-sample rank, hand-computed widths, coverage on noise whose spread is
known, training residuals without validation, the future forecast's dates and band."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.config import ForecastConfig
from core.evaluation.intervals import calibrate, conformal_quantile, future_forecast, interval_coverage
from core.evaluation.scoring import evaluate_test
from core.model.windows import prepare
from tests.core.fakes import last_value_model


def test_conformal_quantile_uses_the_finite_sample_rank():
    residuals = np.arange(19, 0, -1, dtype=float)  # 1..19 shuffled order does not matter
    assert conformal_quantile(residuals, 0.9) == (18.0, True)  # ceil(20 * 0.9) = 18th smallest
    assert conformal_quantile(np.arange(1.0, 6.0), 0.9) == (5.0, False)  # ceil(6 * 0.9) = 6 > 5


def test_interval_coverage():
    assert interval_coverage(np.array([0.0, 1.0, 2.0, 3.0]), np.zeros(4), 1.5) == 0.5


def series(values: np.ndarray) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2021-03-01", periods=len(values), freq="D"), name="y")


def test_calibration_widths_match_hand_computed_residuals():
    values = np.random.default_rng(3).normal(0, 1, 200)
    config = ForecastConfig(
        window=4, validation_fraction=0.2, test_fraction=0.1, horizon=3, interval_level=0.8
    )
    data = prepare(values, config)
    calibration = calibrate(last_value_model(4), data, config.horizon, config.interval_level)
    span = data.split.val_targets
    expected = []
    for step in range(3):
        origins = np.arange(span.start, span.stop - step)
        residuals = np.abs(values[origins + step] - values[origins - 1])
        rank = math.ceil((len(residuals) + 1) * 0.8)
        expected.append(np.sort(residuals)[rank - 1])
    expected = np.maximum.accumulate(expected)
    assert calibration.source == "validation" and calibration.exact
    np.testing.assert_allclose(calibration.half_widths, expected, atol=1e-5)


def test_interval_coverage_is_near_the_level_on_exchangeable_noise():
    values = np.random.default_rng(4).normal(10, 2, 3000)
    config = ForecastConfig(
        window=3, validation_fraction=0.3, test_fraction=0.3, horizon=1, interval_level=0.9
    )
    data = prepare(values, config)
    model = last_value_model(3)
    calibration = calibrate(model, data, 1, 0.9)
    evaluation = evaluate_test(model, data, series(values).index, season_length=7)
    coverage = interval_coverage(
        evaluation.predictions["actual"], evaluation.predictions["lstm"], calibration.half_widths[0]
    )
    assert 0.87 <= coverage <= 0.93


def test_training_residuals_are_used_and_flagged_without_validation():
    values = np.random.default_rng(5).normal(0, 1, 60)
    config = ForecastConfig(window=4, validation_fraction=0.0, patience=0, horizon=2)
    calibration = calibrate(last_value_model(4), prepare(values, config), 2, 0.9)
    assert calibration.source == "training"
    assert any("training residuals" in note for note in calibration.notes())


def test_future_forecast_starts_after_the_last_date_at_the_series_frequency():
    values = pd.Series(np.arange(30.0), index=pd.date_range("2020-01-01", periods=30, freq="MS"), name="y")
    config = ForecastConfig(window=4, validation_fraction=0.0, patience=0, horizon=3)
    data = prepare(values.to_numpy(), config)
    frame = future_forecast(last_value_model(4), data, values.index, [1.0, 2.0, 3.0])
    assert list(frame["date"]) == list(pd.date_range("2022-07-01", periods=3, freq="MS"))
    np.testing.assert_allclose(frame["forecast"], 29.0, atol=1e-4)
    np.testing.assert_allclose(frame["upper"] - frame["lower"], [2.0, 4.0, 6.0], atol=1e-9)


class MeanModel:
    """Predicts 0 in scaled units, the training mean, whatever the window: residuals are the noise itself."""

    def predict_on_batch(self, x: np.ndarray) -> np.ndarray:
        return np.zeros((len(x), 1), np.float32)


def test_bands_of_known_gaussian_noise_have_its_quantile_and_cover_every_step() -> None:
    sigma = 2.0
    values = np.random.default_rng(8).normal(10, sigma, 4000)
    config = ForecastConfig(window=3, validation_fraction=0.3, test_fraction=0.3, horizon=3, interval_level=0.9)
    data = prepare(values, config)
    calibration = calibrate(MeanModel(), data, 3, 0.9)  # type: ignore[arg-type]
    assert calibration.source == "validation" and calibration.exact and calibration.notes() == []
    # |N(0, sigma)| exceeds 1.645 sigma one time in ten; the training mean is within a few hundredths of 10.
    np.testing.assert_allclose(calibration.half_widths, 1.6449 * sigma, rtol=0.08)
    test = values[data.split.test_start :]
    for width in calibration.half_widths:
        assert 0.87 <= interval_coverage(test, np.full(len(test), data.scaler.mean), width) <= 0.93


def test_test_span_values_never_change_the_calibration() -> None:
    values = np.random.default_rng(9).normal(0, 1, 300)
    config = ForecastConfig(window=4, validation_fraction=0.2, test_fraction=0.2, horizon=4, interval_level=0.8)
    data = prepare(values, config)
    changed = values.copy()
    changed[data.split.test_start :] *= 100
    model = last_value_model(4)
    assert calibrate(model, prepare(changed, config), 4, 0.8) == calibrate(model, data, 4, 0.8)


def test_too_few_calibration_points_are_said_to_give_narrow_bands() -> None:
    values = np.random.default_rng(10).normal(0, 1, 40)
    config = ForecastConfig(window=4, validation_fraction=0.1, test_fraction=0.2, horizon=3, interval_level=0.9)
    data = prepare(values, config)
    calibration = calibrate(last_value_model(4), data, 3, 0.9)
    assert calibration.residual_count == len(data.split.val_targets) == 4
    assert not calibration.exact
    assert calibration.notes() == ["Only 4 calibration points for a 3-step interval: the bands may be too narrow."]
    assert calibration.half_widths == sorted(calibration.half_widths)

