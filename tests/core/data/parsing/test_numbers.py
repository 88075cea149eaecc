"""``core.data.parsing.numbers``: decimal commas, thousands separators, units, junk cells and absurd values,
reported with their rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.data.parsing.numbers import parse_numbers
from tests.core.data.samples import daily, detail, kinds, load


def test_semicolon_file_with_decimal_commas() -> None:
    series = load(daily([f"{i},25" for i in range(30)], sep=";"))
    assert kinds(series) == {"decimal_comma": 30}
    assert series.values.iloc[2] == 2.25
    assert "'0,25' read as 0.25" in detail(series, "decimal_comma")


def test_junk_cells_are_reported_with_rows_and_interpolated() -> None:
    values = [str(10 + i) for i in range(30)]
    values[3], values[8], values[11] = "?0.2", "n/a", "—"
    series = load(daily(values))
    assert kinds(series) == {"junk_cells": 3}
    assert detail(series, "junk_cells") == (
        "3 junk cells (rows 5, 10, 13: '?0.2', 'n/a', '—') replaced by interpolation."
    )
    assert series.values.iloc[3] == 13.0 and series.values.iloc[8] == 18.0


def test_more_junk_than_shown_says_e_g() -> None:
    values = [str(10 + i) for i in range(30)]
    for row in (2, 5, 9, 14):
        values[row] = ""
    assert "4 empty cells (e.g. rows 4, 7, 11: empty, empty, empty)" in detail(
        load(daily(values)), "junk_cells"
    )


def test_infinite_and_absurd_values_are_treated_as_missing() -> None:
    values = [str(10 + i % 5) for i in range(30)]
    values[4], values[7], values[9] = "inf", "1e400", "-3e30"
    series = load(daily(values))
    assert kinds(series) == {"non_finite": 3}
    assert "rows 6, 9, 11: 'inf', '1e400', '-3e30'" in detail(series, "non_finite")
    assert series.values.abs().max() < 100


def test_large_values_are_kept_when_the_whole_column_is_large() -> None:
    series = load(daily([str(5e7 + i) for i in range(30)]))
    assert kinds(series) == {} and series.values.iloc[0] == 5e7


def test_thousands_separators_are_parsed_and_reported() -> None:
    series = load("date,sales\n" + "\n".join(f'2020-01-{d:02d},"1,{d:03d}.5"' for d in range(1, 29)))
    assert kinds(series) == {"thousands_separators": 28}
    assert series.values.iloc[0] == 1001.5


def test_units_in_cells_are_removed_and_reported() -> None:
    series = load(daily([f"{i}.5 °C" for i in range(30)]))
    assert kinds(series) == {"units": 30}
    assert detail(series, "units").startswith("Unit '°C' removed from 30 values")
    assert series.values.iloc[3] == 3.5


# --- the step on its own ------------------------------------------------------------------------------------


def test_parse_numbers_separates_junk_from_non_finite_values() -> None:
    numbers = parse_numbers(pd.Series(["1,5", "2,25", "x", "", "inf"]), decimal_comma_default=True)
    np.testing.assert_array_equal(numbers.values[:2], [1.5, 2.25])
    assert np.isnan(numbers.values[2:]).all()
    assert numbers.junk.tolist() == [False, False, True, True, False]
    assert numbers.non_finite.tolist() == [False, False, False, False, True]
    assert [(note.kind, note.count) for note in numbers.notes] == [("decimal_comma", 2)]
