"""Files of several series: long files (a station-id column, NOAA CDO style), wide files, and their limits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import core.data.parsing.layout
import core.data.parsing.table
from core.data.datasets import builtin_csv_bytes, builtin_panel_names, builtin_title, load_builtin, load_builtin_panel
from core.data.intake import describe, read_covariates, read_series, series_from_frame
from core.data.panel import describe_panel, read_panel
from core.data.series import Panel, SeveralSeriesError
from core.errors import DataError

SEATTLE = ("USW00024233", "SEATTLE TACOMA AIRPORT, WA US")
LA = ("USW00023174", "LOS ANGELES INTERNATIONAL AIRPORT, CA US")
DENVER = ("USW00003017", "DENVER INTERNATIONAL AIRPORT, CO US")


def station_tmax(k: int, day: int) -> int:
    """A station's own daily maximum: each station has its own level, so averaging them would show."""
    return 40 + 15 * k + (day * 7 + k) % 11


def noaa(
    stations: tuple[tuple[str, str], ...] = (SEATTLE, LA),
    days: int = 60,
    *,
    skip: dict[str, set[int]] | None = None,
    order: str = "blocks",
    seed: int = 0,
) -> bytes:
    """A NOAA Climate Data Online export: ``STATION,NAME,DATE,PRCP,TMAX,TMIN``, one block of rows per station.

    ``order``: ``blocks`` (as exported), ``by_date`` (interleaved, sorted by date) or ``shuffled``.
    """
    rows = []
    dates = pd.date_range("2021-01-01", periods=days, freq="D")
    for k, (sid, name) in enumerate(stations):
        for day, when in enumerate(dates):
            if skip and day in skip.get(sid, set()):
                continue
            rows.append((day, k, f'"{sid}","{name}","{when:%Y-%m-%d}","{(day % 3) * 0.1:.2f}",'
                                 f'"{station_tmax(k, day)}","{station_tmax(k, day) - 12}"'))
    if order == "by_date":
        rows.sort()
    elif order == "shuffled":
        np.random.default_rng(seed).shuffle(rows)
    body = "\n".join(text for _, _, text in rows)
    return f'"STATION","NAME","DATE","PRCP","TMAX","TMIN"\n{body}\n'.encode()


def kinds(repairs: tuple) -> dict[str, int]:  # type: ignore[type-arg]
    return {repair.kind: repair.count for repair in repairs}


# --- long files -----------------------------------------------------------------------------------------------


def test_a_noaa_export_of_two_stations_is_two_series_grouped_by_id_named_by_name() -> None:
    panel = read_panel(noaa())
    assert (panel.layout, panel.series_column, panel.name_column) == ("long", "STATION", "NAME")
    assert panel.date_column == "DATE" and panel.value_columns == ("TMAX",)
    assert panel.ids() == (SEATTLE[0], LA[0])
    assert [member.name for member in panel.members] == [SEATTLE[1], LA[1]]
    for k, member in enumerate(panel.members):
        series = member.series
        assert series.frequency == "D" and member.rows == 60
        assert series.values.tolist() == [float(station_tmax(k, day)) for day in range(60)]
        assert (series.series_id, series.series_name, series.series_column) == (member.id, member.name, "STATION")
        assert series.repairs == () and series.filled is None
    assert panel.member(LA[0]).label == f"{LA[0]} · {LA[1]}"


def test_rows_of_different_stations_are_never_averaged() -> None:
    panel = read_panel(noaa((SEATTLE, LA, DENVER), order="by_date"))
    assert len(panel) == 3
    for k, member in enumerate(panel.members):
        assert member.series.values.tolist() == [float(station_tmax(k, day)) for day in range(60)]
        assert "duplicates_averaged" not in kinds(member.series.repairs)
        assert "many_duplicates" not in kinds(member.series.repairs)


