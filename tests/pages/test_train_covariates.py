"""Covariates on the Train page: the picker, the trained run's inputs, bad columns, stale choices, share links."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import APP

pytestmark = pytest.mark.apptest

TIMEOUT = 90
DAYS = 60


def _csv(columns: dict[str, list[str]], days: int = DAYS) -> bytes:
    """A daily CSV with a ``date`` column and the given columns (cells as text)."""
    dates = pd.date_range("2024-01-01", periods=days, freq="D").strftime("%Y-%m-%d")
    header = ",".join(["date", *columns])
    rows = [",".join([date, *(cells[i] for cells in columns.values())]) for i, date in enumerate(dates)]
    return ("\n".join([header, *rows]) + "\n").encode()


def _weather(days: int = DAYS, humidity: list[str] | None = None, name: str = "humidity") -> bytes:
    t = np.arange(days)
    temperature = [f"{10 + 5 * np.sin(2 * np.pi * i / 7) + 0.1 * i:.2f}" for i in t]
    other = humidity or [f"{60 + 20 * np.cos(2 * np.pi * i / 7):.1f}" for i in t]
    return _csv({"temperature": temperature, name: other}, days)


def _texts(at: AppTest) -> str:
    parts = [m.value for m in (*at.markdown, *at.info, *at.success, *at.warning, *at.error, *at.caption)]
    return "\n".join(str(p) for p in parts).replace("\\", "")  # markdown escapes removed


def _app_with_upload(data: bytes, name: str = "weather.csv") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    return at


def _picker(at: AppTest):  # type: ignore[no-untyped-def]
    return at.multiselect(key="cfg_covariates")


def _train(at: AppTest) -> None:
    """Tiny settings, Train, wait for the job (no fixed sleeps), collect its result."""
    for name, value in {"epochs": 2, "units": 4}.items():
        at.number_input(key=f"cfg_{name}").set_value(value)
    at.run()
    assert not at.button(key="train").disabled, _texts(at)
    at.button(key="train").click().run()
    assert not at.exception, at.exception
    job = at.session_state["job"]
    assert job.wait(120), "the tiny training did not finish"
    at.run()
    assert not at.exception, at.exception


def test_chosen_covariate_reaches_the_trained_run_and_its_report() -> None:
    at = _app_with_upload(_weather())
    assert _picker(at).options == ["humidity"]
    assert not _picker(at).disabled
    assert "last observed value" in _picker(at).help
    _picker(at).set_value(["humidity"]).run()
    assert not at.exception
    _train(at)
    assert at.session_state["job"].snapshot().state == "completed", at.session_state["job"].snapshot().message
    run = at.session_state["run"]
    assert run.usable
    assert run.config.covariates == ("humidity",)
    assert run.features is not None and run.features.covariates == ("humidity",)
    assert "humidity" in run.features.names
    assert run.model.input_shape[-1] == len(run.features.names)  # the model really reads the column
    assert run.covariates is not None and list(run.covariates.columns) == ["humidity"]
    assert run.replay is not None and run.replay.epochs, "the Train button's replay works with covariates"

    at.switch_page("pages/forecast.py").run()
    assert not at.exception, at.exception
    assert "column 'humidity' (last value held ahead)" in _texts(at)
    at.switch_page("pages/learn.py").run()
    assert not at.exception, at.exception
    assert "column 'humidity' as inputs" in _texts(at)


@pytest.mark.parametrize("button", ["train_spread", "train_auto"])
def test_seed_spread_and_auto_mode_train_with_the_chosen_column(button: str) -> None:
    at = _app_with_upload(_weather(days=80))
    _picker(at).set_value(["humidity"]).run()
    for name, value in {"epochs": 2, "units": 4}.items():
        at.number_input(key=f"cfg_{name}").set_value(value)
    at.slider(key="cfg_validation_fraction").set_value(0.2)
    at.number_input(key="auto_budget").set_value(60)  # a loaded 2-core machine needs ~5 s per candidate
    at.run()
    at.button(key=button).click().run()
    assert not at.exception, at.exception
    job = at.session_state["job"]
    assert job.wait(180), "the training did not finish"
    at.run()
    snapshot = job.snapshot()
    assert snapshot.state in ("completed", "early_stopped", "time_limit"), (snapshot.state, snapshot.message)
    run = at.session_state["run"]
    assert run.config.covariates == ("humidity",)
    assert run.features is not None and run.features.covariates == ("humidity",)
    if button == "train_spread":
        assert run.seed_spread is not None and len(run.seed_spread.seeds) == 3
    else:
        assert run.search is not None and run.search.results


def test_single_column_series_offers_no_columns() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    picker = _picker(at)
    assert picker.disabled and picker.options == [] and picker.value == []
    assert "no other numeric columns" in _texts(at)
    assert not at.button(key="train").disabled


def test_new_file_without_the_column_drops_the_stale_choice_quietly() -> None:
    at = _app_with_upload(_weather())
    _picker(at).set_value(["humidity"]).run()
    assert at.session_state["config_values"]["covariates"] == ["humidity"]
    # Same name and length: the settings are kept, only the column is gone.
    at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(("weather.csv", _weather(name="wind"), "text/csv")).run()
    assert not at.exception
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert _picker(at).options == ["wind"] and _picker(at).value == []
    assert at.session_state["config_values"]["covariates"] == []
    assert not at.button(key="train").disabled


def test_choosing_the_covariate_as_value_column_drops_it_from_the_inputs() -> None:
    at = _app_with_upload(_weather())
    _picker(at).set_value(["humidity"]).run()
    at.switch_page("pages/data.py").run()
    at.selectbox(key="value_pick").set_value("humidity").run()
    assert at.session_state["series"].value_column == "humidity"
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert _picker(at).options == ["temperature"] and _picker(at).value == []
    assert at.session_state["config_values"]["covariates"] == []


def test_junk_cells_in_a_covariate_are_repaired_and_reported() -> None:
    humidity = [f"{50 + i % 9}" for i in range(DAYS)]
    humidity[5] = "n/a"
    humidity[20] = ""
    at = _app_with_upload(_weather(humidity=humidity))
    _picker(at).set_value(["humidity"]).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    notes = [i.value.replace("\\", "") for i in at.info]
    assert any("Column 'humidity'" in note and "2 junk cells" in note for note in notes), notes
    assert not at.button(key="train").disabled


def test_unusable_covariate_gives_one_line_and_keeps_the_previous_model() -> None:
    humidity = [f"{50 + i % 9}" if i % 4 else "?" for i in range(DAYS)]  # 25 % unreadable: over the limit
    at = _app_with_upload(_weather(humidity=humidity))
    _train(at)
    good = at.session_state["run"]
    assert good.usable and good.config.covariates == ()
    _picker(at).set_value(["humidity"]).run()
    assert not at.exception, at.exception
    errors = [e.value.replace("\\", "") for e in at.error]
    assert len(errors) == 1 and "Column 'humidity' can't be used as an input" in errors[0], errors
    assert "\n" not in errors[0]
    assert at.button(key="train").disabled
    assert at.session_state["run"] is good
    _picker(at).set_value([]).run()
    assert not at.error and not at.button(key="train").disabled


def test_share_link_leaves_the_chosen_columns_out() -> None:
    at = _app_with_upload(_weather())
    _picker(at).set_value(["humidity"]).run()
    assert not at.exception
    link = " ".join(str(c.value) for c in at.code)
    assert "page=train" in link and "humidity" not in link and "covariates" not in link


def test_a_link_naming_covariates_is_ignored_without_a_crash() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["page"] = "train"
    at.query_params["covariates"] = "humidity"
    at.query_params["epochs"] = "3"
    at.run()
    assert not at.exception, at.exception
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    assert at.session_state["config_values"]["covariates"] == []
    assert at.number_input(key="cfg_epochs").value == 3
