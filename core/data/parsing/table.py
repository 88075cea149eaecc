"""Read CSV text into a raw table: delimiter sniffing, header detection, ragged rows, limits."""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.data.parsing.common import MAX_COLUMNS, MAX_ROWS, SAMPLE_ROWS, RawTable, count_phrase, row_list
from core.data.parsing.dates import date_name_hint
from core.data.parsing.decode import Lines
from core.data.series import Repair
from core.errors import DataError

__all__ = ["sniff_delimiter", "unique_names", "table_from_lines"]


_CANDIDATES = ("\t", ";", ",", "|")


_DATA_LIKE = re.compile(r"[+-]?(\d+([.,]\d*)?|\.\d+)([eE][+-]?\d+)?|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?")


_MAX_TITLE_LINES = 10


_DATE_CELL = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?|\d{8}|\d{4}")


def sniff_delimiter(lines: list[str]) -> tuple[str | None, int]:
    """The delimiter among tab, ``;``, ``,``, ``|`` that splits the sample lines most consistently.

    Args:
        lines: the first non-blank lines of the file.

    Returns:
        The delimiter (None for a single column) and the number of title lines before the header.
    """
    best, best_skip, best_score = None, 0, 0.5
    fallback, fallback_width = None, 1
    for delimiter in _CANDIDATES:
        counts = _sample_counts(lines, delimiter)
        if len(counts) == 0:
            continue
        skip, width = _header_position(lines, counts, delimiter)
        rest = counts[skip + 1 :]
        score = float(np.mean(rest == width)) if len(rest) else 1.0
        if width >= 2 and score > best_score:
            best, best_skip, best_score = delimiter, skip, score
        if counts[0] > fallback_width and (len(rest) == 0 or float(np.mean(rest >= 2)) >= 0.5):
            fallback, fallback_width = delimiter, int(counts[0])
    # No consistent split: keep a delimiter the header and most rows contain, so ragged rows get named.
    return (best, best_skip) if best is not None else (fallback, 0)


def _header_position(lines: list[str], counts: np.ndarray, delimiter: str) -> tuple[int, int]:
    """Where the header is (after up to ``_MAX_TITLE_LINES`` title lines) and how many fields it has."""
    values, frequency = np.unique(counts, return_counts=True)
    width = int(values[np.argmax(frequency)])
    if width < 2 or counts[0] == width:
        return 0, int(counts[0])
    data = [
        i
        for i in range(min(len(lines), _MAX_TITLE_LINES + 2))
        if counts[i] == width and _looks_like_data(_fields(lines[i], delimiter))
    ]
    header = data[0] - 1 if data else -1
    if 0 < header <= _MAX_TITLE_LINES and counts[header] == width:
        return header, width
    return 0, int(counts[0])


def _looks_like_data(fields: list[str]) -> bool:
    return all(_DATA_LIKE.fullmatch(cell.strip()) for cell in fields if cell.strip())


def _sample_counts(lines: list[str], delimiter: str) -> np.ndarray:
    """Fields per line, each line on its own (a stray quote must not merge lines here)."""
    return np.array([len(_trim(_fields(line, delimiter))) for line in lines], dtype=np.int64)


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
    source, metadata = _skip_metadata_block(source)
    head = zip(source.lines[:200], source.blank[:200], strict=True)
    sample_lines = [line for line, blank in head if not blank][:50]
    delimiter, skip = (source.delimiter, 0) if source.delimiter else sniff_delimiter(sample_lines)
    lines, repairs = source.without_blanks(keep_inner=delimiter is None)
    repairs = metadata + repairs
    lines, skipped = _skip_title_lines(lines, skip)
    lines, unmatched = _drop_unmatched_quotes(lines)
    header = _fields(lines.lines[0], delimiter)
    if len(header) > MAX_COLUMNS:
        raise DataError(f"The file has {len(header):,} columns; the limit is {MAX_COLUMNS:,}.")
    has_header = not _looks_like_data(header)
    data_lines = lines.lines[1:] if has_header else lines.lines
    numbers = lines.numbers[1:] if has_header else lines.numbers
    if not data_lines:
        raise DataError("No data rows found.")
    if len(data_lines) > MAX_ROWS:
        raise DataError(f"The file has {len(data_lines):,} data rows; the limit is {MAX_ROWS:,}.")
    names, named = _column_names(header, has_header)
    separator = delimiter or _unused_separator(lines.lines)
    layout, ragged = _layout(data_lines, numbers, separator, len(names))
    table = _build(data_lines, numbers, names, layout, delimiter == ";")
    return table, repairs + skipped + unmatched + named + ragged


