"""Files of several series: the column that tells them apart (and the one that names them), or one per column.

A long file stacks series (``STATION,NAME,DATE,TMAX``: one block of rows per station). Its series-id column is
one whose ids explain the repeated dates: within one id the dates (almost) never repeat, while across the file
they do (for more than a few percent of the rows; 1 % for a column named like an id or a place: ``STATION``,
``sensor``, ``city``). A column named so also keeps apart series that follow one another in time (a station that
moved). Text columns qualify on content alone (times of day and dates excepted); numeric columns only when their
name says they are ids (``station_id``, ``wmo``). When an id and a name column split the rows alike (``STATION``
and ``NAME``), the rows are grouped by the id and the name is shown beside it. A wide file puts one series in
each of several temperature-like columns.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.parsing.columns import constant_step, find_column, temperature_like
from core.data.parsing.common import MAX_SERIES, MIN_POINTS, RawTable, cell_text, count_phrase, row_list
from core.data.parsing.dates import Dates, detect_date_format, times_of_day
from core.data.parsing.grid import MANY_DUPLICATES_FRACTION
from core.data.parsing.numbers import parse_numbers
from core.data.series import Repair
from core.errors import DataError

__all__ = ["SeriesIds", "id_candidates", "find_series_ids", "wide_columns"]


_ID_WORDS = frozenset(
    {"id", "code", "station", "stn", "stationid", "sensor", "device", "logger", "probe", "gauge", "meter", "wmo",
     "usaf", "wban", "icao", "site", "series", "key", "nr", "no", "number"}
)  # fmt: skip


_NAME_WORDS = frozenset(
    {"name", "city", "location", "place", "label", "title", "town", "description", "region", "country", "area",
     "airport", "origin", "ort", "stadt"}
)  # fmt: skip


_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


#: Within-series repeats allowed, as a share of the repeats the id explains.
_UNEXPLAINED = 0.1


#: Repeated timestamps (share of the rows) that a column named like an id must explain to split the file.
_HINTED_REPEATS = 0.01


#: How much the time spans of series that follow one another may overlap (share of the shorter span).
_OVERLAP = 0.05


@dataclass(frozen=True)
class SeriesIds:
    """Which series each row belongs to.

    Attributes:
        column: position of the series-id column.
        name_column: position of the column naming the ids, or None.
        codes: ``(n_rows,)`` int64, the series of each row (an index into ``ids``), -1 for rows without an id.
        ids: the series ids, in the order they first appear.
        names: the name of each id (the first one seen), or None without a name column.
    """

    column: int
    name_column: int | None
    codes: np.ndarray
    ids: tuple[str, ...]
    names: tuple[str | None, ...]

    def rows(self) -> list[np.ndarray]:
        """The row positions of each series, ``len(ids)`` arrays of int64 in file order."""
        order = np.argsort(self.codes, kind="stable")
        counts = np.bincount(self.codes[self.codes >= 0], minlength=len(self.ids))
        start = int((self.codes < 0).sum())
        return list(np.split(order[start:], np.cumsum(counts)[:-1]))

    def missing(self, table: RawTable) -> list[Repair]:
        """A notice for rows without an id, which belong to no series and are left out."""
        empty = np.flatnonzero(self.codes < 0)
        if not len(empty):
            return []
        detail = (
            f"{count_phrase(len(empty), 'row')} without a series id in column "
            f"{cell_text(table.names[self.column], 40)} ({row_list(table.row_labels[empty])}) left out."
        )
        return [Repair("no_series_id", len(empty), detail)]


def _words(name: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(name)}


def _hint(name: str) -> int:
    """0 for an id-like name (``STATION``), 2 for a name-like one (``NAME``, ``city``), else 1."""
    words = _words(name)
    if words & _NAME_WORDS:
        return 2
    return 0 if words & _ID_WORDS else 1


def _hinted(name: str) -> bool:
    return bool(_words(name) & (_ID_WORDS | _NAME_WORDS))


def id_candidates(table: RawTable, date_position: int | None, exclude: Collection[int] = ()) -> list[int]:
    """Columns that could tell series apart, judged from the sample: text that is not a date or a time of day,
    or whole numbers in a column named like an id."""
    found = []
    rows = max(1, len(table.sample))
    for position, name in enumerate(table.names):
        if position == date_position or position in exclude:
            continue
        texts = table.sample.iloc[:, position]
        filled = texts[texts.str.strip() != ""]
        if len(filled) < 0.5 * rows:
            continue
        numbers = parse_numbers(filled, decimal_comma_default=table.decimal_comma_default)
        if numbers.valid >= 0.5 * len(filled):
            finite = numbers.values[np.isfinite(numbers.values)]
            whole = bool((finite == np.round(finite)).all())
            if whole and _hinted(name) and not temperature_like(name) and not constant_step(numbers.values):
                found.append(position)
        elif not _time_like(filled):
            found.append(position)
    return found


def _time_like(texts: pd.Series) -> bool:
    head = texts.iloc[:200]
    if times_of_day(head):
        return True
    found = detect_date_format(head, hinted=False)
    return found is not None and found.rate >= 0.5


def _id_texts(column: pd.Series) -> pd.Series:
    """Cells as id texts: whole numbers without ``.0`` (``72509014739``), empty cells as ``""``."""
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        numbers = column.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(numbers)
        whole = finite & (numbers == np.round(numbers)) & (np.abs(numbers) < 1e15)
        texts = np.where(whole, np.char.mod("%d", np.where(whole, numbers, 0).astype(np.int64)), "")
        other = finite & ~whole
        if other.any():
            texts = texts.astype(object)
            texts[other] = [f"{value:.10g}" for value in numbers[other]]
        return pd.Series(texts, index=column.index, dtype="str")
    return column.astype("str").fillna("").str.strip().mask(column.isna(), "")


@dataclass(frozen=True)
class _Stamps:
    """The rows' timestamps, coded for counting repeats.

    Attributes:
        codes: ``(n,)`` int64 code of each row's timestamp, -1 when unreadable (all distinct without dates).
        micros: ``(n,)`` int64 microseconds (meaningless where ``codes`` is -1).
        repeats: rows whose timestamp an earlier row already has.
    """

    codes: np.ndarray
    micros: np.ndarray
    repeats: int

    @property
    def valid(self) -> int:
        return int((self.codes >= 0).sum())


@dataclass(frozen=True)
class _Split:
    position: int
    codes: np.ndarray
    uniques: np.ndarray
    explained: bool  # its ids explain the repeated dates (or keep apart series that follow each other)


def _split_by(position: int, column: pd.Series, stamps: _Stamps, hinted: bool) -> _Split:
    """Group the rows by this column's ids and judge whether the ids tell series apart.

    They do when there are few enough of them, when within one id the timestamps (almost) never repeat although
    they repeat across the file (more than a few percent of the rows; 1 % for a column named like an id), or,
    for a column named like an id, when each id's rows follow the previous id's in time.
    """
    codes, uniques = _factorize(column)
    groups = len(uniques)
    explained = False
    if groups >= 2 and groups * (2 if hinted else MIN_POINTS) <= len(codes):  # ids repeat; free text does not
        usable = (codes >= 0) & (stamps.codes >= 0)
        pairs = codes[usable] * (int(stamps.codes.max()) + 1) + stamps.codes[usable]
        within = int(usable.sum()) - _distinct(pairs)
        needed = max(2, (_HINTED_REPEATS if hinted else MANY_DUPLICATES_FRACTION) * stamps.valid)
        if within <= _UNEXPLAINED * stamps.repeats:
            explained = stamps.repeats >= needed or (
                hinted and _one_after_another(codes[usable], stamps.micros[usable])
            )
    return _Split(position, codes, uniques, explained)


def _factorize(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(n,)`` int64 code of each cell's id (-1 when empty) and the ids in the order they first appear."""
    texts = _id_texts(column)
    codes, uniques = pd.factorize(texts.where(texts != ""), use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _one_after_another(codes: np.ndarray, micros: np.ndarray) -> bool:
    """Whether each group's time span starts about where the previous one's ends, or later (a station that moved,
    or a replaced sensor): spans may overlap by ``_OVERLAP`` of the shorter one."""
    groups = int(codes.max()) + 1 if len(codes) else 0
    first = np.full(groups, np.iinfo(np.int64).max)
    last = np.full(groups, np.iinfo(np.int64).min)
    np.minimum.at(first, codes, micros)
    np.maximum.at(last, codes, micros)
    order = np.argsort(first)
    first, last = first[order], last[order]
    spans = last - first
    overlap = last[:-1] - first[1:]
    return bool((overlap <= _OVERLAP * np.minimum(spans[:-1], spans[1:])).all())


def find_series_ids(
    table: RawTable,
    loaded: dict[int, pd.Series],
    dates: Dates | None,
    series_column: str | None = None,
) -> SeriesIds | None:
    """The series-id column (named, else detected among ``loaded``) and the rows of each series.

    Args:
        table: the raw table.
        loaded: ``{position: (n_rows,) cells}`` of the candidate columns (``id_candidates``), fully loaded.
        dates: the parsed date column, or None when there is none.
        series_column: the column a person chose; None detects it (None is returned when there is none).

    Raises:
        DataError: the named column does not exist; more than ``MAX_SERIES`` series.
    """
    stamps = _stamps(dates, table.n_rows)
    if series_column is not None:
        position = find_column(table.names, series_column, "series")
        if position not in loaded:
            raise ValueError(f"column {position} was not loaded")
        return _finish(table, _split_by(position, loaded[position], stamps, True), loaded)
    splits = [_split_by(p, column, stamps, _hinted(table.names[p])) for p, column in loaded.items()]
    explained = [split for split in splits if split.explained]
    if explained:
        best = min(explained, key=lambda split: (_hint(table.names[split.position]), len(split.uniques)))
        return _finish(table, _prefer_id(table, best, explained), loaded)
    single = [s for s in splits if len(s.uniques) == 1 and _hinted(table.names[s.position])]
    if single:  # one station's file: its id (and name) are worth showing
        return _finish(table, min(single, key=lambda s: _hint(table.names[s.position])), loaded)
    return None


def _distinct(values: np.ndarray) -> int:
    """How many distinct int64 values (sorting is much faster than ``np.unique`` on 10⁶ values)."""
    if not len(values):
        return 0
    ordered = np.sort(values)
    return int(np.count_nonzero(np.diff(ordered))) + 1


def _stamps(dates: Dates | None, n: int) -> _Stamps:
    if dates is None:
        return _Stamps(np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64), 0)
    micros = dates.values.astype("datetime64[us]").astype(np.int64)
    codes, _ = pd.factorize(micros)
    codes = codes.astype(np.int64)
    codes[np.isnat(dates.values)] = -1
    valid = codes[codes >= 0]
    return _Stamps(codes, micros, len(valid) - _distinct(valid))


