"""The Train page's live part: the loss chart is rebuilt only when it changes, and still shows every new epoch."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.dashboard.jobs import JobSnapshot
from core.model.progress import EpochRecord
from tests.conftest import APP

pytestmark = pytest.mark.apptest


class FakeJob:
    """A running job whose history the test controls (the page only reads snapshots and may call stop)."""

    def __init__(self) -> None:
        self.id = "fake-1"
        self.config = None
        self.history = [EpochRecord(1, 0.5, 0.6, 0.1), EpochRecord(2, 0.4, 0.5, 0.1)]
        self.stopped = threading.Event()

    def snapshot(self) -> JobSnapshot:
        return JobSnapshot(id=self.id, owner="test", name="fake", state="running", stage="training",
                           queue_position=0, epoch=len(self.history), epochs=50, batch=0, batches=10,
                           history=tuple(self.history), elapsed_seconds=1.0, eta_seconds=10.0, message="", run=None)

    def stop(self) -> None:
        self.stopped.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Like ``Job.wait``: this job keeps "running" (the test controls it), so it never ends."""
        del timeout
        return False


def _loss_chart(at: AppTest) -> dict[str, Any]:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if any(trace.get("name") == "training loss" for trace in spec["data"]):
            return dict(spec)
    raise AssertionError("no loss chart on the page")


def _training_points(at: AppTest) -> int:
    trace = next(t for t in _loss_chart(at)["data"] if t.get("name") == "training loss")
    return len(trace["y"])


def test_live_chart_is_reused_between_epochs_and_shows_each_new_epoch() -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    job = FakeJob()
    at.session_state["job"] = job
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    assert _training_points(at) == 2
    first = at.session_state["loss_chart_cache"][1]

    at.run()  # a poll without a new epoch: the same figure, not rebuilt
    assert at.session_state["loss_chart_cache"][1] is first
    assert _training_points(at) == 2

    job.history.append(EpochRecord(3, 0.3, 0.45, 0.1))
    at.run()  # a new epoch: a new figure with it
    assert at.session_state["loss_chart_cache"][1] is not first
    assert _training_points(at) == 3

    at.toggle(key="log_loss").set_value(True).run()  # the toggle sits outside the polled part
    assert _loss_chart(at)["layout"]["yaxis"]["type"] == "log"
    assert _training_points(at) == 3

    at.button(key="stop").click().run()
    assert job.stopped.is_set()
