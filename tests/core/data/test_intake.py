"""``core.data.intake`` end to end: refused files, the generated index, constant and too-short series,
the data-editor path, ``describe``, and fuzzing of ``read_series`` and ``series_from_frame``."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data.intake import describe, read_series, series_from_frame
from core.errors import DataError
from tests.core.data.samples import NOT_TEXT, SEVERAL, assert_valid, daily, detail, kinds, load


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


def test_constant_series_works_with_a_warning() -> None:
    series = load(daily(["5"] * 30))
    assert kinds(series) == {"constant": 30}
    assert (series.values == 5.0).all()


def test_fewer_than_three_points_is_an_error() -> None:
    with pytest.raises(DataError, match=r"^At least 3 data points are needed; found 2\.$"):
        load("date,temp\n2020-01-01,1\n2020-01-02,2\n")


def test_stacked_stations_are_never_averaged_together() -> None:
    days = pd.date_range("2024-01-01", periods=30, freq="D")
    stations = {"A": 10.0, "B": 20.0}
    text = "station,date,tmax\n" + "\n".join(
        f"{name},{day:%Y-%m-%d},{offset + i % 5}" for name, offset in stations.items() for i, day in enumerate(days))
    with pytest.raises(DataError, match="holds 2 series told apart by column 'station'"):
        load(text)
    for name, offset in stations.items():
        series = read_series(text.encode(), series=name)
        assert "duplicates_averaged" not in kinds(series)
        assert series.values.tolist() == [offset + i % 5 for i in range(30)]


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
