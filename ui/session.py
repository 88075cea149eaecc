"""Per-user state of the dashboard, kept in ``st.session_state`` under these non-widget keys.

| key                | type                      | meaning                                                   |
|--------------------|---------------------------|-----------------------------------------------------------|
| ``series``         | ``core.data.series.LoadedSeries`` | the last good data; what Train trains on               |
| ``series_source``  | ``str``                   | where it came from ("Built-in: …", a file name, "Edited table") |
| ``original``       | ``LoadedSeries``          | the data as loaded, for "Reset table"                     |
| ``upload_error``   | ``str | None``            | why the last upload was refused (the previous data is kept) |
| ``uploader_version`` | ``int``                 | bumped to clear the file box when a built-in series is chosen |
| ``original_source``| ``str``                   | the source label of ``original``                          |
| ``upload``         | ``dict``                  | name and bytes of the last good upload (re-read on a column change) |
| ``panel``          | ``core.data.series.Panel`` | the last good file of several series (stations), else absent |
| ``panel_source``   | ``str``                   | where ``panel`` came from ("Built-in: …", "File: …")           |
| ``station``        | ``str``                   | the chosen station's id, or ``ALL_STATIONS`` (train every one) |
| ``editor_version`` | ``int``                   | bumped to give the data editor a fresh key on a new source |
| ``edit_error``     | ``str | None``            | problem with the current table edit; Train is disabled while set |
| ``config_values``  | ``dict``                  | Train page settings (``covariates``: the chosen input columns) |
| ``config_for``     | ``tuple``                 | the data ``config_values`` were suggested for (``config_key``) |
| ``covariate_cache`` | ``tuple``                | last covariate columns read from ``upload`` (ui/covariates.py) |
| ``job``            | ``core.dashboard.jobs.Job | None``  | this session's current or last training job               |
| ``run``            | ``core.run.results.ForecastRun | None`` | the last *usable* trained model and its results     |
| ``run_values``     | ``pd.Series``             | the exact series ``run`` was trained on                   |
| ``run_job_id``     | ``str``                   | id of the last job whose result was collected             |
| ``job_values``     | ``pd.Series``             | the copy of the series the current job trains on          |
| ``auto_budget_seconds`` | ``float | None``       | budget of the current auto-mode job (progress bar) |
| ``naive_level``    | ``(str, NaiveLevel | None)`` | job id and the naive reference level of its loss chart |
| ``loss_chart_cache`` | ``(tuple, go.Figure)``  | the live loss chart and what it shows (rebuilt on a new epoch) |
| ``link_applied``   | ``bool``                  | a shared link's query parameters were read (ui/share.py) |
| ``link_error``     | ``str | None``            | which parts of a shared link were ignored and why          |
| ``preset``         | ``str``                   | chosen preset (presets.py); widget ``preset_pick`` shows it |
| ``presenter``      | ``bool``                  | presenter mode, set by the sidebar toggle ``presenter_toggle`` |
| ``owner``          | ``str``                   | this browser session's token for the job manager (``owner_id``) |
| ``cfg_*``, ``preset_pick`` | widget keys       | the Train page's settings form (ui/settings_form.py)       |
| ``train*``, ``auto_budget`` | widget keys       | the Train page's start buttons (ui/launch.py)              |
| ``stop``, ``log_loss`` | widget keys           | the Train page's job panel (ui/job_panel.py)               |
| ``learn_*``        | widget keys               | the Learn page's pickers and what-if sliders (page-local)  |
| ``station_pick``, ``forecast_station``, ``across_pick`` | widget keys | station pickers, models (ui/stations.py) |

Widget keys are page-local and cleaned up by Streamlit when the page changes, so nothing above them in the table
is a widget key; each ui module's docstring lists the widget keys it draws.
"""

from __future__ import annotations

import re
import threading
import uuid
from typing import Any

import pandas as pd
import streamlit as st

from core.dashboard.jobs import JobManager, app_manager
from core.data.datasets import builtin_title, load_builtin
from core.data.series import LoadedSeries, Panel
from core.words import frequency_word

__all__ = [
    "job_manager",
    "owner_id",
    "current_series",
    "set_series",
    "ALL_STATIONS",
    "current_panel",
    "set_panel",
    "choose_station",
    "collect_finished_job",
    "md_escape",
    "date_format",
    "date_text",
]

DEFAULT_BUILTIN = "seed"


_MANAGER: list[JobManager] = []  # the process's one job manager, once asked for
_MANAGER_LOCK = threading.Lock()


