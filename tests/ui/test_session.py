"""``ui.session``: the session's data and its reset point, collecting a finished job's model, the session owner,
markdown escaping and date formats; the widgets are driven with ``AppTest.from_function``."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from streamlit.testing.v1 import AppTest

from ui.session import date_format, md_escape

TIMEOUT = 60


def data_script() -> None:
    """The session's data: the default series on first use; a button that swaps in another one."""
    import streamlit as st

    from core.data.datasets import load_builtin
    from ui.session import current_series, set_series

    if st.button("Use the synthetic series as an edit", key="edit"):
        set_series(load_builtin("synthetic"), "Edited table", original=False)
    if st.button("Load the synthetic series", key="load"):
        set_series(load_builtin("synthetic"), "Built-in: synthetic")
    series = current_series()
    st.markdown(f"{len(series.values)} points from {st.session_state['series_source']}")


def _shown(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


@pytest.mark.apptest
def test_the_default_series_is_loaded_once_and_becomes_the_reset_point() -> None:
    at = AppTest.from_function(data_script, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert "20 points from Built-in" in _shown(at)
    first = at.session_state["series"]
    assert at.session_state["original"] is first and at.session_state["editor_version"] == 1
    at.run()
    assert at.session_state["series"] is first, "a rerun must not reload the default series"
    assert at.session_state["editor_version"] == 1


@pytest.mark.apptest
def test_an_edit_keeps_the_reset_point_and_a_new_source_replaces_it() -> None:
    at = AppTest.from_function(data_script, default_timeout=TIMEOUT)
    at.run()
    seed = at.session_state["series"]
    at.session_state["edit_error"] = "a bad cell"
    at.button(key="edit").click().run()
    assert "1096 points from Edited table" in _shown(at)
    assert at.session_state["original"] is seed and at.session_state["original_source"].startswith("Built-in")
    assert at.session_state["editor_version"] == 1, "an edit keeps the data editor's key"
    assert at.session_state["edit_error"] is None, "good data clears the last edit's problem"
    at.button(key="load").click().run()
    assert at.session_state["original"] is at.session_state["series"]
    assert at.session_state["editor_version"] == 2, "a new source gives the data editor a fresh key"


@dataclass(frozen=True)
class FakeRun:
    usable: bool
    stations: None = None  # not a run over every station


@dataclass(frozen=True)
class FakeSnapshot:
    done: bool
    run: FakeRun | None


class FakeJob:
    """What ``collect_finished_job`` reads of a job: its id and a snapshot."""

    def __init__(self, job_id: str, snapshot: FakeSnapshot) -> None:
        self.id = job_id
        self._snapshot = snapshot

    def snapshot(self) -> FakeSnapshot:
        return self._snapshot


def collect_script() -> None:
    import streamlit as st

    from ui.session import collect_finished_job

    collect_finished_job()
    run = st.session_state.get("run")
    st.markdown("A trained model is ready" if run is not None else "No trained model yet")


@pytest.mark.apptest
def test_a_finished_jobs_usable_model_is_collected_once_with_its_data() -> None:
    at = AppTest.from_function(collect_script, default_timeout=TIMEOUT)
    at.run()
    assert "No trained model yet" in _shown(at)
    good = FakeRun(usable=True)
    at.session_state["job"] = FakeJob("job-1", FakeSnapshot(done=False, run=None))
    at.run()
    assert "No trained model yet" in _shown(at), "a running job has nothing to collect"
    at.session_state["job"] = FakeJob("job-1", FakeSnapshot(done=True, run=good))
    at.session_state["job_values"] = "the series job-1 trained on"
    at.run()
    assert "A trained model is ready" in _shown(at)
    assert at.session_state["run"] is good and at.session_state["run_job_id"] == "job-1"
    assert at.session_state["run_values"] == "the series job-1 trained on"
    at.session_state["run"] = None  # e.g. cleared by the user: the same job is not collected again
    at.run()
    assert at.session_state["run"] is None


@pytest.mark.apptest
@pytest.mark.parametrize("run", [None, FakeRun(usable=False)])
def test_a_diverged_or_failed_job_keeps_the_previous_model(run: FakeRun | None) -> None:
    at = AppTest.from_function(collect_script, default_timeout=TIMEOUT)
    previous = FakeRun(usable=True)
    at.session_state["run"] = previous
    at.session_state["job"] = FakeJob("job-2", FakeSnapshot(done=True, run=run))
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["run"] is previous and "A trained model is ready" in _shown(at)
    assert at.session_state["run_job_id"] == "job-2"


def owner_script() -> None:
    import streamlit as st

    from ui.session import job_manager, owner_id

    st.markdown(f"owner {owner_id()}")
    manager = job_manager()
    st.session_state["manager"] = manager
    st.markdown(f"slots {manager.max_running} on {type(manager.backend).__name__}")


@pytest.mark.apptest
def test_the_owner_token_stays_for_the_session_and_all_sessions_share_one_job_manager() -> None:
    """(Every AppTest runs as the same session id, so different owners per tab are checked in the browser tests.)"""
    first = AppTest.from_function(owner_script, default_timeout=TIMEOUT)
    first.run()
    assert not first.exception, first.exception
    owner = first.session_state["owner"]
    assert re.fullmatch(r"[0-9a-f]{32}", owner)
    first.run()
    assert first.session_state["owner"] == owner and f"owner {owner}" in _shown(first)
    second = AppTest.from_function(owner_script, default_timeout=TIMEOUT)
    second.run()
    assert "slots 1 on InProcess" in _shown(second), "the tests train in process (LSTM_BACKEND=inprocess)"
    assert second.session_state["manager"] is first.session_state["manager"]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("**bold**", r"\*\*bold\*\*"),
        ("[x](javascript:alert(1))", r"\[x\]\(javascript\:alert\(1\)\)"),
        ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert\(1\)\>"),
        ("$x^2$ # h1", r"\$x^2\$ \# h1"),
        ("temp_max 1.5", r"temp\_max 1\.5"),
        (42, "42"),
    ],
)
def test_md_escape_leaves_nothing_for_markdown_to_interpret(text: object, escaped: str) -> None:
    assert md_escape(text) == escaped


