"""``core.dashboard.stations``: one small chart per station on a shared date axis, the chosen one highlighted,
at most ``MAX_PANELS`` drawn, long stations thinned, user strings escaped."""

from __future__ import annotations

import numpy as np

from core.dashboard.stations import MAX_PANELS, PANEL_POINTS, stations_figure
from core.data.panel import read_panel
from core.data.series import Panel

HOSTILE = "<img src=x onerror=alert(1)>"


def long_file(ids: list[str], days: int = 40, names: list[str] | None = None) -> bytes:
    """A long file: station k's daily values are ``10 k + sin(day / 3)``."""
    dates = np.datetime64("2024-01-01") + np.arange(days)
    rows = ["station,name,date,temp"]
    for k, station in enumerate(ids):
        name = names[k] if names else f"Place {k}"
        rows += [f"{station},{name},{date},{k * 10 + np.sin(day / 3):.3f}" for day, date in enumerate(dates)]
    return ("\n".join(rows) + "\n").encode()


def panel_of(ids: list[str], days: int = 40, names: list[str] | None = None) -> Panel:
    return read_panel(long_file(ids, days, names))


def test_one_chart_per_station_on_a_shared_axis_with_the_chosen_one_highlighted() -> None:
    panel = panel_of(["A1", "B2", "C3"])
    figure = stations_figure(panel, unit="°C", chosen="B2")
    fig = figure.to_plotly_json()
    assert [trace["name"] for trace in fig["data"]] == ["A1", "B2", "C3"]
    colours = [trace["line"]["color"] for trace in fig["data"]]
    assert colours[1] != colours[0] and colours[0] == colours[2]
    assert [a["text"] for a in fig["layout"]["annotations"]] == ["A1 · Place 0", "B2 · Place 1", "C3 · Place 2"]
    assert fig["layout"]["xaxis"]["matches"] == "x3" or fig["layout"]["xaxis2"]["matches"] == "x3"
    assert figure.data[2].y[0] == panel.members[2].series.values.iloc[0] == 20.0
    assert "°C" in fig["data"][0]["hovertemplate"]


def test_at_most_max_panels_are_drawn_and_the_title_says_how_many_more() -> None:
    ids = [f"S{k:02d}" for k in range(MAX_PANELS + 3)]
    fig = stations_figure(panel_of(ids, days=30))
    assert len(fig.data) == MAX_PANELS
    assert "15 stations" in fig.layout.title.text and "3 more" in fig.layout.title.text


def test_long_stations_are_thinned_and_hostile_names_are_escaped() -> None:
    days = PANEL_POINTS + 500
    panel = panel_of(["X"], days=days, names=[HOSTILE.replace(",", "")])
    fig = stations_figure(panel)
    assert len(fig.data[0].y) <= PANEL_POINTS
    assert "<img" not in fig.layout.annotations[0].text and "&lt;img" in fig.layout.annotations[0].text
