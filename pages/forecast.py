"""Forecast page: the forecast to use and why, the trained model against the references, the future forecast,
the band's coverage, downloads."""

from __future__ import annotations

import streamlit as st

from core.run.results import ForecastRun
from core.words import frequency_word, unit_for
from ui.forecast_sections import (
    auto_choice,
    backtest,
    coverage,
    downloads,
    error_table,
    forecast_chart,
    forecast_table,
    lead,
    summary,
)
from ui.router import through_app
from ui.stations import chosen_station, station_table

through_app()

st.title("3. Forecast")
run: ForecastRun | None = st.session_state.get("run")
if run is None:
    st.info("No trained model yet. Go to **Train** and press **Train**; the results appear here when it finishes.",
            icon=":material/info:")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/arrow_forward:")
else:
    values = st.session_state["run_values"]
    if run.stations is not None:  # every station was trained: their table, then the one picked drawn below
        station_table(run.stations, unit_for(run.value_column))
        station = chosen_station(run.stations)
        if station is not None and station.run is not None:
            run, values = station.run, station.values
    unit, step = unit_for(run.value_column), frequency_word(run.frequency)
    lead(run)
    figure = forecast_chart(run, values, unit)
    forecast_table(run, unit, step)
    st.subheader("How the LSTM did")
    summary(run, unit, step)
    st.caption(f"Model status: {run.status.replace('_', ' ')} after {run.epochs_run} epochs "
               f"(best epoch {run.best_epoch}), {run.train_seconds:.1f} s of training.")
    if run.search is not None:
        auto_choice(run.search)
    coverage(run, step)
    error_table(run, unit)
    backtest(run, unit, step)
    downloads(run, figure)
