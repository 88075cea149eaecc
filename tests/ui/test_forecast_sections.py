"""The Forecast page's sections, each drawn from one small finished run (AppTest ``from_function``): the verdict
sentences, the chart toggles, the error table in the data's units, the backtest (off and on), the forecast table
and the downloads."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.run.results import ForecastRun
from tests.ui.sections import small_run, small_series

pytestmark = pytest.mark.apptest


def _page() -> None:
    import streamlit as st

    from ui import forecast_sections as sections

    run, values = st.session_state["run"], st.session_state["values"]
    sections.summary(run, "°C", "day")
    figure = sections.forecast_chart(run, values, "°C")
    sections.error_table(run, "°C")
    sections.backtest(run, "°C", "day")
    sections.forecast_table(run, "°C", "day")
    sections.downloads(run, figure)


@pytest.fixture(scope="module")
def runs() -> dict[str, ForecastRun]:
    return {"plain": small_run(), "backtest": small_run(backtest_folds=3)}


def _open(run: ForecastRun) -> AppTest:
    at = AppTest.from_function(_page, default_timeout=60)
    at.session_state["run"] = run
    at.session_state["values"] = small_series()
    at.run()
    assert not at.exception, at.exception
    return at


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
    assert len(off.get("plotly_chart")) == 1
    on = _open(runs["backtest"])
    assert len(on.get("plotly_chart")) == 2
    assert any("3 start points" in c.value for c in on.caption)


def test_the_forecast_table_has_one_row_per_step_and_five_downloads(runs: dict[str, ForecastRun]) -> None:
    at = _open(runs["plain"])
    forecast = at.dataframe[-1].value
    assert len(forecast) == runs["plain"].config.horizon and {"forecast", "lower", "upper"} <= set(forecast.columns)
    assert (forecast["lower"] <= forecast["upper"]).all()
    assert len(at.get("download_button")) == 5
