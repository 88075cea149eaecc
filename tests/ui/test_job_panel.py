"""The Train page's job panel: what it says once a job has ended, with and without a model to look at."""

from __future__ import annotations

import types

import pytest
from streamlit.testing.v1 import AppTest

from core.dashboard.jobs import JobSnapshot
from tests.helpers import APP

pytestmark = pytest.mark.apptest


class EndedJob:
    """A job that reached its time limit; its run is usable or (before the first epoch) not."""

    def __init__(self, usable: bool) -> None:
        self.id = "ended-1"
        self.config = None
        self.run = types.SimpleNamespace(usable=usable, best_epoch=3 if usable else None, stations=None, message=(
            "Training reached the time limit before the first epoch finished, so there is no model yet."))

    def snapshot(self) -> JobSnapshot:
        return JobSnapshot(id=self.id, owner="test", name="", state="time_limit", stage="training", queue_position=0,
                           epoch=3 if self.run.usable else 0, epochs=50, batch=0, batches=10, history=(),
                           elapsed_seconds=10.0, eta_seconds=None, message="", run=self.run)  # type: ignore[arg-type]


@pytest.mark.parametrize("usable", [False, True])
def test_an_ended_job_says_whether_there_is_a_model_to_look_at(usable: bool) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.session_state["job"] = EndedJob(usable)
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    if usable:
        assert [s.value for s in at.success][0].startswith("Stopped at the time limit"), at.success
        assert not at.warning and at.session_state["run"].usable
    else:
        assert not at.success, "no 'see the results' when there are none"
        assert any(w.value.startswith("Stopped at the time limit before the first epoch finished")
                   and "earlier trained model is kept" in w.value for w in at.warning), at.warning
        assert "run" not in at.session_state


class StationJob:
    """A job that trains every station in turn and is at the second of three."""

    id = "stations-1"
    config = None

    def snapshot(self) -> JobSnapshot:
        return JobSnapshot(id=self.id, owner="test", name="", state="running", stage="station 2 of 3: LGA: training",
                           queue_position=0, epoch=1, epochs=5, batch=2, batches=4, history=(), elapsed_seconds=3.0,
                           eta_seconds=None, message="", run=None)


def test_a_job_over_every_station_says_which_station_is_training() -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.session_state["job"] = StationJob()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    progress = at.get("progress")[0].proto.text
    assert progress.startswith("Training (station 2 of 3\\: LGA): epoch 2 of 5"), progress  # markdown-escaped id
