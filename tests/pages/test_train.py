"""The Train page: a tiny training to the end, Stop mid-run, settings the data cannot support, widget ranges,
divergence, auto mode, presets, the live loss chart, a second click while busy."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.dashboard.jobs import JobSnapshot
from core.dashboard.presets import PRESETS
from core.model.progress import EpochRecord
from tests.helpers import APP, wait_for
from tests.pages.drive import open_app, set_numbers, texts, train_to_end

pytestmark = pytest.mark.apptest

TIMEOUT = 90


def test_train_page_trains_tiny_config_to_the_end_then_forecast_and_downloads() -> None:
    at = open_app()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    train_to_end(at, epochs=3, units=4)
    assert not at.exception
    snapshot = at.session_state["job"].snapshot()
    assert snapshot.state == "completed"
    assert len(snapshot.history) == 3
    assert at.session_state["run"].usable

    at.switch_page("pages/forecast.py").run()
    assert not at.exception
    verdicts = [m.value.replace("**", "") for m in (*at.success, *at.warning)]
    assert any("better than simply repeating the previous day" in v
               or "worse than simply repeating the previous day" in v for v in verdicts), verdicts
    labels = [b.label for b in at.get("download_button")]
    assert len(labels) == 5 and all(label.startswith("Download") for label in labels)
    errors = next(frame.value for frame in at.dataframe if "Model" in frame.value.columns)
    assert "naive" in " ".join(str(v) for v in errors["Model"])
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = {trace.get("name") for trace in chart["data"]}
    assert any("LSTM" in str(n) for n in names)


def test_train_page_stop_mid_run_keeps_a_usable_model() -> None:
    at = open_app()
    at.switch_page("pages/train.py").run()
    set_numbers(at, epochs=2000, units=4, batch_size=1)
    at.button(key="train").click().run()
    job = at.session_state["job"]

    def two_epochs() -> bool:
        snapshot = job.snapshot()
        assert not snapshot.done, "job ended before it could be stopped"
        return len(snapshot.history) >= 2

    wait_for(two_epochs, timeout=120, what="two finished epochs")
    # New data mid-training: the job keeps training on its own copy of the old series.
    rows = "\n".join(f"2024-02-{d:02d},{d}" for d in range(1, 29))
    at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(("new.csv", f"date,temp\n{rows}\n".encode(), "text/csv")).run()
    assert len(at.session_state["series"].values) == 28
    assert not job.snapshot().done, "a new upload must not end the running job"
    at.switch_page("pages/train.py").run()
    at.button(key="stop").click().run()
    # Stop waits for the job to end and redraws the page with the result: no timed poll needed.
    assert job.snapshot().done
    assert any("Stopped by you" in s.value for s in at.success), [s.value for s in at.success]
    assert job.wait(60)
    at.run()
    snapshot = job.snapshot()
    assert snapshot.state == "stopped"
    assert 2 <= len(snapshot.history) < 2000
    assert at.session_state["run"].usable
    assert len(at.session_state["run_values"]) == 20, "the result belongs to the data the job started with"
    assert any("Stopped by you" in s.value for s in at.success)


def test_train_page_refuses_settings_the_data_cannot_support() -> None:
    at = open_app()
    at.switch_page("pages/train.py").run()
    at.number_input(key="cfg_window").set_value(25).run()  # the default series has 20 points
    assert not at.exception
    assert any("at least" in e.value for e in at.error), [e.value for e in at.error]
    assert at.button(key="train").disabled

    at.number_input(key="cfg_window").set_value(5).run()
    at.number_input(key="cfg_patience").set_value(5).run()  # early stopping without validation data
    assert any("patience" in e.value or "validation" in e.value for e in at.error), [e.value for e in at.error]
    assert at.button(key="train").disabled
    assert "job" not in at.session_state


def test_train_page_widgets_cannot_exceed_their_range() -> None:
    at = open_app()
    at.switch_page("pages/train.py").run()
    at.number_input(key="cfg_units").set_value(4096).run()
    assert at.session_state["config_values"]["units"] <= 512


def test_diverged_training_shows_a_plain_message_and_keeps_the_previous_model(monkeypatch) -> None:
    import keras

    from core.model.network import build_model
    from core.run import pipeline

    at = open_app()
    at.switch_page("pages/train.py").run()
    train_to_end(at, epochs=2, units=4)
    good = at.session_state["run"]
    assert good.usable

    def nan_model(config, n_features=1):  # type: ignore[no-untyped-def]
        model = build_model(config, n_features)
        model.compile(optimizer="adam", loss=lambda y_true, y_pred: keras.ops.log(keras.ops.mean(y_pred * 0) - 1))
        return model

    monkeypatch.setattr(pipeline, "build_model", nan_model)
    train_to_end(at, epochs=3)
    assert at.session_state["job"].snapshot().state == "diverged"
    assert any("lower the learning rate" in e.value.lower() for e in at.error), [e.value for e in at.error]
    assert at.session_state["run"] is good, "the previous good model is kept"
    at.switch_page("pages/forecast.py").run()
    assert not at.exception and len(at.get("download_button")) == 5


def test_auto_mode_button_searches_and_the_forecast_page_explains_the_winner() -> None:
    at = open_app()
    at.selectbox(key="builtin_choice").set_value("synthetic").run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    set_numbers(at, epochs=2, units=4)
    at.number_input(key="auto_budget").set_value(20).run()
    at.button(key="train_auto").click().run()
    job = at.session_state["job"]
    assert job.wait(120), "the auto search did not finish"
    at.run()
    assert not at.exception
    run = at.session_state["run"]
    assert run.search is not None and len(run.search.results) >= 1
    at.switch_page("pages/forecast.py").run()
    assert not at.exception
    assert any("Auto mode: which settings won and why" in h.value for h in at.subheader)
    assert f"Winner: candidate {run.search.winner}" in texts(at).replace("\\", "")  # markdown-escaped


def test_preset_picker_applies_the_preset_and_tells_what_to_notice() -> None:
    at = open_app(120)
    at.switch_page("pages/train.py").run()
    at.selectbox(key="preset_pick").set_value("underfitting").run()
    assert not at.exception
    assert at.number_input(key="cfg_units").value == 1
    assert at.number_input(key="cfg_epochs").value == 5
    assert PRESETS["underfitting"].notice in texts(at)
    at.selectbox(key="preset_pick").set_value("short_window").run()
    assert at.number_input(key="cfg_window").value == 2
    assert at.number_input(key="cfg_units").value != 1, "the previous preset's settings are replaced"
    assert at.selectbox(key="preset_pick").help


def test_recent_changes_toggle_reaches_the_config_and_the_link() -> None:
    """The "Recent changes as inputs" toggle (``difference_input``, what won on hourly data) is a real
    setting: switching it on changes the config the Train button would use, and a link carries it."""
    at = open_app(120, page="train", dataset="synthetic")
    toggle = at.toggle(key="cfg_difference_input")
    assert toggle.label == "Recent changes as inputs" and toggle.value is True  # on by default everywhere
    toggle.set_value(False).run()
    assert not at.exception, at.exception
    assert at.session_state["config_values"]["difference_input"] is False
    assert "difference_input=0" in next(c.value for c in at.code)
    linked = open_app(120, page="train", dataset="synthetic", difference_input="0")
    assert linked.toggle(key="cfg_difference_input").value is False


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


def test_a_second_train_click_while_busy_gives_the_same_job() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/train.py").run()
    at.number_input(key="cfg_epochs").set_value(2000).run()
    at.number_input(key="cfg_units").set_value(4).run()
    at.button(key="train").click().run()
    job = at.session_state["job"]
    try:
        assert at.button(key="train").disabled
        second = at.button(key="train")
        second._value = True  # a double click that arrives anyway (AppTest's click() refuses disabled buttons)
        at.run()
        assert at.session_state["job"] is job
        # New settings mid-training apply to the next run only.
        at.number_input(key="cfg_epochs").set_value(7).run()
        assert at.session_state["config_values"]["epochs"] == 7
        assert job.config.epochs == 2000 and not job.snapshot().done
    finally:
        job.stop()
        assert job.wait(120)