def _skip_metadata_block(source: Lines) -> tuple[Lines, list[Repair]]:
    """Drop a block of metadata lines that a blank line separates from the table (Open-Meteo exports).

    The block is taken for metadata only when the line after the blank is a new header (not the block's first
    line again) that names a date column (``time``, ``date``, ...), and the line after that reads as data with a
    date in that column.
    """
    filled = np.flatnonzero(~source.blank[: 3 * _MAX_TITLE_LINES])
    if len(filled) < 3:
        return source, []
    first = int(filled[0])
    breaks = np.flatnonzero(np.diff(filled) > 1)
    if not len(breaks) or int(filled[breaks[0]]) - first >= _MAX_TITLE_LINES:
        return source, []
    header, data = int(filled[breaks[0] + 1]), filled[breaks[0] + 2 : breaks[0] + 3]
    if not len(data):
        return source, []
    delimiter, _ = sniff_delimiter([source.lines[i] for i in filled[breaks[0] + 1 :]])
    names, row = _fields(source.lines[header], delimiter), _fields(source.lines[int(data[0])], delimiter)
    dated = [i for i, name in enumerate(names) if date_name_hint(name) and i < len(row)]
    if source.lines[header].strip() == source.lines[first].strip() or not dated:
        return source, []
    if _looks_like_data(names) or not _looks_like_data(row) or not _DATE_CELL.fullmatch(row[dated[0]].strip()):
        return source, []
    block = int(filled[breaks[0]]) - first + 1
    detail = (
        f"{count_phrase(block, 'line')} of metadata before the column names "
        f"({row_list(source.numbers[first : first + block], limit=block)}) skipped."
    )
    rest = replace(source, lines=source.lines[header:], numbers=source.numbers[header:], blank=source.blank[header:])
    return rest, [Repair("metadata_lines", block, detail)]


def _skip_title_lines(lines: Lines, skip: int) -> tuple[Lines, list[Repair]]:
    if not skip:
        return lines, []
    detail = (
        f"{count_phrase(skip, 'line')} before the column names ({row_list(lines.numbers[:skip])}) skipped."
    )
    rest = replace(lines, lines=lines.lines[skip:], numbers=lines.numbers[skip:], blank=lines.blank[skip:])
    return rest, [Repair("title_lines", skip, detail)]


def _column_names(header: list[str], has_header: bool) -> tuple[tuple[str, ...], list[Repair]]:
    """Names from the header (trailing empty ones dropped), or generated when the first row is data."""
    width = len(_trim(header))
    if has_header:
        return unique_names(header[:width]), []
    names = ("value",) if width == 1 else tuple(f"column_{i}" for i in range(1, width + 1))
    listed = f"{', '.join(names[:4])}{'…' if width > 4 else ''}"
    detail = f"The first row holds data, not column names; columns were named {listed}."
    return names, [Repair("no_header", 1, detail)]


def _drop_unmatched_quotes(lines: Lines) -> tuple[Lines, list[Repair]]:
    """Remove the quotes of lines with an odd number of them, which would swallow the rest of the file."""
    odd = [i for i, line in enumerate(lines.lines) if '"' in line and line.count('"') % 2]
    if not odd:
        return lines, []
    fixed = list(lines.lines)
    for i in odd:
        fixed[i] = fixed[i].replace('"', "")
    detail = (
        f"{count_phrase(len(odd), 'row')} ({row_list(lines.numbers[odd])}) had an unmatched quote "
        "character; it was removed."
    )
    return replace(lines, lines=fixed), [Repair("unmatched_quotes", len(odd), detail)]


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
