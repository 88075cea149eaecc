"""Limits, the raw-table type and plain-language formatting shared by the intake modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "MAX_ROWS", "MAX_COLUMNS", "MAX_SERIES", "MAX_MISSING_FRACTION", "MAX_HEADER_CHARS", "MIN_POINTS", "SAMPLE_ROWS",
    "RawTable", "cell_text", "row_list", "examples", "count_phrase",
]


MAX_ROWS = 1_000_000


MAX_COLUMNS = 200


#: Series in one file (ids of a series column); ``MAX_ROWS`` bounds their rows in total.
MAX_SERIES = 1000


MAX_MISSING_FRACTION = 0.2


MAX_HEADER_CHARS = 100_000


MIN_POINTS = 3


#: Rows read as text to decide which columns hold dates and numbers.
SAMPLE_ROWS = 1000


@dataclass(frozen=True)
class RawTable:
    """A table as read from a file or a data editor, before any column is interpreted.

    Attributes:
        names: display names of all columns, unique, in source order.
        sample: the first ``SAMPLE_ROWS`` rows, every column as text (``""`` when empty).
        n_rows: number of data rows.
        load: the full columns at the given positions (text or already-typed values), in that order.
        raw_cell: the original text of ``(row position, column position)``, for examples in messages.
        row_labels: ``(n_rows,)`` int64, the row number a person sees for each data row.
        decimal_comma_default: whether ambiguous ``"1,234"`` means 1.234 (files separated by ``;``).
    """

    names: tuple[str, ...]
    sample: pd.DataFrame
    n_rows: int
    load: Callable[[list[int]], list[pd.Series]]
    raw_cell: Callable[[int, int], str]
    row_labels: np.ndarray
    decimal_comma_default: bool = False


def cell_text(value: object, limit: int = 24) -> str:
    """A cell as a short quoted literal for messages (``'?0.2'``), or ``empty``."""
    text = "" if value is None else str(value)
    if text.strip() == "" or text == "nan":
        return "empty"
    printable = "".join(ch if ch.isprintable() else "?" for ch in text.strip())
    if len(printable) > limit:
        printable = printable[: limit - 1] + "…"
    return repr(printable)


def row_list(labels: Sequence[int] | np.ndarray, limit: int = 3) -> str:
    """``"rows 4, 9, 12"`` (or ``"row 4"``) for the first ``limit`` row numbers."""
    shown = [f"{int(label):,}" for label in list(labels)[:limit]]
    word = "row" if len(shown) == 1 else "rows"
    return f"{word} {', '.join(shown)}"


def examples(labels: Sequence[int] | np.ndarray, cells: Sequence[object], total: int, limit: int = 3) -> str:
    """``"rows 4, 9, 12: '?0.2', 'n/a', '—'"``, prefixed with ``e.g.`` when ``total`` exceeds ``limit``."""
    texts = ", ".join(cell_text(cell) for cell in list(cells)[:limit])
    prefix = "e.g. " if total > limit else ""
    return f"{prefix}{row_list(labels, limit)}: {texts}"


def count_phrase(count: int, singular: str, plural: str | None = None) -> str:
    """``"1 day"`` / ``"7 days"`` with thousands separators."""
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count:,} {word}"
