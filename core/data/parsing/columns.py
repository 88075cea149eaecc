"""Choose the date column and the value column of a raw table, by name or by content."""

from __future__ import annotations

import re
from collections.abc import Collection

import numpy as np

from core.data.parsing.common import RawTable, cell_text
from core.data.parsing.dates import DateFormat, date_name_hint, detect_date_format, parse_dates, times_of_day
from core.data.parsing.numbers import parse_numbers
from core.errors import DataError

__all__ = ["find_column", "temperature_like", "constant_step", "choose_date_column", "choose_value_column"]


_TEMPERATURE = re.compile(r"temp|°|celsius|fahrenheit|tmax|tmin|tavg|tmean", re.IGNORECASE)


_EXTREME = re.compile(r"max|high", re.IGNORECASE)


_ROW_NUMBER = re.compile(r"column_\d+|unnamed.*|index|id|row|#|no\.?", re.IGNORECASE)


_NUMERIC_SHARE = 0.5


def _listing(names: tuple[str, ...], limit: int = 12) -> str:
    shown = ", ".join(cell_text(name, 40) for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def find_column(names: tuple[str, ...], wanted: str, role: str) -> int:
    """Position of the column called ``wanted`` (exact, else case-insensitive).

    Raises:
        DataError: no such column; the message lists the available columns.
    """
    if wanted in names:
        return names.index(wanted)
    folded = [i for i, name in enumerate(names) if name.strip().casefold() == str(wanted).strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise DataError(
        f"There is no {role} column called {cell_text(wanted, 40)}; available columns: {_listing(names)}."
    )


def temperature_like(name: str) -> bool:
    """Whether a column name suggests temperatures (``temp``, ``TMAX``, ``°C``, ``Fahrenheit``, ...)."""
    return bool(_TEMPERATURE.search(name))


def constant_step(values: np.ndarray) -> bool:
    """Whether the finite values rise (or fall) by one constant step, like a row index or a year counter.

    Args:
        values: ``(n,)`` float64, NaN where a cell is not a number.
    """
    finite = values[np.isfinite(values)]
    if len(finite) < 3:
        return False
    steps = np.diff(finite)
    typical = float(np.median(steps))
    return typical != 0.0 and float(np.ptp(steps)) <= 1e-3 * abs(typical)


def _examples(table: RawTable, position: int) -> str:
    cells = [cell for cell in table.sample.iloc[:, position] if str(cell).strip()][:3]
    return ", ".join(cell_text(cell) for cell in cells) or "only empty cells"


def choose_date_column(
    table: RawTable, date_column: str | None, value_column: str | None
) -> tuple[int | None, DateFormat | None]:
    """The date column (named, else the first that reads as dates) and its format; None when there is none.

    Raises:
        DataError: the named column does not exist or does not hold dates.
    """
    names = table.names
    if date_column is not None:
        position = find_column(names, date_column, "date")
        found = detect_date_format(table.sample.iloc[:, position], hinted=True)
        if found is None or found.rate < 0.5:
            raise DataError(
                f"Column {cell_text(names[position], 40)} does not contain dates "
                f"(e.g. {_examples(table, position)})."
            )
        return position, found
    skip = {find_column(names, value_column, "value")} if value_column is not None else set()
    hinted: list[tuple[int, DateFormat]] = []
    for position in range(len(names)):
        if position not in skip and date_name_hint(names[position]):
            found = detect_date_format(table.sample.iloc[:, position], hinted=True)
            if found is not None and found.rate >= 0.5:
                hinted.append((position, found))
    if len(hinted) > 1:  # "year", "month" and "time_hour": the column that tells the rows apart best
        hinted = [item for item in hinted if not times_of_day(table.sample.iloc[:, item[0]])] or hinted[:1]
    if len(hinted) > 1:
        return max(hinted, key=lambda item: (_distinct_dates(table, *item), -item[0]))
    if hinted:
        return hinted[0]
    for position in range(len(names)):
        if position not in skip and not date_name_hint(names[position]):
            found = detect_date_format(table.sample.iloc[:, position], hinted=False)
            if found is not None and found.rate >= 0.8:
                return position, found
    return None, None


def _distinct_dates(table: RawTable, position: int, fmt: DateFormat) -> int:
    values = parse_dates(table.sample.iloc[:, position], fmt).values
    return len(np.unique(values[~np.isnat(values)]))


def _rank(name: str) -> int:
    if _TEMPERATURE.search(name):
        return 0
    return 1 if _EXTREME.search(name) else 3 if _ROW_NUMBER.fullmatch(name.strip()) else 2


def choose_value_column(
    table: RawTable, value_column: str | None, date_position: int | None, exclude: Collection[int] = ()
) -> tuple[int, tuple[str, ...]]:
    """The value column (named, else the first temperature-like numeric one, else the first numeric one).

    A column that rises by a constant step (a row index, a year counter) is taken only when no other numeric
    column exists.

    Args:
        table: the raw table.
        value_column: the column a person chose, or None.
        date_position: the date column, never the values.
        exclude: positions that are not values either (a series-id or a series-name column).

    Returns:
        Its position and the names of all columns that are mostly numbers.

    Raises:
        DataError: the named column does not exist, is the date column or holds no numbers; no numeric column.
    """
    names = table.names
    rows = max(1, len(table.sample))
    shares, steps = {}, set()
    for position in range(len(names)):
        if position != date_position and position not in exclude:
            parsed = parse_numbers(
                table.sample.iloc[:, position], decimal_comma_default=table.decimal_comma_default
            )
            shares[position] = parsed.valid / rows
            if constant_step(parsed.values):
                steps.add(position)
    numeric = [position for position, share in shares.items() if share >= _NUMERIC_SHARE]
    numeric_names = tuple(names[position] for position in numeric)
    if value_column is not None:
        position = find_column(names, value_column, "value")
        if position == date_position:
            raise DataError(
                f"Column {cell_text(names[position], 40)} holds the dates; choose another value column."
            )
        if position in exclude:
            raise DataError(
                f"Column {cell_text(names[position], 40)} tells the series apart; choose another value column."
            )
        if shares[position] == 0:
            choices = (
                f"numeric columns: {_listing(numeric_names)}" if numeric_names else "no column holds numbers"
            )
            raise DataError(
                f"Column {cell_text(names[position], 40)} holds no numbers "
                f"(e.g. {_examples(table, position)}); {choices}."
            )
        return position, numeric_names
    if numeric:
        measured = [position for position in numeric if position not in steps] or numeric
        return min(measured, key=lambda position: (_rank(names[position]), position)), numeric_names
    best = max(shares, key=lambda position: (shares[position], -position), default=None)
    if best is None or shares[best] == 0:
        raise DataError(f"No column holds numbers; columns: {_listing(names)}.")
    return best, numeric_names
