"""The Forecast page's sections, each drawn from one small finished run (AppTest ``from_function``): the lead (the
forecast to use, the winner when the LSTM loses), the verdict sentences, the chart (the best reference shown, the
others legend-only) and its toggles, the forecast table naming the forecast to use, the band's coverage per step,
the error table in the data's units, the backtest (off and on) and the downloads."""

from __future__ import annotations

import copy
import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.run.results import ForecastRun
from core.words import model_name
from tests.ui.sections import small_run, small_series

pytestmark = pytest.mark.apptest


def _page() -> None:
    import streamlit as st

    from ui import forecast_sections as sections

    run, values = st.session_state["run"], st.session_state["values"]
    sections.lead(run)
    figure = sections.forecast_chart(run, values, "°C")
    sections.summary(run, "°C", "day")
    sections.coverage(run, "day")
    sections.error_table(run, "°C")
    sections.backtest(run, "°C", "day")
    sections.forecast_table(run, "°C", "day")
    sections.downloads(run, figure)


@pytest.fixture(scope="module")
def runs() -> dict[str, ForecastRun]:
    return {"plain": small_run(), "backtest": small_run(backtest_folds=3), "ramp": small_run(values=ramp())}


def ramp(n: int = 160) -> pd.Series:
    """A straight line: "last value + the average trend" is exact, a tiny LSTM is not."""
    return pd.Series(10 + 0.25 * np.arange(n), index=pd.date_range("2023-01-01", periods=n, freq="D"), name="temp")


def _open(run: ForecastRun, values: pd.Series | None = None) -> AppTest:
    at = AppTest.from_function(_page, default_timeout=60)
    at.session_state["run"] = run
    at.session_state["values"] = small_series() if values is None else values
    at.run()
    assert not at.exception, at.exception
    return at


def _plain(markdown: str) -> str:
    """What the reader sees of markdown escaped by ``ui.session.md_escape``."""
    return markdown.replace("\\", "")


def _chart(at: AppTest, number: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[number].proto.spec)


def test_the_lead_names_the_forecast_to_use_and_the_rule_that_beats_the_lstm(runs: dict[str, ForecastRun]) -> None:
    run = runs["ramp"]
    assert run.best_reference is not None and run.recommendation is not None and not run.beats_best_reference()
    at = _open(run, ramp())
    first = _plain(at.subheader[0].value)
    assert first.startswith("Forecast to use: ") and run.recommendation.model.replace("_", " ") in first
    lead = _plain(at.warning[0].value)
    assert lead.startswith("The LSTM loses to a simple rule") and "on the test period" in lead
    assert f"({run.best_reference[0].replace('_', ' ')})" in lead and "use " in lead
    assert any(_plain(m.value).startswith("Recommended: a simple rule") and "validation" in m.value
               for m in at.markdown)


def test_a_winning_lstm_leads_in_green_and_is_the_forecast_to_use() -> None:
    from core.evaluation.recommendation import Recommendation
    run = small_run()
    run.metrics = {**(run.metrics or {}), "lstm": {**(run.metrics or {})["lstm"], "mae": 1e-3}}
    run.recommendation = Recommendation("lstm", {"lstm": 1.0}, run.recommendation.validation_mae,
                                        run.recommendation.best_reference)
    at = _open(run)
    assert _plain(at.subheader[0].value) == "Forecast to use: LSTM (your model)"
    assert _plain(at.success[0].value).startswith("The LSTM beats the best reference")


def test_the_chart_shows_the_best_reference_and_its_future_and_hides_the_others(runs: dict[str, ForecastRun]) -> None:
    run = runs["plain"]
    at = _open(run)
    traces = _chart(at)["data"]
    best = run.best_reference[0] if run.best_reference is not None else ""
    ours = [t for t in traces if t.get("legendgroup") == best]
    assert len(ours) == 2 and all(t.get("visible", True) is True for t in ours), "test span and future shown"
    others = [t for t in traces if t.get("legendgroup") not in (None, best)]
    assert others and all(t["visible"] == "legendonly" for t in others)


def test_the_forecast_table_names_the_forecast_to_use(runs: dict[str, ForecastRun]) -> None:
    run = runs["ramp"]
    at = _open(run, ramp())
    shown = next(d for d in at.dataframe if "recommended" in d.value.columns)
    table, headers = shown.value, json.loads(shown.proto.columns)
    assert len(table) == run.config.horizon and list(shown.proto.column_order)[:4] == ["date", "recommended",
                                                                                        "lower", "upper"]
    assert run.recommendation is not None and "lstm" in shown.proto.column_order
    assert headers["recommended"]["label"] == f"{model_name(run.recommendation.model, run.baseline_labels)} (°C)"
    assert headers["lstm"]["label"] == "LSTM (your model) (°C)"
    np.testing.assert_allclose(table["recommended"], run.forecast["recommended"])


