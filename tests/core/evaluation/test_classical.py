"""ETS and ARIMA references: aligned with the targets, fitted before them, never reading the future, never crashing."""

from __future__ import annotations

import numpy as np
import pytest

import core.evaluation.classical as classical
from core.data.datasets import synthetic_series
from core.evaluation.classical import fit_classical, forecast_from, fourier_terms, one_step_forecasts

SEASON = 12
N = 180
FIT_END = 144
TARGETS = range(FIT_END, N)


@pytest.fixture(scope="module")
def values() -> np.ndarray:
    """15 seasons of 12 steps: a clear seasonal pattern with noise 0.5 (amplitude 8)."""
    return synthetic_series(N, "MS", seed=1, noise=0.5).to_numpy()


@pytest.fixture(scope="module")
def fits(values: np.ndarray) -> dict[str, classical.ClassicalFit]:
    return fit_classical(values, FIT_END, SEASON)


def params(fit: classical.ClassicalFit) -> np.ndarray:
    """The estimated parameters of a fit (smoothing parameters and initial states, or ARIMA coefficients)."""
    return np.asarray(fit.result.params)


def test_predictions_are_aligned_finite_and_beat_naive_on_a_seasonal_series(values, fits) -> None:
    forecasts = one_step_forecasts(values, FIT_END, TARGETS, SEASON, fits=fits)
    actual = values[TARGETS.start : TARGETS.stop]
    naive = values[TARGETS.start - 1 : TARGETS.stop - 1]  # the naive baseline on the identical targets
    assert set(forecasts) == {"ets", "arima"}
    for name, forecast in forecasts.items():
        assert forecast.predictions.shape == (len(TARGETS),), name
        assert forecast.ok and forecast.note == "", (name, forecast.note)
        assert forecast.label.startswith(("ETS (", "ARIMA(")), forecast.label
        assert forecast.fit_seconds > 0
        # A one-step shift would cost the seasonal models their edge over "same as last step".
        assert np.mean(np.abs(forecast.predictions - actual)) < 0.5 * np.mean(np.abs(naive - actual)), name
    assert "Fourier" in forecasts["arima"].label and "season of 12" in forecasts["ets"].label


def test_one_step_prediction_equals_a_one_step_forecast_from_that_origin(values, fits) -> None:
    forecasts = one_step_forecasts(values, FIT_END, TARGETS, SEASON, fits=fits)
    for position in (0, 7, len(TARGETS) - 1):
        target = TARGETS[position]
        single = forecast_from(values, target, 1, SEASON, fits)
        for name in ("ets", "arima"):
            assert single[name].shape == (1,)
            assert single[name][0] == pytest.approx(forecasts[name].predictions[position], rel=1e-9, abs=1e-9)


def test_values_at_or_after_a_target_never_change_its_prediction(values, fits) -> None:
    cut = TARGETS[10]
    changed = values.copy()
    changed[cut:] = 1e3  # absurd future values
    before = one_step_forecasts(values, FIT_END, TARGETS, SEASON, fits=fits)
    after = one_step_forecasts(changed, FIT_END, TARGETS, SEASON, fits=fits)
    for name in ("ets", "arima"):
        np.testing.assert_array_equal(after[name].predictions[:11], before[name].predictions[:11])  # targets <= cut
        assert np.all(after[name].predictions[11:] != before[name].predictions[11:])
    refit = fit_classical(changed, FIT_END, SEASON)  # the parameters never see anything from fit_end on
    for name in ("ets", "arima"):
        assert refit[name].label == fits[name].label
        np.testing.assert_array_equal(params(refit[name]), params(fits[name]))


def test_test_span_values_before_a_target_act_only_through_conditioning(values, fits) -> None:
    changed = values.copy()
    changed[FIT_END + 2] += 5.0
    fits_changed = fit_classical(changed, FIT_END, SEASON)
    before = one_step_forecasts(values, FIT_END, TARGETS, SEASON, fits=fits)
    after = one_step_forecasts(changed, FIT_END, TARGETS, SEASON, fits=fits_changed)
    for name in ("ets", "arima"):
        np.testing.assert_array_equal(params(fits_changed[name]), params(fits[name]))
        np.testing.assert_array_equal(after[name].predictions[:3], before[name].predictions[:3])
        assert after[name].predictions[3] != before[name].predictions[3]  # conditioned on the changed value


