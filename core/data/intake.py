"""Read CSV bytes or an edited table into a regular, finite series with a plain-language repair report."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from core.data.panel import Choice, Plan, build_member, iso, plan_table, read_table
from core.data.parsing.columns import find_column
from core.data.parsing.common import MAX_COLUMNS, MAX_ROWS, SAMPLE_ROWS, RawTable, cell_text, count_phrase
from core.data.parsing.layout import wide_columns
from core.data.parsing.table import unique_names
from core.data.series import LoadedSeries, Repair, SeveralSeriesError
from core.errors import DataError

__all__ = ["read_series", "series_from_frame", "describe", "Covariates", "read_covariates"]


def read_series(
    data: bytes,
    *,
    date_column: str | None = None,
    value_column: str | None = None,
    series: str | None = None,
    series_column: str | None = None,
) -> LoadedSeries:
    """Read CSV/TSV bytes as people export them into a regular series.

    Row numbers in messages are the file's line numbers (the header is row 1), as a spreadsheet shows them.
    A file that stacks several series (a series-id column such as ``STATION``) needs ``series``; its rows are
    never averaged across series (``core.data.panel.read_panel`` reads them all). A wide file (one series per
    column) gives its first temperature-like column unless ``value_column`` (or ``series``) names another.

    Args:
        data: the file's bytes (UTF-8, UTF-16 or Windows-1252; ``,`` ``;`` tab or ``|`` separated).
        date_column: the column holding the dates; None detects it (or generates a daily index).
        value_column: the column to forecast; None picks a temperature-like, else the first numeric column.
        series: the id of the series to read (a value of the series-id column); in a file without one, a
            value column's name.
        series_column: the column that tells the series apart; None detects it.

    Raises:
        SeveralSeriesError: the file holds several series and ``series`` is None.
        DataError: one line saying why the file cannot be used.
    """
    table, repairs = read_table(data)
    if series is not None and series_column is None and value_column is None:
        value_column = _column_series(table, series)
    plan = plan_table(table, repairs, Choice(date_column, value_column, series_column=series_column))
    ids = plan.member_ids()
    if plan.ids is None:
        if series is not None and value_column is None:
            raise DataError(f"There is no series {cell_text(series, 40)}: the file holds one series, in column "
                            f"{cell_text(ids[0], 40)}.")
        loaded = build_member(plan, 0)
        return _with(loaded, _other_series(plan) if value_column is None else [])
    column = cell_text(table.names[plan.ids.column], 40)
    if series is None:
        if len(ids) == 1:
            return build_member(plan, 0)
        shown = ", ".join(cell_text(i, 40) for i in ids[:5]) + (f" and {len(ids) - 5:,} more" if len(ids) > 5 else "")
        raise SeveralSeriesError(
            f"The file holds {len(ids):,} series told apart by column {column} ({shown}); choose one of them.",
            ids,
            table.names[plan.ids.column],
        )
    return build_member(plan, _position(ids, series, column))


def _column_series(table: RawTable, series: str) -> str | None:
    """``series`` as a value column name when it names a column, else None."""
    try:
        find_column(table.names, series, "value")
    except DataError:
        return None
    return series


def _position(ids: tuple[str, ...], series: str, column: str) -> int:
    if series in ids:
        return ids.index(series)
    folded = [i for i, name in enumerate(ids) if name.casefold() == str(series).strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    shown = ", ".join(cell_text(i, 40) for i in ids[:12]) + (f" and {len(ids) - 12:,} more" if len(ids) > 12 else "")
    raise DataError(f"There is no series {cell_text(series, 40)} in column {column}; the file holds "
                    f"{len(ids):,}: {shown}.")


def _other_series(plan: Plan) -> list[Repair]:
    """A notice that a wide file's other temperature-like columns are series of their own."""
    table = plan.table
    chosen = next(iter(plan.values))
    wide = [p for p in wide_columns(table, plan.date_position) if p != chosen]
    if not wide or chosen not in wide_columns(table, plan.date_position):
        return []
    shown = ", ".join(cell_text(table.names[p], 40) for p in wide[:5]) + (" …" if len(wide) > 5 else "")
    detail = (
        f"{count_phrase(len(wide), 'more temperature-like column')} ({shown}) can each be forecast as a series "
        f"of its own; {cell_text(table.names[chosen], 40)} was used."
    )
    return [Repair("other_series", len(wide), detail)]


def _with(series: LoadedSeries, repairs: list[Repair]) -> LoadedSeries:
    if not repairs:
        return series
    return replace(series, repairs=series.repairs + tuple(repairs))


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
    plan = plan_table(table, repairs, Choice(date_column, value_column))
    if plan.ids is not None and len(plan.member_ids()) > 1:
        raise DataError(f"The table holds {len(plan.member_ids()):,} series told apart by column "
                        f"{cell_text(table.names[plan.ids.column], 40)}; keep one of them.")
    return build_member(plan, 0)


def describe(series: LoadedSeries) -> dict[str, Any]:
    """A JSON-ready summary: rows, start, end, frequency, columns, repairs and min/max/mean.

    A series of a file of several also gets ``series`` (its id), ``name`` and ``series_column``.
    """
    values = series.values
    index = values.index
    write = iso(index)
    document: dict[str, Any] = {
        "rows": len(values),
        "start": write(index[0]) if len(index) else None,
        "end": write(index[-1]) if len(index) else None,
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
    if series.series_id is not None:
        document.update(series=series.series_id, name=series.series_name, series_column=series.series_column)
    return document


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
        series: the series loaded from ``data`` (its date column and dates are used; of a file of several
            series, the covariates come from that series' rows).
        names: covariate columns, none of them the value column.

    Raises:
        DataError: one line naming the column that cannot be used and why.
    """
    columns: dict[str, pd.Series] = {}
    notes: list[str] = []
    for name in names:
        try:
            loaded = read_series(data, date_column=series.date_column, value_column=name,
                                 series=series.series_id if series.series_column else None,
                                 series_column=series.series_column)
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
