"""Intake: one test per row of the bad-input catalogue, frequency inference, the data-editor path, fuzzing."""

from __future__ import annotations

import itertools
import time
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core.data.parsing.table
from core.data.intake import describe, read_series, series_from_frame
from core.data.parsing.common import MAX_COLUMNS, MAX_ROWS
from core.data.parsing.fast import rewrite_to_iso, to_float
from core.data.series import LoadedSeries
from core.errors import DataError

NOT_TEXT = "This is not a text CSV file."


def daily(
    values: list[str] | None = None,
    *,
    n: int = 30,
    start: str = "2020-01-01",
    fmt: str = "%Y-%m-%d",
    sep: str = ",",
    header: str | None = None,
) -> str:
    """A daily CSV: ``date<sep>temp`` then one row per day (values default to 10, 11, ... 16, 10, ...)."""
    values = values if values is not None else [str(10 + i % 7) for i in range(n)]
    dates = pd.date_range(start, periods=len(values), freq="D")
    head = header if header is not None else f"date{sep}temp"
    return (
        "\n".join([head] + [f"{d.strftime(fmt)}{sep}{v}" for d, v in zip(dates, values, strict=True)]) + "\n"
    )


def kinds(series: LoadedSeries) -> dict[str, int]:
    return {repair.kind: repair.count for repair in series.repairs}


def detail(series: LoadedSeries, kind: str) -> str:
    return next(repair.detail for repair in series.repairs if repair.kind == kind)


def load(data: str | bytes, **options: str) -> LoadedSeries:
    return read_series(data.encode("utf-8") if isinstance(data, str) else data, **options)


def assert_valid(series: LoadedSeries) -> None:
    """The invariants every loaded series satisfies."""
    values = series.values
    assert isinstance(values.index, pd.DatetimeIndex)
    assert values.dtype == np.float64
    assert np.isfinite(values.to_numpy()).all()
    assert values.index.tz is None
    assert values.index.freq is not None
    assert values.index.freqstr == series.frequency
    assert values.index.is_monotonic_increasing and values.index.is_unique
    assert 3 <= len(values) <= MAX_ROWS
    assert series.value_column in series.columns
    for repair in series.repairs:
        assert repair.count >= 0 and "\n" not in repair.detail and repair.detail.endswith(".")


# --- refused files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n\n \n", "The file is empty."),
        (b"# only a comment\n", "The file is empty."),
        (b"date,temp\n", "No data rows found."),
        (b"date,temp\n\n,\n", "No data rows found."),
        (b'{"date": ["2020-01-01"], "temp": [1]}', NOT_TEXT),
        (b'[{"date": "2020-01-01", "temp": 1}]', NOT_TEXT),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), NOT_TEXT),
        (b"date,temp\n2020-01-01,1\x00\n2020-01-02,2\n", NOT_TEXT),
        (bytes(range(1, 32)) * 20, NOT_TEXT),
        (b"<!DOCTYPE html><html><body>date,temp</body></html>", NOT_TEXT),
    ],
)
def test_unusable_files_are_refused_with_one_line(data: bytes, message: str) -> None:
    with pytest.raises(DataError) as caught:
        read_series(data)
    assert str(caught.value) == message


def test_excel_workbook_gets_a_hint() -> None:
    with pytest.raises(DataError, match=r"^This is not a text CSV file\. It looks like an Excel workbook"):
        read_series(b"PK\x03\x04" + bytes(200))


# --- encodings, delimiters, layout -----------------------------------------------------------------------


def test_utf8_bom_and_crlf_are_read_without_notice() -> None:
    series = read_series(b"\xef\xbb\xbf" + daily().replace("\n", "\r\n").encode())
    assert series.columns == ("date", "temp")
    assert series.values.iloc[:3].tolist() == [10.0, 11.0, 12.0]
    assert kinds(series) == {}


def test_windows_1252_headers_are_decoded() -> None:
    text = daily([f"{i},5" for i in range(30)], sep=";", header="Datum;Température (°C)")
    series = read_series(text.encode("cp1252"))
    assert series.value_column == "Température (°C)"
    assert kinds(series) == {"encoding": 1, "decimal_comma": 30}
    assert "Windows-1252" in detail(series, "encoding")
    assert series.values.iloc[1] == 1.5


def test_mostly_utf8_file_with_one_bad_byte_keeps_its_utf8_text() -> None:
    data = daily(header="date,temp °C").encode() + b"2020-01-31,1\xff2\n"
    series = read_series(data)
    assert series.value_column == "temp °C"
    assert kinds(series)["encoding"] == 1
    assert kinds(series)["junk_cells"] == 1


