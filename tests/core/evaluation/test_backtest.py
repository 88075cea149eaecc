"""Rolling-origin backtests: folds never see their targets, validation folds stay before the test span."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from core.data.datasets import synthetic_series
from core.errors import ConfigError
from core.evaluation.backtest import Fold, backtest, rolling_origins
from core.evaluation.baselines import (
    Forecaster,
    mean_forecaster,
    naive_forecaster,
    seasonal_naive_forecaster,
)
from core.evaluation.classical import ClassicalFit, fit_classical


# ETS/ARIMA as backtest forecasters that fit on the first history they get (the app fits before the test
# span instead, ``core.run.pipeline.run_backtest``); kept here to check that such fits never see the future.
def classical_forecasters(
    season_length: int, *, refit: bool = False, time_budget_seconds: float = 30
) -> dict[str, Forecaster]:
    """``{"ets": ..., "arima": ...}`` forecasters backed by :mod:`core.classical`.

    With ``refit=False`` (fast) the models are chosen and estimated once, on the first history they get
    (the earliest fold when folds run in time order), and later folds only condition on their longer history
    with those fixed parameters. A history that is shorter than the fitted one, or differs from it, triggers a
    fresh fit, so parameters never come from values at or after a fold's origin. ``refit=True`` fits on every
    fold (one full model search per fold, shared by both models: slow). A model that cannot be fitted yields NaN
    predictions. The shared fit is timed under whichever of the two is called first (``BacktestResult.seconds``).
    """
    state: dict[str, tuple[np.ndarray, dict[str, ClassicalFit]]] = {}

    def fits_for(history: np.ndarray) -> dict[str, ClassicalFit]:
        cached = state.get("fit")
        if cached is not None:
            seen, fits = cached
            longer_allowed = not refit and len(seen) <= len(history)
            if (len(seen) == len(history) or longer_allowed) and np.array_equal(seen, history[: len(seen)]):
                return fits
        fits = fit_classical(history, len(history), season_length, time_budget_seconds=time_budget_seconds)
        state["fit"] = (history.copy(), fits)
        return fits

    def make(name: str) -> Forecaster:
        def forecast(history: np.ndarray, horizon: int) -> np.ndarray:
            fit = fits_for(history)[name]
            return fit.forecast(history, len(history), horizon)

        return forecast

    return {name: make(name) for name in ("ets", "arima")}


def test_rolling_origins_end_at_n_end_in_time_order() -> None:
    folds = rolling_origins(20, folds=3, horizon=4, min_train=5)
    assert folds == [Fold(8, range(8, 12)), Fold(12, range(12, 16)), Fold(16, range(16, 20))]
    overlapping = rolling_origins(20, folds=3, horizon=4, min_train=5, step=1)
    assert [fold.origin for fold in overlapping] == [14, 15, 16]
    assert all(fold.horizon == 4 for fold in overlapping)


def test_validation_folds_end_before_the_test_start() -> None:
    n, test_start = 100, 80
    for horizon, folds, step in [(1, 5, None), (7, 3, 2), (10, 6, 10)]:
        chosen = rolling_origins(test_start, folds=folds, horizon=horizon, min_train=20, step=step)
        assert len(chosen) == folds
        assert max(fold.targets.stop for fold in chosen) == test_start  # the last target is test_start - 1
        assert min(fold.origin for fold in chosen) >= 20
    evaluation = rolling_origins(n, folds=4, horizon=5, min_train=test_start - 1)
    assert evaluation[-1].targets[-1] == n - 1 and evaluation[0].origin >= test_start


def test_too_short_series_or_bad_counts_give_one_line_errors() -> None:
    with pytest.raises(ConfigError, match="3 folds of 10 steps .* need 50 values with at least 20 to learn from, "
                                          "but only 40 are available"):
        rolling_origins(40, folds=3, horizon=10, min_train=20)
    for kwargs, field in [({"folds": 0}, "folds=0"), ({"horizon": 0}, "horizon=0"), ({"step": 0}, "step=0")]:
        arguments = {"folds": 2, "horizon": 2, "min_train": 2, **kwargs}
        with pytest.raises(ValueError, match=field):
            rolling_origins(50, **arguments)


def test_forecasters_get_exactly_the_values_before_the_origin() -> None:
    values = np.arange(30, dtype=np.float64)  # each value is its own position
    folds = rolling_origins(30, folds=4, horizon=3, min_train=10, step=2)
    seen: list[np.ndarray] = []

    def recording(history: np.ndarray, horizon: int) -> np.ndarray:
        seen.append(history.copy())
        history[:] = -1.0  # vandalism must not reach the series or the next forecaster
        return np.zeros(horizon)

    backtest(values, folds, {"recording": recording, "naive": naive_forecaster})
    assert [len(history) for history in seen] == [fold.origin for fold in folds]
    for history, fold in zip(seen, folds, strict=True):
        np.testing.assert_array_equal(history, np.arange(fold.origin))
    np.testing.assert_array_equal(values, np.arange(30))


def test_validation_folds_never_expose_the_test_span() -> None:
    sentinel = 1e9
    values = synthetic_series(120, seed=0).to_numpy().copy()
    test_start = 96
    values[test_start:] = sentinel

    def careful(history: np.ndarray, horizon: int) -> np.ndarray:
        if np.any(history == sentinel):
            raise AssertionError("a validation fold saw a test value")
        return np.full(horizon, history[-1])

    folds = rolling_origins(test_start, folds=5, horizon=4, min_train=30)
    result = backtest(values, folds, {"careful": careful, "seasonal": seasonal_naive_forecaster(7)})
    assert np.isfinite(result.actual).all() and result.actual.max() < sentinel


def test_per_step_mae_matches_a_hand_computation() -> None:
    values = np.array([0.0, 1.0, 3.0, 6.0, 10.0, 15.0])
    folds = rolling_origins(6, folds=2, horizon=2, min_train=2)  # origins 2 and 4
    result = backtest(values, folds, {"naive": naive_forecaster, "mean": mean_forecaster})
    # naive: fold 1 predicts 1 for targets 3, 6 -> errors 2, 5; fold 2 predicts 6 for 10, 15 -> 4, 9
    # mean: fold 1 predicts 0.5 -> 2.5, 5.5; fold 2 predicts 2.5 -> 7.5, 12.5
    expected = pd.DataFrame({"naive": [3.0, 7.0], "mean": [5.0, 9.0]}, index=pd.RangeIndex(1, 3, name="step"))
    pd.testing.assert_frame_equal(result.per_step_mae(), expected)
    assert result.mae() == {"naive": 5.0, "mean": 7.0}
    np.testing.assert_array_equal(result.errors("naive"), [[-2.0, -5.0], [-4.0, -9.0]])


def test_to_frame_has_one_row_per_fold_and_step() -> None:
    values = np.array([0.0, 1.0, 3.0, 6.0, 10.0, 15.0])
    result = backtest(values, rolling_origins(6, 2, 2, 2), {"naive": naive_forecaster})
    dates = pd.date_range("2024-01-01", periods=6, freq="D")
    frame = result.to_frame(dates)
    assert list(frame.columns) == ["fold", "origin", "step", "target", "date", "actual", "naive"]
    assert frame["target"].tolist() == [2, 3, 4, 5] and frame["step"].tolist() == [1, 2, 1, 2]
    assert frame["actual"].tolist() == [3.0, 6.0, 10.0, 15.0] and frame["naive"].tolist() == [1.0, 1.0, 6.0, 6.0]
    assert frame["date"].iloc[0] == pd.Timestamp("2024-01-03")
    assert "date" not in result.to_frame().columns


def test_a_forecaster_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="forecaster 'short' returned shape \\(1,\\), expected \\(2,\\)"):
        backtest(np.arange(10.0), rolling_origins(10, 2, 2, 3), {"short": lambda history, horizon: history[-1:]})


def test_classical_forecasters_fit_once_before_the_first_origin(monkeypatch) -> None:
    fit_ends: list[int] = []
    original = fit_classical

    def recording_fit(values, fit_end, season_length, **kwargs):
        fit_ends.append(fit_end)
        assert len(values) == fit_end  # it is only ever handed the history
        return original(values, fit_end, season_length, **kwargs)

    monkeypatch.setattr(sys.modules[__name__], "fit_classical", recording_fit)
    values = synthetic_series(150, "MS", seed=3, noise=0.5).to_numpy()
    folds = rolling_origins(150, folds=3, horizon=6, min_train=100)
    result = backtest(values, folds, {**classical_forecasters(12), "naive": naive_forecaster})
    assert fit_ends == [folds[0].origin]  # one fit, on the earliest fold's history, reused by both models
    assert np.isfinite(result.predictions["ets"]).all() and np.isfinite(result.predictions["arima"]).all()
    assert result.mae()["arima"] < result.mae()["naive"]  # the seasonal model uses the season

    fit_ends.clear()
    backtest(values, folds[:2], classical_forecasters(1, refit=True))
    assert fit_ends == [folds[0].origin, folds[1].origin]  # once per fold, shared by ETS and ARIMA

    fit_ends.clear()
    forecasters = classical_forecasters(1)
    forecasters["ets"](values[:120].copy(), 3)
    forecasters["ets"](values[:110].copy(), 3)  # shorter than the fitted history: must refit, never reuse
    assert fit_ends == [120, 110]