def test_read_series_on_several_stations_says_how_many_and_how_to_pick_one() -> None:
    with pytest.raises(SeveralSeriesError) as caught:
        read_series(noaa())
    message = str(caught.value)
    assert message == (f"The file holds 2 series told apart by column 'STATION' ('{SEATTLE[0]}', '{LA[0]}'); "
                       "choose one of them.")
    assert caught.value.panel_ids == (SEATTLE[0], LA[0]) and caught.value.column == "STATION"
    assert isinstance(caught.value, DataError)


def test_read_series_picks_one_station_by_id() -> None:
    series = read_series(noaa(), series=LA[0])
    assert series.values.tolist() == [float(station_tmax(1, day)) for day in range(60)]
    assert describe(series)["series"] == LA[0] and describe(series)["name"] == LA[1]
    assert read_series(noaa(), series=LA[0].lower()).series_id == LA[0]
    assert read_series(noaa(), series=LA[0], value_column="TMIN").values.iloc[0] == station_tmax(1, 0) - 12


def test_an_unknown_station_lists_the_ids() -> None:
    with pytest.raises(DataError, match=rf"^There is no series 'XYZ' in column 'STATION'; the file holds 2: "
                                        rf"'{SEATTLE[0]}', '{LA[0]}'\.$"):
        read_series(noaa(), series="XYZ")
    with pytest.raises(DataError, match=r"^There is no series 'XYZ'; the file holds 2 series: "):
        read_panel(noaa()).member("XYZ")


def test_numeric_station_ids_are_grouped_and_written_without_decimals() -> None:
    lines = ["station_id,date,temp"] + [
        f"{sid},2022-03-{day:02d},{base + day % 4}" for sid, base in ((72509014739, 5), (72406093721, 15))
        for day in range(1, 31)
    ]
    panel = read_panel(("\n".join(lines) + "\n").encode())
    assert panel.series_column == "station_id" and panel.ids() == ("72509014739", "72406093721")
    assert panel.member("72406093721").series.values.iloc[:4].tolist() == [16.0, 17.0, 18.0, 15.0]
    assert panel.name_column is None and panel.members[0].name is None


def test_a_name_column_alone_tells_the_stations_apart() -> None:
    lines = ["city,date,temperature"] + [
        f"{city},2022-01-{day:02d},{base + day % 3}" for city, base in (("Oslo", -5), ("Rome", 12))
        for day in range(1, 29)
    ]
    panel = read_panel(("\n".join(lines) + "\n").encode())
    assert panel.series_column == "city" and panel.ids() == ("Oslo", "Rome")
    assert panel.member("Rome").series.values.min() >= 12


def test_a_single_station_file_is_one_series_with_its_id_and_name() -> None:
    data = noaa((SEATTLE,))
    panel = read_panel(data)
    assert len(panel) == 1 and panel.layout == "long"
    assert (panel.members[0].id, panel.members[0].name) == SEATTLE
    series = read_series(data)  # no choice needed
    assert series.series_id == SEATTLE[0] and series.values.tolist() == [float(station_tmax(0, d)) for d in range(60)]


def test_unsorted_blocks_are_sorted_within_each_station() -> None:
    panel = read_panel(noaa((SEATTLE, LA, DENVER), order="shuffled"))
    assert set(panel.ids()) == {SEATTLE[0], LA[0], DENVER[0]}
    for member in panel.members:
        k = [SEATTLE[0], LA[0], DENVER[0]].index(member.id)
        assert member.series.values.tolist() == [float(station_tmax(k, day)) for day in range(60)]
        assert kinds(member.series.repairs) == {"sorted": kinds(member.series.repairs)["sorted"]}


def test_one_station_with_gaps_is_filled_and_the_filled_points_are_marked() -> None:
    panel = read_panel(noaa(skip={LA[0]: {10, 11, 12, 30}}))
    seattle, la = panel.members
    assert seattle.series.filled is None and seattle.series.repairs == ()
    assert la.rows == 60 and kinds(la.series.repairs) == {"gaps_filled": 4}
    filled = la.series.filled
    assert filled is not None and filled.index.equals(la.series.values.index)
    assert np.flatnonzero(filled.to_numpy()).tolist() == [10, 11, 12, 30]
    assert la.series.values.iloc[11] == pytest.approx((station_tmax(1, 9) + station_tmax(1, 13)) / 2)


