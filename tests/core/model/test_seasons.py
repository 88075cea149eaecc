"""``core.model.seasons``: the position one season back (by calendar date for a year of days), where a date lies
in its season (the climatology's key) and the season's plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.model.seasons import cycle_fraction, lag_positions, season_words


def test_a_year_of_days_looks_back_by_calendar_date() -> None:
    index = pd.date_range("2019-01-01", periods=800, freq="D")
    positions = np.array([10, 365, 365 + 59, 365 + 424, 400 + 365])  # 2020-01-01, 2020-02-29, 2021-03-01, ...
    lagged = lag_positions(index, 365, positions)
    for position, back in zip(positions, lagged, strict=True):
        date, earlier = index[0] + pd.Timedelta(days=int(position)), index[0] + pd.Timedelta(days=int(back))
        if back >= 0:
            assert earlier == date - pd.DateOffset(years=1), (date, earlier)
    assert lagged[0] == -1  # before the series start
    leap_day = int(np.flatnonzero(index == pd.Timestamp("2020-02-29"))[0])
    assert index[lag_positions(index, 365, np.array([leap_day]))[0]] == pd.Timestamp("2019-02-28")


def test_other_seasons_go_back_that_many_steps_and_no_season_is_the_previous_step() -> None:
    index = pd.date_range("2024-01-01", periods=100, freq="h")
    assert lag_positions(index, 24, np.array([23, 24, 50])).tolist() == [-1, 0, 26]
    assert lag_positions(index, 1, np.array([0, 5])).tolist() == [-1, 4]


def test_cycle_fraction_is_the_time_of_day_the_day_of_year_or_the_month() -> None:
    hours = pd.date_range("2024-01-01", periods=48, freq="h")
    np.testing.assert_allclose(cycle_fraction(hours, 24)[[0, 6, 30]], [0.0, 0.25, 0.25])
    days = pd.date_range("2023-12-31", periods=3, freq="D")
    np.testing.assert_allclose(cycle_fraction(days, 365), [364 / 365, 0.0, 1 / 365])
    leap = pd.date_range("2020-02-28", periods=3, freq="D")
    fractions = cycle_fraction(leap, 365)
    assert fractions[0] == fractions[1]  # 29 February counts as 28 February
    assert fractions[2] == cycle_fraction(pd.date_range("2021-03-01", periods=1, freq="D"), 365)[0]
    months = pd.date_range("2024-01-01", periods=14, freq="MS")
    np.testing.assert_allclose(cycle_fraction(months, 12)[[0, 5, 12]], [0.0, 5 / 12, 0.0])
    assert ((cycle_fraction(hours, 24) >= 0) & (cycle_fraction(hours, 24) < 1)).all()


def test_season_words_are_plain() -> None:
    assert season_words("D", 365) == "a year"
    assert season_words("h", 24) == "a day"
    assert season_words("MS", 12) == "a year"
    assert season_words("D", 1) == "no season"
