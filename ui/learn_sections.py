"""The Learn page's sections: the report card, the copy-cat check, inside the LSTM, what-if, the training
replay and the seed spread. Each draws one part of a finished run from its numbers.

Widget keys: ``learn_*`` (the target and layer pickers, the what-if sliders and the charts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.dashboard.learn_charts import (
    copycat_figure,
    copycat_lines_figure,
    gates_figure,
    replay_figure,
    seed_band_figure,
)
from core.dashboard.report import report_card
from core.errors import CoreError
from core.evaluation.diagnostics import CopycatResult
from core.model.internals import lstm_internals
from core.run.portable import model_input, predict_next
from core.run.results import ForecastRun
from core.words import steps
from ui.session import md_escape
from ui.share import present, presenter_mode

__all__ = [
    "WHAT_IF_SLIDERS", "report", "copycat_section", "target_picker", "inside_lstm", "what_if", "replay", "seed_spread",
]

#: Most window values the what-if section offers sliders for (the most recent ones).
WHAT_IF_SLIDERS = 12


def report(run: ForecastRun, check: CopycatResult | None) -> None:
    """The report card: a few plain sentences on how good the forecast is (``core.dashboard.report``)."""
    st.subheader("Report card")
    with st.container(border=True):
        for sentence in report_card(run, check):
            st.markdown(f"- {md_escape(sentence)}")
    st.caption("Every sentence is computed from the test period: the most recent part of the data, which the "
               "model never saw while training.")


def copycat_section(run: ForecastRun, values: pd.Series, check: CopycatResult | None, unit: str, step: str) -> None:
    """Whether the model mostly repeats the previous value: the verdict, the shift bars and the lines."""
    st.subheader(f"Copy-cat check: does it just repeat the previous {step}?")
    if check is None or run.predictions is None:
        st.info("The test period is too short for this check.", icon=":material/info:")
        return
    if check.is_copycat:
        st.warning(md_escape(check.verdict), icon=":material/content_copy:")
    else:
        st.success(md_escape(check.verdict), icon=":material/check_circle:")
    left, right = st.columns(2)
    left.plotly_chart(present(copycat_figure(check, unit=unit, step_word=step)), width="stretch",
                      key="learn_copycat_bars")
    right.plotly_chart(present(copycat_lines_figure(values, run.predictions["lstm"], unit=unit)), width="stretch",
                       key="learn_copycat_lines")
    with st.expander("How to read this"):
        st.markdown(
            "- Left: each bar compares the model's predictions with the real values moved 0, 1, 2 … steps "
            "later. The **red bar** is the best match.\n"
            f"- If the best match is **1 {step} late**, the model is mostly copying the previous value: a "
            f"lazy trick that looks good on a chart but adds little over 'same as the previous {step}'.\n"
            f"- Right: the orange line (model) hugging the dotted grey line (real values one {step} late) more "
            "than the blue line (real values) is the same copy-cat pattern, seen directly.")


def target_picker(run: ForecastRun, values: pd.Series, step: str) -> int:
    """The position in ``values`` of the point the window predicts (a test-period point)."""
    dates = list(run.predictions.index) if run.predictions is not None else []
    choice = st.select_slider(
        f"Which {step} should the model predict?", options=dates, value=dates[0],
        format_func=lambda d: f"{d:%Y-%m-%d %H:%M}" if d != d.normalize() else f"{d:%Y-%m-%d}",
        key="learn_target",
        help=f"The model reads the {run.config.window} values before this {step} (its window) and predicts it. "
        "Only test-period points: the model never trained on them.",
    )
    return int(values.index.get_loc(choice))


def inside_lstm(run: ForecastRun, values: pd.Series, target: int, unit: str, step: str) -> None:
    """The gates and states of one layer while it reads the window before ``target``, with its prediction."""
    layers = run.config.layers
    layer = 1
    if layers > 1 and not presenter_mode():
        layer = st.radio("Layer to look at", list(range(1, layers + 1)), horizontal=True, key="learn_layer",
                         help="Layer 1 reads the data; each higher layer reads the layer below it.")
    history = values.iloc[:target]
    try:
        inside = lstm_internals(run.model, model_input(run, history), layer=layer)
        prediction = predict_next(run, history)
    except CoreError as exc:
        st.error(md_escape(exc), icon=":material/error:")
        return
    window = history.iloc[-run.config.window:]
    actual = float(values.iloc[target])
    c1, c2, c3 = st.columns(3)
    c1.metric("Model's prediction", f"{prediction:.2f} {unit}".strip())
    c2.metric("Real value", f"{actual:.2f} {unit}".strip())
    c3.metric(f"'Same as the previous {step}' rule", f"{float(window.iloc[-1]):.2f} {unit}".strip())
    st.markdown(
        "An LSTM reads the window one step at a time, left to right, and keeps a **memory** (the cell state). "
        "At every step three **gates**, each a dial between 0 and 1 per memory unit, decide what happens:\n"
        "- the **forget gate** decides how much of the old memory to keep,\n"
        "- the **input gate** decides how much of the new value to write into memory,\n"
        "- the **output gate** decides how much of the memory to pass on as the **hidden state**.\n\n"
        "After the last step, the hidden state is turned into the prediction.")
    height = 900 + 12 * min(inside.units, 64)
    st.plotly_chart(present(gates_figure(inside, window, unit=unit, prediction=prediction, height=height)),
                    width="stretch", key="learn_gates")
    with st.expander("How to read this"):
        st.markdown(
            f"- The top line is the window the model read: the {steps(run.config.window, step)} before the one it "
            "predicts; the red star is its prediction.\n"
            "- Each coloured block below has one row per memory unit and one column per step. Darker = closer "
            "to 1 for the gates (more forgetting-kept, more writing, more showing).\n"
            "- Red and blue in the state blocks are positive and negative values; a row that keeps its colour "
            "across the steps is a unit that remembers something for a long time.\n"
            "- The numbers are computed from your trained model's own weights (and checked against Keras).")


def what_if(run: ForecastRun, values: pd.Series, target: int, unit: str) -> None:
    """Sliders for the window's last values and the prediction they give (run it as a fragment)."""
    st.subheader("What if the recent values had been different?")
    history = values.iloc[:target].copy()
    window = run.config.window
    editable = min(window, WHAT_IF_SLIDERS)
    low, high = float(values.min()), float(values.max())
    pad = 0.25 * (high - low or 1.0)
    st.caption(f"Move the sliders: the model's prediction updates at once. The last {editable} of the "
               f"{window} window values can be changed" + ("." if editable == window else "; the rest stay."))
    columns = st.columns(4)
    for k in range(editable):
        position = len(history) - editable + k
        date = history.index[position]
        label = f"{date:%Y-%m-%d %H:%M}" if date != date.normalize() else f"{date:%a %Y-%m-%d}"
        history.iloc[position] = columns[k % 4].slider(
            label, min_value=round(low - pad, 2), max_value=round(high + pad, 2),
            value=float(np.clip(round(float(history.iloc[position]), 2), low - pad, high + pad)),
            key=f"learn_whatif_{target}_{k}", help="Drag to pretend this value had been different.",
        )
    try:
        original = predict_next(run, values.iloc[:target])
        changed = predict_next(run, history)
    except CoreError as exc:
        st.error(md_escape(exc), icon=":material/error:")
        return
    st.metric("Prediction with your values", f"{changed:.2f} {unit}".strip(),
              delta=f"{round(changed - original, 2) + 0.0:+.2f} {unit} vs the real window".strip(), delta_color="off")


