"""``ui.covariates``: the Train page's column picker offers the upload's other numeric columns, reads the chosen
ones once per data and choice, and names a column that cannot be used in one line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.data.intake import read_series

pytestmark = pytest.mark.apptest

TIMEOUT = 60


def weather(humidity: list[str] | None = None, days: int = 40) -> bytes:
    """Daily ``date,temperature,humidity,wind`` (cells as text)."""
    dates = pd.date_range("2024-01-01", periods=days, freq="D").strftime("%Y-%m-%d")
    humidity = humidity or [f"{60 + 20 * np.cos(i / 3):.1f}" for i in range(days)]
    rows = [f"{d},{10 + i % 7},{h},{i % 5}" for i, (d, h) in enumerate(zip(dates, humidity, strict=True))]
    return ("date,temperature,humidity,wind\n" + "\n".join(rows) + "\n").encode()


def picker_script() -> None:
    """The picker as the Train page draws it, and what the training would get."""
    import streamlit as st

    from core.errors import DataError
    from ui.covariates import covariate_options, session_covariates, unavailable_reason

    series = st.session_state["series"]
    choices = covariate_options(series)
    if not choices:
        st.caption(unavailable_reason(series))
    picked = st.multiselect("Other columns as inputs", choices, key="pick")
    if st.button("Read the columns even without a choice", key="force"):
        picked = picked or ["humidity"]
    if picked:
        try:
            covariates = session_covariates(series, tuple(picked))
        except DataError as exc:
            st.error(str(exc))
        else:
            st.markdown(f"inputs: {', '.join(covariates.frame.columns)} on {len(covariates.frame)} dates")
            for note in covariates.notes:
                st.info(note)


def _app(data: bytes | None, source: str = "weather.csv") -> AppTest:
    at = AppTest.from_function(picker_script, default_timeout=TIMEOUT)
    at.session_state["series"] = read_series(data if data is not None else weather())
    at.session_state["series_source"] = source
    if data is not None:
        at.session_state["upload"] = {"name": source, "bytes": data}
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_uploads_other_numeric_columns_are_offered_and_read_on_the_series_dates() -> None:
    at = _app(weather())
    assert at.multiselect(key="pick").options == ["humidity", "wind"]  # not the value or the date column
    at.multiselect(key="pick").set_value(["wind", "humidity"]).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.markdown[0].value == "inputs: wind, humidity on 40 dates"
    cache = at.session_state["covariate_cache"]
    at.run()
    assert at.session_state["covariate_cache"] is cache, "a rerun must not read the file again"
    at.multiselect(key="pick").set_value(["humidity"]).run()
    assert at.session_state["covariate_cache"] is not cache and at.markdown[0].value == "inputs: humidity on 40 dates"


def test_repairs_in_a_chosen_column_are_reported_with_its_name() -> None:
    humidity = [f"{50 + i % 9}" for i in range(40)]
    humidity[5] = "n/a"
    at = _app(weather(humidity))
    at.multiselect(key="pick").set_value(["humidity"]).run()
    notes = [i.value for i in at.info]
    assert any(note.startswith("Column 'humidity': 1 junk cell (row 7: 'n/a')") for note in notes), notes


def test_an_unusable_column_gives_one_line_and_is_not_read_again() -> None:
    humidity = [f"{50 + i % 9}" if i % 3 else "?" for i in range(40)]  # a third unreadable: over the limit
    at = _app(weather(humidity))
    at.multiselect(key="pick").set_value(["humidity"]).run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Column 'humidity' can't be used as an input: Too many missing")
    assert "\n" not in errors[0]
    cache = at.session_state["covariate_cache"]
    assert isinstance(cache[3], str)  # the refusal is remembered too
    at.run()
    assert at.session_state["covariate_cache"] is cache and [e.value for e in at.error] == errors


def test_a_built_in_series_offers_no_columns_and_says_where_to_get_some() -> None:
    at = _app(None, source="Built-in: Seattle")
    assert at.multiselect(key="pick").options == []
    assert "upload a CSV with more of them on the Data page" in at.caption[0].value
    at.button(key="force").click().run()
    assert [e.value for e in at.error] == [
        "The input columns come from an uploaded file; upload it again on the Data page."]


def test_an_edited_table_says_to_reset_it_to_use_other_columns() -> None:
    at = AppTest.from_function(picker_script, default_timeout=TIMEOUT)
    at.session_state["series"] = read_series(b"date,temperature\n" + b"".join(
        f"2024-01-{d:02d},{d}\n".encode() for d in range(1, 29)))
    at.session_state["series_source"] = "Edited table"
    at.session_state["upload"] = {"name": "weather.csv", "bytes": weather()}
    at.run()
    assert at.multiselect(key="pick").options == []
    assert "reset the table on the Data page" in at.caption[0].value
