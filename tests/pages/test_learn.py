"""The Learn page: guidance before training; after it the report card, copy-cat check, gates, replay and what-if;
the seed band; taller charts in presenter mode."""

from __future__ import annotations

import pytest

from tests.pages.drive import chart, open_app, texts, train_on_train_page

pytestmark = pytest.mark.apptest


def test_learn_page_before_training_gives_guidance() -> None:
    at = open_app(120)
    at.switch_page("pages/learn.py").run()
    assert not at.exception
    assert "No trained model yet" in texts(at)
    assert not at.get("plotly_chart")


def test_learn_page_after_training_explains_the_model_and_what_if_moves_the_prediction() -> None:
    at = open_app(120)
    at.selectbox(key="builtin_choice").set_value("synthetic").run()
    train_on_train_page(at, epochs=3, units=4, window=10)
    loss = chart(at, "Loss per epoch")
    assert any(s.get("type") == "line" and s.get("line", {}).get("dash") == "dot" for s in loss["layout"]["shapes"])
    assert any("skill" in str(t.get("name")) for t in loss["data"]), "skill per epoch on the loss chart"

    at.switch_page("pages/learn.py").run()
    assert not at.exception, at.exception
    text = texts(at)
    assert "unseen days the model is off by" in text and "°C" in text
    assert "Copy-cat check" in " ".join(s.value for s in at.subheader)
    gates = chart(at, "Inside LSTM layer 1 of 1")
    heatmaps = [t for t in gates["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == 5
    z = heatmaps[0]["z"]  # units x steps (Plotly may send it as typed binary data with a shape)
    assert (z["shape"].replace(" ", "") if isinstance(z, dict) else f"{len(z)},{len(z[0])}") == "4,10"
    replay = chart(at, "Test-span forecast after epoch")
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
    at = open_app(120)
    train_on_train_page(at, key="train_spread", epochs=2, units=3)
    run = at.session_state["run"]
    assert run.seed_spread is not None and len(run.seed_spread.seeds) == 3
    at.switch_page("pages/learn.py").run()
    assert not at.exception
    band = chart(at, "run 3 times with different seeds")
    assert sum(str(t.get("name", "")).startswith("seed ") for t in band["data"]) == 3


def test_presenter_mode_makes_learn_charts_taller() -> None:
    heights = []
    for query in ({}, {"present": "1"}):
        at = open_app(120, **query)
        at.session_state["run"] = None
        train_on_train_page(at, epochs=2, units=3)
        at.switch_page("pages/learn.py").run()
        heights.append(chart(at, "Closest match").get("layout", {}).get("height"))
    assert heights[1] > heights[0]
