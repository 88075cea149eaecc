"""``core.data.parsing.dates``: day-first, ambiguous, mixed and numeric date formats, unreadable dates, UTC
offsets across DST."""

from __future__ import annotations

import pandas as pd
import pytest

from core.data.parsing.dates import detect_date_format, parse_dates
from core.errors import DataError
from tests.core.data.samples import daily, detail, kinds, load


def test_day_first_dates_are_detected() -> None:
    series = load(daily(start="2020-12-20", fmt="%d/%m/%Y"))
    assert kinds(series) == {"day_first": 1}
    assert series.values.index[5] == pd.Timestamp("2020-12-25")
    assert (
        detail(series, "day_first") == "Dates read as day/month/year (e.g. '20/12/2020' is 20 December 2020)."
    )


def test_ambiguous_day_month_order_is_reported() -> None:
    series = load(daily(n=10, fmt="%m/%d/%Y"))
    assert kinds(series) == {"ambiguous_dates": 1}
    assert series.values.index[1] == pd.Timestamp("2020-01-02")


def test_mixed_date_formats_are_parsed_or_listed() -> None:
    lines = daily().splitlines()
    lines[5] = "Jan 5 2020,14"
    lines[9] = "garbage,3"
    series = load("\n".join(lines))
    assert kinds(series) == {"mixed_date_formats": 1, "bad_dates": 1, "gaps_filled": 1}
    assert "(row 6: 'Jan 5 2020')" in detail(series, "mixed_date_formats")
    assert detail(series, "bad_dates") == "1 row with unreadable dates ignored (row 10: 'garbage')."


def test_mostly_unreadable_dates_is_an_error() -> None:
    lines = daily().splitlines()
    for row in range(1, 11):
        lines[row] = f"someday,{row}"
    with pytest.raises(
        DataError, match=r"^Could not read 33% of the dates in column 'date' \(e\.g\. rows 2, 3, 4"
    ):
        load("\n".join(lines), date_column="date")


def test_utc_offsets_across_dst_are_converted_to_utc() -> None:
    stamps = pd.date_range("2021-03-27", periods=72, freq="h", tz="Europe/Berlin")
    series = load("time,temp\n" + "\n".join(f"{t.isoformat()},{i}" for i, t in enumerate(stamps)))
    assert kinds(series) == {"timezone": 72}
    assert "(+01:00, +02:00) were converted to UTC" in detail(series, "timezone")
    assert series.frequency == "h" and len(series.values) == 72
    assert series.values.index[0] == pd.Timestamp("2021-03-26 23:00")


def test_daily_data_with_offsets_keeps_local_dates() -> None:
    stamps = pd.date_range("2021-03-20", periods=30, freq="D", tz="Europe/Berlin")
    series = load("time,temp\n" + "\n".join(f"{t.isoformat()},{i}" for i, t in enumerate(stamps)))
    assert kinds(series) == {"timezone": 30}
    assert series.values.index[0] == pd.Timestamp("2021-03-20") and series.frequency == "D"


def test_named_numeric_date_formats() -> None:
    yyyymmdd = load("date,temp\n" + "\n".join(f"202001{d:02d},{d}" for d in range(1, 29)))
    epoch = load("timestamp,temp\n" + "\n".join(f"{1577836800 + 3600 * d},{d}" for d in range(1, 29)))
    assert (yyyymmdd.frequency, epoch.frequency) == ("D", "h")


# --- the step on its own ------------------------------------------------------------------------------------


def test_detect_date_format_prefers_the_reading_that_makes_every_cell_a_date() -> None:
    found = detect_date_format(pd.Series(["25/12/2020", "26/12/2020", "27/12/2020"]), hinted=True)
    assert found is not None and (found.format, found.dayfirst, found.ambiguous) == ("%d/%m/%Y", True, False)
    assert found.rate == 1.0
    assert detect_date_format(pd.Series(["12.5", "13.0", "14.5"]), hinted=False) is None


def test_parse_dates_gives_one_timestamp_per_cell_and_nat_for_unreadable_ones() -> None:
    cells = pd.Series(["2020-01-01", "2020-01-02", "someday", "2020-01-04"])
    found = detect_date_format(cells, hinted=True)
    assert found is not None
    dates = parse_dates(cells, found)
    parsed = pd.to_datetime(dates.values)
    assert parsed[0] == pd.Timestamp("2020-01-01") and parsed[3] == pd.Timestamp("2020-01-04")
    assert pd.isna(parsed[2])
    assert dates.bad.tolist() == [False, False, True, False] and dates.local is None
