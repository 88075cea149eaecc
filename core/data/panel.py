"""Files that hold several series: ``read_panel`` and ``describe_panel``, and the reading plan they share with
``core.data.intake.read_series`` (which columns hold the dates, the series ids and the values).

Rows of different series are never averaged together: a long file is split by its series-id column before any
series is regularised, so repeated timestamps are averaged only within one series.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.data.parsing.assembly import Cells, assemble
from core.data.parsing.columns import choose_date_column, choose_value_column, find_column
from core.data.parsing.common import RawTable, cell_text
from core.data.parsing.dates import DateFormat, Dates, parse_dates
from core.data.parsing.decode import decode_bytes, split_lines
from core.data.parsing.layout import SeriesIds, find_series_ids, id_candidates, wide_columns
from core.data.parsing.numbers import Numbers, parse_numbers
from core.data.parsing.table import table_from_lines
from core.data.series import LoadedSeries, Panel, PanelMember, Repair
from core.errors import DataError

__all__ = ["Choice", "Plan", "read_table", "plan_table", "build_member", "read_panel", "describe_panel", "iso"]


@dataclass(frozen=True)
class Choice:
    """What a person chose (None: detect it).

    Attributes:
        date_column: the column holding the dates.
        value_column: the column to forecast (of every series of a long file).
        value_columns: the columns of a wide file, one series each.
        series_column: the column that tells the series of a long file apart.
        wide: offer several temperature-like columns as series (``read_panel``); ``read_series`` takes one.
    """

    date_column: str | None = None
    value_column: str | None = None
    value_columns: tuple[str, ...] | None = None
    series_column: str | None = None
    wide: bool = False


@dataclass(frozen=True)
class Plan:
    """How a raw table splits into series, with its date and value columns parsed once for all of them.

    Attributes:
        table: the raw table.
        repairs: what was done to the file as a whole.
        date_position: the date column, or None to generate an index.
        date_format: how its dates are written.
        dates: ``(n_rows,)`` the parsed date column, or None.
        ids: the series of each row (a long file), or None.
        groups: the row positions of each series of a long file (``SeriesIds.rows``), or None.
        values: value column position -> its ``(n_rows,)`` parsed cells, in member order for a wide file.
        numeric: names of the columns that could be value columns.
    """

    table: RawTable
    repairs: list[Repair]
    date_position: int | None
    date_format: DateFormat | None
    dates: Dates | None
    ids: SeriesIds | None
    groups: list[np.ndarray] | None
    values: dict[int, Numbers]
    numeric: tuple[str, ...]

    @property
    def layout(self) -> str:
        return "long" if self.ids is not None else "wide" if len(self.values) > 1 else "single"

    def member_ids(self) -> tuple[str, ...]:
        """The series ids: the ids of a long file, else the value column names."""
        if self.ids is not None:
            return self.ids.ids
        return tuple(self.table.names[position] for position in self.values)


def read_table(data: bytes) -> tuple[RawTable, list[Repair]]:
    """CSV/TSV bytes as a raw table, with what decoding and table reading repaired."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    text, repairs = decode_bytes(bytes(data))
    lines, found = split_lines(text)
    table, more = table_from_lines(lines)
    return table, repairs + found + more