def job_manager() -> JobManager:
    """The one job manager of this server process (shared, holds no user data itself): trainings on warm Ray
    workers, started in the background the first time it is asked for, at server start (``ui.server``;
    ``core.dashboard.jobs.app_manager``; ``LSTM_BACKEND=inprocess`` trains in threads of this process instead).

    A module global rather than ``st.cache_resource``: the server's lifespan asks for it outside any script
    run, and every session's script must get that same manager."""
    with _MANAGER_LOCK:
        if not _MANAGER:
            _MANAGER.append(app_manager())
        return _MANAGER[0]


def _release_owner(owner: str) -> None:
    job_manager().release(owner)


@st.cache_resource(scope="session", on_release=_release_owner, show_spinner=False)
def _session_owner() -> str:
    return uuid.uuid4().hex


def owner_id() -> str:
    """A token unique to this browser session; when the session ends its job is cancelled."""
    if "owner" not in st.session_state:
        st.session_state["owner"] = _session_owner()
    return str(st.session_state["owner"])


def current_series() -> LoadedSeries:
    """The session's data, loading the default built-in series on first use."""
    if "series" not in st.session_state:
        set_series(load_builtin(DEFAULT_BUILTIN), f"Built-in: {builtin_title(DEFAULT_BUILTIN)}")
    series: LoadedSeries = st.session_state["series"]
    return series


def set_series(series: LoadedSeries, source: str, *, original: bool = True) -> None:
    """Make ``series`` the session's data; ``original`` also makes it the table's reset point."""
    st.session_state["series"] = series
    st.session_state["series_source"] = source
    st.session_state["edit_error"] = None
    if original:
        st.session_state["original"] = series
        st.session_state["original_source"] = source
        st.session_state["editor_version"] = st.session_state.get("editor_version", 0) + 1


#: The ``station`` value meaning "every station of the panel, in one job" (no file id can be this).
ALL_STATIONS = "\x00all stations"


def current_panel() -> Panel | None:
    """The session's file of several series, or None when the data is one series."""
    panel: Panel | None = st.session_state.get("panel")
    return panel


def set_panel(panel: Panel | None, source: str = "") -> None:
    """Make ``panel`` the session's file of several series with its first station as the current series;
    None forgets the panel (the data is one series again)."""
    st.session_state.pop("station_pick", None)  # a new panel's picker starts on its own first station
    if panel is None:
        for key in ("panel", "panel_source", "station"):
            st.session_state.pop(key, None)
        return
    st.session_state["panel"] = panel
    st.session_state["panel_source"] = source
    choose_station(panel.members[0].id)


def choose_station(station_id: str) -> None:
    """Make station ``station_id`` of the session's panel the current series (``ALL_STATIONS``: every station
    is trained; the first one is the current series, which the settings are suggested for).

    Raises:
        DataError: the panel has no such station.
    """
    panel: Panel = st.session_state["panel"]
    source = st.session_state.get("panel_source", "")
    if station_id == ALL_STATIONS:
        member, label = panel.members[0], f"all {len(panel):,} stations"
    else:
        member = panel.member(station_id)
        label = f"station {member.label}"
    st.session_state["station"] = station_id if station_id == ALL_STATIONS else member.id
    set_series(member.series, f"{source} · {label}")


def collect_finished_job() -> None:
    """Move a finished job's usable result into ``run`` (a diverged or failed job keeps the old model)."""
    job = st.session_state.get("job")
    if job is None:
        return
    snapshot = job.snapshot()
    if not snapshot.done or st.session_state.get("run_job_id") == job.id:
        return
    st.session_state["run_job_id"] = job.id
    if snapshot.run is not None and snapshot.run.usable:
        st.session_state["run"] = snapshot.run
        st.session_state["run_values"] = st.session_state.get("job_values")
        usable = [] if snapshot.run.stations is None else snapshot.run.stations.usable()
        if usable:  # every station: the run shown is the first usable station's
            st.session_state["run_values"] = usable[0].values


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def md_escape(text: Any) -> str:
    """Escape a user string so Streamlit markdown shows it literally (no links, no HTML, no emphasis)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def date_format(frequency: str) -> str:
    """Display format for dates in tables: no clock time for daily or coarser series."""
    step = frequency_word(frequency)
    sub_daily = any(word in step for word in ("minute", "hour", "step"))
    return "YYYY-MM-DD HH:mm" if sub_daily else "YYYY-MM-DD"


def date_text(moment: pd.Timestamp, frequency: str) -> str:
    """A date as text for captions: with the clock time only for sub-daily series."""
    return f"{moment:%Y-%m-%d %H:%M}" if date_format(frequency).endswith("mm") else f"{moment:%Y-%m-%d}"