def test_forecast_from_an_origin_reads_nothing_at_or_after_it(values, fits) -> None:
    origin = FIT_END + 6
    changed = values.copy()
    changed[origin:] = -1e3
    first = forecast_from(values, origin, 5, SEASON, fits)
    second = forecast_from(changed, origin, 5, SEASON, fits)
    for name in ("ets", "arima"):
        assert first[name].shape == (5,) and np.isfinite(first[name]).all()
        np.testing.assert_array_equal(first[name], second[name])


def test_forecast_from_refuses_a_fit_that_saw_the_origin(values, fits) -> None:
    with pytest.raises(ValueError, match="past the origin"):
        forecast_from(values, FIT_END - 1, 3, SEASON, fits)
    with pytest.raises(ValueError, match="steps=0"):
        forecast_from(values, FIT_END, 0, SEASON, fits)


def test_targets_before_the_fit_end_are_refused(values, fits) -> None:
    with pytest.raises(ValueError, match="targets"):
        one_step_forecasts(values, FIT_END, range(FIT_END - 1, N), SEASON, fits=fits)


def test_no_time_budget_gives_nan_and_a_note_instead_of_raising(values) -> None:
    forecasts = one_step_forecasts(values, FIT_END, TARGETS, SEASON, time_budget_seconds=0)
    for name, forecast in forecasts.items():
        assert forecast.predictions.shape == (len(TARGETS),)
        assert np.isnan(forecast.predictions).all() and not forecast.ok
        assert forecast.note.endswith("could not be fitted: its time budget ran out before the first fit"), name
        assert "\n" not in forecast.note


def test_a_fit_that_raises_gives_nan_and_the_reason(values, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("Schur decomposition solver error.\nsecond line")

    monkeypatch.setattr(classical.SARIMAX, "fit", broken)
    forecasts = one_step_forecasts(values, FIT_END, TARGETS, SEASON)
    assert np.isnan(forecasts["arima"].predictions).all()
    assert forecasts["arima"].note == "ARIMA could not be fitted: Schur decomposition solver error."
    assert forecasts["ets"].ok  # the other model is unaffected


def test_an_unconverged_fit_says_so(values, monkeypatch) -> None:
    monkeypatch.setattr(classical, "MAX_ITERATIONS", 1)
    fits = fit_classical(values, FIT_END, 1)
    assert any("did not converge" in fit.note for fit in fits.values())
    for fit in fits.values():
        assert np.isfinite(fit.one_step(values, TARGETS)).all()


def test_short_non_finite_or_constant_history_gives_a_note(values) -> None:
    short = one_step_forecasts(values, 5, range(5, 8), SEASON)
    assert {f.note for f in short.values()} == {
        "ETS could not be fitted: needs at least 10 values before the test span, has 5",
        "ARIMA could not be fitted: needs at least 10 values before the test span, has 5",
    }
    broken = values.copy()
    broken[3] = np.nan
    for forecast in one_step_forecasts(broken, FIT_END, TARGETS, SEASON).values():
        assert forecast.note.endswith("could not be fitted: the values before the test span are not all finite")
    for forecast in one_step_forecasts(np.full(60, 4.0), 48, range(48, 60), 1).values():
        assert forecast.predictions.shape == (12,) and np.isnan(forecast.predictions).all()
        assert forecast.note.endswith("could not be fitted: the values before the test span are constant")


def test_long_series_fit_only_the_most_recent_window(monkeypatch) -> None:
    monkeypatch.setattr(classical, "MAX_FIT_POINTS", 120)
    values = synthetic_series(400, "h", seed=2).to_numpy().copy()
    fit_end = len(values) - 24
    values[: fit_end - 120] = np.nan  # anything before the window would make the fit fail
    fits = fit_classical(values, fit_end, 24)
    for fit in fits.values():
        assert (fit.fit_start, fit.fit_end, fit.note) == (fit_end - 120, fit_end, "")
        assert np.isfinite(fit.one_step(values, range(fit_end, len(values)))).all()


def test_fourier_terms_follow_the_position_in_the_series() -> None:
    terms = fourier_terms(range(3, 6), 12, 2)
    assert terms.shape == (3, 4)
    np.testing.assert_allclose(terms[0], [1.0, 0.0, 0.0, -1.0], atol=1e-12)  # t=3: a quarter and a half season
    assert fourier_terms(range(0, 4), 12, 0).shape == (4, 0)
