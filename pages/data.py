"""Data page: choose a built-in series or upload a CSV, pick a station of a file of several, see what was repaired,
look at and edit the series."""

from __future__ import annotations

import streamlit as st

from core.dashboard.charts import series_figure
from core.data.datasets import builtin_names, builtin_panel_names, builtin_title, load_builtin, load_builtin_panel
from core.data.intake import read_series, series_from_frame
from core.data.panel import read_panel
from core.data.parsing.common import MAX_COLUMNS, MAX_ROWS
from core.data.series import LoadedSeries, Panel, SeveralSeriesError
from core.errors import CoreError
from core.words import frequency_word, unit_for
from ui.router import through_app
from ui.session import (
    ALL_STATIONS,
    choose_station,
    current_panel,
    current_series,
    date_format,
    date_text,
    md_escape,
    set_panel,
    set_series,
)
from ui.stations import station_picker, training_all

through_app()

EDITABLE_ROWS = 5_000

st.title("1. Data")
st.write(
    "Pick an example series or upload your own CSV file with dates and values (temperatures, for example). "
    "Then go to **Train**."
)


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
    """One series, or a panel when the file stacks several series (a station-id column).

    Raises:
        CoreError: the file (or every series in it) cannot be used.
    """
    try:
        return read_series(data, date_column=date_column, value_column=value_column)
    except SeveralSeriesError:
        return read_panel(data, date_column=date_column, value_column=value_column)


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


current_series()
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

series = current_series()
panel = current_panel()

# Column pickers: only when the file offers a choice.
upload = st.session_state.get("upload")
offers_columns = len(series.numeric_columns) > 1 or (panel is None and len(series.columns) > 2)
if upload is not None and offers_columns:
    st.subheader("Columns")
    c1, c2 = st.columns(2)
    date_options = ["(none: generate dates)", *[c for c in series.columns if c != series.value_column]]
    date_index = date_options.index(series.date_column) if series.date_column in date_options else 0
    date_pick = c1.selectbox("Date column", date_options, index=date_index, key="date_pick",
                             help="The column with the timestamps.")
    value_options = list(series.numeric_columns) or [series.value_column]
    value_pick = c2.selectbox(
        "Value column", value_options,
        index=value_options.index(series.value_column) if series.value_column in value_options else 0,
        key="value_pick", help="The numbers to forecast.",
    )
    wanted_date = None if date_pick == date_options[0] else date_pick
    if (wanted_date, value_pick) != (series.date_column, series.value_column):
        try:
            repicked = _read_file(upload["bytes"], date_column=wanted_date, value_column=value_pick)
        except CoreError as exc:
            st.error(f"{md_escape(exc)} The previous column choice is kept.", icon=":material/error:")
        else:
            _use_file(repicked, upload["name"])
            st.rerun()

if panel is not None:
    station_picker(panel)

unit = unit_for(series.value_column)
st.subheader("Your series")
if training_all(panel):
    st.info("Train trains every station in turn with the same settings. Below is the first station; the settings "
            "are suggested for it. Choose one station above to edit its numbers.", icon=":material/info:")
st.caption(
    f"{md_escape(st.session_state.get('series_source', ''))} · {len(series.values):,} points · "
    f"from {date_text(series.values.index[0], series.frequency)} to "
    f"{date_text(series.values.index[-1], series.frequency)} · "
    f"one point per {frequency_word(series.frequency)} · value column: {md_escape(series.value_column)}"
)

if series.repairs:
    with st.container(border=True):
        st.markdown("**What we fixed or noticed in the data**")
        for repair in series.repairs:
            st.markdown(f"- {md_escape(repair.detail)}")
else:
    st.success("The data is clean: nothing needed repairing.", icon=":material/check_circle:")

st.plotly_chart(series_figure(series, unit=unit), width="stretch", key="series_chart")

st.subheader("Edit the numbers")

original = st.session_state.get("original", series)
if training_all(panel):
    st.caption("Each station is trained as read from the file.")
elif len(original.values) > EDITABLE_ROWS:
    st.info(
        f"Table editing is available for series up to {EDITABLE_ROWS:,} rows; this one has "
        f"{len(original.values):,}. Here are the first rows.",
        icon=":material/info:",
    )
    st.dataframe(series.frame().head(200), hide_index=True)
else:
    st.caption("Change cells, paste rows from a spreadsheet, or add and delete rows. Edits are checked like a file.")
    base = original.frame()
    edited = st.data_editor(
        base,
        num_rows="dynamic",
        hide_index=True,
        key=f"editor_{st.session_state.get('editor_version', 0)}",
        column_config={
            "date": st.column_config.DatetimeColumn("date", required=True, format=date_format(original.frequency)),
            original.value_column: st.column_config.NumberColumn(original.value_column, required=True),
        },
        width="stretch",
    )
    if not edited.equals(base):
        try:
            result = series_from_frame(edited, date_column="date", value_column=original.value_column)
        except CoreError as exc:
            st.session_state["edit_error"] = str(exc)
        else:
            same = result.values.equals(series.values)
            if not same or st.session_state.get("edit_error"):
                set_series(result, "Edited table", original=False)
                st.rerun()
    elif st.session_state.get("series_source") == "Edited table":
        set_series(original, "Original data (edits undone)", original=False)
        st.rerun()

    if st.session_state.get("edit_error"):
        st.error(
            f"The edited table can't be used: {md_escape(st.session_state['edit_error'])} "
            "Fix the cells or reset the table; training is disabled until then.",
            icon=":material/error:",
        )
    if st.button("Reset table to the original data", icon=":material/undo:", key="reset_table"):
        set_series(original, st.session_state.get("original_source", "Original data"))
        st.rerun()

st.divider()
st.page_link("pages/train.py", label="Next: train a model on this series", icon=":material/arrow_forward:")
