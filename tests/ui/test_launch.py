"""The Train page's start buttons and starting a job: which buttons may be pressed, the plan each starts, and
the job the session then holds (AppTest ``from_function``)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.config import ForecastConfig
from core.data.series import LoadedSeries
from ui.launch import Launch, plan_for

pytestmark = pytest.mark.apptest


def _buttons() -> None:
    import streamlit as st

    from ui.launch import launch_buttons

    st.session_state["pressed"] = launch_buttons(st.session_state.get("config"), st.session_state.get("busy", False))


def _open(config: ForecastConfig | None, busy: bool = False) -> AppTest:
    at = AppTest.from_function(_buttons, default_timeout=60)
    at.session_state["config"] = config
    at.session_state["busy"] = busy
    at.run()
    assert not at.exception, at.exception
    return at


def test_each_button_says_what_it_starts_with_the_budget() -> None:
    at = _open(ForecastConfig())
    assert at.session_state["pressed"] is None
    at.number_input(key="auto_budget").set_value(40).run()
    at.button(key="train_auto").click().run()
    assert at.session_state["pressed"] == Launch("auto", 40.0)
    at.button(key="train_spread").click().run()
    assert at.session_state["pressed"].kind == "spread"
    at.button(key="train").click().run()
    assert at.session_state["pressed"].kind == "train"


@pytest.mark.parametrize("config, busy", [(None, False), (ForecastConfig(), True)])
def test_no_button_can_start_while_busy_or_without_settings_that_train(config: ForecastConfig | None,
                                                                        busy: bool) -> None:
    at = _open(config, busy)
    assert all(at.button(key=key).disabled for key in ("train", "train_spread", "train_auto"))


def test_auto_mode_needs_a_validation_share() -> None:
    at = _open(dataclasses.replace(ForecastConfig(), validation_fraction=0.0, patience=0))
    assert not at.button(key="train").disabled and at.button(key="train_auto").disabled
    assert "validation share above 0" in str(at.button(key="train_auto").help)


def test_plan_for_names_the_work_with_the_budget_the_jobs_own_input_columns_and_the_filled_points() -> None:
    index = pd.date_range("2024-01-01", periods=3, freq="D")
    filled = pd.Series([False, True, False], index=index)
    series = LoadedSeries(values=pd.Series([1.0, 2.0, 3.0], index=index, name="temp"), frequency="D",
                          date_column="date", value_column="temp", filled=filled)
    frame = pd.DataFrame({"humidity": [1.0, 2.0, 3.0]}, index=index)
    auto = plan_for(Launch("auto", 30.0), series, frame)
    assert (auto.kind, auto.budget_seconds, auto.covariates) == ("auto", 30.0, frame)
    assert auto.filled is not None and auto.filled.equals(filled) and auto.filled is not filled
    assert plan_for(Launch("spread", 30.0), series, None).kind == "spread"
    assert plan_for(Launch("train", 30.0), series, None).kind == "replay", "Train records the Learn page's replay"


def _start() -> None:
    import streamlit as st

    from core.config import ForecastConfig
    from ui.launch import Launch, start_training
    from ui.session import current_series

    if "job" not in st.session_state:
        config = ForecastConfig(window=4, horizon=2, units=2, epochs=1, patience=0)
        start_training(current_series(), config, None, Launch(st.session_state["kind"], 30.0))


def test_start_training_keeps_the_job_and_its_own_copy_of_the_series() -> None:
    at = AppTest.from_function(_start, default_timeout=60)
    at.session_state["kind"] = "auto"
    at.run()
    assert not at.exception, at.exception
    job = at.session_state["job"]
    assert at.session_state["auto_budget_seconds"] == 30.0
    series = at.session_state["series"].values
    assert at.session_state["job_values"].equals(series) and at.session_state["job_values"] is not series
    job.cancel()
    assert job.wait(60), "the cancelled job ends"
