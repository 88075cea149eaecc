"""What "one season ago" means for a series: where a date lies in its season and which date is one season back.

The season itself is chosen from the frequency and the training span by ``core.config.choose_season`` (a
data-driven default, described there).

A daily series with a yearly season (365) looks back by calendar date (:func:`lag_positions`: the same date a year
earlier, 29 February -> 28 February), every other season by ``m`` steps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.config import YEAR_DAYS, base_alias, step_length

__all__ = ["lag_positions", "cycle_fraction", "season_words"]


def _calendar_year(frequency: str, length: int) -> bool:
    return length == YEAR_DAYS and step_length(frequency) == pd.Timedelta(days=1)


def lag_positions(index: pd.DatetimeIndex, length: int, positions: np.ndarray) -> np.ndarray:
    """Position one season before each of ``positions``; -1 where that lies before the series start.

    A daily series with a yearly season (365) goes back to the same calendar date a year earlier (365 or 366
    days; 29 February goes to 28 February); any other season goes back ``length`` steps.

    Args:
        index: the series' dates (with a frequency); positions past its end continue it.
        length: the season in steps (``<= 1``: the previous step).
        positions: shape ``(k,)`` int.

    Returns:
        shape ``(k,)`` int64.
    """
    positions = np.asarray(positions, dtype=np.int64)
    if length <= 1:
        lagged = positions - 1
    elif _calendar_year(str(index.freqstr) if index.freq is not None else "", length) and len(positions):
        first = pd.Timestamp(index[0])
        days = pd.to_timedelta(positions, unit="D")
        earlier = (first + days) - pd.DateOffset(years=1)
        lagged = np.asarray((earlier - first).days, dtype=np.int64)
    else:
        lagged = positions - length
    return np.where(lagged < 0, -1, lagged)


def cycle_fraction(index: pd.DatetimeIndex, length: int) -> np.ndarray:
    """Where each date lies in its season, in ``[0, 1)``: the key of the climatology.

    A year (365 days, 52 weeks, 12 months, 4 quarters, 261 business days) is the day of the year (29 February
    counts as 28 February; months and quarters as whole months); a season of a day is the time of day; of a
    week (7 days or 7 days of sub-daily steps, 5 business days), the time of the week; any other season the
    position ``t mod length``.

    Args:
        index: dates, shape ``(k,)``, with the series' frequency (future dates allowed).
        length: the season in steps (>= 2).

    Returns:
        shape ``(k,)`` float64.
    """
    index = pd.DatetimeIndex(index)
    frequency = str(index.freqstr) if index.freq is not None else ""
    alias = base_alias(frequency)
    step = step_length(frequency)
    seconds = (index.hour * 3600 + index.minute * 60 + index.second).to_numpy(dtype=np.float64)
    if alias in ("M", "MS", "ME", "Q", "QS", "QE"):
        return (index.month.to_numpy(dtype=np.float64) - 1) / 12.0
    if (alias == "W" and length == 52) or (alias == "B" and length == 261) or _calendar_year(frequency, length):
        day = index.day_of_year.to_numpy(dtype=np.float64)
        day -= (index.is_leap_year & (index.day_of_year >= 60)).astype(np.float64)
        return np.minimum(day - 1, 364) / 365.0
    if alias == "B" and length == 5:
        return np.minimum(index.day_of_week.to_numpy(dtype=np.float64), 4) / 5.0
    if step is not None and step < pd.Timedelta(days=1):
        per_day = pd.Timedelta(days=1) / step
        if length == round(per_day):
            return seconds / 86400.0
        if length == round(7 * per_day):
            return (index.day_of_week.to_numpy(dtype=np.float64) + seconds / 86400.0) / 7.0
    if step == pd.Timedelta(days=1) and length == 7:
        return index.day_of_week.to_numpy(dtype=np.float64) / 7.0
    base = pd.Timestamp("2000-01-01")
    if step is not None and step > pd.Timedelta(0):
        steps = np.round((index - base) / step).astype(np.int64)
    else:
        steps = np.arange(len(index), dtype=np.int64)
    return (np.mod(steps, length) / length).astype(np.float64)


def season_words(frequency: str, length: int) -> str:
    """Plain words for one season: "a year", "a day", "a week", or "{length} steps"."""
    if length <= 1:
        return "no season"
    alias = base_alias(frequency)
    if alias in ("M", "MS", "ME") and length == 12 or alias in ("Q", "QS", "QE") and length == 4:
        return "a year"
    if alias == "W" and length == 52 or alias == "B" and length == 261 or _calendar_year(frequency, length):
        return "a year"
    if alias == "B" and length == 5:
        return "a week"
    step = step_length(frequency)
    if step is not None and step <= pd.Timedelta(days=1):
        span = step * length
        if span == pd.Timedelta(days=1):
            return "a day"
        if span == pd.Timedelta(days=7):
            return "a week"
    return f"{length} steps"
