"""``ui.warmup``: the TensorFlow import is scheduled after the first page, happens once, and never when the server
process already has it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import ui.warmup

pytestmark = pytest.mark.apptest


def page_script() -> None:
    import streamlit as st

    from ui.warmup import warm_up_later

    st.session_state["runs"] = st.session_state.get("runs", 0) + 1
    st.markdown("the first page")
    warm_up_later()


def test_the_import_waits_for_a_later_run_then_happens_once(monkeypatch: pytest.MonkeyPatch) -> None:
    state = {"ready": False, "imports": 0}

    def fake_import() -> None:
        state["imports"] += 1
        state["ready"] = True

    monkeypatch.setattr(ui.warmup, "numeric_stack_ready", lambda: state["ready"])
    monkeypatch.setattr(ui.warmup, "import_numeric_stack", fake_import)
    at = AppTest.from_function(page_script, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert at.markdown[0].value == "the first page"
    assert state["imports"] == 0 and at.session_state["warmup_scheduled"] is True, "nothing imported on the first run"
    at.run()  # stands for the fragment's timed run: the import, then one rerun of the app
    assert state["imports"] == 1 and at.session_state["runs"] == 3
    at.run()
    assert state["imports"] == 1 and at.session_state["runs"] == 4


def test_nothing_is_scheduled_when_the_stack_is_already_imported() -> None:
    ui.warmup.import_numeric_stack()
    assert ui.warmup.numeric_stack_ready()
    at = AppTest.from_function(page_script, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert "warmup_scheduled" not in at.session_state
    ui.warmup.import_numeric_stack()  # cheap and harmless once done