def _same_partition(first: _Split, second: _Split) -> bool:
    both = (first.codes >= 0) & (second.codes >= 0)
    pairs = _distinct(first.codes[both] * (len(second.uniques) + 1) + second.codes[both])
    return pairs == len(first.uniques) == len(second.uniques)


def _prefer_id(table: RawTable, best: _Split, explained: list[_Split]) -> _Split:
    """Of columns that split the rows alike (``STATION`` and ``NAME``), the id-like one."""
    alike = [split for split in explained if split is best or _same_partition(best, split)]

    def rank(split: _Split) -> tuple[int, float]:
        lengths = [len(str(value)) for value in split.uniques[:100]]
        return _hint(table.names[split.position]), float(np.mean(lengths))

    return min(alike, key=rank)


def _finish(table: RawTable, chosen: _Split, loaded: dict[int, pd.Series]) -> SeriesIds:
    groups = len(chosen.uniques)
    if groups > MAX_SERIES:
        raise DataError(
            f"The file holds {groups:,} series in column {cell_text(table.names[chosen.position], 40)}; "
            f"the limit is {MAX_SERIES:,}."
        )
    if groups == 0:
        raise DataError(f"Column {cell_text(table.names[chosen.position], 40)} holds no series ids.")
    name_position, names = _names(table, chosen, loaded)
    ids = tuple(str(value) for value in chosen.uniques)
    return SeriesIds(chosen.position, name_position, chosen.codes, ids, names)


