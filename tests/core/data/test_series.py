"""``LoadedSeries.filled``: which values intake made up (gaps and unusable cells filled by interpolation)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.data.intake import read_series, series_from_frame
from core.data.series import LoadedSeries


def test_nothing_filled_is_none() -> None:
    series = read_series(("date,temp\n" + "\n".join(f"2020-01-{d:02d},{d}" for d in range(1, 21))).encode())
    assert series.filled is None
    assert series.filled_mask().tolist() == [False] * 20 and series.filled_mask().index.equals(series.values.index)


def test_gaps_junk_and_absurd_cells_are_marked_and_real_cells_are_not() -> None:
    cells = {d: str(d) for d in range(1, 21)}
    cells[4], cells[9] = "n/a", "1e400"
    del cells[15]  # a missing day
    rows = [f"2020-01-{d:02d},{v}" for d, v in cells.items()] + ["2020-01-12,", "2020-01-12,12"]
    series = read_series(("date,temp\n" + "\n".join(rows)).encode())
    assert series.filled is not None and series.filled.dtype == bool
    assert series.filled.index.equals(series.values.index)
    assert np.flatnonzero(series.filled.to_numpy()).tolist() == [3, 8, 14]  # 4, 9 and 15 January
    assert series.values.iloc[14] == 15.0  # interpolated between 14 and 16


def test_a_generated_index_marks_the_empty_cells() -> None:
    series = read_series(b"value\n1\n2\n\n4\n5\n")
    assert series.filled is not None and series.filled.tolist() == [False, False, True, False, False]


def test_an_edited_table_marks_its_empty_cells() -> None:
    frame = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=6), "temp": [1.0, None, 3.0, 4.0, 5.0, 6.0]})
    series = series_from_frame(frame, date_column=None, value_column="temp")
    assert series.filled is not None and series.filled.tolist() == [False, True, False, False, False, False]


def test_loaded_series_without_filled_stays_constructible() -> None:
    values = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2020-01-01", periods=3, freq="D"))
    series = LoadedSeries(values=values, frequency="D", date_column="date", value_column="temp")
    assert series.filled is None and series.series_id is None and not series.filled_mask().any()
