"""Fuzzed station files: whatever the order, gaps, junk and id style, no series ever holds another's values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data.panel import read_panel
from core.errors import DataError

JUNK = ["", "n/a", "?", "—", "inf"]


@st.composite
def station_files(draw: st.DrawFn) -> tuple[bytes, dict[str, int]]:
    """A long file of 1-4 stations whose values tell them apart: station ``k`` holds ``100 k`` to ``100 k + 60``.

    Stations that share no date at all are covered by test_panel (a station that follows another in time).
    """
    count = draw(st.integers(1, 4))
    numeric = draw(st.booleans())
    ids = [str(72500000000 + 17 * k) if numeric else draw(st.sampled_from(["EWR", "JFK", "LGA", "BOS", "ORD"])) + str(k)
           for k in range(count)]
    column = draw(st.sampled_from(["STATION", "station_id", "sensor"] if numeric else ["STATION", "city", "code"]))
    named = draw(st.booleans())
    sep = draw(st.sampled_from([",", ";", "\t"]))
    rows = []
    start = pd.Timestamp("2021-01-01") + pd.Timedelta(days=draw(st.integers(0, 30)))
    for k, sid in enumerate(ids):
        days = draw(st.integers(5, 40))
        for day, when in enumerate(pd.date_range(start, periods=days, freq="D")):
            if day >= 2 and draw(st.integers(0, 9)) == 0:
                continue  # a gap (the first two days are there: the stations share some dates)
            value = str(100 * k + day % 61) if draw(st.integers(0, 14)) else draw(st.sampled_from(JUNK))
            cells = [sid, *([f"Name of {sid}"] if named else []), f"{when:%Y-%m-%d}", value]
            rows.append(sep.join(cells))
    order = draw(st.sampled_from(["blocks", "sorted", "shuffled"]))
    if order == "sorted":
        rows.sort(key=lambda row: row.split(sep)[-2])
    elif order == "shuffled":
        rows = draw(st.permutations(rows))
    header = sep.join([column, *(["NAME"] if named else []), "DATE", "TMAX"])
    return (header + "\n" + "\n".join(rows) + "\n").encode(), {sid: k for k, sid in enumerate(ids)}


@settings(max_examples=80, deadline=5000, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(station_files())
def test_fuzz_no_series_holds_another_stations_values(case: tuple[bytes, dict[str, int]]) -> None:
    data, stations = case
    try:
        panel = read_panel(data)
    except DataError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert panel.layout == "long" and set(panel.ids()) <= set(stations)
    for member in panel.members:
        values = member.series.values
        assert np.isfinite(values.to_numpy()).all() and values.index.freq is not None
        k = stations[member.id]
        assert values.min() >= 100 * k and values.max() <= 100 * k + 60, (member.id, values.describe())
        assert member.series.series_column in ("STATION", "station_id", "sensor", "city", "code")
