"""A metadata block before the header (Open-Meteo exports: coordinates, a blank line, then ``time,...``)."""

from __future__ import annotations

import pandas as pd
import pytest

from core.data.intake import read_series

META = (
    "latitude,longitude,elevation,utc_offset_seconds,timezone,timezone_abbreviation\n"
    "52.52,13.419998,38.0,3600,Europe/Berlin,CET\n"
    "\n"
)


def hourly(columns: list[str], n: int = 72) -> str:
    stamps = pd.date_range("2024-01-01", periods=n, freq="h")
    rows = [f"{t:%Y-%m-%dT%H:%M}," + ",".join(f"{(i + k) % 9 + 0.5:.1f}" for k in range(len(columns)))
            for i, t in enumerate(stamps)]
    return "time," + ",".join(columns) + "\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    "columns",
    [["temperature_2m (°C)"],
     ["temperature_2m (°C)", "relative_humidity_2m (%)", "dew_point_2m (°C)", "precipitation (mm)",
      "wind_speed_10m (km/h)"]],
    ids=["two columns", "as wide as the metadata"],
)
def test_the_metadata_block_is_skipped_and_reported(columns: list[str]) -> None:
    series = read_series((META + hourly(columns)).encode())
    assert (series.date_column, series.value_column, series.frequency) == ("time", "temperature_2m (°C)", "h")
    assert len(series.values) == 72 and series.values.iloc[0] == 0.5
    skipped = [repair for repair in series.repairs if repair.kind == "metadata_lines"]
    assert len(skipped) == 1 and skipped[0].count == 2
    assert skipped[0].detail == "2 lines of metadata before the column names (rows 1, 2) skipped."
    assert "bad_dates" not in {repair.kind for repair in series.repairs}


def test_a_blank_row_inside_the_data_is_not_a_metadata_block() -> None:
    text = "date,temp\n2020-01-01,1\n2020-01-02,2\n\n" + "\n".join(f"2020-01-{d:02d},{d}" for d in range(3, 29))
    series = read_series(text.encode())
    assert len(series.values) == 28 and series.values.iloc[0] == 1.0
    assert "metadata_lines" not in {repair.kind for repair in series.repairs}


def test_a_junk_row_after_a_blank_line_is_not_a_header() -> None:
    text = "date,temp\n2020-01-01,1\n\njunk,1\n" + "\n".join(f"2020-01-{d:02d},{d}" for d in range(2, 29))
    series = read_series(text.encode())
    assert series.values.iloc[0] == 1.0 and "metadata_lines" not in {repair.kind for repair in series.repairs}
