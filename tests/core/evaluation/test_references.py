"""Each reference on series whose answer is known by hand (a pure sine, a ramp), and the season each series gets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.config import choose_season, season_candidates, seasonal_strength
from core.evaluation.baselines import SIMPLE_RULES, fit_rules
from core.evaluation.classical import fit_classical
from core.model.seasons import cycle_fraction, lag_positions, season_words


def dated(values: np.ndarray, freq: str = "h", start: str = "2021-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=len(values), freq=freq)


def sine(n: int = 24 * 30, period: int = 24) -> np.ndarray:
    return 10 + 5 * np.sin(2 * np.pi * np.arange(n) / period)


def ramp(n: int = 200, slope: float = 0.5) -> np.ndarray:
    return 3.0 + slope * np.arange(n)


def test_seasonal_naive_repeats_a_pure_sine_exactly_one_step_and_many_steps_ahead():
    values = sine()
    rules = fit_rules(values, dated(values), 500, 24)
    targets = range(500, 720)
    np.testing.assert_allclose(rules.one_step("seasonal_naive", values, targets), values[500:720], atol=1e-12)
    paths = rules.paths("seasonal_naive", values, np.array([500, 600]), 48)  # two seasons ahead: repeats
    np.testing.assert_allclose(paths, np.stack([values[500:548], values[600:648]]), atol=1e-12)


def test_seasonal_step_follows_a_sine_on_a_ramp_that_naive_and_seasonal_naive_miss():
    values = sine() + 0.1 * np.arange(720)  # season + trend: "last value + last season's change" is exact
    rules = fit_rules(values, dated(values), 500, 24)
    targets = range(500, 720)
    actual = values[500:720]
    np.testing.assert_allclose(rules.one_step("seasonal_step", values, targets), actual, atol=1e-9)
    np.testing.assert_allclose(rules.paths("seasonal_step", values, np.array([500]), 60)[0], values[500:560],
                               atol=1e-9)
    assert np.abs(rules.one_step("seasonal_naive", values, targets) - actual).mean() == pytest.approx(2.4, abs=1e-9)
    assert np.abs(rules.one_step("naive", values, targets) - actual).mean() > 0.5


def test_drift_continues_a_ramp_exactly_and_naive_lags_it_by_one_slope():
    values = ramp()
    rules = fit_rules(values, dated(values, "D"), 150, 1)
    assert rules.slope == pytest.approx(0.5)
    np.testing.assert_allclose(rules.paths("drift", values, np.array([150, 170]), 10),
                               np.stack([values[150:160], values[170:180]]), atol=1e-9)
    np.testing.assert_allclose(rules.one_step("naive", values, range(150, 200)), values[149:199])
    np.testing.assert_allclose(rules.one_step("mean", values, range(150, 200)), values[:150].mean())


def test_climatology_is_the_training_mean_at_the_same_hour_and_ignores_later_values():
    rng = np.random.default_rng(0)
    values = sine() + rng.normal(0, 0.5, 720)
    index = dated(values)
    rules = fit_rules(values, index, 480, 24)
    expected = np.array([values[:480][hour::24].mean() for hour in range(24)])
    np.testing.assert_allclose(rules.one_step("climatology", values, range(480, 504)), expected, atol=1e-12)
    future = rules.paths("climatology", values, np.array([720]), 24)[0]  # past the series' end: dates continue
    np.testing.assert_allclose(future, expected, atol=1e-12)


def test_yearly_climatology_of_daily_data_averages_two_weeks_of_every_training_year():
    index = pd.date_range("2010-01-01", "2013-12-31", freq="D")
    values = np.where(index.month == 7, 20.0, 0.0) + 0.0  # a step in July, nothing else
    rules = fit_rules(values, index, int(np.searchsorted(index, pd.Timestamp("2013-01-01"))), 365)
    july_15 = int(np.searchsorted(index, pd.Timestamp("2013-07-15")))
    july_2 = int(np.searchsorted(index, pd.Timestamp("2013-07-02")))
    march = int(np.searchsorted(index, pd.Timestamp("2013-03-10")))
    predicted = rules.one_step("climatology", values, range(july_2, july_2 + 1))[0]
    assert rules.one_step("climatology", values, range(july_15, july_15 + 1))[0] == pytest.approx(20.0)
    assert predicted == pytest.approx(20.0 * 9 / 15)  # 25 June..9 July: 6 June days of 0, 9 July days of 20
    assert rules.one_step("climatology", values, range(march, march + 1))[0] == pytest.approx(0.0)


def test_a_yearly_season_of_daily_data_looks_back_by_calendar_date():
    index = pd.date_range("2019-01-01", "2021-12-31", freq="D")
    position = {stamp: i for i, stamp in enumerate(index)}
    targets = np.array([position[pd.Timestamp(day)] for day in ("2021-03-01", "2020-03-01", "2020-02-29")])
    lagged = index[lag_positions(index, 365, targets)]
    assert [str(day.date()) for day in lagged] == ["2020-03-01", "2019-03-01", "2019-02-28"]
    assert lag_positions(index, 365, np.array([10]))[0] == -1  # nothing a year before the start
    hourly = dated(np.zeros(100))
    np.testing.assert_array_equal(lag_positions(hourly, 24, np.array([30, 50])), [6, 26])


@pytest.mark.parametrize(
    ("freq", "length", "words", "first"),
    [("h", 24, "a day", 0.0), ("D", 365, "a year", 0.0), ("MS", 12, "a year", 0.0), ("W-SUN", 52, "a year", None),
     ("30min", 48, "a day", 0.0), ("D", 7, "a week", None)],
)
def test_cycle_fraction_and_words(freq, length, words, first):
    index = pd.date_range("2021-01-01", periods=200, freq=freq)
    fraction = cycle_fraction(index, length)
    assert ((fraction >= 0) & (fraction < 1)).all() and season_words(freq, length) == words
    if first is not None:
        assert fraction[0] == first


def test_the_season_is_chosen_from_the_frequency_and_the_training_span_only():
    assert season_candidates("h") == (24, 168) and season_candidates("D") == (7, 365)
    assert season_candidates("30min") == (48, 336) and season_candidates("MS") == (12,)
    assert season_candidates("W-SUN") == (52,) and season_candidates("YS") == ()
    rng = np.random.default_rng(1)
    days = np.arange(3 * 365)
    yearly = 10 * np.sin(2 * np.pi * days / 365) + rng.normal(0, 3, len(days))  # temperatures: a year, no week
    assert seasonal_strength(yearly, 7) < 0.05 < 0.5 < seasonal_strength(yearly, 365)
    assert choose_season(yearly, "D") == 365
    weekly = 5 * (days % 7 >= 5) + rng.normal(0, 1, len(days))  # a weekend pattern: a week
    assert choose_season(weekly, "D") == 7
    assert choose_season(rng.normal(0, 1, 2000), "h") == 1  # noise has no season
    assert choose_season(yearly[:500], "D") == 1  # fewer than two years: no yearly season


def test_every_rule_gives_finite_paths_of_the_right_shape():
    values = sine() + np.arange(720) * 0.01
    rules = fit_rules(values, dated(values), 400, 24)
    for name in SIMPLE_RULES:
        paths = rules.paths(name, values, np.arange(400, 721), 30)
        assert paths.shape == (321, 30) and np.isfinite(paths).all(), name
    with pytest.raises(ValueError, match="Unknown rule"):
        rules.paths("oracle", values, np.array([400]), 1)


def test_classical_paths_from_every_origin_equal_their_forecasts_origin_by_origin():
    rng = np.random.default_rng(2)
    values = 10 + 4 * np.sin(2 * np.pi * np.arange(300) / 12) + np.cumsum(rng.normal(0, 0.3, 300))
    fits = fit_classical(values, 240, 12, time_budget_seconds=10)
    origins = np.array([240, 241, 270, 300])
    for name, fit in fits.items():
        expected = np.stack([fit.forecast(values, int(origin), 15) for origin in origins])
        np.testing.assert_allclose(fit.paths(values, origins, 15), expected, rtol=0, atol=1e-8, err_msg=name)