@pytest.mark.parametrize(("codec", "prefix"), [("utf-16", b""), ("utf-16-le", b""), ("utf-16-be", b"")])
def test_utf16_is_decoded(codec: str, prefix: bytes) -> None:
    series = read_series(prefix + daily().encode(codec))
    assert kinds(series) == {"encoding": 1}
    assert len(series.values) == 30


def test_undecodable_utf16_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="UTF-16 text but cannot be decoded"):
        read_series(b"\xff\xfe" + "date,temp\n".encode("utf-16-le") + b"\x00\xd8\x00\xd8")


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(sep: str) -> None:
    series = load(daily(sep=sep))
    assert (series.date_column, series.value_column) == ("date", "temp")
    assert series.values.iloc[:3].tolist() == [10.0, 11.0, 12.0]


def test_excel_sep_line_sets_the_delimiter() -> None:
    series = load("sep=;\n" + daily(sep=";"))
    assert series.columns == ("date", "temp") and len(series.values) == 30


def test_semicolon_file_with_decimal_commas() -> None:
    series = load(daily([f"{i},25" for i in range(30)], sep=";"))
    assert kinds(series) == {"decimal_comma": 30}
    assert series.values.iloc[2] == 2.25
    assert "'0,25' read as 0.25" in detail(series, "decimal_comma")


def test_single_column_of_values_gets_a_generated_daily_index() -> None:
    series = load("\n".join(str(20 + i % 4) for i in range(30)) + "\n")
    assert series.date_column is None and series.value_column == "value"
    assert kinds(series) == {"no_header": 1, "generated_index": 30}
    assert detail(series, "generated_index") == "No date column: generated a daily index starting 2000-01-01."
    assert series.values.index[0] == pd.Timestamp("2000-01-01") and series.frequency == "D"


def test_single_column_with_an_empty_line_keeps_the_gap_as_a_missing_value() -> None:
    series = load("temperature\n20\n21\n\n23\n24\n25\n")
    assert kinds(series) == {"junk_cells": 1, "generated_index": 6}
    assert "1 empty cell (row 4: empty)" in detail(series, "junk_cells")
    assert series.values.tolist() == [20.0, 21.0, 22.0, 23.0, 24.0, 25.0]


def test_comment_lines_and_trailing_blank_rows_are_ignored_with_notices() -> None:
    series = load("# exported by a logger\n# units: C\n" + daily() + "\n,\n \n")
    assert kinds(series) == {"comment_lines": 2, "blank_rows": 3}
    assert len(series.values) == 30


def test_ragged_rows_with_trailing_empty_fields_are_repaired() -> None:
    text = daily().replace("2020-01-05,14\n", "2020-01-05,14,,\n")
    series = load(text)
    assert kinds(series) == {"ragged_rows": 1}
    assert "row 6" in detail(series, "ragged_rows")


def test_short_rows_count_as_empty_cells() -> None:
    series = load(daily().replace("2020-01-05,14\n", "2020-01-05\n"))
    assert kinds(series) == {"ragged_rows": 1, "junk_cells": 1}
    assert series.values.iloc[4] == 14.0  # interpolated between 13 and 15


def test_rows_with_extra_values_are_refused_naming_the_row() -> None:
    with pytest.raises(DataError, match=r"^Row 6 has more fields than the header \(2\)"):
        load(daily().replace("2020-01-05,14\n", "2020-01-05,14,5\n"))


def test_title_lines_before_the_header_are_skipped() -> None:
    series = load("Weather station Paris\nexported 2024-01-01, by hand\n" + daily())
    assert kinds(series) == {"title_lines": 2}
    assert detail(series, "title_lines") == "2 lines before the column names (rows 1, 2) skipped."


def test_an_unmatched_quote_does_not_swallow_the_file() -> None:
    series = load(daily().replace("2020-01-05,14\n", '2020-01-05,"14\n'))
    assert kinds(series) == {"unmatched_quotes": 1}
    assert series.values.iloc[4] == 14.0


def test_a_stray_quote_near_the_top_does_not_confuse_the_sniffer() -> None:
    text = daily(n=10).replace("2020-01-02,11\n", '"\n').replace("2020-01-03,12\n", '2020-01-03,"12\n')
    series = load(text)
    assert kinds(series)["unmatched_quotes"] == 2 and series.values.iloc[2] == 12.0


def test_headerless_table_gets_column_names() -> None:
    series = load("\n".join(f"2020-01-{d:02d},{d}" for d in range(1, 29)))
    assert series.columns == ("column_1", "column_2") and series.date_column == "column_1"
    assert kinds(series) == {"no_header": 1}


