"""Read CSV text into a raw table: delimiter sniffing, header detection, ragged rows, limits."""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core.intake_common import MAX_COLUMNS, MAX_ROWS, SAMPLE_ROWS, RawTable, count_phrase, row_list
from core.intake_decode import Lines
from core.types import Repair

__all__ = ["sniff_delimiter", "table_from_lines", "unique_names"]

_CANDIDATES = ("\t", ";", ",", "|")
_DATA_LIKE = re.compile(r"[+-]?(\d+([.,]\d*)?|\.\d+)([eE][+-]?\d+)?|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?")
_NO_FIELDS = np.zeros(0, dtype=np.int64)


def sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter among tab, ``;``, ``,``, ``|`` that splits the sample lines most consistently.

    The header must contain it; None means a single column.
    """
    best, best_score = None, 0.5
    for delimiter in _CANDIDATES:
        counts = _sample_counts(lines, delimiter)
        if len(counts) == 0 or counts[0] < 2:
            continue
        score = float(np.mean(counts[1:] == counts[0])) if len(counts) > 1 else 1.0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _sample_counts(lines: list[str], delimiter: str) -> np.ndarray:
    try:
        records = list(csv.reader(lines, delimiter=delimiter, skipinitialspace=True))
    except csv.Error:
        return _NO_FIELDS
    return np.array([len(_trim(record)) for record in records], dtype=np.int64)


def _trim(record: list[str]) -> list[str]:
    end = len(record)
    while end > 1 and not record[end - 1].strip():
        end -= 1
    return record[:end]


def unique_names(raw: list[str]) -> tuple[str, ...]:
    """Column names stripped, empty ones named ``column_<n>``, duplicates suffixed `` (2)``."""
    names: list[str] = []
    for position, name in enumerate(raw, start=1):
        base = name.strip().strip('"').strip() or f"column_{position}"
        candidate, suffix = base, 2
        while candidate in names:
            candidate, suffix = f"{base} ({suffix})", suffix + 1
        names.append(candidate)
    return tuple(names)


@dataclass(frozen=True)
class _Layout:
    delimiter: str
    width: int
    max_fields: int
    starts: np.ndarray  # (n_records,) index into the data lines where each record starts


def table_from_lines(source: Lines) -> tuple[RawTable, list[Repair]]:
    """Interpret the meaningful lines of a CSV file as a raw table.

    Raises:
        DataError: no data rows, too many rows or columns, rows with more fields than the header,
            or text the CSV parser rejects.
    """
    head = zip(source.lines[:200], source.blank[:200], strict=True)
    sample_lines = [line for line, blank in head if not blank][:50]
    delimiter = source.delimiter or sniff_delimiter(sample_lines)
    lines, repairs = source.without_blanks(keep_inner=delimiter is None)
    header = _fields(lines.lines[0], delimiter)
    if len(header) > MAX_COLUMNS:
        raise DataError(f"The file has {len(header):,} columns; the limit is {MAX_COLUMNS:,}.")
    has_header = not all(_DATA_LIKE.fullmatch(cell.strip()) for cell in header if cell.strip())
    data_lines = lines.lines[1:] if has_header else lines.lines
    numbers = lines.numbers[1:] if has_header else lines.numbers
    if not data_lines:
        raise DataError("No data rows found.")
    if len(data_lines) > MAX_ROWS:
        raise DataError(f"The file has {len(data_lines):,} data rows; the limit is {MAX_ROWS:,}.")
    width = len(_trim(header))
    if has_header:
        names = unique_names(header[:width])
    else:
        names = ("value",) if width == 1 else tuple(f"column_{i}" for i in range(1, width + 1))
        repairs.append(
            Repair(
                "no_header",
                1,
                "The first row holds data, not column names; columns were named "
                f"{', '.join(names[:4])}{'…' if width > 4 else ''}.",
            )
        )
    separator = delimiter or _unused_separator(lines.lines)
    layout, ragged = _layout(data_lines, numbers, separator, width)
    return _build(data_lines, numbers, names, layout, delimiter == ";"), repairs + ragged


def _fields(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return [line]
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [""])
    except csv.Error:
        return line.split(delimiter)


def _unused_separator(lines: list[str]) -> str:
    for candidate in ("\x1f", "\x1e", "\x1d", "\x1c"):
        if not any(candidate in line for line in lines[:1000]):
            return candidate
    return "\x1f"


def _layout(
    data_lines: list[str], numbers: np.ndarray, delimiter: str, width: int
) -> tuple[_Layout, list[Repair]]:
    if any('"' in line for line in data_lines[:1000]) or '"' in "".join(data_lines):
        counts, trimmed, starts = _quoted_counts(data_lines, delimiter)
    else:
        counts = np.array(list(map(str.count, data_lines, itertools.repeat(delimiter))), dtype=np.int64) + 1
        trimmed, starts = counts.copy(), np.arange(len(data_lines))
        for i in np.flatnonzero(counts > width):
            trimmed[i] = len(_trim(data_lines[i].split(delimiter)))
    labels = numbers[starts]
    too_many = np.flatnonzero(trimmed > width)
    if len(too_many):
        raise DataError(
            f"{row_list(labels[too_many]).capitalize()}{' (and more)' if len(too_many) > 3 else ''} "
            f"{'has' if len(too_many) == 1 else 'have'} more fields than the header ({width}); "
            "check the delimiter or quote cells that contain it."
        )
    repairs = []
    extra, short = np.flatnonzero(counts > width), np.flatnonzero(counts < width)
    if len(extra):
        repairs.append(
            Repair(
                "ragged_rows",
                len(extra),
                f"{count_phrase(len(extra), 'row')} "
                f"({row_list(labels[extra])}) had extra empty fields at the end; ignored.",
            )
        )
    if len(short):
        repairs.append(
            Repair(
                "ragged_rows",
                len(short),
                f"{count_phrase(len(short), 'row')} "
                f"({row_list(labels[short])}) had fewer fields than the header; "
                "the missing cells count as empty.",
            )
        )
    max_fields = int(counts.max()) if len(counts) else width
    return _Layout(delimiter, width, max(max_fields, width), starts), repairs


def _quoted_counts(data_lines: list[str], delimiter: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts: list[int] = []
    trimmed: list[int] = []
    starts: list[int] = []
    reader = csv.reader(data_lines, delimiter=delimiter, skipinitialspace=True)
    consumed = 0
    try:
        for record in reader:
            starts.append(consumed)
            consumed = reader.line_num
            counts.append(len(record))
            trimmed.append(len(_trim(record)))
    except csv.Error as error:
        raise DataError(f"Could not read the file as CSV near line {consumed + 1}: {error}.") from None
    return np.array(counts, np.int64), np.array(trimmed, np.int64), np.array(starts, np.int64)


def _build(
    data_lines: list[str], numbers: np.ndarray, names: tuple[str, ...], layout: _Layout, decimal_comma: bool
) -> RawTable:
    body = "\n".join(data_lines)
    n_rows = len(layout.starts)

    def read(positions: list[int] | None, *, as_text: bool, nrows: int | None = None) -> pd.DataFrame:
        # Only empty cells are missing: "n/a", "NA" and friends stay text so messages can quote them.
        options = {"dtype": str, "na_filter": False} if as_text else {"low_memory": False, "na_values": [""]}
        try:
            frame = pd.read_csv(
                io.StringIO(body),
                sep=layout.delimiter,
                header=None,
                names=range(layout.max_fields),
                usecols=positions,
                nrows=nrows,
                quotechar='"',
                skipinitialspace=True,
                skip_blank_lines=False,
                index_col=False,
                engine="c",
                keep_default_na=False,
                **options,
            )
        except (pd.errors.ParserError, csv.Error, ValueError) as error:
            message = str(error).strip().splitlines()[-1] if str(error).strip() else "unreadable text"
            raise DataError(f"Could not read the file as CSV: {message}") from None
        if len(frame) != n_rows and nrows is None:
            raise DataError("Could not read the file as CSV: quotes do not match up; check quoted cells.")
        return frame

    def load(positions: list[int]) -> list[pd.Series]:
        frame = read(sorted(set(positions)), as_text=False)
        return [frame[position].reset_index(drop=True) for position in positions]

    def raw_cell(row: int, column: int) -> str:
        start = int(layout.starts[row]) if row < n_rows else 0
        fields = _fields(data_lines[start], layout.delimiter)
        return fields[column] if column < len(fields) else ""

    sample = read(list(range(layout.width)), as_text=True, nrows=min(SAMPLE_ROWS, n_rows))
    sample.columns = list(names)
    labels = numbers[layout.starts] if len(layout.starts) else numbers[:0]
    return RawTable(names, sample.reset_index(drop=True), n_rows, load, raw_cell, labels, decimal_comma)