@pytest.mark.apptest
def test_markdown_of_an_escaped_name_shows_it_literally() -> None:
    def script(name: str) -> None:
        import streamlit as st

        from ui.session import md_escape

        st.markdown(f"value column: {md_escape(name)}")

    name = "**bold** [x](javascript:alert(1))"
    at = AppTest.from_function(script, args=(name,), default_timeout=TIMEOUT)
    at.run()
    assert at.markdown[0].value == f"value column: {md_escape(name)}"


@pytest.mark.parametrize(
    ("frequency", "shown"),
    [("D", "YYYY-MM-DD"), ("MS", "YYYY-MM-DD"), ("W-SUN", "YYYY-MM-DD"), ("h", "YYYY-MM-DD HH:mm"),
     ("15min", "YYYY-MM-DD HH:mm")],
)
def test_date_format_shows_the_clock_only_below_a_day(frequency: str, shown: str) -> None:
    assert date_format(frequency) == shown



def panel_script() -> None:
    """A panel made the session's data; buttons choose a station, "all stations", or forget the panel."""
    import streamlit as st

    from core.data.datasets import load_builtin_panel
    from ui.session import ALL_STATIONS, choose_station, current_panel, set_panel

    if st.button("Load the airports", key="load"):
        set_panel(load_builtin_panel("nyc_airports"), "Built-in: airports")
    if st.button("JFK", key="jfk"):
        choose_station("JFK")
    if st.button("All", key="all"):
        choose_station(ALL_STATIONS)
    if st.button("Forget", key="forget"):
        set_panel(None)
    panel = current_panel()
    st.markdown(f"{0 if panel is None else len(panel)} stations")


@pytest.mark.apptest
def test_a_panel_makes_its_chosen_station_the_series_and_all_stations_keeps_the_first() -> None:
    at = AppTest.from_function(panel_script, default_timeout=TIMEOUT)
    at.run()
    at.button(key="load").click().run()
    assert not at.exception, at.exception
    assert _shown(at) == "3 stations" and at.session_state["station"] == "EWR"
    assert at.session_state["series"].series_id == "EWR"
    at.button(key="jfk").click().run()
    assert at.session_state["series"].series_id == "JFK" and at.session_state["station"] == "JFK"
    assert at.session_state["series_source"] == "Built-in: airports · station JFK · John F Kennedy Intl"
    at.button(key="all").click().run()
    assert at.session_state["series"].series_id == "EWR"
    assert at.session_state["series_source"].endswith("all 3 stations")
    at.button(key="forget").click().run()
    assert _shown(at) == "0 stations" and "station" not in at.session_state