# --- cells -------------------------------------------------------------------------------------------------


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


def test_too_many_missing_values_is_an_error() -> None:
    with pytest.raises(DataError, match=r"^Too many missing values: 10 of 30 days .* \(33%\) .*limit 20%"):
        load(daily(["x"] * 10 + ["1"] * 20))


def test_thousands_separators_are_parsed_and_reported() -> None:
    series = load("date,sales\n" + "\n".join(f'2020-01-{d:02d},"1,{d:03d}.5"' for d in range(1, 29)))
    assert kinds(series) == {"thousands_separators": 28}
    assert series.values.iloc[0] == 1001.5


def test_units_in_cells_are_removed_and_reported() -> None:
    series = load(daily([f"{i}.5 °C" for i in range(30)]))
    assert kinds(series) == {"units": 30}
    assert detail(series, "units").startswith("Unit '°C' removed from 30 values")
    assert series.values.iloc[3] == 3.5


def test_constant_series_works_with_a_warning() -> None:
    series = load(daily(["5"] * 30))
    assert kinds(series) == {"constant": 30}
    assert (series.values == 5.0).all()


def test_fewer_than_three_points_is_an_error() -> None:
    with pytest.raises(DataError, match=r"^At least 3 data points are needed; found 2\.$"):
        load("date,temp\n2020-01-01,1\n2020-01-02,2\n")


def test_no_numeric_column_is_an_error() -> None:
    with pytest.raises(DataError, match=r"^No column holds numbers; columns: 'date', 'city'\.$"):
        load("date,city\n" + "\n".join(f"2020-01-{d:02d},Paris" for d in range(1, 29)))


def test_all_values_missing_is_an_error() -> None:
    with pytest.raises(DataError, match="holds no numbers"):
        load(daily(["n/a"] * 30), value_column="temp")


# --- dates -------------------------------------------------------------------------------------------------


def test_duplicate_timestamps_are_averaged() -> None:
    text = daily() + "2020-01-02,31\n2020-01-02,41\n"
    series = load(text)
    assert kinds(series) == {"sorted": 1, "duplicates_averaged": 2}
    assert detail(series, "duplicates_averaged") == "2 duplicate timestamps averaged."
    assert series.values.iloc[1] == pytest.approx((11 + 31 + 41) / 3)


def test_unsorted_rows_are_sorted() -> None:
    lines = daily().splitlines()
    body = lines[1:]
    np.random.default_rng(0).shuffle(body)
    series = load("\n".join([lines[0], *body]))
    assert "sorted" in kinds(series) and detail(series, "sorted") == "Rows were not in date order; sorted."
    assert series.values.iloc[:3].tolist() == [10.0, 11.0, 12.0]


def test_reverse_order_is_sorted_oldest_first() -> None:
    lines = daily().splitlines()
    series = load("\n".join([lines[0], *lines[:0:-1]]))
    assert detail(series, "sorted") == "Rows were in reverse date order; sorted oldest first."


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


def test_gaps_are_filled_at_the_inferred_frequency() -> None:
    lines = daily(n=40).splitlines()
    series = load("\n".join(lines[:10] + lines[17:]))
    assert kinds(series) == {"gaps_filled": 7}
    assert (
        detail(series, "gaps_filled") == "7 missing days filled by interpolation (the longest gap is 7 days)."
    )
    assert series.frequency == "D" and len(series.values) == 40
    assert series.values.iloc[8:17].tolist() == pytest.approx(np.linspace(11.0, 12.0, 9).tolist())


def test_irregular_timestamps_are_regularised() -> None:
    jitter = pd.to_timedelta(np.random.default_rng(2).integers(-300, 300, 60), unit="s")
    stamps = pd.date_range("2020-01-01", periods=60, freq="h") + jitter
    series = load("t,v\n" + "\n".join(f"{t},{i}" for i, t in enumerate(stamps)))
    assert series.frequency == "h" and len(series.values) == 60
    assert kinds(series)["regularised"] >= 50
    assert "moved to the nearest hour" in detail(series, "regularised")


@pytest.mark.parametrize(
    ("freq", "fmt", "expected"),
    [
        ("h", "%Y-%m-%d %H:%M", "h"),
        ("15min", "%Y-%m-%dT%H:%M:%S", "15min"),
        ("D", "%Y-%m-%d", "D"),
        ("B", "%Y-%m-%d", "B"),
        ("W-SUN", "%Y-%m-%d", "W-SUN"),
        ("MS", "%Y-%m", "MS"),
        ("ME", "%Y-%m-%d", "ME"),
        ("QS", "%Y-%m-%d", "QS-JAN"),
        ("YS", "%Y", "YS-JAN"),
    ],
)
def test_frequency_is_inferred(freq: str, fmt: str, expected: str) -> None:
    stamps = pd.date_range("2001-01-01", periods=40, freq=freq)
    series = load("date,v\n" + "\n".join(f"{t.strftime(fmt)},{i % 9}" for i, t in enumerate(stamps)))
    assert series.frequency == expected
    assert kinds(series) == {}
    assert len(series.values) == 40


