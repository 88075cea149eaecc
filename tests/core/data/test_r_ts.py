"""R ``ts`` exports (a ``time`` column of fractional years) and columns that rise by a constant step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data.intake import read_series


def r_ts(per_year: int, n: int, *, digits: int | None = None, start: float = 1920.0, name: str = "time") -> bytes:
    """What ``write.csv(data.frame(time = time(x), value = x))`` writes for a ``ts`` of ``per_year`` steps a year."""
    times = start + np.arange(n) / per_year
    cells = [f"{t:.15g}" if digits is None else f"{t:.{digits}f}" for t in times]
    values = 40 + 10 * np.sin(2 * np.pi * np.arange(n) / per_year)
    rows = [f'"{i + 1}",{t},{v:.1f}' for i, (t, v) in enumerate(zip(cells, values, strict=True))]
    return (f'"",{name},"value"\n' + "\n".join(rows) + "\n").encode()


@pytest.mark.parametrize(
    ("per_year", "frequency", "second", "last"),
    [(12, "MS", "1920-02-01", "1939-12-01"), (4, "QS-JAN", "1920-04-01", "1979-10-01")],
)
def test_an_r_ts_export_is_read_as_dated_steps(per_year: int, frequency: str, second: str, last: str) -> None:
    series = read_series(r_ts(per_year, 240))
    assert (series.date_column, series.value_column) == ("time", "value")
    assert series.frequency == frequency
    assert series.values.index[0] == pd.Timestamp("1920-01-01") and series.values.index[1] == pd.Timestamp(second)
    assert series.values.index[-1] == pd.Timestamp(last)
    assert series.values.iloc[0] == 40.0 and series.repairs == ()


def test_rounded_fractional_years_still_give_months() -> None:
    for digits in (2, 3, 6):
        series = read_series(r_ts(12, 36, digits=digits, start=1949.0))
        assert series.frequency == "MS" and len(series.values) == 36, digits
        assert series.values.index[-1] == pd.Timestamp("1951-12-01"), digits


def test_whole_years_written_with_a_decimal_are_yearly() -> None:
    rows = "\n".join(f"{1900 + i}.0,{i % 7}" for i in range(30))
    series = read_series(f"year,value\n{rows}\n".encode())
    assert series.frequency == "YS-JAN" and series.values.index[1] == pd.Timestamp("1901-01-01")


def test_a_time_column_of_other_numbers_is_not_dates() -> None:
    rows = "\n".join(f"{0.37 * i:.3f},{i % 5}" for i in range(40))
    series = read_series(f"time,reading\n{rows}\n".encode())
    assert series.date_column is None and series.value_column == "reading"


def test_a_row_index_is_never_the_values_when_another_number_column_exists() -> None:
    rows = "\n".join(f"{i},{12 + (i * 7) % 5}" for i in range(1, 41))
    series = read_series(f"n,level\n{rows}\n".encode())
    assert series.value_column == "level" and series.numeric_columns == ("n", "level")


def test_a_year_counter_beside_a_measurement_is_never_the_values() -> None:
    rows = "\n".join(f"2020-01-{d:02d},{d + 1000},{(d * 3) % 7}" for d in range(1, 29))
    series = read_series(f"date,count,reading\n{rows}\n".encode())
    assert series.value_column == "reading"


def test_a_constant_step_column_is_still_taken_when_it_is_the_only_one() -> None:
    rows = "\n".join(f"2020-01-{d:02d},{d}" for d in range(1, 29))
    assert read_series(f"date,ramp\n{rows}\n".encode()).value_column == "ramp"


def test_a_chosen_constant_step_column_is_taken() -> None:
    rows = "\n".join(f"{i},{12 + (i * 7) % 5}" for i in range(1, 41))
    assert read_series(f"n,level\n{rows}\n".encode(), value_column="n").value_column == "n"
