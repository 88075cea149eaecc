"""``core.data.parsing.fast``: the vectorised number and date paths agree with the slow ones, and big files
take them."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd
import pytest

from core.data.intake import read_series
from core.data.parsing.common import MAX_ROWS
from core.data.parsing.fast import rewrite_to_iso, to_float
from tests.core.data.samples import kinds


def test_a_million_hourly_rows_load_quickly() -> None:
    days = np.datetime_as_string(np.arange("2000-01-01", 41_667, dtype="datetime64[D]")).tolist()
    choices = [f"{x / 10:.1f}" for x in range(-100, 400)]
    picks = np.random.default_rng(0).integers(0, len(choices), len(days) * 24).tolist()
    rows = (
        f"{day}T{hour:02d}:00,{choices[picks[24 * i + hour]]}"
        for i, day in enumerate(days)
        for hour in range(24)
    )
    data = ("timestamp,temp\n" + "\n".join(itertools.islice(rows, MAX_ROWS))).encode()
    started = time.perf_counter()
    series = read_series(data)
    elapsed = time.perf_counter() - started
    assert len(series.values) == MAX_ROWS
    assert series.frequency == "h" and kinds(series) == {}
    assert elapsed < 5.0, f"1M rows took {elapsed:.1f} s"


def test_fast_number_parsing_matches_pandas() -> None:
    cells = [
        "1.5",
        "+2",
        "-.5",
        "1e400",
        "1E-3",
        "007",
        "x",
        "",
        "nan",
        "-Infinity",
        "INF",
        "12,5",
        "1.2.3",
        " ",
    ]
    texts = pd.Series(cells * 2000, dtype="str")
    expected = pd.to_numeric(texts, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    np.testing.assert_array_equal(to_float(texts), expected)


@pytest.mark.parametrize(
    ("fmt", "text", "iso"),
    [
        ("%d.%m.%Y %H:%M", "31.12.2020 13:45", "2020-12-31T13:45"),
        ("%m/%d/%Y", "12/31/2020", "2020-12-31"),
        ("%Y/%m/%d %H:%M:%S", "2020/12/31 13:45:10", "2020-12-31T13:45:10"),
    ],
)
def test_numeric_date_formats_are_rewritten_to_iso(fmt: str, text: str, iso: str) -> None:
    rewrite = rewrite_to_iso(fmt)
    assert rewrite is not None
    assert pd.Series([text], dtype="str").str.replace(*rewrite, regex=True).iloc[0] == iso
    assert rewrite_to_iso("%d %b %Y") is None and rewrite_to_iso("%d/%m/%y") is None


def test_a_big_european_export_takes_the_fast_paths() -> None:
    stamps = pd.date_range("2021-01-01", periods=30_000, freq="h")
    rows = [f"{t:%d.%m.%Y %H:%M};{i % 40},{i % 10} °C" for i, t in enumerate(stamps)]
    rows[7] = "1.1.2021 07:00;1,5 °C"  # not zero-padded: parsed by the slower path
    rows[9] = "gestern;1,5 °C"
    series = read_series(("Zeit;Temperatur\n" + "\n".join(rows)).encode("cp1252"))
    assert kinds(series) == {
        "encoding": 1,
        "decimal_comma": 30_000,
        "units": 30_000,
        "day_first": 1,
        "bad_dates": 1,
        "gaps_filled": 1,
    }
    assert series.frequency == "h" and len(series.values) == 30_000
    assert series.values.iloc[100] == 20.0 and series.values.iloc[7] == 1.5