def replay(run: ForecastRun, unit: str) -> None:
    """The test-span forecast after each recorded epoch, with a play button and a slider."""
    st.subheader("Training replay: how the forecast changed while it learned")
    if run.replay is None or not run.replay.epochs:
        st.info("This model has no replay. Train again on the Train page: every new training records one.",
                icon=":material/info:")
        return
    st.plotly_chart(present(replay_figure(run.replay, unit=unit), height=480), width="stretch",
                    key="learn_replay")
    with st.expander("How to read this"):
        st.markdown(
            "- Press **▶ Play** or drag the slider: each position shows the model's forecast for the test "
            "period after that many passes over the training data (epochs).\n"
            "- Early on the orange line is usually flat or wrong; as training goes on it follows the blue line "
            "(the real values) more closely. If it starts to wobble or drift late in training, the model is "
            "overfitting.\n"
            f"- Snapshots were taken at {len(run.replay.epochs)} epochs; the model you keep is the one from "
            f"epoch {run.best_epoch}.")


def seed_spread(run: ForecastRun, unit: str) -> None:
    """How far the forecasts of the same model trained with different seeds lie apart."""
    st.subheader("Seed spread: would another training give the same forecast?")
    spread = run.seed_spread
    if spread is None:
        st.info("Press **Train 3 times (seed spread)** on the Train page: the same model is trained 3 times "
                "with different random starting points, and the spread shows up here.", icon=":material/info:")
        return
    if len(spread.seeds) < 2:
        st.info("Only one training finished (the others were stopped), so there is no spread to show.",
                icon=":material/info:")
        return
    width = float(np.mean(spread.high - spread.low))
    st.write(f"The {len(spread.seeds)} trainings were off by {min(spread.maes):.2f} to {max(spread.maes):.2f} "
             f"{unit} on average; on a typical day their forecasts were {width:.2f} {unit} apart.")
    st.plotly_chart(present(seed_band_figure(spread, unit=unit)), width="stretch", key="learn_seed_band")
    with st.expander("How to read this"):
        st.markdown(
            "- Training starts from random numbers; the **seed** picks them. Same data, same settings, "
            "different seed: a slightly different model.\n"
            "- The **shaded band** is the range between the lowest and highest of the forecasts. A wide band "
            "means the result depends a lot on luck: don't read much into small differences between models.")
