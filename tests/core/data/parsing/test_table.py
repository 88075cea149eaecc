"""``core.data.parsing.table``: delimiters, title lines, headers, ragged rows, unmatched quotes, row and
column limits."""

from __future__ import annotations

import pandas as pd
import pytest

import core.data.parsing.table
from core.data.parsing.common import MAX_COLUMNS
from core.data.parsing.table import sniff_delimiter, unique_names
from core.errors import DataError
from tests.core.data.samples import daily, detail, kinds, load


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(sep: str) -> None:
    series = load(daily(sep=sep))
    assert (series.date_column, series.value_column) == ("date", "temp")
    assert series.values.iloc[:3].tolist() == [10.0, 11.0, 12.0]


def test_excel_sep_line_sets_the_delimiter() -> None:
    series = load("sep=;\n" + daily(sep=";"))
    assert series.columns == ("date", "temp") and len(series.values) == 30


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


def test_a_metadata_block_before_the_header_is_skipped_and_reported() -> None:
    hours = pd.date_range("2024-01-01", periods=48, freq="h")
    block = "latitude,longitude,elevation,utc_offset_seconds\n52.52,13.41,38.0,0\n\n"
    rows = [f"{t:%Y-%m-%dT%H:%M},{i % 10}" for i, t in enumerate(hours)]
    series = load(block + "time,temperature_2m (°C)\n" + "\n".join(rows))
    assert (series.date_column, series.value_column) == ("time", "temperature_2m (°C)")
    assert kinds(series) == {"metadata_lines": 2}
    assert detail(series, "metadata_lines").startswith("2 lines of metadata before the column names")
    assert series.frequency == "h" and len(series.values) == 48 and series.values.iloc[3] == 3.0


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


def test_too_many_columns_names_the_limit() -> None:
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1))
    with pytest.raises(DataError, match=r"^The file has 201 columns; the limit is 200\.$"):
        load(header + "\n" + ",".join("1" for _ in range(MAX_COLUMNS + 1)) + "\n")


def test_too_many_rows_names_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core.data.parsing.table, "MAX_ROWS", 20)
    with pytest.raises(DataError, match=r"^The file has 30 data rows; the limit is 20\.$"):
        load(daily())


# --- the step on its own ------------------------------------------------------------------------------------


def test_sniff_delimiter_finds_the_split_and_the_title_lines_above_the_header() -> None:
    assert sniff_delimiter(["Weather station", "a;b;c", "1;2;3", "4;5;6"]) == (";", 1)
    assert sniff_delimiter(["a\tb", "1\t2", "3\t4"]) == ("\t", 0)
    assert sniff_delimiter(["1", "2", "3"]) == (None, 0)  # one column


def test_unique_names_fills_blanks_and_numbers_duplicates() -> None:
    assert unique_names(["", " a ", "a", '"b"', "a"]) == ("column_1", "a", "a (2)", "b", "a (3)")
