"""One regular series from its parsed cells: drop unreadable dates, pick the clock, regularise, fill, check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.parsing.common import MAX_MISSING_FRACTION, MIN_POINTS, cell_text, examples
from core.data.parsing.dates import DateFormat, Dates, date_repairs
from core.data.parsing.grid import DAILY, fill_grid, regularise
from core.data.parsing.numbers import Numbers, missing_repairs
from core.data.series import Repair
from core.errors import DataError

__all__ = ["GENERATED_START", "Cells", "Assembled", "assemble"]


#: First timestamp of the daily index generated when a file has no date column.
GENERATED_START = "2000-01-01"


_DAY_MICROS = 86_400_000_000


@dataclass(frozen=True)
class Cells:
    """The cells of one series, already parsed, and where they came from.

    Attributes:
        name: the value column.
        numbers: ``(n,)`` the parsed value cells.
        dates: ``(n,)`` the parsed date cells, or None to generate a daily index.
        date_format: how the dates are written (for the day/month notice), None without dates.
        date_name: the date column, for messages.
        labels: ``(n,)`` int64 row numbers a person sees.
        raw_cell: the original text of the value cell at position ``i`` (0..n-1), for messages.
    """

    name: str
    numbers: Numbers
    dates: Dates | None
    date_format: DateFormat | None
    date_name: str | None
    labels: np.ndarray
    raw_cell: Callable[[int], str]


@dataclass(frozen=True)
class Assembled:
    """A regular series and what was done to get it.

    Attributes:
        values: float64 series on a regular ``DatetimeIndex`` with ``freq`` set, named after the value column.
        filled: ``(len(values),)`` bool, True where the value was filled by interpolation.
        repairs: in the order they happened.
    """

    values: pd.Series
    filled: np.ndarray
    repairs: list[Repair]


def assemble(cells: Cells) -> Assembled:
    """Turn parsed cells into a regular, finite series with its repairs.

    Raises:
        DataError: too few values, too many unreadable dates or missing values, dates out of range.
    """
    if cells.dates is None or cells.date_format is None:
        values, filled, repairs = _generated(cells)
    else:
        values, filled, repairs = _dated(cells, cells.dates, cells.date_format)
    repairs += _constant(values)
    return Assembled(values.rename(cells.name), filled, repairs)


def _generated(cells: Cells) -> tuple[pd.Series, np.ndarray, list[Repair]]:
    """No date column: the values in file order on a daily index from ``GENERATED_START``."""
    n = len(cells.numbers.values)
    rows = np.arange(n)
    repairs = missing_repairs(cells.numbers, rows, cells.labels, cells.raw_cell)
    _check_enough(cells.numbers.values, cells.name)
    grid = pd.date_range(GENERATED_START, periods=n, freq="D", unit="us", name="date")
    detail = f"No date column: generated a daily index starting {GENERATED_START}."
    series, filled, notes = fill_grid(rows, cells.numbers.values, grid, DAILY)
    return series, filled, [*repairs, Repair("generated_index", n, detail), *notes]


def _dated(cells: Cells, dates: Dates, fmt: DateFormat) -> tuple[pd.Series, np.ndarray, list[Repair]]:
    """Drop rows with unreadable dates, then regularise onto the inferred frequency."""
    repairs = date_repairs(dates, fmt, cells.labels)
    _check_dates(dates, cells)
    rows = np.flatnonzero(~dates.bad)
    repairs += missing_repairs(cells.numbers, rows, cells.labels, cells.raw_cell)
    _check_enough(cells.numbers.values[rows], cells.name)
    when, clock = _choose_clock(dates, rows)
    series, filled, regular = regularise(when, cells.numbers.values[rows], cells.name)
    return series, filled, repairs + clock + regular


def _constant(series: pd.Series) -> list[Repair]:
    if len(series) == 0 or float(np.ptp(series.to_numpy())) != 0.0:
        return []
    detail = (
        f"All {len(series):,} values are the same ({series.iloc[0]:.10g}); any forecast will just repeat it."
    )
    return [Repair("constant", len(series), detail)]


def _check_dates(dates: Dates, cells: Cells) -> None:
    bad = np.flatnonzero(dates.bad)
    if len(bad) > MAX_MISSING_FRACTION * len(dates.bad):
        shown = examples(cells.labels[bad], dates.texts.iloc[bad[:3]], len(bad))
        raise DataError(
            f"Could not read {len(bad) / len(dates.bad):.0%} of the dates in column "
            f"{cell_text(cells.date_name, 40)} ({shown})."
        )


def _check_enough(values: np.ndarray, name: str) -> None:
    valid = int(np.isfinite(values).sum())
    if valid == 0:
        raise DataError(f"All values in column {cell_text(name, 40)} are missing or unreadable.")
    if valid < MIN_POINTS:
        raise DataError(f"At least {MIN_POINTS} data points are needed; found {valid}.")


def _choose_clock(dates: Dates, rows: np.ndarray) -> tuple[np.ndarray, list[Repair]]:
    """UTC for sub-daily data; local wall-clock dates for daily or coarser data with UTC offsets."""
    utc = dates.values[rows]
    if dates.local is None:
        return utc, []
    offsets = ", ".join(dates.offsets)
    unique = np.unique(utc.astype(np.int64))
    if len(unique) > 1 and float(np.median(np.diff(unique))) >= 0.8 * _DAY_MICROS:
        local = dates.local[rows]
        when = np.where(np.isnat(local), utc, local)
        return when, [
            Repair(
                "timezone",
                len(rows),
                f"Timestamps had UTC offsets ({offsets}); each value was kept on its local date.",
            )
        ]
    return utc, [
        Repair("timezone", len(rows), f"Timestamps with UTC offsets ({offsets}) were converted to UTC.")
    ]
