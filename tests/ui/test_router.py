"""``ui.router.through_app``: a page that Streamlit ran on its own (the old pages-folder mode) is rerun through
``app.py`` once; under AppTest it never reruns, so a click is not swallowed. The real first visit to ``/train`` is
``tests/browser/test_workflow.py::test_a_direct_page_link_on_a_fresh_server_goes_through_the_router``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

import ui.router


def page_script() -> None:
    """A page that starts with ``through_app`` (as every page does) while the old folder mode is on."""
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager

    from ui.router import through_app

    PagesManager.uses_pages_directory = True
    through_app()
    st.session_state["runs"] = st.session_state.get("runs", 0) + 1
    if st.button("Train", key="train"):
        st.session_state["clicked"] = True


@pytest.mark.apptest
def test_under_apptest_the_page_runs_once_and_keeps_the_click(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PagesManager, "uses_pages_directory", PagesManager.uses_pages_directory)  # restored after
    at = AppTest.from_function(page_script, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["runs"] == 1
    at.button(key="train").click().run()
    assert at.session_state["clicked"] is True and at.session_state["runs"] == 2


def test_a_page_run_alone_turns_the_folder_mode_off_and_reruns_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reruns: list[bool] = []
    monkeypatch.setattr(ui.router, "st", SimpleNamespace(rerun=lambda: reruns.append(True)))
    monkeypatch.setattr(ui.router.config, "get_option", lambda name: False if name == "global.appTest" else None)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    ui.router.through_app()
    assert PagesManager.uses_pages_directory is False and reruns == [True]
    ui.router.through_app()  # the rerun through app.py: nothing more to do
    assert reruns == [True]
