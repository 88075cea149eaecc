"""The Data page's sources: the built-in picker, the file box and, when a file offers a choice, its column
pickers. A new choice replaces the data only when it reads; otherwise the previous data is kept with the reason.

Session keys (see ui/session.py): ``upload``, ``upload_error``, ``uploader_version``, ``station``. Widget keys:
``builtin_choice``, ``uploader_<version>``, ``date_pick``, ``value_pick``.
"""

from __future__ import annotations

import streamlit as st

from core.data.datasets import builtin_names, builtin_panel_names, builtin_title, load_builtin, load_builtin_panel
from core.data.intake import read_series
from core.data.panel import read_panel
from core.data.parsing.columns import temperature_like
from core.data.parsing.common import MAX_COLUMNS, MAX_ROWS
from core.data.series import LoadedSeries, Panel, SeveralSeriesError
from core.errors import CoreError
from ui.session import ALL_STATIONS, choose_station, md_escape, set_panel, set_series

__all__ = ["GENERATED_DATES", "source_pickers", "column_pickers"]

#: The date picker's choice for a file without a date column: one date per day from 2000-01-01 on.
GENERATED_DATES = "(none: generate dates)"


def _uploader_key() -> str:
    return f"uploader_{st.session_state.get('uploader_version', 0)}"


def _load_builtin() -> None:
    """Selectbox callback: runs once per change, before the page, so reruns never reload it."""
    choice = st.session_state.get("builtin_choice")
    if choice is None:
        return
    st.session_state.pop("upload", None)
    st.session_state["upload_error"] = None
    st.session_state["uploader_version"] = st.session_state.get("uploader_version", 0) + 1  # clears the file box
    if choice in builtin_panel_names():
        set_panel(load_builtin_panel(choice), f"Built-in: {builtin_title(choice)}")
        return
    set_panel(None)
    set_series(load_builtin(choice), f"Built-in: {builtin_title(choice)}")


def _read_file(data: bytes, date_column: str | None = None, value_column: str | None = None
               ) -> LoadedSeries | Panel:
    """One series, or a panel when the file stacks several series (a station-id column) or, read without a
    chosen value column, puts several temperature-like columns side by side (one station per column).

    Raises:
        CoreError: the file (or every series in it) cannot be used.
    """
    try:
        series = read_series(data, date_column=date_column, value_column=value_column)
    except SeveralSeriesError:
        return read_panel(data, date_column=date_column, value_column=value_column)
    if value_column is None and sum(temperature_like(name) for name in series.numeric_columns) > 1:
        wide = read_panel(data, date_column=date_column)
        if wide.layout == "wide":
            return wide
    return series


def _use_file(loaded: LoadedSeries | Panel, name: str) -> None:
    """Make a file's series (or its panel, keeping the chosen station when it is still there) the data."""
    if isinstance(loaded, LoadedSeries):
        set_panel(None)
        set_series(loaded, f"File: {name}")
        return
    station = st.session_state.get("station")
    set_panel(loaded, f"File: {name}")
    if station is not None and (station in loaded.ids() or station == ALL_STATIONS):
        choose_station(station)


def _load_upload() -> None:
    """File-uploader callback: validate the new file; on failure keep the previous data."""
    uploaded = st.session_state.get(_uploader_key())
    if uploaded is None:
        return
    data = uploaded.getvalue()
    try:
        loaded = _read_file(data)
    except CoreError as exc:
        st.session_state["upload_error"] = f"{uploaded.name}: {exc}"
        return
    st.session_state["upload_error"] = None
    st.session_state["upload"] = {"name": uploaded.name, "bytes": data}
    st.session_state["builtin_choice"] = None
    st.session_state.pop("station", None)  # a new file starts on its own first station
    _use_file(loaded, uploaded.name)


def source_pickers() -> None:
    """The built-in picker (left) and the file box (right), with the reason the last upload was refused."""
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader("Example data")
        st.selectbox(
            "Built-in series",
            [*builtin_names(), *builtin_panel_names()],
            index=None,
            format_func=builtin_title,
            placeholder="Choose an example series…",
            help="Ready-made series that need no file: the blog tutorial's 20 days, real Seattle weather, "
            "a synthetic seasonal series, or three New York airports' hourly temperatures (several series).",
            key="builtin_choice",
            on_change=_load_builtin,
        )

    with right:
        st.subheader("Your own file")
        st.file_uploader(
            "Upload a CSV or TSV file",
            type=["csv", "tsv", "txt"],
            help=f"One row per time step: a date column and a value column (several stations stacked with a station "
            f"column work too). Up to {MAX_ROWS:,} rows and {MAX_COLUMNS} columns. Commas, semicolons, tabs, decimal "
            "commas and most date formats work.",
            key=_uploader_key(),
            on_change=_load_upload,
        )
        if st.session_state.get("upload_error"):
            st.error(
                f"{md_escape(st.session_state['upload_error'])}  \nYour previous data is kept.",
                icon=":material/error:",
            )


def column_pickers(series: LoadedSeries, panel: Panel | None) -> None:
    """The date and value column pickers of an uploaded file that offers a choice; a new pair is read at once."""
    upload = st.session_state.get("upload")
    offers_columns = len(series.numeric_columns) > 1 or (panel is None and len(series.columns) > 2)
    if upload is not None and offers_columns:
        st.subheader("Columns")
        c1, c2 = st.columns(2)
        # Generated dates are what intake falls back to when no column holds dates; it is offered only then.
        generated = [] if series.date_column is not None else [GENERATED_DATES]
        date_options = [*generated, *[c for c in series.columns if c != series.value_column]]
        date_index = date_options.index(series.date_column) if series.date_column in date_options else 0
        date_pick = c1.selectbox("Date column", date_options, index=date_index, key="date_pick",
                                 help="The column with the timestamps.")
        value_options = list(series.numeric_columns) or [series.value_column]
        # A wide file's station picker also changes the value column: a key of its own per station keeps the picker
        # on that station's column (a stale choice would read the file again as one series).
        wide = panel is not None and panel.layout == "wide"
        value_pick = c2.selectbox(
            "Value column", value_options,
            index=value_options.index(series.value_column) if series.value_column in value_options else 0,
            key=f"value_pick_{series.value_column}" if wide else "value_pick", help="The numbers to forecast.",
        )
        wanted_date = None if date_pick == GENERATED_DATES else date_pick
        if (wanted_date, value_pick) != (series.date_column, series.value_column):
            try:
                repicked = _read_file(upload["bytes"], date_column=wanted_date, value_column=value_pick)
            except CoreError as exc:
                st.error(f"{md_escape(exc)} The previous column choice is kept.", icon=":material/error:")
                return
            got = (repicked.date_column, repicked.value_column) if isinstance(repicked, LoadedSeries) else None
            if got is not None and got != (wanted_date, value_pick):  # never rerun into the same choice again
                st.warning(f"The file reads with date column {md_escape(got[0] or GENERATED_DATES)} and value "
                           f"column {md_escape(got[1])}; that is kept.", icon=":material/warning:")
                return
            _use_file(repicked, upload["name"])
            st.rerun()
