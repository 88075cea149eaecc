"""Data page: choose a built-in series or upload a CSV, pick a station of a file of several, see what was repaired,
look at and edit the series."""

from __future__ import annotations

import streamlit as st

from core.dashboard.charts import series_figure
from core.data.intake import series_from_frame
from core.errors import CoreError
from core.words import frequency_word, unit_for
from ui.router import through_app
from ui.session import current_panel, current_series, date_format, date_text, md_escape, set_series
from ui.sources import column_pickers, source_pickers
from ui.stations import station_picker, training_all

through_app()

EDITABLE_ROWS = 5_000

st.title("1. Data")
st.write(
    "Pick an example series or upload your own CSV file with dates and values (temperatures, for example). "
    "Then go to **Train**."
)

current_series()
source_pickers()

series = current_series()
panel = current_panel()
column_pickers(series, panel)

if panel is not None:
    station_picker(panel)

unit = unit_for(series.value_column)
st.subheader("Your series")
if training_all(panel):
    st.info("Train trains every station with the same settings, several at once. Below is the first station; the "
            "settings are suggested for it. Choose one station above to edit its numbers.", icon=":material/info:")
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