def plan_table(table: RawTable, repairs: list[Repair], choice: Choice) -> Plan:
    """Find the date, series-id and value columns and parse them.

    Raises:
        DataError: a chosen column does not exist or cannot play its part; too many series.
    """
    names = table.names
    first_value = choice.value_column or (choice.value_columns[0] if choice.value_columns else None)
    date_position, date_format = choose_date_column(table, choice.date_column, first_value)
    named = {find_column(names, name, "value") for name in _value_names(choice)}
    series_position = None
    if choice.series_column is not None:
        series_position = find_column(names, choice.series_column, "series")
        if series_position == date_position:
            raise DataError(f"Column {cell_text(names[series_position], 40)} holds the dates; "
                            "choose another series column.")
    candidates = [p for p in id_candidates(table, date_position, named) if p != series_position]
    if series_position is not None:
        candidates.insert(0, series_position)
    # Load the columns that could be ids with the likeliest value column in one pass over the text.
    guess, _ = _value_positions(table, choice, date_position, candidates)
    loaded = _load(table, [date_position, *candidates, *guess])
    dates = None
    if date_position is not None and date_format is not None:
        dates = parse_dates(loaded[date_position], date_format)
    ids = find_series_ids(table, {p: loaded[p] for p in candidates}, dates, choice.series_column)
    taken = [] if ids is None else [p for p in (ids.column, ids.name_column) if p is not None]
    values, numeric = _value_positions(table, choice, date_position, taken)
    if ids is not None and len(values) > 1:
        raise DataError(f"A file whose series are told apart by column {cell_text(names[ids.column], 40)} "
                        "takes one value column; choose one.")
    if ids is None and choice.wide and not (choice.value_column or choice.value_columns):
        wide = wide_columns(table, date_position, candidates)
        values = wide if len(wide) > 1 else values
    loaded.update(_load(table, [p for p in values if p not in loaded]))
    parsed = {p: parse_numbers(loaded[p], decimal_comma_default=table.decimal_comma_default) for p in values}
    file_repairs = repairs + (ids.missing(table) if ids is not None else [])
    groups = None if ids is None else ids.rows()
    return Plan(table, file_repairs, date_position, date_format, dates, ids, groups, parsed, numeric)


def _value_names(choice: Choice) -> list[str]:
    if choice.value_columns:
        return list(choice.value_columns)
    return [choice.value_column] if choice.value_column is not None else []


def _value_positions(
    table: RawTable, choice: Choice, date_position: int | None, exclude: list[int]
) -> tuple[list[int], tuple[str, ...]]:
    """The value column positions (named or chosen) and the numeric column names."""
    numeric: tuple[str, ...] = ()
    if choice.value_columns:
        positions: list[int] = []
        for name in choice.value_columns:
            position, numeric = choose_value_column(table, name, date_position, exclude)
            if position not in positions:
                positions.append(position)
        return positions, numeric
    try:
        position, numeric = choose_value_column(table, choice.value_column, date_position, exclude)
    except DataError:
        if choice.value_column is not None or not exclude:
            raise
        position, numeric = choose_value_column(table, None, date_position)  # every number column looked like an id
    return [position], numeric


def _load(table: RawTable, positions: Sequence[int | None]) -> dict[int, pd.Series]:
    wanted = list(dict.fromkeys(p for p in positions if p is not None))
    return dict(zip(wanted, table.load(wanted), strict=True)) if wanted else {}


def build_member(plan: Plan, index: int) -> LoadedSeries:
    """Series number ``index`` of the plan (``plan.member_ids()[index]``), read and repaired.

    Raises:
        DataError: this series cannot be used (too short, too many gaps, ...).
    """
    table = plan.table
    rows = None if plan.groups is None else plan.groups[index]
    position = next(iter(plan.values)) if rows is not None else list(plan.values)[index]
    numbers, dates, labels = plan.values[position], plan.dates, table.row_labels
    if rows is not None:
        numbers, labels = numbers.take(rows), labels[rows]
        dates = None if dates is None else dates.take(rows)

    def raw_cell(i: int) -> str:
        return table.raw_cell(i if rows is None else int(rows[i]), position)

    date_name = None if plan.date_position is None else table.names[plan.date_position]
    name = table.names[position]
    built = assemble(Cells(name, numbers, dates, plan.date_format, date_name, labels, raw_cell))
    filled = pd.Series(built.filled, index=built.values.index, name="filled") if built.filled.any() else None
    series_id, series_name, series_column = None, None, None
    if plan.ids is not None:
        series_id, series_name = plan.ids.ids[index], plan.ids.names[index]
        series_column = table.names[plan.ids.column]
    elif len(plan.values) > 1:
        series_id = name
    return LoadedSeries(
        values=built.values,
        frequency=built.values.index.freqstr,
        date_column=date_name,
        value_column=name,
        columns=table.names,
        numeric_columns=plan.numeric,
        repairs=tuple(plan.repairs + list(numbers.notes) + built.repairs),
        filled=filled,
        series_id=series_id,
        series_name=series_name,
        series_column=series_column,
    )


