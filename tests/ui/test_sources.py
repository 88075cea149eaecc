"""The Data page's sources outside the page (AppTest ``from_function``): a built-in choice replaces the data (a
panel for the NYC airports), an uploaded file's column pickers re-read it, and a choice that cannot be read keeps
the previous data with the reason."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.apptest

TWO_COLUMNS = b"date,tmax,tmin\n" + b"".join(
    f"2024-01-{day:02d},{10 + day % 5},{day % 3 - 2}\n".encode() for day in range(1, 29))


def _sources() -> None:
    import streamlit as st

    from ui.session import current_panel, current_series
    from ui.sources import column_pickers, source_pickers

    current_series()
    source_pickers()
    column_pickers(current_series(), current_panel())
    series = current_series()
    st.session_state["shown"] = (series.value_column, len(series.values), current_panel() is not None)


def _open() -> AppTest:
    at = AppTest.from_function(_sources, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_built_in_choice_replaces_the_data_and_a_panel_brings_its_stations() -> None:
    at = _open()
    assert at.session_state["shown"] == ("temperature_c", 20, False), "the tutorial series first"
    at.selectbox(key="builtin_choice").select("seattle").run()
    column, points, is_panel = at.session_state["shown"]
    assert points > 1000 and not is_panel and at.session_state["series_source"].startswith("Built-in")
    at.selectbox(key="builtin_choice").select("nyc_airports").run()
    assert at.session_state["shown"][2], "the NYC airports are several series"


def test_the_column_pickers_reread_the_upload_and_keep_the_data_when_a_choice_fails() -> None:
    from core.data.intake import read_series

    at = AppTest.from_function(_sources, default_timeout=60)
    at.session_state["upload"] = {"name": "two.csv", "bytes": TWO_COLUMNS}
    at.session_state["series"] = read_series(TWO_COLUMNS)
    at.session_state["series_source"] = "File: two.csv"
    at.run()
    assert not at.exception, at.exception
    first = at.session_state["shown"][0]
    other = "tmin" if first == "tmax" else "tmax"
    at.selectbox(key="value_pick").select(other).run()
    assert at.session_state["shown"][:2] == (other, 28)
    assert "(none: generate dates)" not in at.selectbox(key="date_pick").options, "the file has a date column"
    at.selectbox(key="date_pick").select(first).run()  # a column of numbers as the dates
    assert at.session_state["shown"][:2] == (other, 28), "the previous data is kept"
    assert at.error or at.warning, "with the reason"
