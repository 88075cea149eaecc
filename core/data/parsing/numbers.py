"""Read a column of cells as numbers: decimal commas, thousands separators, units, junk, absurd values."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.parsing.common import count_phrase, examples
from core.data.parsing.fast import to_float
from core.data.series import Repair

__all__ = ["ABSURD_MAGNITUDE", "HARD_MAGNITUDE", "Numbers", "parse_numbers", "missing_repairs"]


#: Values above this magnitude are treated as missing when they are also 1000x the column's median magnitude.
ABSURD_MAGNITUDE = 1e6


#: Values above this magnitude are always treated as missing (float32 training would lose all precision).
HARD_MAGNITUDE = 1e15


_SEPARATORS = "' \u00a0\u202f"


_CURRENCIES = "$€£¥"


_UNIT_NUMBER = re.compile(
    r"(?P<cur>[$€£¥])?\s*(?P<num>[+-]?\d(?:[\d.," + _SEPARATORS + r"]*\d)?)\s*"
    r"(?P<unit>°\s?[A-Za-z]?|%|‰|[A-Za-zµ°²³/]{1,10}(?:\s?[A-Za-z²³/]{1,4})?)?"
)


# Unambiguous evidence: "12,5" / "1.234,5" mean decimal commas; "1,234.5" / "1,234,567" mean thousands.
_COMMA_EVIDENCE = r"[+-]?(\d+,\d{1,2}|\d+,\d{4,}|0,\d+|\d{1,3}([." + _SEPARATORS + r"]\d{3})+,\d+)"


_DOT_EVIDENCE = r"[+-]?\d{1,3}([," + _SEPARATORS + r"]\d{3})+\.\d+|[+-]?\d{1,3}(,\d{3}){2,}"


_COMMA_FORM = r"[+-]?(\d{1,3}([." + _SEPARATORS + r"]\d{3})+|\d+)(,\d+)?"


_DOT_FORM = r"[+-]?(\d{1,3}([," + _SEPARATORS + r"]\d{3})+|\d+)(\.\d+)?"


@dataclass(frozen=True)
class Numbers:
    """A parsed value column.

    Attributes:
        values: ``(n,)`` float64, NaN where the cell is missing, unreadable or not finite.
        junk: ``(n,)`` bool, empty or unreadable cells.
        non_finite: ``(n,)`` bool, infinite or absurdly large values.
        texts: the stripped cell texts when the column was parsed from text, else None.
        notes: repairs for decimal commas, thousands separators and units.
    """

    values: np.ndarray
    junk: np.ndarray
    non_finite: np.ndarray
    texts: pd.Series | None
    notes: tuple[Repair, ...]

    def take(self, rows: np.ndarray) -> Numbers:
        """The cells of some rows: ``rows`` is ``(k,)`` int positions; every array becomes ``(k,)``."""
        texts = None if self.texts is None else self.texts.iloc[rows].reset_index(drop=True)
        return Numbers(self.values[rows], self.junk[rows], self.non_finite[rows], texts, self.notes)

    @property
    def valid(self) -> int:
        """How many cells hold a usable number."""
        return int(np.isfinite(self.values).sum())


def parse_numbers(cells: pd.Series, *, decimal_comma_default: bool = False) -> Numbers:
    """Parse cells (text or numbers) into floats, reporting what had to be interpreted.

    Args:
        cells: ``(n,)`` cells of any dtype.
        decimal_comma_default: read an ambiguous ``"1,234"`` as 1.234 (files separated by ``;``).
    """
    texts: pd.Series | None = None
    notes: list[Repair] = []
    if pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype):
        values = cells.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    else:
        texts = cells.astype("str").fillna("").str.strip()
        values = to_float(texts)
        empty = (texts == "").to_numpy(dtype=bool)
        failed = np.flatnonzero(np.isnan(values) & ~empty)
        if len(failed):
            notes = _parse_formatted(texts, failed, values, decimal_comma_default)
    non_finite = _non_finite(values)
    values[non_finite] = np.nan
    junk = np.isnan(values) & ~non_finite
    return Numbers(values, junk, non_finite, texts, tuple(notes))


def _non_finite(values: np.ndarray) -> np.ndarray:
    magnitude = np.abs(values)
    finite = np.isfinite(values)
    if not finite.any():
        return np.isinf(values)
    typical = float(np.median(magnitude[finite]))
    with np.errstate(invalid="ignore"):
        absurd = (magnitude > HARD_MAGNITUDE) | (
            (magnitude > ABSURD_MAGNITUDE) & (magnitude > 1000 * typical)
        )
    return np.isinf(values) | (absurd & finite)


def _parse_formatted(
    texts: pd.Series, failed: np.ndarray, values: np.ndarray, comma_default: bool
) -> list[Repair]:
    """Parse the cells ``to_numeric`` rejected, in place into ``values``; returns the notes.

    Every step is a vectorised string operation: a million decimal-comma cells take about a second.
    """
    cells = texts.iloc[failed].str.replace("\u2212", "-", regex=False)
    numbers, units = _strip_units(cells)
    comma_mode = _comma_mode(texts, numbers, comma_default)
    comma_ok = numbers.str.fullmatch(_COMMA_FORM).to_numpy(dtype=bool, na_value=False)
    dot_ok = numbers.str.fullmatch(_DOT_FORM).to_numpy(dtype=bool, na_value=False)
    use_comma = comma_ok & (comma_mode | ~dot_ok)
    use_dot = dot_ok & ~use_comma
    parsed = use_comma | use_dot
    if not parsed.any():
        return []
    converted = np.full(len(numbers), np.nan)
    if use_comma.any():
        comma_text = numbers[use_comma].str.replace(f"[.{_SEPARATORS}]", "", regex=True)
        converted[use_comma] = to_float(comma_text.str.replace(",", ".", regex=False))
    if use_dot.any():
        converted[use_dot] = to_float(numbers[use_dot].str.replace(f"[,{_SEPARATORS}]", "", regex=True))
    values[failed[parsed]] = converted[parsed]
    decimal = use_comma & numbers.str.contains(",", regex=False).to_numpy(dtype=bool)
    thousands = (use_comma & numbers.str.contains(f"[.{_SEPARATORS}]").to_numpy(dtype=bool)) | (
        use_dot & numbers.str.contains(f"[,{_SEPARATORS}]").to_numpy(dtype=bool)
    )
    with_unit = {unit: failed[mask & parsed] for unit, mask in units.items()}
    notes = {"decimal_comma": failed[decimal], "thousands_separators": failed[thousands]}
    return _format_notes(texts, values, notes, {unit: rows for unit, rows in with_unit.items() if len(rows)})


def _spread_sample(cells: pd.Series, size: int) -> pd.Series:
    """About ``size`` cells spread evenly over the column."""
    return cells.iloc[:: max(1, len(cells) // size)]


def _strip_units(cells: pd.Series) -> tuple[pd.Series, dict[str, np.ndarray]]:
    """Remove the unit suffixes and currency signs seen in a sample of the cells.

    Returns:
        The cells without them, and for each unit a ``(len(cells),)`` bool mask of the cells that had it.
    """
    found: dict[str, None] = {}
    for text in _spread_sample(cells, 2000):
        match = _UNIT_NUMBER.fullmatch(str(text))
        if match and (match["cur"] or match["unit"]):
            found[(match["cur"] or "") + (match["unit"] or "")] = None
    masks: dict[str, np.ndarray] = {}
    taken = np.zeros(len(cells), dtype=bool)
    for unit in sorted(found, key=len, reverse=True):
        prefix, suffix = (unit[:1], unit[1:]) if unit[:1] in _CURRENCIES else ("", unit)
        # Plain removals without back-references or \s keep pandas on its fast Arrow regex path.
        head, tail = f"^{re.escape(prefix)}[ \t]*", f"[ \t]*{re.escape(suffix)}$"
        mask = cells.str.fullmatch(f"{head}.*{tail}").to_numpy(dtype=bool, na_value=False) & ~taken
        if mask.any():
            masks[unit.strip()] = mask
            taken |= mask
            bare = cells[mask].str.replace(tail, "", regex=True).str.replace(head, "", regex=True)
            cells = cells.copy()
            cells[mask] = bare
    return cells, masks


def _comma_mode(texts: pd.Series, numbers: pd.Series, comma_default: bool) -> bool:
    """Whether commas are decimal marks, judged from the unambiguous cells of a sample."""
    sample = _spread_sample(numbers, 10_000)
    comma = int(sample.str.fullmatch(_COMMA_EVIDENCE).sum())
    dot = int(sample.str.fullmatch(_DOT_EVIDENCE).sum())
    dot += int(_spread_sample(texts, 10_000).str.fullmatch(r"[+-]?\d*\.\d+").sum())
    if comma == dot == 0:
        return comma_default
    return comma > dot


def _format_notes(
    texts: pd.Series, values: np.ndarray, notes: dict[str, np.ndarray], units: dict[str, np.ndarray]
) -> list[Repair]:
    """Notes for decimal commas, thousands separators and units (``units`` maps a unit to its rows)."""

    def example(index: int) -> str:
        return f"'{texts.iloc[int(index)]}' read as {values[int(index)]:.10g}"

    repairs = []
    if len(rows := notes["decimal_comma"]):
        detail = f"{count_phrase(len(rows), 'value')} used a decimal comma (e.g. {example(rows[0])})."
        repairs.append(Repair("decimal_comma", len(rows), detail))
    if len(rows := notes["thousands_separators"]):
        detail = f"{count_phrase(len(rows), 'value')} had thousands separators (e.g. {example(rows[0])})."
        repairs.append(Repair("thousands_separators", len(rows), detail))
    if units:
        total = sum(len(rows) for rows in units.values())
        first = min(int(rows[0]) for rows in units.values())
        if len(units) == 1:
            unit = next(iter(units))
            detail = f"Unit '{unit}' removed from {count_phrase(total, 'value')} (e.g. {example(first)})."
        else:
            listed = ", ".join(f"'{unit}' ({len(rows):,})" for unit, rows in list(units.items())[:4])
            detail = (
                f"Units removed from {count_phrase(total, 'value')}: {listed}; check they are the same unit."
            )
        repairs.append(Repair("units", total, detail))
    return repairs


def missing_repairs(
    numbers: Numbers, rows: np.ndarray, labels: np.ndarray, raw_cell: Callable[[int], str]
) -> list[Repair]:
    """``junk_cells`` and ``non_finite`` repairs for the given row positions.

    Args:
        numbers: the parsed column.
        rows: ``(k,)`` int positions of the rows that are kept (rows with unreadable dates are excluded).
        labels: ``(n,)`` row numbers a person sees.
        raw_cell: original text of a row position, used when the column was not parsed from text.
    """
    repairs = []
    for kind, mask in (("junk_cells", numbers.junk), ("non_finite", numbers.non_finite)):
        hit = rows[mask[rows]]
        if not len(hit):
            continue
        texts = numbers.texts
        cells = [texts.iloc[i] if texts is not None else raw_cell(int(i)) for i in hit[:3]]
        shown = examples(labels[hit], cells, len(hit))
        if kind == "non_finite":
            phrase, action = (
                "infinite or absurdly large value",
                "treated as missing and replaced by interpolation",
            )
        else:
            empty = texts is None or bool((texts.iloc[hit] == "").all())
            phrase, action = ("empty cell" if empty else "junk cell"), "replaced by interpolation"
        repairs.append(Repair(kind, len(hit), f"{count_phrase(len(hit), phrase)} ({shown}) {action}."))
    return repairs
