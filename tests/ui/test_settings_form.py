"""The Train page's form outside the page: ``settings_form`` returns plain values (AppTest ``from_function``, as
sicarator tests its selectors)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

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
