"""What "one season ago" means for a series: the season chosen from its frequency and its training span.

The frequency proposes candidate seasons, shortest first (hourly: a day, a week; daily: a week, a year;
weekly: a year of 52 weeks; monthly: 12 months; yearly: none). The training span decides which of them is real:
a candidate counts when it fits at least two full seasons into the span and its *seasonal strength* there is at
least :data:`MIN_STRENGTH`. The first candidate that counts is the season; none counting means no season (1).

Seasonal strength of a season of ``m`` steps: remove the level with a centred moving average over one season
(``2 x m`` for even ``m``), fit :data:`HARMONICS` sine/cosine pairs of period ``m`` to what remains by least
squares, and take the share of its variance they explain (0..1). Noise alone explains about ``2K / n`` of it; a
weekly pattern in daily temperatures explains well under 1 %, the yearly cycle most of it, the daily cycle of
hourly temperatures most of what the 24-hour moving average leaves. Only the training span is read, never the
validation or the test span.

A daily series with a yearly season (365) looks back by calendar date (:func:`lag_positions`: the same date a year
earlier, 29 February -> 28 February), every other season by ``m`` steps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

__all__ = [
    "MIN_STRENGTH", "HARMONICS", "YEAR_DAYS", "season_candidates", "seasonal_strength", "choose_season",
    "lag_positions", "cycle_fraction", "season_words",
]


#: A candidate season counts when its seasonal strength on the training span is at least this.
MIN_STRENGTH = 0.2


#: Sine/cosine pairs fitted per season when measuring its strength (at most ``(m - 1) // 2``).
HARMONICS = 3


#: Steps of a yearly season of daily data (looked up by calendar date, see :func:`lag_positions`).
YEAR_DAYS = 365


_CALENDAR_CANDIDATES = {
    "B": (5, 261),
    "W": (52,),
    "M": (12,),
    "MS": (12,),
    "ME": (12,),
    "Q": (4,),
    "QS": (4,),
    "QE": (4,),
}


_LONGEST = 8784  # ForecastConfig's largest season_length


def _base_alias(frequency: str) -> str:
    return frequency.split("-")[0].lstrip("0123456789")


def _step(frequency: str) -> pd.Timedelta | None:
    """The fixed length of one step (``"30min"`` -> 30 minutes), None for calendar frequencies (months, weeks)."""
    if _base_alias(frequency) in _CALENDAR_CANDIDATES:
        return None
    try:
        offset = to_offset(frequency)
    except ValueError:
        return None
    nanos = getattr(offset, "nanos", None)
    if nanos is None:
        return None
    try:
        return pd.Timedelta(int(nanos), unit="ns")
    except (TypeError, ValueError):
        return None


def season_candidates(frequency: str) -> tuple[int, ...]:
    """Candidate season lengths for a pandas frequency alias, shortest first.

    Fixed steps that divide a day propose a day and a week (``"h"``: 24, 168; ``"30min"``: 48, 336); a daily
    step proposes a week and a year (7, 365); business days 5 and 261; weeks 52; months 12; quarters 4; years
    and anything else none. Candidates longer than 8,784 steps or shorter than 2 are dropped.
    """
    alias = _base_alias(frequency)
    if alias in _CALENDAR_CANDIDATES:
        return _CALENDAR_CANDIDATES[alias]
    step = _step(frequency)
    if step is None or step <= pd.Timedelta(0):
        return ()
    day = pd.Timedelta(days=1)
    if step == day:
        return (7, YEAR_DAYS)
    if step < day and day % step == pd.Timedelta(0):
        per_day = int(day / step)
        return tuple(m for m in (per_day, 7 * per_day) if 2 <= m <= _LONGEST)
    return ()


def _moving_average(values: np.ndarray, length: int) -> np.ndarray:
    """Centred moving average over ``length`` steps (``2 x length`` for even lengths); NaN at both ends."""
    weights = np.ones(length, dtype=np.float64)
    if length % 2 == 0:
        weights = np.concatenate([[0.5], np.ones(length - 1), [0.5]])
    weights /= weights.sum()
    smooth = np.convolve(values, weights, mode="valid")
    pad = (len(values) - len(smooth)) // 2
    out = np.full(len(values), np.nan)
    out[pad : pad + len(smooth)] = smooth
    return out


def seasonal_strength(train_values: np.ndarray, length: int) -> float:
    """Share (0..1) of the detrended training values explained by ``HARMONICS`` sine/cosine pairs of period ``length``.

    Args:
        train_values: shape ``(n_train,)``, the training span only.
        length: the candidate season in steps (>= 2).

    Returns:
        0 when the span holds fewer than two full seasons or is constant.
    """
    values = np.asarray(train_values, dtype=np.float64)
    if length < 2 or len(values) < 2 * length or not np.isfinite(values).all():
        return 0.0
    remainder = values - _moving_average(values, length)
    keep = np.isfinite(remainder)
    positions = np.arange(len(values))[keep]
    remainder = remainder[keep]
    total = float(np.sum((remainder - remainder.mean()) ** 2))
    if total <= 1e-12 * max(1.0, float(np.sum(values**2))):
        return 0.0
    pairs = max(1, min(HARMONICS, (length - 1) // 2))
    angle = 2 * np.pi * positions / length
    design = np.column_stack(
        [np.ones(len(positions))] + [f(k * angle) for k in range(1, pairs + 1) for f in (np.sin, np.cos)]
    )
    coefficients = np.linalg.lstsq(design, remainder, rcond=None)[0]
    residual = remainder - design @ coefficients
    return float(max(0.0, 1.0 - float(residual @ residual) / total))


def choose_season(train_values: np.ndarray, frequency: str) -> int:
    """The first candidate of :func:`season_candidates` whose strength on ``train_values`` is at least
    :data:`MIN_STRENGTH`, or 1 (no season).

    Args:
        train_values: shape ``(n_train,)``: the values before the validation span, never later ones.
        frequency: the series' pandas alias.
    """
    for length in season_candidates(frequency):
        if seasonal_strength(train_values, length) >= MIN_STRENGTH:
            return length
    return 1


def _calendar_year(frequency: str, length: int) -> bool:
    return length == YEAR_DAYS and _step(frequency) == pd.Timedelta(days=1)


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
    alias = _base_alias(frequency)
    step = _step(frequency)
    seconds = (index.hour * 3600 + index.minute * 60 + index.second).to_numpy(dtype=np.float64)
    if alias in ("M", "MS", "ME", "Q", "QS", "QE"):
        return (index.month.to_numpy(dtype=np.float64) - 1) / 12.0
    if (alias == "W" and length == 52) or (alias == "B" and length == 261) or _calendar_year(frequency, length):
        day = index.dayofyear.to_numpy(dtype=np.float64)
        day -= (index.is_leap_year & (index.dayofyear >= 60)).astype(np.float64)
        return np.minimum(day - 1, 364) / 365.0
    if alias == "B" and length == 5:
        return np.minimum(index.dayofweek.to_numpy(dtype=np.float64), 4) / 5.0
    if step is not None and step < pd.Timedelta(days=1):
        per_day = pd.Timedelta(days=1) / step
        if length == round(per_day):
            return seconds / 86400.0
        if length == round(7 * per_day):
            return (index.dayofweek.to_numpy(dtype=np.float64) + seconds / 86400.0) / 7.0
    if step == pd.Timedelta(days=1) and length == 7:
        return index.dayofweek.to_numpy(dtype=np.float64) / 7.0
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
    alias = _base_alias(frequency)
    if alias in ("M", "MS", "ME") and length == 12 or alias in ("Q", "QS", "QE") and length == 4:
        return "a year"
    if alias == "W" and length == 52 or alias == "B" and length == 261 or _calendar_year(frequency, length):
        return "a year"
    if alias == "B" and length == 5:
        return "a week"
    step = _step(frequency)
    if step is not None and step <= pd.Timedelta(days=1):
        span = step * length
        if span == pd.Timedelta(days=1):
            return "a day"
        if span == pd.Timedelta(days=7):
            return "a week"
    return f"{length} steps"