def test_the_series_column_can_be_chosen_and_a_wrong_one_is_explained() -> None:
    lines = ["site,date,temp"] + [f"{s},2022-01-{d:02d},{d}" for s in "ab" for d in range(1, 21)]
    assert read_panel(("\n".join(lines)).encode(), series_column="SITE").ids() == ("a", "b")
    with pytest.raises(DataError, match=r"^There is no series column called 'nope'; available columns: 'STATION'"):
        read_panel(noaa(), series_column="nope")
    with pytest.raises(DataError, match=r"^Column 'DATE' holds the dates; choose another series column\.$"):
        read_panel(noaa(), series_column="DATE")


def test_a_station_too_short_to_use_is_left_out_with_a_notice() -> None:
    data = noaa((SEATTLE, LA), skip={LA[0]: set(range(2, 60))})
    panel = read_panel(data)
    assert panel.ids() == (SEATTLE[0],)
    skipped = next(repair for repair in panel.repairs if repair.kind == "series_skipped")
    assert skipped.detail.startswith(f"1 of 2 series could not be used and were left out: '{LA[0]}' (At least 3")
    with pytest.raises(DataError, match="At least 3 data points are needed"):
        read_series(data, series=LA[0])


def test_rows_without_a_station_id_are_left_out_with_a_notice() -> None:
    text = noaa().decode().replace(f'"{LA[0]}","{LA[1]}","2021-01-05"', '"","","2021-01-05"')
    panel = read_panel(text.encode())
    assert kinds(panel.repairs) == {"no_series_id": 1}
    assert kinds(panel.member(LA[0]).series.repairs) == {"no_series_id": 1, "gaps_filled": 1}


def test_covariates_come_from_the_chosen_stations_rows() -> None:
    data = noaa()
    series = read_series(data, series=LA[0])
    covariates = read_covariates(data, series, ("TMIN",))
    assert covariates.frame["TMIN"].tolist() == [float(station_tmax(1, day) - 12) for day in range(60)]


def test_an_edited_table_of_two_stations_is_refused() -> None:
    frame = pd.DataFrame({"station": ["a"] * 10 + ["b"] * 10, "date": list(pd.date_range("2020-01-01", periods=10)) * 2,
                          "temp": range(20)})
    with pytest.raises(DataError, match=r"^The table holds 2 series told apart by column 'station'; keep one"):
        series_from_frame(frame, date_column=None, value_column="temp")


def test_a_station_that_follows_another_in_time_is_kept_apart() -> None:
    lines = ["station,date,temp"] + [f"old,2020-01-{d:02d},{d}" for d in range(1, 21)] + [
        f"new,2020-02-{d:02d},{100 + d}" for d in range(1, 21)]
    panel = read_panel(("\n".join(lines)).encode())
    assert panel.ids() == ("old", "new") and panel.member("new").series.values.min() > 100


# --- what is not a series id ------------------------------------------------------------------------------------


def test_a_weather_word_column_does_not_split_a_single_series() -> None:
    words = ["sun", "rain", "fog", "drizzle"]
    lines = ["date,temp_max,weather"] + [f"2020-01-{d:02d},{d % 5},{words[d % 4]}" for d in range(1, 31)]
    series = read_series(("\n".join(lines)).encode())
    assert series.series_id is None and len(series.values) == 30


def test_a_label_column_that_alternates_in_time_does_not_split_a_series() -> None:
    stamps = pd.date_range("2020-01-01", periods=60, freq="D")
    lines = ["date,temp,label"] + [f"{t:%Y-%m-%d},{i % 9},{'weekend' if t.weekday() >= 5 else 'weekday'}"
                                   for i, t in enumerate(stamps)] + ["2020-01-10,3,weekend"]
    series = read_series(("\n".join(lines)).encode())
    assert series.series_id is None and len(series.values) == 60