def test_coverage_per_step_is_drawn_with_its_sentence(runs: dict[str, ForecastRun]) -> None:
    run = runs["plain"]
    at = _open(run)
    assert "Does the band keep its promise? (test period)" in [h.value for h in at.subheader]
    bars = next(chart for chart in (_chart(at, i) for i in range(len(at.get("plotly_chart"))))
                if chart["data"] and chart["data"][0]["type"] == "bar")
    assert bars["data"][0]["x"] == list(range(1, run.config.horizon + 1))
    assert any("band held the true value" in m.value for m in at.markdown)


def test_a_band_that_could_not_be_checked_gets_its_sentence_and_no_empty_chart(runs: dict[str, ForecastRun]) -> None:
    run = copy.copy(runs["plain"])
    assert run.bands is not None
    unchecked = dataclasses.replace(run.bands, coverage_by_step=[None] * len(run.bands.coverage_by_step))
    run.bands = unchecked
    run.recommended_bands = None if run.recommended_bands is None else unchecked
    at = _open(run)
    assert "Does the band keep its promise? (test period)" in [h.value for h in at.subheader]
    charts = [_chart(at, i) for i in range(len(at.get("plotly_chart")))]
    assert charts and not any(chart["data"] and chart["data"][0]["type"] == "bar" for chart in charts)
    assert any("band could not be checked on the test data" in m.value for m in at.markdown)


def test_coverage_is_that_of_the_forecast_to_use_with_the_lstms_band_in_one_sentence(
        runs: dict[str, ForecastRun]) -> None:
    run = runs["ramp"]
    assert run.recommendation is not None and run.recommendation.model != "lstm"
    at = _open(run, ramp())
    bars = next(chart for chart in (_chart(at, i) for i in range(len(at.get("plotly_chart"))))
                if chart["data"] and chart["data"][0]["type"] == "bar")
    assert bars["data"][0]["y"] == [None if v is None else 100 * v for v in run.recommended_bands.coverage_by_step]
    said = [_plain(m.value) for m in at.markdown]
    name = model_name(run.recommendation.model, run.baseline_labels)
    assert any(text.startswith(f"{name}: The 90% prediction band held") for text in said), said
    assert any(text.startswith("LSTM (your model), the band on the chart: The 90%") for text in said), said


def test_filled_test_points_are_said_when_there_are_some(runs: dict[str, ForecastRun]) -> None:
    assert not any("filled in by intake" in c.value for c in _open(runs["plain"]).caption)
    run = small_run()
    run.filled_test_points = 3
    assert any(_plain(c.value).startswith("3 test points were filled in by intake") for c in _open(run).caption)


def test_the_summary_compares_with_same_as_yesterday_and_the_best_reference(runs: dict[str, ForecastRun]) -> None:
    at = _open(runs["plain"])
    verdicts = [*(s.value for s in at.success), *(w.value for w in at.warning)]
    assert any("previous day" in v or "yesterday" in v for v in verdicts), verdicts
    assert any("°C" in v for v in verdicts), "errors in the data's own units"
    assert any("%" in m.value and "band" in m.value for m in at.markdown), "the band's coverage is said"


def test_the_error_table_lists_every_model_in_the_datas_units(runs: dict[str, ForecastRun]) -> None:
    at = _open(runs["plain"])
    table = at.dataframe[0].value
    assert list(table.columns) == ["Model", "MAE (°C)", "RMSE (°C)", "sMAPE (%)", "MASE"]
    assert len(table) == len(runs["plain"].metrics or {}) >= 3


def test_the_chart_toggles_redraw_it(runs: dict[str, ForecastRun]) -> None:
    at = _open(runs["plain"])
    before = len(at.get("plotly_chart")[0].proto.spec)
    at.toggle(key="whole_history").set_value(True).run()
    assert len(at.get("plotly_chart")[0].proto.spec) > before, "the whole history draws more points"


def test_backtest_off_says_how_to_turn_it_on_and_on_draws_its_chart(runs: dict[str, ForecastRun]) -> None:
    off = _open(runs["plain"])
    assert any("Backtest is off" in c.value for c in off.caption)
    assert len(off.get("plotly_chart")) == 2, "the forecast and the coverage charts"
    on = _open(runs["backtest"])
    assert len(on.get("plotly_chart")) == 3
    assert any("3 start points" in c.value for c in on.caption)


def test_the_forecast_table_has_one_row_per_step_and_five_downloads(runs: dict[str, ForecastRun]) -> None:
    at = _open(runs["plain"])
    forecast = at.dataframe[-1].value
    assert len(forecast) == runs["plain"].config.horizon and {"recommended", "lower", "upper"} <= set(forecast.columns)
    assert (forecast["lower"] <= forecast["upper"]).all()
    assert len(at.get("download_button")) == 5
