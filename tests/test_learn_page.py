"""AppTest: the Learn page, presets, the skill/naive loss chart, seed spread, shared links and presenter mode."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.dashboard.presets import PRESETS
from tests.conftest import APP

pytestmark = pytest.mark.apptest

TIMEOUT = 120


def _app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in (*at.markdown, *at.info, *at.success, *at.warning, *at.error, *at.caption)]
    return "\n".join(str(p) for p in parts)


def _charts(at: AppTest) -> dict[str, dict]:
    return {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _chart(at: AppTest, title_part: str) -> dict:
    for spec in _charts(at).values():
        if title_part in str(spec["layout"].get("title", {}).get("text", "")):
            return spec
    raise AssertionError(f"no chart titled '{title_part}'")


def _train(at: AppTest, key: str = "train", **fields: float) -> None:
    at.switch_page("pages/train.py").run()
    for name, value in fields.items():
        at.number_input(key=f"cfg_{name}").set_value(value)
    at.run()
    at.button(key=key).click().run()
    job = at.session_state["job"]
    assert job.wait(180), "the tiny training did not finish"
    at.run()
    assert not at.exception, at.exception


def test_learn_page_before_training_gives_guidance() -> None:
    at = _app()
    at.switch_page("pages/learn.py").run()
    assert not at.exception
    assert "No trained model yet" in _texts(at)
    assert not at.get("plotly_chart")


def test_learn_page_after_training_explains_the_model_and_what_if_moves_the_prediction() -> None:
    at = _app()
    at.selectbox(key="builtin_choice").set_value("synthetic").run()
    _train(at, epochs=3, units=4, window=10)
    loss = _chart(at, "Loss per epoch")
    assert any(s.get("type") == "line" and s.get("line", {}).get("dash") == "dot" for s in loss["layout"]["shapes"])
    assert any("skill" in str(t.get("name")) for t in loss["data"]), "skill per epoch on the loss chart"

    at.switch_page("pages/learn.py").run()
    assert not at.exception, at.exception
    text = _texts(at)
    assert "unseen days the model is off by" in text and "°C" in text
    assert "Copy-cat check" in " ".join(s.value for s in at.subheader)
    gates = _chart(at, "Inside LSTM layer 1 of 1")
    heatmaps = [t for t in gates["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == 5
    z = heatmaps[0]["z"]  # units x steps (Plotly may send it as typed binary data with a shape)
    assert (z["shape"].replace(" ", "") if isinstance(z, dict) else f"{len(z)},{len(z[0])}") == "4,10"
    replay = _chart(at, "Test-span forecast after epoch")
    assert [f["name"] for f in replay["frames"]] == ["1", "2", "3"]
    assert replay["layout"]["sliders"] and replay["layout"]["updatemenus"]
    assert sum(e.label == "How to read this" for e in at.expander) == 3  # copy-cat, inside, replay

    def prediction() -> str:
        return next(m.value for m in at.metric if m.label == "Prediction with your values")

    before = prediction()
    target = at.session_state["run_values"].index.get_loc(at.select_slider(key="learn_target").value)
    slider = at.slider(key=f"learn_whatif_{target}_9")
    slider.set_value(slider.max).run()
    assert not at.exception
    assert prediction() != before

    for widget in (*at.slider, *at.select_slider):
        assert widget.help, f"{widget.label} has no help text"


def test_seed_spread_trains_three_times_and_the_learn_page_shows_the_band() -> None:
    at = _app()
    _train(at, key="train_spread", epochs=2, units=3)
    run = at.session_state["run"]
    assert run.seed_spread is not None and len(run.seed_spread.seeds) == 3
    at.switch_page("pages/learn.py").run()
    assert not at.exception
    band = _chart(at, "run 3 times with different seeds")
    assert sum(str(t.get("name", "")).startswith("seed ") for t in band["data"]) == 3


def test_preset_picker_applies_the_preset_and_tells_what_to_notice() -> None:
    at = _app()
    at.switch_page("pages/train.py").run()
    at.selectbox(key="preset_pick").set_value("underfitting").run()
    assert not at.exception
    assert at.number_input(key="cfg_units").value == 1
    assert at.number_input(key="cfg_epochs").value == 5
    assert PRESETS["underfitting"].notice in _texts(at)
    at.selectbox(key="preset_pick").set_value("short_window").run()
    assert at.number_input(key="cfg_window").value == 2
    assert at.number_input(key="cfg_units").value != 1, "the previous preset's settings are replaced"
    assert at.selectbox(key="preset_pick").help


def test_shared_link_opens_the_same_dataset_preset_and_settings() -> None:
    at = _app(page="train", dataset="seattle", preset="overfitting", epochs="7", learning_rate="0.005")
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
    at = _app(page="train", dataset="synthetic", calendar=flipped, seasonal_input=same, target="seasonal_change")
    values = at.session_state["config_values"]
    assert values["calendar"] is (flipped == "1") and values["seasonal_input"] is base.seasonal_input
    assert values["target"] == "seasonal_change"
    link = next(c.value for c in at.code)
    assert f"calendar={flipped}" in link and "target=seasonal_change" in link
    assert "seasonal_input" not in link, "settings equal to the suggested ones stay out of the link"


def test_bad_shared_link_is_reported_and_the_rest_applies() -> None:
    at = _app(dataset="nope", preset="good_fit", units="abc", epochs="99999", page="../x")
    assert not at.exception
    warning = " ".join(w.value for w in at.sidebar.warning)
    assert "unknown dataset" in warning and "units is not a valid value" in warning and "epochs" in warning
    assert "unknown page" in warning
    assert len(at.session_state["series"].values) == 20


def test_presenter_mode_hides_advanced_settings_and_enlarges_charts() -> None:
    at = _app(present="1")
    assert at.toggle(key="presenter_toggle").value is True
    at.switch_page("pages/train.py").run()
    assert not any(e.label == "Advanced settings" for e in at.expander)
    assert "present=1" in next(c.value for c in at.code)

    at = _app()  # AppTest does not show the sidebar after switch_page: use the toggle on the first page
    assert at.toggle(key="presenter_toggle").value is False
    at.switch_page("pages/train.py").run()
    assert any(e.label == "Advanced settings" for e in at.expander)
    at = _app()
    at.toggle(key="presenter_toggle").set_value(True).run()
    at.switch_page("pages/train.py").run()
    assert not any(e.label == "Advanced settings" for e in at.expander)


def test_presenter_mode_makes_learn_charts_taller() -> None:
    heights = []
    for query in ({}, {"present": "1"}):
        at = _app(**query)
        at.session_state["run"] = None
        _train(at, epochs=2, units=3)
        at.switch_page("pages/learn.py").run()
        heights.append(_chart(at, "Closest match").get("layout", {}).get("height"))
    assert heights[1] > heights[0]


def test_recent_changes_toggle_reaches_the_config_and_the_link() -> None:
    """The "Recent changes as inputs" toggle (``difference_input``, what won on hourly data) is a real
    setting: switching it on changes the config the Train button would use, and a link carries it."""
    at = _app(page="train", dataset="synthetic")
    toggle = at.toggle(key="cfg_difference_input")
    assert toggle.label == "Recent changes as inputs" and toggle.value is True  # on by default everywhere
    toggle.set_value(False).run()
    assert not at.exception, at.exception
    assert at.session_state["config_values"]["difference_input"] is False
    assert "difference_input=0" in next(c.value for c in at.code)
    linked = _app(page="train", dataset="synthetic", difference_input="0")
    assert linked.toggle(key="cfg_difference_input").value is False