def _names(table: RawTable, chosen: _Split, loaded: dict[int, pd.Series]) -> tuple[int | None, tuple[str | None, ...]]:
    """The text column that names each id one to one (``NAME`` beside ``STATION``), preferring a name-like one."""
    alike: list[tuple[int, _Split]] = []
    for position, column in loaded.items():
        if position == chosen.position or pd.api.types.is_numeric_dtype(column.dtype):
            continue
        split = _Split(position, *_factorize(column), explained=False)
        if _same_partition(chosen, split):
            alike.append((position, split))
    if not alike:
        return None, (None,) * len(chosen.uniques)
    position, split = min(alike, key=lambda item: (-_hint(table.names[item[0]]), item[0]))
    first = np.full(len(chosen.uniques), -1, dtype=np.int64)
    both = np.flatnonzero((chosen.codes >= 0) & (split.codes >= 0))
    first[chosen.codes[both[::-1]]] = split.codes[both[::-1]]  # the first name seen wins
    return position, tuple(str(split.uniques[code]) if code >= 0 else None for code in first)


def wide_columns(table: RawTable, date_position: int | None, exclude: Collection[int] = ()) -> list[int]:
    """The temperature-like numeric columns of a wide file (one series each), in file order.

    A column that rises by a constant step (an index) is never one of them.
    """
    rows = max(1, len(table.sample))
    found = []
    for position, name in enumerate(table.names):
        if position == date_position or position in exclude or not temperature_like(name):
            continue
        numbers = parse_numbers(table.sample.iloc[:, position], decimal_comma_default=table.decimal_comma_default)
        if numbers.valid >= 0.5 * rows and not constant_step(numbers.values):
            found.append(position)
    return found