def read_panel(
    data: bytes,
    *,
    date_column: str | None = None,
    value_column: str | None = None,
    value_columns: tuple[str, ...] | list[str] | None = None,
    series_column: str | None = None,
) -> Panel:
    """Read a file of one or several series: a long file split by its series-id column, a wide file's
    temperature-like columns, or a single series.

    A series that cannot be used (too short, too many gaps) is left out with a ``series_skipped`` notice;
    when none can be used, the first one's problem is raised.

    Args:
        data: the file's bytes, as for ``read_series``.
        date_column: the column holding the dates; None detects it.
        value_column: the column to forecast for every series of a long file; None picks one.
        value_columns: the columns of a wide file, one series each; None takes its temperature-like columns.
        series_column: the column that tells the series apart; None detects it.

    Raises:
        DataError: one line saying why the file cannot be used; more than ``MAX_SERIES`` series.
    """
    table, repairs = read_table(data)
    choice = Choice(date_column, value_column, tuple(value_columns) if value_columns else None, series_column,
                    wide=True)
    plan = plan_table(table, repairs, choice)
    ids = plan.member_ids()
    members, skipped, first_error = [], [], None
    for index, series_id in enumerate(ids):
        try:
            series = build_member(plan, index)
        except DataError as exc:
            if len(ids) == 1:
                raise
            first_error = first_error or DataError(f"Series {cell_text(series_id, 40)}: {exc}")
            skipped.append(f"{cell_text(series_id, 40)} ({str(exc).rstrip('.')})")
            continue
        members.append(PanelMember(series_id, series.series_name, series))
    if not members:
        raise first_error or DataError("No series could be read.")
    notes = list(plan.repairs)
    if skipped:
        shown = "; ".join(skipped[:3]) + (f"; and {len(skipped) - 3:,} more" if len(skipped) > 3 else "")
        notes.append(Repair("series_skipped", len(skipped),
                            f"{len(skipped):,} of {len(ids):,} series could not be used and were left out: {shown}."))
    return Panel(
        members=tuple(members),
        layout=plan.layout,
        date_column=None if plan.date_position is None else table.names[plan.date_position],
        value_columns=tuple(table.names[p] for p in plan.values),
        series_column=None if plan.ids is None else table.names[plan.ids.column],
        name_column=None if plan.ids is None or plan.ids.name_column is None else table.names[plan.ids.name_column],
        columns=table.names,
        numeric_columns=plan.numeric,
        repairs=tuple(notes),
    )


def iso(index: pd.DatetimeIndex) -> Callable[[pd.Timestamp], str]:
    """How to write this index's timestamps: ``2020-01-31`` for whole days, else ISO with the time."""
    whole_days = len(index) > 0 and bool((index == index.normalize()).all())
    return (lambda when: when.date().isoformat()) if whole_days else (lambda when: when.isoformat())


def describe_panel(panel: Panel) -> dict[str, Any]:
    """A JSON-ready summary: the layout, the columns used, the file's repairs and, per series, ``id``, ``name``,
    ``rows``, ``start``, ``end``, ``frequency`` and its own repairs."""
    file_repairs = set(panel.repairs)
    entries = []
    for member in panel.members:
        index = member.series.values.index
        write = iso(index)
        entries.append({
            "id": member.id,
            "name": member.name,
            "rows": member.rows,
            "start": write(index[0]),
            "end": write(index[-1]),
            "frequency": member.series.frequency,
            "repairs": [repair.to_dict() for repair in member.series.repairs if repair not in file_repairs],
        })
    return {
        "layout": panel.layout,
        "series_count": len(panel.members),
        "rows": int(sum(member.rows for member in panel.members)),
        "date_column": panel.date_column,
        "series_column": panel.series_column,
        "name_column": panel.name_column,
        "value_columns": list(panel.value_columns),
        "repairs": [repair.to_dict() for repair in panel.repairs],
        "series": entries,
    }