def test_a_time_of_day_column_is_not_a_series_id() -> None:
    lines = ["date,time,temp"] + [f"2020-01-{d:02d},{h:02d}:00,{h}" for d in range(1, 11) for h in range(24)]
    series = read_series(("\n".join(lines)).encode())
    assert series.series_id is None and kinds(series.repairs)["many_duplicates"] == 230


def test_many_duplicate_timestamps_are_a_warning_not_a_routine_repair() -> None:
    lines = ["date,temp"] + [f"2020-01-{d:02d},{d + k}" for k in range(3) for d in range(1, 31)]
    series = read_series(("\n".join(lines)).encode())
    repair = next(r for r in series.repairs if r.kind == "many_duplicates")
    assert repair.warning and repair.count == 60
    assert repair.detail == ("60 of 90 rows (67%) repeat a timestamp of another row and were averaged with it; if "
                             "the file holds several series (stations, sensors), choose the column that tells them "
                             "apart.")
    assert series.values.iloc[0] == pytest.approx(2.0)


def test_a_few_duplicates_stay_a_routine_repair() -> None:
    lines = ["date,temp"] + [f"2020-01-{d:02d},{d}" for d in range(1, 31)] + ["2020-01-05,7"]
    series = read_series(("\n".join(lines)).encode())
    assert kinds(series.repairs) == {"sorted": 1, "duplicates_averaged": 1}
    assert not series.repairs[1].warning


def test_a_split_date_and_a_full_timestamp_use_the_timestamp() -> None:
    stamps = pd.date_range("2013-01-01 06:00", periods=72, freq="h")
    lines = ["origin,year,month,day,hour,temp,time_hour"] + [
        f"{o},{t.year},{t.month},{t.day},{t.hour},{10 + k + (i % 24) / 10:.1f},{t:%Y-%m-%dT%H:%M:%SZ}"
        for k, o in enumerate(("EWR", "JFK")) for i, t in enumerate(stamps)
    ]
    panel = read_panel(("\n".join(lines)).encode())
    assert panel.date_column == "time_hour" and panel.series_column == "origin" and panel.value_columns == ("temp",)
    assert [member.series.frequency for member in panel.members] == ["h", "h"]


# --- wide files -------------------------------------------------------------------------------------------------


WIDE = "date,station A temp,station B temp,station C temp,wind\n" + "\n".join(
    f"2021-05-{d:02d},{10 + d % 4},{20 + d % 5},{30 + d % 3},{d % 2}" for d in range(1, 31)
) + "\n"


def test_a_wide_file_offers_each_temperature_column_as_a_series() -> None:
    panel = read_panel(WIDE.encode())
    assert panel.layout == "wide" and panel.series_column is None
    assert panel.ids() == ("station A temp", "station B temp", "station C temp")
    assert panel.value_columns == panel.ids()
    assert panel.member("station B temp").series.values.iloc[:3].tolist() == [21.0, 22.0, 23.0]
    assert describe_panel(panel)["series"][2]["id"] == "station C temp"


def test_value_columns_choose_the_series_of_a_wide_file() -> None:
    panel = read_panel(WIDE.encode(), value_columns=["station C temp", "wind"])
    assert panel.ids() == ("station C temp", "wind")
    with pytest.raises(DataError, match=r"^There is no value column called 'nope'"):
        read_panel(WIDE.encode(), value_columns=["nope"])


def test_read_series_on_a_wide_file_takes_the_first_and_names_the_others() -> None:
    series = read_series(WIDE.encode())
    assert series.value_column == "station A temp"
    other = next(r for r in series.repairs if r.kind == "other_series")
    assert other.count == 2 and "'station B temp', 'station C temp'" in other.detail
    assert read_series(WIDE.encode(), series="station B temp").value_column == "station B temp"


def test_a_long_file_takes_one_value_column() -> None:
    with pytest.raises(DataError, match=r"^A file whose series are told apart by column 'STATION' takes one value"):
        read_panel(noaa(), value_columns=["TMAX", "TMIN"])


# --- limits and the summary -------------------------------------------------------------------------------------


