"""The app as a whole (``app.py``): every page renders with empty state, shared links open the same setup and
report what they got wrong, presenter mode."""

from __future__ import annotations

import pytest

from core.dashboard.presets import PRESETS
from tests.pages.drive import open_app

pytestmark = pytest.mark.apptest

PAGES = ["pages/data.py", "pages/train.py", "pages/forecast.py", "pages/learn.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_empty_state(page: str) -> None:
    at = open_app()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert len(at.title) == 1


def test_shared_link_opens_the_same_dataset_preset_and_settings() -> None:
    at = open_app(120, page="train", dataset="seattle", preset="overfitting", epochs="7", learning_rate="0.005")
    assert len(at.session_state["series"].values) == 1461
    assert at.title[0].value == "2. Train", "the link opens the page it names"
    assert at.selectbox(key="preset_pick").value == "overfitting"
    assert at.number_input(key="cfg_epochs").value == 7
    assert at.number_input(key="cfg_units").value == PRESETS["overfitting"].overrides["units"]
    assert at.number_input(key="cfg_learning_rate").value == pytest.approx(0.005)
    link = next(c.value for c in at.code)
    assert "page=train" in link and "dataset=seattle" in link and "preset=overfitting" in link and "epochs=7" in link
    at.number_input(key="cfg_window").set_value(12).run()
    assert "window=12" in next(c.value for c in at.code)


def test_shared_link_carries_yes_no_and_choice_settings() -> None:
    from core.config import default_config
    from core.data.datasets import load_builtin

    synthetic = load_builtin("synthetic")
    base = default_config(synthetic.values, synthetic.frequency)
    flipped = "0" if base.calendar else "1"
    same = "1" if base.seasonal_input else "0"
    at = open_app(120, page="train", dataset="synthetic", calendar=flipped, seasonal_input=same,
                  target="seasonal_change")
    values = at.session_state["config_values"]
    assert values["calendar"] is (flipped == "1") and values["seasonal_input"] is base.seasonal_input
    assert values["target"] == "seasonal_change"
    link = next(c.value for c in at.code)
    assert f"calendar={flipped}" in link and "target=seasonal_change" in link
    assert "seasonal_input" not in link, "settings equal to the suggested ones stay out of the link"


def test_bad_shared_link_is_reported_and_the_rest_applies() -> None:
    at = open_app(120, dataset="nope", preset="good_fit", units="abc", epochs="99999", page="../x")
    assert not at.exception
    warning = " ".join(w.value for w in at.sidebar.warning)
    assert "unknown dataset" in warning and "units is not a valid value" in warning and "epochs" in warning
    assert "unknown page" in warning
    assert len(at.session_state["series"].values) == 20


def test_presenter_mode_hides_advanced_settings_and_enlarges_charts() -> None:
    at = open_app(120, present="1")
    assert at.toggle(key="presenter_toggle").value is True
    at.switch_page("pages/train.py").run()
    assert not any(e.label == "Advanced settings" for e in at.expander)
    assert "present=1" in next(c.value for c in at.code)

    at = open_app(120)  # AppTest does not show the sidebar after switch_page: use the toggle on the first page
    assert at.toggle(key="presenter_toggle").value is False
    at.switch_page("pages/train.py").run()
    assert any(e.label == "Advanced settings" for e in at.expander)
    at = open_app(120)
    at.toggle(key="presenter_toggle").set_value(True).run()
    at.switch_page("pages/train.py").run()
    assert not any(e.label == "Advanced settings" for e in at.expander)