def test_named_numeric_date_formats() -> None:
    yyyymmdd = load("date,temp\n" + "\n".join(f"202001{d:02d},{d}" for d in range(1, 29)))
    epoch = load("timestamp,temp\n" + "\n".join(f"{1577836800 + 3600 * d},{d}" for d in range(1, 29)))
    assert (yyyymmdd.frequency, epoch.frequency) == ("D", "h")


def test_timestamps_under_a_second_apart_are_refused() -> None:
    with pytest.raises(DataError, match="less than a second apart"):
        load("t,v\n" + "\n".join(f"2020-01-01 00:00:00.{i},{i}" for i in range(1, 9)))


def test_a_wrong_far_away_date_is_an_error_naming_the_limit() -> None:
    text = "t,v\n1900-01-01 00:00,1\n" + "\n".join(f"2020-01-01 {h:02d}:00,{h}" for h in range(24))
    with pytest.raises(
        DataError, match=r"would have 1,051,920 rows \(limit 1,000,000\); check for wrong dates"
    ):
        load(text)


# --- columns -----------------------------------------------------------------------------------------------

SEVERAL = "date,wind,temp_max,temp_min\n" + "\n".join(
    f"2020-01-{d:02d},{d},{d + 10},{d - 5}" for d in range(1, 29)
)


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


# --- limits ------------------------------------------------------------------------------------------------


def test_too_many_columns_names_the_limit() -> None:
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1))
    with pytest.raises(DataError, match=r"^The file has 201 columns; the limit is 200\.$"):
        load(header + "\n" + ",".join("1" for _ in range(MAX_COLUMNS + 1)) + "\n")


def test_huge_header_names_the_limit() -> None:
    with pytest.raises(DataError, match=r"characters long \(limit 100,000\)"):
        load("x" * 150_000 + "\n1\n2\n3\n")


def test_too_many_rows_names_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core.data.parsing.table, "MAX_ROWS", 20)
    with pytest.raises(DataError, match=r"^The file has 30 data rows; the limit is 20\.$"):
        load(daily())


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


# --- data editor -------------------------------------------------------------------------------------------


def test_edited_frame_round_trips() -> None:
    original = load(SEVERAL)
    again = series_from_frame(original.frame(), date_column="date", value_column="temp_max")
    pd.testing.assert_series_equal(again.values, original.values)
    assert kinds(again) == {}


def test_edited_frame_is_validated_like_an_upload() -> None:
    frame = load(daily()).frame().astype({"temp": object})
    frame.loc[3, "temp"] = "twelve"
    frame.loc[7, "temp"] = 1e30
    series = series_from_frame(frame, date_column="date", value_column="temp")
    assert kinds(series) == {"junk_cells": 1, "non_finite": 1}
    assert "(row 4: 'twelve')" in detail(series, "junk_cells")


def test_edited_frame_with_blank_and_deleted_rows() -> None:
    frame = load(daily()).frame()
    padded = pd.concat([frame, pd.DataFrame({"date": [pd.NaT], "temp": [np.nan]})], ignore_index=True)
    assert kinds(series_from_frame(padded, date_column="date", value_column="temp")) == {"blank_rows": 1}
    with pytest.raises(DataError, match=r"^No data rows found\.$"):
        series_from_frame(frame.iloc[:0], date_column="date", value_column="temp")
    with pytest.raises(DataError, match=r"^No data rows found\.$"):
        series_from_frame(padded.iloc[30:], date_column="date", value_column="temp")


def test_a_pasted_100k_row_frame_is_accepted() -> None:
    frame = pd.DataFrame(
        {"date": pd.date_range("2000-01-01", periods=100_000, freq="h"), "temp": np.arange(100_000) % 24}
    )
    series = series_from_frame(frame, date_column=None, value_column="temp")
    assert len(series.values) == 100_000 and series.frequency == "h"


def test_describe_summarises_the_series() -> None:
    values = [str(10 + i) for i in range(30)]
    values[3] = "?"
    summary = describe(load(daily(values)))
    assert summary == {
        "rows": 30,
        "start": "2020-01-01",
        "end": "2020-01-30",
        "frequency": "D",
        "date_column": "date",
        "value_column": "temp",
        "repairs": [
            {
                "kind": "junk_cells",
                "count": 1,
                "detail": "1 junk cell (row 5: '?') replaced by interpolation.",
            }
        ],
        "summary": {"min": 10.0, "max": 39.0, "mean": pytest.approx(24.5)},
    }