def test_more_series_than_the_limit_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core.data.parsing.layout, "MAX_SERIES", 2)
    with pytest.raises(DataError, match=r"^The file holds 3 series in column 'STATION'; the limit is 2\.$"):
        read_panel(noaa((SEATTLE, LA, DENVER)))
    assert len(read_panel(noaa((SEATTLE, LA)))) == 2


def test_more_rows_in_total_than_the_limit_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core.data.parsing.table, "MAX_ROWS", 100)
    with pytest.raises(DataError, match=r"^The file has 120 data rows; the limit is 100\.$"):
        read_panel(noaa())


def test_describe_panel_lists_every_series() -> None:
    document = describe_panel(read_panel(noaa(skip={LA[0]: {3}})))
    assert document["layout"] == "long" and document["series_count"] == 2 and document["rows"] == 120
    assert [(e["id"], e["name"], e["rows"], e["start"], e["end"]) for e in document["series"]] == [
        (SEATTLE[0], SEATTLE[1], 60, "2021-01-01", "2021-03-01"), (LA[0], LA[1], 60, "2021-01-01", "2021-03-01")]
    assert [r["kind"] for r in document["series"][1]["repairs"]] == ["gaps_filled"]


def test_panel_tables_for_a_picker_and_small_multiples() -> None:
    panel = read_panel(noaa(skip={LA[0]: {3}}))
    table = panel.table()
    assert list(table.columns) == ["id", "name", "rows", "start", "end"] and len(table) == 2
    stacked = panel.long_frame()
    assert list(stacked.columns) == ["series", "date", "value", "filled"] and len(stacked) == 120
    assert int(stacked["filled"].sum()) == 1


# --- the built-in panel -----------------------------------------------------------------------------------------


def test_the_built_in_panel_is_three_new_york_airports_hourly() -> None:
    assert builtin_panel_names() == ["nyc_airports"]
    assert "3 stations" in builtin_title("nyc_airports")
    panel = load_builtin_panel("nyc_airports")
    assert isinstance(panel, Panel) and panel.ids() == ("EWR", "JFK", "LGA")
    assert [m.name for m in panel.members] == ["Newark Liberty Intl", "John F Kennedy Intl", "La Guardia"]
    for member in panel.members:
        assert member.series.frequency == "h" and member.rows == 8730
        assert member.start == pd.Timestamp("2013-01-01 06:00") and member.end == pd.Timestamp("2013-12-30 23:00")
        assert 5 < member.series.values.min() < member.series.values.max() < 105  # °F
        assert member.series.filled is not None and 20 <= int(member.series.filled.sum()) <= 40
    with pytest.raises(DataError, match="holds several series; load it with load_builtin_panel"):
        load_builtin("nyc_airports")
    assert builtin_csv_bytes("nyc_airports").startswith(b"origin,name,time_hour,temp_f\n")


@pytest.mark.slow
def test_the_largest_panel_reads_within_bounded_memory() -> None:
    import tracemalloc

    from core.data.parsing.common import MAX_ROWS, MAX_SERIES

    days = MAX_ROWS // MAX_SERIES
    dates = pd.date_range("2000-01-01", periods=days, freq="D").strftime("%Y-%m-%d").to_numpy()
    values = np.round(10 + 5 * np.random.default_rng(0).standard_normal(MAX_ROWS), 1)
    frame = pd.DataFrame({"STATION": np.repeat([f"USW{i:08d}" for i in range(MAX_SERIES)], days),
                          "DATE": np.tile(dates, MAX_SERIES), "TMAX": values})
    data = frame.to_csv(index=False).encode()
    del frame
    tracemalloc.start()
    try:
        panel = read_panel(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(panel) == MAX_SERIES and sum(member.rows for member in panel.members) == MAX_ROWS
    assert panel.members[-1].series.values.tolist() == values[-days:].tolist()
    assert peak < 20 * len(data), f"{peak / 1e6:.0f} MB traced for a {len(data) / 1e6:.0f} MB file"
