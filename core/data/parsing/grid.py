"""Infer the frequency of timestamps and put the values on a regular, gap-free grid."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.data.parsing.common import MAX_MISSING_FRACTION, MAX_ROWS, MIN_POINTS, count_phrase
from core.data.series import Repair
from core.errors import DataError

__all__ = ["MANY_DUPLICATES_FRACTION", "MANY_DUPLICATES_MIN", "Step", "DAILY", "infer_step", "regularise", "fill_grid"]


_SECOND = 1_000_000  # microseconds


_DAY = 86_400 * _SECOND


_NICE_SECONDS = (
    (1, 2, 5, 10, 15, 20, 30)
    + tuple(60 * minutes for minutes in (1, 2, 5, 10, 15, 20, 30))
    + tuple(3600 * hours for hours in (1, 2, 3, 4, 6, 8, 12))
)


#: More repeated timestamps than this share of the rows (and ``MANY_DUPLICATES_MIN``) is a warning, not a repair.
MANY_DUPLICATES_FRACTION = 0.05


MANY_DUPLICATES_MIN = 10


_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@dataclass(frozen=True)
class Step:
    """A regular step between timestamps.

    Attributes:
        alias: pandas offset alias used to build the grid (``"h"``, ``"15min"``, ``"D"``, ``"B"``,
            ``"W-MON"``, ``"MS"``, ``"ME"``, ``"QS"``, ``"QE"``, ``"YS"``, ``"YE"``).
        kind: ``tick`` (fixed length below a day), ``day``, ``bday``, ``week``, ``month``, ``quarter``
            or ``year``.
        micros: length in microseconds for ``tick``, ``day`` and ``week``; 0 otherwise.
        noun: singular noun for messages (``"day"``, ``"15-minute step"``).
        adjective: for messages (``"daily"``, ``"15-minute"``).
    """

    alias: str
    kind: str
    micros: int
    noun: str
    adjective: str

    @property
    def plural(self) -> str:
        return self.noun + "s"


DAILY = Step("D", "day", _DAY, "day", "daily")


_CALENDAR = {
    "month": ("MS", "ME", "month", "monthly", 1),
    "quarter": ("QS", "QE", "quarter", "quarterly", 3),
    "year": ("YS", "YE", "year", "yearly", 12),
}


def infer_step(unique: np.ndarray) -> Step:
    """The regular step of sorted unique timestamps, from the mode (or median) of their differences.

    Args:
        unique: ``(n,)`` int64 microseconds, sorted, unique, ``n >= 2``.

    Raises:
        DataError: timestamps less than a second apart.
    """
    diffs = np.diff(unique)
    mode, count = _mode(diffs)
    typical = float(mode) if count >= max(2, 0.3 * len(diffs)) else float(np.median(diffs))
    days = typical / _DAY
    if days >= 300:
        return _calendar("year")
    if days >= 80:
        return _calendar("quarter")
    if days >= 26:
        return _calendar("month")
    if 6 <= days <= 8:
        weekday = int(np.bincount(_weekday(unique), minlength=7).argmax())
        return Step(f"W-{_WEEKDAYS[weekday]}", "week", 7 * _DAY, "week", "weekly")
    if days >= 0.8:
        whole = max(1, round(days))
        if whole == 1 and _business_days(unique, diffs):
            return Step("B", "bday", _DAY, "business day", "business-day")
        return (
            DAILY
            if whole == 1
            else Step(f"{whole}D", "day", whole * _DAY, f"{whole}-day step", f"{whole}-day")
        )
    if typical < _SECOND:
        raise DataError("Timestamps are less than a second apart; the smallest supported step is one second.")
    seconds = min(_NICE_SECONDS, key=lambda nice: abs(np.log(nice * _SECOND / typical)))
    return _tick(seconds)


def _mode(values: np.ndarray) -> tuple[int, int]:
    """Most common value and its count (sorting is much faster than ``np.unique`` on 10⁶ values)."""
    ordered = np.sort(values)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(ordered)) + 1))
    lengths = np.diff(np.concatenate((starts, [len(ordered)])))
    best = int(np.argmax(lengths))
    return int(ordered[starts[best]]), int(lengths[best])


def _calendar(kind: str) -> Step:
    start, _, noun, adjective, _ = _CALENDAR[kind]
    return Step(start, kind, 0, noun, adjective)


def _tick(seconds: int) -> Step:
    for size, alias, noun, adjective in (
        (3600, "h", "hour", "hourly"),
        (60, "min", "minute", "minute"),
        (1, "s", "second", "second"),
    ):
        if seconds % size == 0:
            count = seconds // size
            if count == 1:
                return Step(alias, "tick", seconds * _SECOND, noun, adjective)
            return Step(
                f"{count}{alias}", "tick", seconds * _SECOND, f"{count}-{noun} step", f"{count}-{noun}"
            )
    raise AssertionError("unreachable: every whole second count divides by 1")


def _weekday(micros: np.ndarray) -> np.ndarray:
    return (np.floor_divide(micros, _DAY) + 3) % 7  # 1970-01-01 was a Thursday (3)


def _business_days(unique: np.ndarray, diffs: np.ndarray) -> bool:
    spans_weeks = unique[-1] - unique[0] >= 14 * _DAY
    return bool(spans_weeks and (_weekday(unique) < 5).all() and (np.abs(diffs - 3 * _DAY) < _DAY // 4).any())


def _same_time_of_day(unique: np.ndarray) -> bool:
    return bool((np.mod(unique, _DAY) == unique[0] % _DAY).all())


def _place(unique: np.ndarray, step: Step) -> tuple[pd.Timestamp, np.ndarray, Step]:
    """Grid start and the slot of each unique timestamp (slot 0 is the start)."""
    if step.kind in _CALENDAR:
        return _place_calendar(unique, step)
    base = unique if step.kind == "tick" or _same_time_of_day(unique) else unique - np.mod(unique, _DAY)
    if step.kind == "bday":
        dates = base.astype("datetime64[us]").astype("datetime64[D]")
        return pd.Timestamp(int(base[0]), unit="us"), np.busday_count(dates[0], dates).astype(np.int64), step
    anchor = int(base[0])
    if step.kind == "tick":
        floored = anchor - anchor % step.micros
        hits = [int((np.mod(unique - candidate, step.micros) == 0).sum()) for candidate in (anchor, floored)]
        anchor = anchor if hits[0] > max(hits[1], len(unique) // 2) else floored
    elif step.kind == "week":
        weekday = _WEEKDAYS.index(step.alias[2:])
        anchor += ((weekday - int(_weekday(base[:1])[0]) + 3) % 7 - 3) * _DAY
    slots = np.floor_divide(base - anchor + step.micros // 2, step.micros)
    first = int(slots.min())
    return pd.Timestamp(anchor + first * step.micros, unit="us"), slots - first, step


def _place_calendar(unique: np.ndarray, step: Step) -> tuple[pd.Timestamp, np.ndarray, Step]:
    start_alias, end_alias, _, _, months = _CALENDAR[step.kind]
    periods = np.floor_divide(
        unique.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64), months
    )
    starts = _period_starts(periods, months)
    ends = _period_starts(periods + 1, months) - _DAY
    use_end = bool((unique == ends).all()) and not bool((unique == starts).all())
    anchor = int(ends[0] if use_end else starts[0])
    alias = end_alias if use_end else start_alias
    return pd.Timestamp(anchor, unit="us"), periods - periods[0], replace(step, alias=alias)


def _period_starts(periods: np.ndarray, months: int) -> np.ndarray:
    return (periods * months).astype("datetime64[M]").astype("datetime64[us]").astype(np.int64)


def regularise(dates: np.ndarray, values: np.ndarray, name: str) -> tuple[pd.Series, np.ndarray, list[Repair]]:
    """Sort, average duplicates, infer the frequency and fill gaps by time interpolation.

    Args:
        dates: ``(n,)`` datetime64[us] without NaT.
        values: ``(n,)`` float64, NaN where missing.
        name: the value column, used as the series name.

    Returns:
        A float64 series on a regular ``DatetimeIndex`` with ``freq`` set, ``(len(series),)`` bool True where
        a value was filled by interpolation, and the repairs made.

    Raises:
        DataError: fewer than three timestamps, a grid over ``MAX_ROWS`` or too many missing values.
    """
    micros = dates.astype("datetime64[us]").astype(np.int64)
    repairs = []
    steps = np.diff(micros)
    if (steps < 0).any():
        order = np.argsort(micros, kind="stable")
        reverse = bool((steps <= 0).all())
        repairs.append(
            Repair(
                "sorted",
                int((steps < 0).sum()),  # rows dated earlier than the row above
                "Rows were in reverse date order; sorted oldest first."
                if reverse
                else "Rows were not in date order; sorted.",
            )
        )
        micros, values = micros[order], values[order]
    first = np.concatenate(([True], np.diff(micros) != 0))
    unique, inverse = micros[first], np.cumsum(first) - 1
    if len(unique) < MIN_POINTS:
        raise DataError(f"At least {MIN_POINTS} data points are needed; found {len(unique)} distinct dates.")
    if duplicates := len(micros) - len(unique):
        repairs.append(_duplicates(duplicates, len(micros)))
    step = infer_step(unique)
    start, slots, step = _place(unique, step)
    grid = _grid(start, int(slots.max()) + 1, step, unique)
    moved = int((grid.asi8[slots] != unique).sum())
    merged = int((np.diff(slots) == 0).sum())  # slots rise with the sorted timestamps
    if moved:
        by_date = step.kind in ("day", "bday") and not _same_time_of_day(unique)
        repairs.append(Repair("regularised", moved, _moved_detail(moved, merged, step, by_date)))
    series, filled, notes = fill_grid(slots[inverse], values, grid, step)
    return series.rename(name), filled, repairs + notes


def _duplicates(duplicates: int, rows: int) -> Repair:
    """Routine for a few repeated timestamps; a warning when so many repeat that series may be mixed up."""
    if duplicates <= max(MANY_DUPLICATES_MIN, MANY_DUPLICATES_FRACTION * rows):
        return Repair("duplicates_averaged", duplicates, f"{count_phrase(duplicates, 'duplicate timestamp')} averaged.")
    detail = (
        f"{duplicates:,} of {rows:,} rows ({duplicates / rows:.0%}) repeat a timestamp of another row and were "
        "averaged with it; if the file holds several series (stations, sensors), choose the column that tells "
        "them apart."
    )
    return Repair("many_duplicates", duplicates, detail)


def _moved_detail(moved: int, merged: int, step: Step, by_date: bool) -> str:
    if by_date:
        times = count_phrase(moved, "timestamp")
        detail = f"{times} had varying times of day; each value was labelled by its date"
    elif step.kind in _CALENDAR:
        edge = "end" if step.alias.startswith(_CALENDAR[step.kind][1]) else "start"
        detail = f"{count_phrase(moved, 'date')} labelled by the {edge} of their {step.noun}"
    else:
        detail = (
            f"{count_phrase(moved, 'timestamp')} did not fall on the regular {step.adjective} grid and were "
            f"moved to the nearest {step.noun}"
        )
    return detail + (
        f"; {count_phrase(merged, 'value')} that landed on an occupied {step.noun} were averaged."
        if merged
        else "."
    )


def _grid(start: pd.Timestamp, periods: int, step: Step, unique: np.ndarray) -> pd.DatetimeIndex:
    if periods > MAX_ROWS:
        first, last = (pd.Timestamp(int(value), unit="us") for value in (unique[0], unique[-1]))
        raise DataError(
            f"A regular {step.adjective} series from {first} to {last} would have {periods:,} rows "
            f"(limit {MAX_ROWS:,}); check for wrong dates."
        )
    try:
        return pd.date_range(start, periods=periods, freq=step.alias, unit="us", name="date")
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        raise DataError("The dates are outside the supported range (years 1677 to 2262).") from None


def fill_grid(
    slots: np.ndarray, values: np.ndarray, grid: pd.DatetimeIndex, step: Step
) -> tuple[pd.Series, np.ndarray, list[Repair]]:
    """Average the values per slot and fill empty slots by linear interpolation in time.

    Args:
        slots: ``(n,)`` int slot of each value in ``grid``.
        values: ``(n,)`` float64, NaN where missing.
        grid: the regular index, ``freq`` set.
        step: its step, for messages.

    Returns:
        The ``(len(grid),)`` float64 series, a ``(len(grid),)`` bool array True for the slots without a usable
        value (filled by interpolation), and the repairs.

    Raises:
        DataError: more than ``MAX_MISSING_FRACTION`` of the slots have no value.
    """
    finite = np.isfinite(values)
    size = len(grid)
    sums = np.bincount(slots[finite], weights=values[finite], minlength=size)
    counts = np.bincount(slots[finite], minlength=size)
    present = np.bincount(slots, minlength=size) > 0
    known = counts > 0
    missing = size - int(known.sum())
    if missing > MAX_MISSING_FRACTION * size:
        span = f"from {grid[0]:%Y-%m-%d} to {grid[-1]:%Y-%m-%d}"
        raise DataError(
            f"Too many missing values: {missing:,} of {count_phrase(size, step.noun)} {span} "
            f"({missing / size:.0%}) are missing or unreadable (limit {MAX_MISSING_FRACTION:.0%})."
        )
    averaged = sums[known] / counts[known]
    x = grid.asi8.astype(np.float64)
    filled = np.interp(x, x[known], averaged) if missing else averaged
    repairs = []
    if gaps := int((~present).sum()):
        longest = _longest_run(~present)
        detail = f"{gaps:,} missing {step.noun if gaps == 1 else step.plural} filled by interpolation"
        detail += f" (the longest gap is {count_phrase(longest, step.noun)})." if longest > 1 else "."
        repairs.append(Repair("gaps_filled", gaps, detail))
    return pd.Series(filled, index=grid, dtype=np.float64), ~known, repairs


def _longest_run(mask: np.ndarray) -> int:
    padded = np.concatenate(([0], mask.astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[0::2]).max()) if len(edges) else 0