# --- fuzzing -----------------------------------------------------------------------------------------------


def fuzz(examples: int) -> settings:
    """Bounded fuzzing: a few seconds per test, each example well under the deadline."""
    return settings(
        max_examples=examples, deadline=3000, database=None, suppress_health_check=[HealthCheck.too_slow]
    )


JUNK = [
    "",
    "?0.2",
    "n/a",
    "NA",
    "—",
    "inf",
    "-inf",
    "1e400",
    "nan",
    " ",
    '"',
    "1,5",
    "12 °C",
    "#",
    "2020-01-01",
]


def check(data: bytes) -> None:
    try:
        series = read_series(data)
    except DataError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert_valid(series)


@fuzz(200)
@given(st.binary(max_size=3000))
def test_fuzz_random_bytes(data: bytes) -> None:
    check(data)


@fuzz(200)
@given(st.text(alphabet=st.sampled_from(list(',;\t|\n\r"#0123456789.-:/ TZ+eEnaif°€\x00')), max_size=400))
def test_fuzz_random_csv_like_text(text: str) -> None:
    check(text.encode("utf-8"))


@st.composite
def messy_csv(draw: st.DrawFn) -> bytes:
    n = draw(st.integers(0, 50))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    comma = sep != "," and draw(st.booleans())
    freq = draw(st.sampled_from(["D", "h", "15min", "W-MON", "MS", "B"]))
    fmt = draw(
        st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M", "%Y%m%d"])
    )
    start = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1)))
    stamps = [t.strftime(fmt) for t in pd.date_range(start, periods=n, freq=freq)]
    if draw(st.booleans()):
        local = pd.date_range(start, periods=n, freq=freq, tz="UTC").tz_convert("Europe/Paris")
        stamps = [t.isoformat() for t in local]
    numbers = st.one_of(st.floats(-100, 100), st.floats(-100, 100), st.floats(-100, 100), st.floats())
    cells = st.one_of(
        numbers.map(lambda x: repr(x).replace(".", "," if comma else ".")), st.sampled_from(JUNK)
    )
    values = draw(st.lists(st.one_of(*[numbers.map(repr)] * 6, cells), min_size=n, max_size=n))
    rows = [f"{d}{sep}{v}" for d, v in zip(stamps, values, strict=True)]
    if rows and draw(st.booleans()):
        rows = draw(st.permutations(rows))
    extra = draw(
        st.lists(st.sampled_from(["# note", "", sep, f"junk{sep}1", f"{sep}{sep}{sep}"]), max_size=4)
    )
    for line in extra:
        rows.insert(draw(st.integers(0, len(rows))), line)
    header = [f"date{sep}temp °C"] if draw(st.booleans()) else []
    text = "\n".join(header + rows) + draw(st.sampled_from(["", "\n", "\n\n"]))
    text = text.replace("\n", "\r\n") if draw(st.booleans()) else text
    codec = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(codec, errors="replace")


@fuzz(100)
@given(messy_csv())
def test_fuzz_messy_exports(data: bytes) -> None:
    check(data)


@fuzz(40)
@given(messy_csv())
def test_fuzz_value_column_choice_never_crashes(data: bytes) -> None:
    try:
        series = read_series(data, value_column="temp °C")
    except DataError:
        return
    assert_valid(series)


@st.composite
def edited_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 40))
    stamps = list(pd.date_range("2021-01-01", periods=n, freq=draw(st.sampled_from(["D", "h", "MS"]))))
    dates = [
        draw(st.one_of(*[st.just(stamp)] * 4, st.just(pd.NaT), st.sampled_from(JUNK))) for stamp in stamps
    ]
    numbers = st.one_of(st.floats(-50, 50), st.floats(-50, 50), st.floats(-50, 50), st.floats(), st.none())
    values = draw(st.lists(st.one_of(numbers, st.sampled_from(JUNK)), min_size=n, max_size=n))
    return pd.DataFrame({"date": pd.Series(dates, dtype=object), "temp": pd.Series(values, dtype=object)})


@fuzz(60)
@given(edited_frames(), st.sampled_from([None, "date"]))
def test_fuzz_edited_frames(frame: pd.DataFrame, date_column: str | None) -> None:
    try:
        series = series_from_frame(frame, date_column=date_column, value_column="temp")
    except DataError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert_valid(series)
