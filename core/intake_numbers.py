"""Read a column of cells as numbers: decimal commas, thousands separators, units, junk, absurd values."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.intake_common import count_phrase, examples
from core.types import Repair

__all__ = ["Numbers", "parse_numbers", "missing_repairs", "ABSURD_MAGNITUDE", "HARD_MAGNITUDE"]

#: Values above this magnitude are treated as missing when they are also 1000x the column's median magnitude.
ABSURD_MAGNITUDE = 1e6
#: Values above this magnitude are always treated as missing (float32 training would lose all precision).
HARD_MAGNITUDE = 1e15

_SEPARATORS = "' \u00a0\u202f"
_UNIT_NUMBER = (
    r"^(?P<cur>[$€£¥])?\s*(?P<num>[+-]?\d(?:[\d.," + _SEPARATORS + r"]*\d)?)\s*"
    r"(?P<unit>°\s?[A-Za-z]?|%|‰|[A-Za-zµ°²³/]{1,10}(?:\s?[A-Za-z²³/]{1,4})?)?$"
)
_COMMA_EVIDENCE = re.compile(
    r"[+-]?(\d+,\d{1,2}|\d+,\d{4,}|0,\d+|\d{1,3}([." + _SEPARATORS + r"]\d{3})+,\d+)"
)
_DOT_EVIDENCE = re.compile(r"[+-]?\d{1,3}([," + _SEPARATORS + r"]\d{3})+\.\d+|[+-]?\d{1,3}(,\d{3}){2,}")
_COMMA_FORM = re.compile(r"[+-]?(\d{1,3}([." + _SEPARATORS + r"]\d{3})+|\d+)(,\d+)?")
_DOT_FORM = re.compile(r"[+-]?(\d{1,3}([," + _SEPARATORS + r"]\d{3})+|\d+)(\.\d+)?")


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

    @property
    def valid(self) -> int:
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
        values = cells.to_numpy(dtype=np.float64, na_value=np.nan)
        empty = np.zeros(len(values), dtype=bool)
    else:
        texts = cells.astype("str").fillna("").str.strip()
        values = pd.to_numeric(texts, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        empty = (texts == "").to_numpy(dtype=bool)
        failed = np.flatnonzero(np.isnan(values) & ~empty)
        if len(failed):
            notes = _parse_formatted(texts, failed, values, decimal_comma_default)
    values = values.copy()
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
    """Parse the cells ``to_numeric`` rejected, in place into ``values``; returns the notes."""
    cells = texts.iloc[failed].str.replace("\u2212", "-", regex=False)
    parts = cells.str.extract(_UNIT_NUMBER)
    matched = parts["num"].notna().to_numpy()
    if not matched.any():
        return []
    parts = parts[matched]
    numbers = parts["num"].astype("str")
    comma_mode = _comma_mode(texts, numbers, comma_default)
    comma_ok = numbers.str.fullmatch(_COMMA_FORM).to_numpy(dtype=bool)
    dot_ok = numbers.str.fullmatch(_DOT_FORM).to_numpy(dtype=bool)
    use_comma = comma_ok & (comma_mode | ~dot_ok)
    use_dot = dot_ok & ~use_comma
    comma_text = numbers.str.replace(f"[.{_SEPARATORS}]", "", regex=True).str.replace(",", ".", regex=False)
    dot_text = numbers.str.replace(f"[,{_SEPARATORS}]", "", regex=True)
    converted = np.where(
        use_comma,
        pd.to_numeric(comma_text, errors="coerce").to_numpy(np.float64, na_value=np.nan),
        pd.to_numeric(dot_text, errors="coerce").to_numpy(np.float64, na_value=np.nan),
    )
    parsed = use_comma | use_dot
    index = failed[matched]
    values[index[parsed]] = converted[parsed]
    decimal = use_comma & numbers.str.contains(",", regex=False).to_numpy(dtype=bool)
    thousands = (use_comma & numbers.str.contains(f"[.{_SEPARATORS}]").to_numpy(dtype=bool)) | (
        use_dot & numbers.str.contains(f"[,{_SEPARATORS}]").to_numpy(dtype=bool)
    )
    units = (parts["cur"].fillna("").astype("str") + parts["unit"].fillna("").astype("str")).str.strip()
    unit_rows: dict[str, list[int]] = {}
    for unit in units[parsed & (units != "").to_numpy(dtype=bool)].unique():
        rows = index[parsed & (units == unit).to_numpy(dtype=bool)]
        unit_rows[str(unit)] = [int(rows[0]), len(rows)]
    notes = {"decimal_comma": index[decimal], "thousands_separators": index[thousands]}
    return _format_notes(texts, values, notes, unit_rows)


def _comma_mode(texts: pd.Series, numbers: pd.Series, comma_default: bool) -> bool:
    comma = int(numbers.str.fullmatch(_COMMA_EVIDENCE).sum())
    dot = int(numbers.str.fullmatch(_DOT_EVIDENCE).sum())
    dot += int((texts.str.fullmatch(r"[+-]?\d*\.\d+")).sum())
    if comma == dot == 0:
        return comma_default
    return comma > dot


def _convert(number: str, comma: bool) -> float:
    for separator in _SEPARATORS + ("." if comma else ","):
        number = number.replace(separator, "")
    return float(number.replace(",", ".") if comma else number)


def _format_notes(
    texts: pd.Series, values: np.ndarray, notes: dict[str, np.ndarray], units: dict[str, list[int]]
) -> list[Repair]:
    """Notes for decimal commas, thousands separators and units; ``units`` maps unit -> [first row, count]."""

    def example(index: int) -> str:
        return f"'{texts.iloc[int(index)]}' read as {values[int(index)]:.10g}"

    repairs = []
    if len(rows := notes["decimal_comma"]):
        repairs.append(
            Repair(
                "decimal_comma",
                len(rows),
                f"{count_phrase(len(rows), 'value')} used a decimal comma (e.g. {example(rows[0])}).",
            )
        )
    if len(rows := notes["thousands_separators"]):
        repairs.append(
            Repair(
                "thousands_separators",
                len(rows),
                f"{count_phrase(len(rows), 'value')} had thousands separators (e.g. {example(rows[0])}).",
            )
        )
    if units:
        total = sum(count for _, count in units.values())
        first = min(row for row, _ in units.values())
        if len(units) == 1:
            unit = next(iter(units))
            detail = f"Unit '{unit}' removed from {count_phrase(total, 'value')} (e.g. {example(first)})."
        else:
            listed = ", ".join(f"'{unit}' ({count:,})" for unit, (_, count) in list(units.items())[:4])
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
    for kind, mask, phrase, action in (
        ("junk_cells", numbers.junk, "junk cell", "replaced by interpolation"),
        (
            "non_finite",
            numbers.non_finite,
            "infinite or absurdly large value",
            "treated as missing and replaced by interpolation",
        ),
    ):
        hit = rows[mask[rows]]
        if len(hit):
            cells = [
                numbers.texts.iloc[i] if numbers.texts is not None else raw_cell(int(i)) for i in hit[:3]
            ]
            if kind == "junk_cells":
                empty = numbers.texts is None or bool((numbers.texts.iloc[hit] == "").all())
                phrase = "empty cell" if empty else "junk cell"
            repairs.append(
                Repair(
                    kind,
                    len(hit),
                    f"{count_phrase(len(hit), phrase)} ({examples(labels[hit], cells, len(hit))}) {action}.",
                )
            )
    return repairs
