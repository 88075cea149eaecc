"""AppTest page tests: every page with empty state, and one interaction test per page."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, wait_for

pytestmark = pytest.mark.apptest

PAGES = ["pages/data.py", "pages/train.py", "pages/forecast.py"]
TIMEOUT = 90


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in (*at.markdown, *at.info, *at.success, *at.warning, *at.error, *at.caption)]
    return "\n".join(str(p) for p in parts)


def _tiny(at: AppTest, **fields: float) -> None:
    """Set number inputs on the Train page by their config field name."""
    for name, value in fields.items():
        at.number_input(key=f"cfg_{name}").set_value(value)
    at.run()


def _train_to_end(at: AppTest, **fields: float) -> None:
    _tiny(at, **fields)
    at.button(key="train").click().run()
    job = at.session_state["job"]
    assert job.wait(120), "the tiny training did not finish"
    at.run()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_empty_state(page: str) -> None:
    at = _app()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert len(at.title) == 1


def test_forecast_page_before_training_gives_guidance() -> None:
    at = _app()
    at.switch_page("pages/forecast.py").run()
    assert not at.exception
    assert "No trained model yet" in _texts(at)
    assert len(at.get("download_button")) == 0


def test_data_page_default_series_and_upload() -> None:
    at = _app()
    assert "20 points" in _texts(at)
    csv = "datum;Temperatur °C\n" + "\n".join(f"{d:02d}.03.2024;{10 + d % 4},5" for d in range(1, 31))
    at.file_uploader[0].set_value(("berlin.csv", csv.encode("cp1252"), "text/csv")).run()
    assert not at.exception
    assert "30 points" in _texts(at)
    series = at.session_state["series"]
    assert series.values.iloc[0] == pytest.approx(11.5)


def test_upload_after_a_builtin_choice_survives_later_reruns() -> None:
    at = _app()
    at.selectbox(key="builtin_choice").set_value("seattle").run()
    assert len(at.session_state["series"].values) == 1461
    rows = "\n".join(f"2024-01-{d:02d},{d}" for d in range(1, 29))
    at.file_uploader[0].set_value(("mine.csv", f"date,temp\n{rows}\n".encode(), "text/csv")).run()
    assert len(at.session_state["series"].values) == 28
    assert at.selectbox(key="builtin_choice").value is None
    at.run()
    at.run()
    assert len(at.session_state["series"].values) == 28, "a rerun must not bring the built-in series back"
    at.selectbox(key="builtin_choice").set_value("synthetic").run()
    assert at.session_state["series_source"].startswith("Built-in")
    assert "upload" not in at.session_state


def test_data_page_column_pickers_choose_the_value_column() -> None:
    at = _app()
    rows = "\n".join(f"2024-01-{d:02d},{d % 7},{20 + d % 5},{d * 3}" for d in range(1, 29))
    at.file_uploader[0].set_value(
        ("multi.csv", f"date,temp_min,temp_max,visitors\n{rows}\n".encode(), "text/csv")).run()
    assert not at.exception
    assert at.session_state["series"].value_column == "temp_min"  # first temperature-like column
    at.selectbox(key="value_pick").set_value("visitors").run()
    assert not at.exception
    series = at.session_state["series"]
    assert series.value_column == "visitors" and series.values.iloc[0] == 3


def test_data_page_bad_upload_keeps_previous_data() -> None:
    at = _app()
    at.file_uploader[0].set_value(("empty.csv", b"", "text/csv")).run()
    assert not at.exception
    assert any("empty" in e.value for e in at.error)
    assert "20 points" in _texts(at)
    assert len(at.session_state["series"].values) == 20


def test_data_page_table_edit_updates_series_and_bad_edit_is_refused() -> None:
    at = _app()
    version = at.session_state["editor_version"]
    column = at.session_state["series"].value_column
    at.session_state[f"editor_{version}"] = {"edited_rows": {0: {column: 99.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert at.session_state["series"].values.iloc[0] == pytest.approx(99.0)
    assert at.session_state["series_source"] == "Edited table"

    deleted = {"edited_rows": {}, "added_rows": [], "deleted_rows": list(range(20))}
    at.session_state[f"editor_{version}"] = deleted
    at.run()
    assert not at.exception
    assert at.session_state["edit_error"]
    assert len(at.session_state["series"].values) == 20, "last good data kept"
    at.switch_page("pages/train.py").run()
    assert at.button(key="train").disabled


def test_train_page_trains_tiny_config_to_the_end_then_forecast_and_downloads() -> None:
    at = _app()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    _train_to_end(at, epochs=3, units=4)
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
    assert "naive" in " ".join(str(v) for v in at.dataframe[0].value["Model"])
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = {trace.get("name") for trace in chart["data"]}
    assert any("LSTM" in str(n) for n in names)


def test_train_page_stop_mid_run_keeps_a_usable_model() -> None:
    at = _app()
    at.switch_page("pages/train.py").run()
    _tiny(at, epochs=2000, units=4, batch_size=1)
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
    at = _app()
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
    at = _app()
    at.switch_page("pages/train.py").run()
    at.number_input(key="cfg_units").set_value(4096).run()
    assert at.session_state["config_values"]["units"] <= 512


def test_script_runs_do_not_reset_keras_while_a_model_trains() -> None:
    import keras

    from ui.keras_guard import is_guarded

    keras.layers.Dense(1)  # so a fresh name counter would hand out "dense" again
    _app()
    second = keras.layers.Dense(1)
    assert is_guarded()
    assert second.name != "dense", "Streamlit reset Keras' session after a script run"


def test_diverged_training_shows_a_plain_message_and_keeps_the_previous_model(monkeypatch) -> None:
    import keras

    from core.model.network import build_model
    from core.run import pipeline

    at = _app()
    at.switch_page("pages/train.py").run()
    _train_to_end(at, epochs=2, units=4)
    good = at.session_state["run"]
    assert good.usable

    def nan_model(config, n_features=1):  # type: ignore[no-untyped-def]
        model = build_model(config, n_features)
        model.compile(optimizer="adam", loss=lambda y_true, y_pred: keras.ops.log(keras.ops.mean(y_pred * 0) - 1))
        return model

    monkeypatch.setattr(pipeline, "build_model", nan_model)
    _train_to_end(at, epochs=3)
    assert at.session_state["job"].snapshot().state == "diverged"
    assert any("lower the learning rate" in e.value.lower() for e in at.error), [e.value for e in at.error]
    assert at.session_state["run"] is good, "the previous good model is kept"
    at.switch_page("pages/forecast.py").run()
    assert not at.exception and len(at.get("download_button")) == 5


def test_auto_mode_button_searches_and_the_forecast_page_explains_the_winner() -> None:
    at = _app()
    at.selectbox(key="builtin_choice").set_value("synthetic").run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    _tiny(at, epochs=2, units=4)
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
    assert f"Winner: candidate {run.search.winner}" in _texts(at).replace("\\", "")  # markdown-escaped
