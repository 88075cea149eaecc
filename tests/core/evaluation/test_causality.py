"""Causality of every model: perturbing the values at and after ``t`` changes none of its forecasts of targets
before ``t``, one step ahead or many (the LSTM included)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.config import ForecastConfig
from core.evaluation.baselines import SIMPLE_RULES, fit_rules
from core.evaluation.classical import fit_classical
from core.model.network import build_model
from core.model.recursive import data_paths
from core.model.windows import prepare

N, TEST_START, CUT, HORIZON = 360, 288, 320, 6


def series(seed: int = 0) -> tuple[np.ndarray, pd.DatetimeIndex]:
    rng = np.random.default_rng(seed)
    t = np.arange(N)
    values = 15 + 6 * np.sin(2 * np.pi * t / 24) + 0.02 * t + np.cumsum(rng.normal(0, 0.2, N))
    return values, pd.date_range("2022-03-01", periods=N, freq="h")


def perturbed(values: np.ndarray) -> np.ndarray:
    changed = values.copy()
    changed[CUT:] += np.random.default_rng(9).normal(0, 50, N - CUT)  # everything at and after CUT is different
    return changed


def before_cut(origins: np.ndarray, horizon: int) -> np.ndarray:
    """Mask of (origin, step) cells whose target lies before CUT, shape ``(k, horizon)``."""
    return origins[:, np.newaxis] + np.arange(horizon)[np.newaxis, :] < CUT


ORIGINS = np.arange(TEST_START, N + 1)


@pytest.mark.parametrize("rule", SIMPLE_RULES)
def test_simple_rules_read_nothing_at_or_after_the_target(rule):
    values, index = series()
    changed = perturbed(values)
    original = fit_rules(values, index, TEST_START, 24).paths(rule, values, ORIGINS, HORIZON)
    again = fit_rules(changed, index, TEST_START, 24).paths(rule, changed, ORIGINS, HORIZON)
    mask = before_cut(ORIGINS, HORIZON)
    np.testing.assert_array_equal(original[mask], again[mask])
    assert rule in ("climatology", "mean") or not np.array_equal(original[~mask], again[~mask])


def test_a_daily_calendar_year_season_is_causal_too():
    index = pd.date_range("2015-01-01", periods=1500, freq="D")
    values = 10 + 8 * np.sin(2 * np.pi * np.arange(1500) / 365.25) + np.random.default_rng(3).normal(0, 2, 1500)
    changed = values.copy()
    changed[1300:] = -99.0
    origins = np.arange(1200, 1501)
    for rule in SIMPLE_RULES:
        a = fit_rules(values, index, 1200, 365).paths(rule, values, origins, 10)
        b = fit_rules(changed, index, 1200, 365).paths(rule, changed, origins, 10)
        mask = origins[:, np.newaxis] + np.arange(10) < 1300
        np.testing.assert_array_equal(a[mask], b[mask], err_msg=rule)


@pytest.mark.parametrize("name", ["ets", "arima"])
def test_ets_and_arima_keep_their_parameters_and_read_nothing_at_or_after_the_target(name):
    values, _ = series(1)
    changed = perturbed(values)
    fit = fit_classical(values, TEST_START, 24, time_budget_seconds=10)[name]
    refit = fit_classical(changed, TEST_START, 24, time_budget_seconds=10)[name]  # the fit span is unchanged
    assert refit.label == fit.label
    original = fit.paths(values, ORIGINS, HORIZON)
    again = refit.paths(changed, ORIGINS, HORIZON)
    mask = before_cut(ORIGINS, HORIZON)
    np.testing.assert_allclose(original[mask], again[mask], rtol=0, atol=1e-9)
    assert not np.allclose(original[~mask], again[~mask])
    one_step = fit.one_step(values, range(TEST_START, N))
    np.testing.assert_allclose(one_step[: CUT - TEST_START + 1], fit.one_step(changed, range(TEST_START, N))[
        : CUT - TEST_START + 1], rtol=0, atol=1e-9)


@pytest.mark.parametrize("target", ["value", "change", "seasonal_step"])
def test_the_lstm_reads_nothing_at_or_after_the_target(target):
    values, index = series(2)
    changed = perturbed(values)
    config = ForecastConfig(window=12, horizon=HORIZON, units=4, epochs=1, patience=0, validation_fraction=0.1,
                            test_fraction=0.2, calendar=True, seasonal_input=True, difference_input=True,
                            target=target, seed=3)
    data = prepare(values, config, index, 24)
    other = prepare(changed, config, index, 24)
    assert data.split.test_start == TEST_START and data.scaler == other.scaler  # scaled on training values only
    model = build_model(config, data.n_features)
    if target != "value":  # the head starts at zero: give it weights so the check is not trivially the rule
        head = model.get_layer("next")
        head.set_weights([np.full_like(w, 0.3) for w in head.get_weights()])
    original = data_paths(model, data, ORIGINS, HORIZON)
    again = data_paths(model, other, ORIGINS, HORIZON)
    mask = before_cut(ORIGINS, HORIZON)
    np.testing.assert_allclose(original[mask], again[mask], rtol=0, atol=1e-6)
    assert not np.allclose(original[~mask], again[~mask])
