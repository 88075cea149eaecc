"""Files of several series (stations) in the app: the Data page's station picker and small multiples, starting
one job that trains every station (several at once on the training workers), and the Forecast page's table of
every station with its own picker.

Session keys (see ui/session.py): ``panel``, ``panel_source`` and ``station`` (read and set through
``ui.session``); ``job``, ``job_values`` and ``auto_budget_seconds`` (None) when the all-stations job starts.
Widget keys: ``station_pick`` and ``stations_chart`` (Data page), ``across_pick`` (Train page), ``forecast_station``
and ``dl_stations`` (Forecast page).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.config import ForecastConfig
from core.dashboard.export import stations_forecast_csv
from core.dashboard.stations import stations_figure
from core.data.series import Panel
from core.errors import CoreError
from core.run.portable import Plan
from core.run.results import MAX_STATIONS, StationRun, StationRuns
from core.words import model_name, unit_for
from ui.session import ALL_STATIONS, choose_station, job_manager, md_escape, owner_id

__all__ = ["ACROSS_LABELS", "training_all", "station_picker", "across_picker", "start_all_stations", "station_table",
           "chosen_station"]


def training_all(panel: Panel | None) -> bool:
    """True when the session's choice is "All stations" (Train trains every station)."""
    return panel is not None and st.session_state.get("station") == ALL_STATIONS


def _all_label(panel: Panel) -> str:
    return f"All {len(panel):,} stations (Train trains each)"


def _picked() -> None:
    """Selectbox callback: the chosen station becomes the current series (runs before the page)."""
    choice = st.session_state.get("station_pick")
    if choice is not None and st.session_state.get("panel") is not None:
        choose_station(choice)


def station_picker(panel: Panel) -> None:
    """The station picker (names shown, ids kept; "All stations" when there are at most ``MAX_STATIONS``), the
    file's own notices and one small chart per station."""
    labels = {member.id: member.label for member in panel.members}
    options = list(labels) + ([ALL_STATIONS] if len(panel) <= MAX_STATIONS else [])
    current = st.session_state.get("station", options[0])
    st.subheader("Stations")
    told_apart = f" told apart by column {md_escape(panel.series_column)}" if panel.series_column else ""
    st.caption(f"This file holds {len(panel):,} series{told_apart}. Choose the one to look at and train on; "
               "they are never averaged together.")
    st.selectbox(
        "Station", options, index=options.index(current) if current in options else 0,
        format_func=lambda key: _all_label(panel) if key == ALL_STATIONS else labels[key],
        key="station_pick", on_change=_picked,
        help="The series shown below and trained on the Train page. \"All stations\" trains every station "
        "with the same settings in one job (several at once), and the Forecast page compares them.",
    )
    own = [repair for repair in panel.repairs if all(repair not in m.series.repairs for m in panel.members)]
    for repair in own:
        st.info(md_escape(repair.detail), icon=":material/info:")
    chosen = None if current == ALL_STATIONS else current
    unit = unit_for(panel.value_columns[0]) if panel.value_columns else ""
    st.plotly_chart(stations_figure(panel, unit=unit, chosen=chosen), width="stretch", key="stations_chart")


#: The Train page's choice for every station: plan ``across`` value -> label.
ACROSS_LABELS = {
    "auto": "Whichever wins on validation (trains both)",
    "each": "One model per station",
    "global": "One model across all stations",
}


def across_picker() -> str:
    """The Train page's choice between one model per station, one across them, or whichever wins on validation
    (the default); returns the ``Plan.across`` value. Widget key ``across_pick``."""
    choice = st.radio(
        "Models", list(ACROSS_LABELS), format_func=ACROSS_LABELS.__getitem__, key="across_pick", horizontal=True,
        help="One model per station learns each station on its own (several train at once). One model across all "
        "stations learns from every station's windows together, each scaled on its own training span, and can "
        "pick up what they share. \"Whichever wins\" trains both and keeps the one with the lower validation "
        "error; the test span decides nothing.",
    )
    return str(choice)


def start_all_stations(panel: Panel, config: ForecastConfig, name: str, across: str = "each") -> None:
    """Submit one job that trains every station with ``config`` (``across``: one model per station, one across
    them, or ``"auto"``) and rerun to show it; a refusal (the server is busy) is shown as an error."""
    stations = [StationRun(member.id, member.name, member.series.values) for member in panel.members]
    st.session_state["auto_budget_seconds"] = None
    try:
        job = job_manager().submit(owner_id(), stations[0].values, config, name=name,
                                   plan=Plan("stations", stations=tuple(stations), across=across))
    except CoreError as exc:
        st.error(md_escape(exc), icon=":material/error:")
        return
    st.session_state["job"] = job
    st.session_state["job_values"] = stations[0].values.copy()
    st.rerun()


def station_table(stations: StationRuns, unit: str) -> None:
    """Every station's verdict (LSTM test MAE, the best reference and its MAE, beats it?, band coverage) and the
    download of every station's forecast."""
    st.subheader("Every station")
    frame = stations.table()
    frame["best_reference"] = [
        None if station.run is None or pd.isna(key) else model_name(str(key), station.run.baseline_labels)
        for key, station in zip(frame["best_reference"], stations.stations, strict=True)
    ]
    if not frame["error"].astype(bool).any():
        frame = frame.drop(columns="error")  # every station was trained
    beats = sum(1 for value in frame["beats_best_reference"] if value is True)
    trained = len(stations.usable())
    models = "one model across all stations" if stations.model == "global" else "one model per station"
    st.write(f"The LSTM ({models}) beats the best reference on **{beats} of {trained}** trained stations "
             f"(test-span MAE{md_escape(f', {unit}') if unit else ''}).")
    if stations.reason:
        st.caption(md_escape(stations.reason))
    suffix = f" ({unit})" if unit else ""
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "series": st.column_config.TextColumn("station"),
        "n": st.column_config.NumberColumn("points", format="%d"),
        "lstm_mae": st.column_config.NumberColumn(f"LSTM MAE{suffix}", format="%.3f"),
        "best_reference": st.column_config.TextColumn("best reference"),
        "best_reference_mae": st.column_config.NumberColumn(f"its MAE{suffix}", format="%.3f"),
        "beats_best_reference": st.column_config.CheckboxColumn("LSTM beats it?"),
        "coverage": st.column_config.NumberColumn("band coverage", format="percent"),
        "error": st.column_config.TextColumn("problem"),
    })
    try:
        data = stations_forecast_csv(stations)
    except CoreError:
        return
    st.download_button("Download all forecasts (CSV)", data, file_name="forecasts_all_stations.csv",
                       mime="text/csv", key="dl_stations", icon=":material/download:",
                       help="Every trained station's future forecast in one file, with a series column.")


def chosen_station(stations: StationRuns) -> StationRun | None:
    """The picker of the station shown in detail below (usable stations only); None when none is usable."""
    usable = stations.usable()
    if not usable:
        return None
    labels = {station.id: station.label for station in usable}
    choice = st.selectbox("Station shown below", list(labels), format_func=lambda key: labels[key],
                          key="forecast_station", help="The sections below draw this station's run.")
    return stations.station(choice or usable[0].id)
