"""Driving the whole app in AppTest: open it (optionally with a shared link's query), read what the page says,
train with tiny settings and wait for the job (never a fixed sleep)."""

from __future__ import annotations

import json
from typing import Any

from streamlit.testing.v1 import AppTest

from tests.helpers import APP

__all__ = ["open_app", "texts", "charts", "chart", "set_numbers", "train_to_end", "train_on_train_page"]


def open_app(timeout: float = 90, **query: str) -> AppTest:
    """``app.py`` after its first run, with ``query`` as the URL's query parameters; no exception raised."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Every markdown, info, success, warning, error and caption text of the page, one per line."""
    parts = [m.value for m in (*at.markdown, *at.info, *at.success, *at.warning, *at.error, *at.caption)]
    return "\n".join(str(p) for p in parts)


def charts(at: AppTest) -> dict[str, dict[str, Any]]:
    """The page's Plotly figures as JSON, by element id."""
    return {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def chart(at: AppTest, title_part: str) -> dict[str, Any]:
    """The figure whose title contains ``title_part``."""
    for spec in charts(at).values():
        if title_part in str(spec["layout"].get("title", {}).get("text", "")):
            return spec
    raise AssertionError(f"no chart titled '{title_part}'")


def set_numbers(at: AppTest, **fields: float) -> None:
    """Set number inputs on the Train page by their config field name, then rerun once."""
    for name, value in fields.items():
        at.number_input(key=f"cfg_{name}").set_value(value)
    at.run()


def train_to_end(at: AppTest, key: str = "train", wait: float = 120, **fields: float) -> None:
    """On the Train page: set ``fields``, press the button ``key``, wait for the job, collect its result."""
    set_numbers(at, **fields)
    at.button(key=key).click().run()
    job = at.session_state["job"]
    assert job.wait(wait), "the tiny training did not finish"
    at.run()


def train_on_train_page(at: AppTest, key: str = "train", **fields: float) -> None:
    """Open the Train page, train to the end with ``fields`` and check that nothing raised."""
    at.switch_page("pages/train.py").run()
    train_to_end(at, key, wait=180, **fields)
    assert not at.exception, at.exception
