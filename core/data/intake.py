"""Read CSV bytes or an edited table into a regular, finite series with a plain-language repair report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.data.parsing.columns import choose_date_column, choose_value_column
from core.data.parsing.common import (
    MAX_COLUMNS,
    MAX_MISSING_FRACTION,
    MAX_ROWS,
    MIN_POINTS,
    SAMPLE_ROWS,
    RawTable,
    cell_text,
    count_phrase,
    examples,
)
from core.data.parsing.dates import DateFormat, Dates, date_repairs, parse_dates
from core.data.parsing.decode import decode_bytes, split_lines
from core.data.parsing.grid import DAILY, fill_grid, regularise
from core.data.parsing.numbers import Numbers, missing_repairs, parse_numbers
from core.data.parsing.table import table_from_lines, unique_names
from core.data.series import LoadedSeries, Repair
from core.errors import DataError

__all__ = ["GENERATED_START", "read_series", "series_from_frame", "describe", "Covariates", "read_covariates"]


#: First timestamp of the daily index generated when a file has no date column.
GENERATED_START = "2000-01-01"


_DAY_MICROS = 86_400_000_000


def read_series(
    data: bytes, *, date_column: str | None = None, value_column: str | None = None
) -> LoadedSeries:
    """Read CSV/TSV bytes as people export them into a regular series.

    Row numbers in messages are the file's line numbers (the header is row 1), as a spreadsheet shows them.

    Args:
        data: the file's bytes (UTF-8, UTF-16 or Windows-1252; ``,`` ``;`` tab or ``|`` separated).
        date_column: the column holding the dates; None detects it (or generates a daily index).
        value_column: the column to forecast; None picks a temperature-like, else the first numeric column.

    Raises:
        DataError: one line saying why the file cannot be used.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    text, repairs = decode_bytes(bytes(data))
    lines, found = split_lines(text)
    table, more = table_from_lines(lines)
    return _interpret(table, date_column, value_column, repairs + found + more)


def series_from_frame(frame: pd.DataFrame, *, date_column: str | None, value_column: str) -> LoadedSeries:
    """Validate a table edited in the app exactly like an upload.

    Row numbers in messages count the table's rows from 1.

    Args:
        frame: ``(n_rows, n_columns)`` table, cells of any type (text typed into number cells included).
        date_column: the column holding the dates; None detects it.
        value_column: the column to forecast.

    Raises:
        DataError: one line saying why the table cannot be used.
    """
    table, repairs = _table_from_frame(frame)
    return _interpret(table, date_column, value_column, repairs)


def describe(series: LoadedSeries) -> dict[str, Any]:
    """A JSON-ready summary: rows, start, end, frequency, columns, repairs and min/max/mean."""
    values = series.values
    index = values.index
    whole_days = len(index) > 0 and bool((index == index.normalize()).all())
    iso = (lambda when: when.date().isoformat()) if whole_days else (lambda when: when.isoformat())
    return {
        "rows": len(values),
        "start": iso(index[0]) if len(index) else None,
        "end": iso(index[-1]) if len(index) else None,
        "frequency": series.frequency,
        "date_column": series.date_column,
        "value_column": series.value_column,
        "repairs": [repair.to_dict() for repair in series.repairs],
        "summary": {
            "min": float(values.min()) if len(values) else None,
            "max": float(values.max()) if len(values) else None,
            "mean": float(values.mean()) if len(values) else None,
        },
    }


def _interpret(
    table: RawTable, date_column: str | None, value_column: str | None, repairs: list[Repair]
) -> LoadedSeries:
    date_position, date_format = choose_date_column(table, date_column, value_column)
    value_position, numeric = choose_value_column(table, value_column, date_position)
    name = table.names[value_position]
    cells = table.load([value_position] if date_position is None else [value_position, date_position])
    numbers = parse_numbers(cells[0], decimal_comma_default=table.decimal_comma_default)
    repairs = repairs + list(numbers.notes)
    if date_position is None or date_format is None:
        series, more = _generated(table, numbers, value_position)
    else:
        series, more = _dated(table, numbers, value_position, cells[1], date_format, date_position)
    repairs += more + _constant(series)
    return LoadedSeries(
        values=series.rename(name),
        frequency=series.index.freqstr,
        date_column=None if date_position is None else table.names[date_position],
        value_column=name,
        columns=table.names,
        numeric_columns=numeric,
        repairs=tuple(repairs),
    )


def _generated(table: RawTable, numbers: Numbers, value_position: int) -> tuple[pd.Series, list[Repair]]:
    """No date column: the values in file order on a daily index from ``GENERATED_START``."""
    rows = np.arange(table.n_rows)
    repairs = missing_repairs(
        numbers, rows, table.row_labels, lambda row: table.raw_cell(row, value_position)
    )
    _check_enough(numbers.values, table.names[value_position])
    grid = pd.date_range(GENERATED_START, periods=table.n_rows, freq="D", unit="us", name="date")
    detail = f"No date column: generated a daily index starting {GENERATED_START}."
    series, filled = fill_grid(rows, numbers.values, grid, DAILY)
    return series, [*repairs, Repair("generated_index", table.n_rows, detail), *filled]


