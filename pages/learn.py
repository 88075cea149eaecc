"""Learn page: a report card in plain words, the copy-cat check, inside the LSTM, what-if, replay, seed spread."""

from __future__ import annotations

import streamlit as st

from core.errors import CoreError
from core.evaluation.diagnostics import CopycatResult, copycat
from core.run.results import ForecastRun
from core.words import frequency_word, unit_for
from ui.learn_sections import copycat_section, inside_lstm, replay, report, seed_spread, target_picker, what_if
from ui.router import through_app

through_app()

st.title("4. Learn")
st.write("Look inside your trained model and find out, in plain words, whether its forecast is any good.")
run: ForecastRun | None = st.session_state.get("run")
if run is None:
    st.info("No trained model yet. Go to **Train** and press **Train**; come back here when it has finished.",
            icon=":material/info:")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/arrow_forward:")
else:
    values = st.session_state["run_values"]
    unit, step = unit_for(run.value_column), frequency_word(run.frequency)
    check: CopycatResult | None = None
    if run.predictions is not None:
        try:
            check = copycat(values, run.predictions["lstm"], max_shift=min(5, max(1, len(values) // 10)),
                            step_word=step)
        except CoreError:
            check = None
    report(run, check)
    copycat_section(run, values, check, unit, step)
    st.divider()
    st.subheader("Inside the LSTM")
    target = target_picker(run, values, step)
    inside_lstm(run, values, target, unit, step)
    st.fragment(what_if)(run, values, target, unit)
    st.divider()
    replay(run, unit)
    st.divider()
    seed_spread(run, unit)
