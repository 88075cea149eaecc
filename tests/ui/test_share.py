"""``ui.share``: a link is read once per session, what it gets wrong is named in the sidebar and the rest
applies; the share link holds exactly what differs from the suggested settings; presenter mode."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

import ui.share
from core.config import FIELD_RANGES

TIMEOUT = 60


def link_script() -> None:
    """What ``app.py`` and the Train page do with a link: apply it once, offer the toggle, show the share link."""
    import plotly.graph_objects as go
    import streamlit as st

    from ui.session import current_series
    from ui.share import apply_link_once, present, presenter_toggle, share_link, share_params, suggested_config

    apply_link_once()
    presenter_toggle()
    series = current_series()
    base = suggested_config(series)
    values = st.session_state.get("config_values") or base.to_dict()
    st.code(share_link(share_params(values, base)), language=None)
    st.session_state["chart_height"] = present(go.Figure()).layout.height


def _open(**query: str) -> AppTest:
    at = AppTest.from_function(link_script, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _link(at: AppTest) -> dict[str, str]:
    """The share link's query parameters."""
    return {key: values[0] for key, values in parse_qs(urlsplit(at.code[0].value).query).items()}


@pytest.mark.apptest
def test_a_link_opens_its_dataset_and_settings_and_the_share_link_reproduces_it() -> None:
    at = _open(dataset="synthetic", preset="overfitting", epochs="7", learning_rate="0.005", calendar="1")
    assert len(at.session_state["series"].values) == 1096 and at.session_state["preset"] == "overfitting"
    values = at.session_state["config_values"]
    assert values["epochs"] == 7 and values["learning_rate"] == pytest.approx(0.005) and values["calendar"] is True
    link = _link(at)
    assert link["page"] == "train" and link["dataset"] == "synthetic" and link["preset"] == "overfitting"
    assert link["epochs"] == "7" and link["learning_rate"] == "0.005"
    assert not at.sidebar.warning, [w.value for w in at.sidebar.warning]
    # The shared link opens the same setup in a new session (the page it names: tests/pages/test_app.py).
    again = _open(**{key: value for key, value in link.items() if key != "page"})
    assert again.session_state["config_values"] == values


@pytest.mark.apptest
def test_the_link_is_read_once_per_session() -> None:
    at = _open(epochs="7")
    at.query_params["epochs"] = "9"
    at.run()
    assert at.session_state["config_values"]["epochs"] == 7, "a later rerun must not re-apply the URL"


@pytest.mark.apptest
def test_what_a_link_gets_wrong_is_named_in_the_sidebar_and_the_rest_applies() -> None:
    at = _open(dataset="nope", preset="best", units="abc", learning_rate="nan", epochs="12", page="../x")
    warning = " ".join(w.value for w in at.sidebar.warning).replace("\\", "")
    for part in ("unknown dataset 'nope'", "unknown preset 'best'", "units is not a valid value",
                 "learning_rate is not a valid value", "unknown page '../x'"):
        assert part in warning, (part, warning)
    assert at.session_state["config_values"]["epochs"] == 12
    assert len(at.session_state["series"].values) == 20, "the default data stays"


@pytest.mark.apptest
def test_an_out_of_range_setting_in_a_link_is_refused_with_its_range() -> None:
    at = _open(epochs="99999")
    warning = " ".join(w.value for w in at.sidebar.warning).replace("\\", "")
    low, high = FIELD_RANGES["epochs"]
    assert f"epochs=99999 is out of range: allowed {low}..{high}" in warning, warning
    assert low <= at.session_state["config_values"]["epochs"] <= high


@pytest.mark.apptest
def test_settings_equal_to_the_suggested_ones_stay_out_of_the_link() -> None:
    at = _open()
    assert _link(at) == {"page": "train", "dataset": "seed"}
    assert "config_values" not in at.session_state, "no link, nothing to apply"


@pytest.mark.apptest
def test_presenter_mode_from_a_link_or_the_toggle_makes_charts_taller() -> None:
    plain = _open()
    assert plain.toggle(key="presenter_toggle").value is False
    assert plain.session_state["chart_height"] == 450
    linked = _open(present="1")
    assert linked.toggle(key="presenter_toggle").value is True
    assert linked.session_state["chart_height"] == 630 and _link(linked)["present"] == "1"
    plain.toggle(key="presenter_toggle").set_value(True).run()
    assert plain.session_state["presenter"] is True and plain.session_state["chart_height"] == 630
    plain.toggle(key="presenter_toggle").set_value(False).run()
    assert plain.session_state["presenter"] is False and "present" not in _link(plain)


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("http://host:8501/", "http://host:8501/?page=train"),
        ("http://host:8501/train", "http://host:8501/?page=train"),  # never a page path: see share_link
        ("https://demo.example/app/learn", "https://demo.example/app/?page=train"),
        ("https://demo.example/app/", "https://demo.example/app/?page=train"),
    ],
)
def test_share_link_points_at_the_apps_root(monkeypatch: pytest.MonkeyPatch, url: str, link: str) -> None:
    monkeypatch.setattr(ui.share, "st", SimpleNamespace(context=SimpleNamespace(url=url)))
    assert ui.share.share_link({"page": "train"}) == link
