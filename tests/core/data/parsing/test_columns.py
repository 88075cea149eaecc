"""``core.data.parsing.columns``: which column holds the values, by name or by content, and plain errors for
wrong choices."""

from __future__ import annotations

import numpy as np
import pytest

from core.data.parsing.columns import find_column
from core.errors import DataError
from tests.core.data.samples import SEVERAL, daily, load


def test_no_numeric_column_is_an_error() -> None:
    with pytest.raises(DataError, match=r"^No column holds numbers; columns: 'date', 'city'\.$"):
        load("date,city\n" + "\n".join(f"2020-01-{d:02d},Paris" for d in range(1, 29)))


def test_all_values_missing_is_an_error() -> None:
    with pytest.raises(DataError, match="holds no numbers"):
        load(daily(["n/a"] * 30), value_column="temp")


def test_temperature_like_column_is_the_default() -> None:
    series = load(SEVERAL)
    assert series.value_column == "temp_max"
    assert series.numeric_columns == ("wind", "temp_max", "temp_min")


def test_a_row_number_column_is_not_the_default() -> None:
    series = load(",value\n" + "\n".join(f"{i},{i % 5}" for i in range(30)))
    assert series.value_column == "value" and series.numeric_columns == ("column_1", "value")


def test_value_column_can_be_chosen() -> None:
    assert load(SEVERAL, value_column="temp_min").values.iloc[0] == -4.0
    assert load(SEVERAL, value_column="WIND").value_column == "wind"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"value_column": "nope"},
            "There is no value column called 'nope'; available columns: 'date', 'wind',",
        ),
        ({"date_column": "nope"}, "There is no date column called 'nope'; available columns: 'date'"),
        ({"date_column": "wind"}, "Column 'wind' does not contain dates (e.g. '1', '2', '3')."),
        ({"date_column": "date", "value_column": "date"}, "Column 'date' holds the dates; choose another"),
        (
            {"value_column": "date"},
            "Column 'date' holds no numbers (e.g. '2020-01-01', '2020-01-02', '2020-01-03');",
        ),
    ],
)
def test_wrong_column_choices_are_explained(options: dict[str, str], message: str) -> None:
    with pytest.raises(DataError) as caught:
        load(SEVERAL, **options)
    assert str(caught.value).startswith(message)


def test_column_names_are_kept_literally() -> None:
    name = "<img src=x onerror=alert(1)>"
    series = load(f"date,{name}\n" + "\n".join(f"2020-01-{d:02d},{d}" for d in range(1, 29)))
    assert series.value_column == name and series.values.name == name


# --- the step on its own ------------------------------------------------------------------------------------


def test_find_column_matches_exactly_then_ignoring_case_and_spaces() -> None:
    names = ("date", "Temp", "temp ")
    assert find_column(names, "Temp", "value") == 1
    assert find_column(("date", "Temp"), " TEMP", "value") == 1
    with pytest.raises(DataError, match=r"^There is no value column called 'TEMP'; available columns: 'date', 'Temp'"):
        find_column(names, "TEMP", "value")  # two columns match when case is ignored: none is guessed


@pytest.mark.parametrize(
    "counter",
    [
        "year",
        "n",
        "step",
    ],
)
def test_a_counting_column_is_never_the_values(counter: str) -> None:
    start = 1990 if counter == "year" else 1
    visitors = np.random.default_rng(0).integers(100, 200, 30)
    series = load(f"{counter},visitors\n" + "\n".join(f"{start + i},{v}" for i, v in enumerate(visitors)))
    assert series.value_column == "visitors"


def test_fractional_years_are_the_dates_not_the_values() -> None:
    series = load("time,value\n" + "\n".join(f"{1920 + i / 12:.6f},{40 + i % 12}" for i in range(48)))
    assert (series.date_column, series.value_column) == ("time", "value")
    assert series.frequency == "MS"