def _dated(
    table: RawTable,
    numbers: Numbers,
    value_position: int,
    cells: pd.Series,
    fmt: DateFormat,
    date_position: int,
) -> tuple[pd.Series, list[Repair]]:
    """Parse the dates, drop rows with unreadable ones, then regularise onto the inferred frequency."""
    dates = parse_dates(cells, fmt)
    repairs = date_repairs(dates, fmt, table.row_labels)
    _check_dates(dates, table, date_position)
    rows = np.flatnonzero(~dates.bad)
    repairs += missing_repairs(
        numbers, rows, table.row_labels, lambda row: table.raw_cell(row, value_position)
    )
    _check_enough(numbers.values[rows], table.names[value_position])
    when, clock = _choose_clock(dates, rows)
    series, regular = regularise(when, numbers.values[rows], table.names[value_position])
    return series, repairs + clock + regular


def _constant(series: pd.Series) -> list[Repair]:
    if len(series) == 0 or float(np.ptp(series.to_numpy())) != 0.0:
        return []
    detail = (
        f"All {len(series):,} values are the same ({series.iloc[0]:.10g}); any forecast will just repeat it."
    )
    return [Repair("constant", len(series), detail)]


def _check_dates(dates: Dates, table: RawTable, position: int) -> None:
    bad = np.flatnonzero(dates.bad)
    if len(bad) > MAX_MISSING_FRACTION * table.n_rows:
        shown = examples(table.row_labels[bad], dates.texts.iloc[bad[:3]], len(bad))
        raise DataError(
            f"Could not read {len(bad) / table.n_rows:.0%} of the dates in column "
            f"{cell_text(table.names[position], 40)} ({shown})."
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


def _empty_cells(column: pd.Series) -> np.ndarray:
    empty = column.isna().to_numpy(dtype=bool)
    if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
        return empty | column.astype("str").fillna("").str.strip().eq("").to_numpy(dtype=bool)
    return empty


def _as_text(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.dt.strftime("%Y-%m-%dT%H:%M:%S%z").fillna("").astype("str")
    return column.astype("str").fillna("").str.strip()


def _table_from_frame(frame: pd.DataFrame) -> tuple[RawTable, list[Repair]]:
    if not isinstance(frame, pd.DataFrame):
        raise DataError("Expected a table of rows and columns.")
    if frame.shape[1] > MAX_COLUMNS:
        raise DataError(f"The table has {frame.shape[1]:,} columns; the limit is {MAX_COLUMNS:,}.")
    if len(frame) > MAX_ROWS:
        raise DataError(f"The table has {len(frame):,} rows; the limit is {MAX_ROWS:,}.")
    if frame.shape[1] == 0 or len(frame) == 0:
        raise DataError("No data rows found.")
    names = unique_names([str(column) for column in frame.columns])
    frame = frame.set_axis(range(len(names)), axis=1).reset_index(drop=True)
    blank = np.logical_and.reduce([_empty_cells(frame[position]) for position in range(len(names))])
    repairs = []
    if blank.any():
        repairs.append(
            Repair("blank_rows", int(blank.sum()), f"{count_phrase(int(blank.sum()), 'blank row')} ignored.")
        )
        frame = frame[~blank].reset_index(drop=True)
        if frame.empty:
            raise DataError("No data rows found.")
    sample = pd.DataFrame({name: _as_text(frame[i].iloc[:SAMPLE_ROWS]) for i, name in enumerate(names)})

    def raw_cell(row: int, column: int) -> str:
        value = frame.iat[row, column]
        return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)

    labels = np.flatnonzero(~blank).astype(np.int64) + 1
    return RawTable(
        names, sample, len(frame), lambda positions: [frame[p] for p in positions], raw_cell, labels
    ), repairs


@dataclass(frozen=True)
class Covariates:
    """Covariate columns ready for ``core.run.pipeline.run_forecast(..., covariates=frame)``.

    Attributes:
        frame: indexed by the series' dates, one float column per chosen name, no NaN.
        notes: what intake repaired in these columns (one sentence each, naming the column).
    """

    frame: pd.DataFrame
    notes: tuple[str, ...] = ()


def read_covariates(data: bytes, series: LoadedSeries, names: tuple[str, ...]) -> Covariates:
    """Read ``names`` from the file ``series`` came from, repaired like the value column, on the series' dates.

    Args:
        data: the uploaded file's bytes.
        series: the series loaded from ``data`` (its date column and dates are used).
        names: covariate columns, none of them the value column.

    Raises:
        DataError: one line naming the column that cannot be used and why.
    """
    columns: dict[str, pd.Series] = {}
    notes: list[str] = []
    for name in names:
        try:
            loaded = read_series(data, date_column=series.date_column, value_column=name)
        except DataError as exc:
            raise DataError(f"Column '{name}' can't be used as an input: {exc}") from exc
        aligned = loaded.values.reindex(series.values.index)
        missing = aligned.isna()
        if missing.any():
            first = aligned.index[missing.argmax()]
            raise DataError(f"Column '{name}' can't be used as an input: it has no value at {int(missing.sum())} "
                            f"of the series' dates (first {first:%Y-%m-%d %H:%M}).")
        columns[name] = aligned.astype("float64")
        notes.extend(f"Column '{name}': {repair.detail}" for repair in loaded.repairs if repair not in series.repairs)
    return Covariates(frame=pd.DataFrame(columns, index=series.values.index), notes=tuple(notes))
