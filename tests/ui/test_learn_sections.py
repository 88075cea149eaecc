"""The Learn page's sections, each drawn from one small finished run (AppTest ``from_function``): the report
card, the copy-cat check, inside the LSTM for a chosen test point, what-if sliders that move the prediction, and
what the replay and seed spread say when the run has none."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.run.results import ForecastRun
from tests.ui.sections import small_run, small_series

pytestmark = pytest.mark.apptest


def _page() -> None:
    import streamlit as st

    from core.evaluation.diagnostics import copycat
    from ui import learn_sections as sections

    run, values = st.session_state["run"], st.session_state["values"]
    check = copycat(values, run.predictions["lstm"], max_shift=5, step_word="day")
    sections.report(run, check)
    sections.copycat_section(run, values, check, "°C", "day")
    target = sections.target_picker(run, values, "day")
    st.session_state["target"] = target
    sections.inside_lstm(run, values, target, "°C", "day")
    sections.what_if(run, values, target, "°C")
    sections.replay(run, "°C")
    sections.seed_spread(run, "°C")


@pytest.fixture(scope="module")
def run() -> ForecastRun:
    return small_run()


def _open(run: ForecastRun) -> AppTest:
    at = AppTest.from_function(_page, default_timeout=60)
    at.session_state["run"] = run
    at.session_state["values"] = small_series()
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_report_card_and_the_copycat_check_speak_in_sentences(run: ForecastRun) -> None:
    at = _open(run)
    headings = [h.value for h in at.subheader]
    assert headings[:2] == ["Report card", "Copy-cat check: does it just repeat the previous day?"]
    assert sum(m.value.startswith("- ") for m in at.markdown) >= 2, "the report card has sentences"
    assert len(at.success) + len(at.warning) == 1, "one copy-cat verdict"


def test_the_target_picker_offers_test_points_only(run: ForecastRun) -> None:
    at = _open(run)
    values = small_series()
    assert at.session_state["target"] == values.index.get_loc(run.predictions.index[0])
    last = run.predictions.index[-1]
    at.select_slider(key="learn_target").set_value(last).run()
    assert at.session_state["target"] == values.index.get_loc(last)
    assert at.metric[1].value.startswith(f"{values.loc[last]:.2f}"), "the real value of the chosen point"


def test_a_what_if_slider_moves_the_prediction(run: ForecastRun) -> None:
    at = _open(run)
    prediction = at.metric[-1]
    assert prediction.label == "Prediction with your values"
    assert prediction.delta.startswith("+0.00"), "no -0.00 from the sliders' rounding"
    slider = at.slider[-1]
    slider.set_value(slider.max).run()
    assert not at.metric[-1].delta.startswith(("+0.00", "-0.00")), "a changed value changes the prediction"


def test_replay_and_seed_spread_say_how_to_get_them(run: ForecastRun) -> None:
    at = _open(run)
    infos = " ".join(i.value for i in at.info)
    assert "Train 3 times" in infos
    assert ("no replay" in infos) == (run.replay is None)
