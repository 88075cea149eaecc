"""Choose the date column and the value column of a raw table, by name or by content."""

from __future__ import annotations

import re

from core.data.parsing.common import RawTable, cell_text
from core.data.parsing.dates import DateFormat, date_name_hint, detect_date_format
from core.data.parsing.numbers import parse_numbers
from core.errors import DataError

__all__ = ["find_column", "choose_date_column", "choose_value_column"]


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
    order = sorted(range(len(names)), key=lambda i: (not date_name_hint(names[i]), i))
    for position in order:
        if position in skip:
            continue
        hinted = date_name_hint(names[position])
        found = detect_date_format(table.sample.iloc[:, position], hinted=hinted)
        if found is not None and found.rate >= (0.5 if hinted else 0.8):
            return position, found
    return None, None


def _rank(name: str) -> int:
    if _TEMPERATURE.search(name):
        return 0
    return 1 if _EXTREME.search(name) else 3 if _ROW_NUMBER.fullmatch(name.strip()) else 2


def choose_value_column(
    table: RawTable, value_column: str | None, date_position: int | None
) -> tuple[int, tuple[str, ...]]:
    """The value column (named, else the first temperature-like numeric one, else the first numeric one).

    Returns:
        Its position and the names of all columns that are mostly numbers.

    Raises:
        DataError: the named column does not exist, is the date column or holds no numbers; no numeric column.
    """
    names = table.names
    rows = max(1, len(table.sample))
    shares = {}
    for position in range(len(names)):
        if position != date_position:
            parsed = parse_numbers(
                table.sample.iloc[:, position], decimal_comma_default=table.decimal_comma_default
            )
            shares[position] = parsed.valid / rows
    numeric = [position for position, share in shares.items() if share >= _NUMERIC_SHARE]
    numeric_names = tuple(names[position] for position in numeric)
    if value_column is not None:
        position = find_column(names, value_column, "value")
        if position == date_position:
            raise DataError(
                f"Column {cell_text(names[position], 40)} holds the dates; choose another value column."
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
        return min(numeric, key=lambda position: (_rank(names[position]), position)), numeric_names
    best = max(shares, key=lambda position: (shares[position], -position), default=None)
    if best is None or shares[best] == 0:
        raise DataError(f"No column holds numbers; columns: {_listing(names)}.")
    return best, numeric_names
