"""The Train page's form and start wiring outside the page: ``settings_form`` returns plain values (AppTest
``from_function``, as sicarator tests its selectors), ``runner_for`` binds what each button starts."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.run.auto import run_auto
from core.run.runners import replay_runner, seed_spread_runner
from ui.launch import Launch, runner_for

pytestmark = pytest.mark.apptest


def _form() -> None:
    import streamlit as st

    from ui.session import current_series
    from ui.settings_form import settings_form

    settings = settings_form(current_series())
    st.session_state["result"] = (settings.config, settings.problem, settings.values["window"])


def test_settings_form_returns_a_config_or_the_problem_and_keeps_the_shown_values() -> None:
    at = AppTest.from_function(_form, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    config, problem, window = at.session_state["result"]
    assert problem is None and config is not None and config.window == window

    at.number_input(key="cfg_window").set_value(25).run()  # the default series has 20 points
    config, problem, window = at.session_state["result"]
    assert config is None and "at least" in problem and window == 25

    at.number_input(key="cfg_window").set_value(4).run()
    config, problem, _ = at.session_state["result"]
    assert problem is None and config is not None and config.window == 4


def test_runner_for_binds_the_budget_and_the_jobs_own_input_columns() -> None:
    frame = pd.DataFrame({"humidity": [1.0, 2.0]})
    auto = runner_for(Launch("auto", 30.0), frame)
    assert auto.func is run_auto and auto.keywords == {"budget_seconds": 30.0, "covariates": frame}
    assert runner_for(Launch("spread", 30.0), None).func is seed_spread_runner
    assert runner_for(Launch("train", 30.0), frame).func is replay_runner
