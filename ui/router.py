"""Make direct links to a page (``/train``, ``/forecast``...) go through ``app.py``'s router."""

from __future__ import annotations

import streamlit as st
from streamlit import config
from streamlit.runtime.pages_manager import PagesManager

__all__ = ["through_app"]


def through_app() -> None:
    """Rerun through ``app.py`` when Streamlit ran this page on its own. Call it first in every page.

    Streamlit 1.67 decides once per server process, when the first session starts, whether the app
    uses the old ``pages/`` folder mode: ``PagesManager.uses_pages_directory`` is True whenever a
    ``pages/`` folder exists and only turns False once ``st.navigation`` runs. So on a freshly
    started server, a first visit to ``/train`` runs ``pages/train.py`` alone: no router, no sidebar
    status, the page list of the old mode, and every later visit the same until someone opens ``/``.
    Turning the flag off and rerunning runs ``app.py``, whose ``st.navigation`` opens the same page
    (page hashes come from the URL path, which both modes derive from the file name).
    """
    if config.get_option("global.appTest"):
        # AppTest resets the flag before every run (testing/v1/app_test.py), so a rerun here would
        # happen on every run and swallow the button click that started it.
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
