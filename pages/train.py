"""Train page: choose hyperparameters, start training in the background, watch the loss curve live, Stop."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import streamlit as st

from core.config import FIELD_HELP, FIELD_RANGES, ForecastConfig, check_length, default_config
from core.dashboard.charts import loss_figure
from core.dashboard.presets import PRESETS, preset_names
from core.errors import CoreError
from core.evaluation.diagnostics import naive_level, skill_per_epoch
from core.run.auto import run_auto
from core.run.runners import auto_runner, replay_runner, seed_spread_runner
from ui.covariates import covariate_options, session_covariates, unavailable_reason
from ui.router import through_app
from ui.session import collect_finished_job, current_series, job_manager, md_escape, owner_id
from ui.share import config_key, present, presenter_mode, share_link, share_params, suggested_config

through_app()

#: How often the live part (status, Stop, loss chart) refreshes while a job is queued or running. Each poll
#: reruns the fragment on the server and redraws the chart in the browser, and both compete with the training
#: for the CPU: 1 s still shows every epoch or so (README "Performance": live chart vs headless).
POLL_SECONDS = 1.0
#: How long Stop waits for the job to end before it leaves the final state to the polls.
STOP_WAIT_SECONDS = 20.0

BASIC_FIELDS = ("window", "horizon", "epochs", "units")
ADVANCED_FIELDS = (
    "layers", "dropout", "batch_size", "learning_rate", "patience", "validation_fraction",
    "test_fraction", "seed", "interval_level", "season_length", "time_limit_seconds", "backtest_folds",
)
#: Non-numeric settings, shown as the "Inputs and target" group (with the ``covariates`` picker below them).
CHOICE_FIELDS = ("calendar", "seasonal_input", "difference_input", "target")
COVARIATE_HELP = (
    "Other numeric columns of your file that the model reads next to the value, e.g. humidity or wind when "
    "forecasting temperature. Each is scaled with statistics of the training period only. Their future values "
    "are unknown, so for forecasts more than one step ahead each column is **held at its last observed value**."
)
TARGET_LABELS = {
    "value": "the next value itself",
    "change": "the change from the last value",
    "seasonal_change": "the change from one season ago",
}
LABELS = {
    "window": "Look-back window (steps)",
    "horizon": "Forecast horizon (steps)",
    "epochs": "Epochs (passes over the data)",
    "units": "LSTM units (model size)",
    "layers": "LSTM layers",
    "dropout": "Dropout",
    "batch_size": "Batch size",
    "learning_rate": "Learning rate",
    "patience": "Early-stopping patience (0 = off)",
    "validation_fraction": "Validation share",
    "test_fraction": "Test share",
    "seed": "Random seed",
    "interval_level": "Prediction-interval level",
    "season_length": "Season length (0 = from the frequency)",
    "time_limit_seconds": "Time limit (seconds)",
    "backtest_folds": "Backtest start points (0 = off)",
    "calendar": "Calendar inputs (time of day, day of year)",
    "seasonal_input": "Value one season ago as an input",
    "difference_input": "Recent changes as inputs",
    "target": "The model learns",
}
STATE_TEXT = {
    "queued": "Waiting for a free training slot",
    "running": "Training",
    "completed": "Finished: all epochs ran",
    "early_stopped": "Finished: stopped early because validation loss stopped improving (best weights kept)",
    "stopped": "Stopped by you (best weights so far kept)",
    "time_limit": "Stopped at the time limit (best weights so far kept)",
    "diverged": "Diverged: the loss became NaN. Lower the learning rate and train again",
    "failed": "Failed",
    "cancelled": "Cancelled",
}

st.title("2. Train")
series = current_series()
st.write(
    f"The model learns from **{md_escape(st.session_state.get('series_source', 'your data'))}** "
    f"({len(series.values):,} points). Suggested settings are filled in; hover the **?** for what each one does."
)

data_key = config_key(series)
if st.session_state.get("config_for") != data_key:
    suggested = suggested_config(series)  # the data's defaults with the chosen preset applied
    st.session_state["config_values"] = suggested.to_dict()
    st.session_state["config_for"] = data_key
    for name in (*BASIC_FIELDS, *ADVANCED_FIELDS, *CHOICE_FIELDS, "covariates"):
        st.session_state.pop(f"cfg_{name}", None)
values: dict[str, Any] = st.session_state["config_values"]

# Input columns the current data offers; a choice the data no longer has (new file, other value column) is dropped.
covariate_choices = covariate_options(series)
values["covariates"] = [name for name in values.get("covariates") or [] if name in covariate_choices]
picked = st.session_state.get("cfg_covariates")
if picked is not None and any(name not in covariate_choices for name in picked):
    st.session_state["cfg_covariates"] = [name for name in picked if name in covariate_choices]


def _outside_range(name: str, value: Any) -> bool:
    """True for a value no widget can hold: not a number, not finite or outside ``FIELD_RANGES``."""
    low, high = FIELD_RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    return not (math.isfinite(value) and low <= value <= high)


# Values forced into session state (not typed: the widgets clamp) would crash the widgets; refuse them here.
forced = {name: values[name] for name in FIELD_RANGES if name in values and _outside_range(name, values[name])}
forced |= {name: st.session_state[f"cfg_{name}"] for name in FIELD_RANGES
           if f"cfg_{name}" in st.session_state and _outside_range(name, st.session_state[f"cfg_{name}"])}
if forced:
    suggested_values = default_config(series.values, series.frequency).to_dict()
    for name in forced:
        values[name] = suggested_values[name]
        st.session_state.pop(f"cfg_{name}", None)
    refused = ", ".join(f"{name}={value!r} (allowed {FIELD_RANGES[name][0]:g}..{FIELD_RANGES[name][1]:g})"
                        for name, value in forced.items())
    st.error(md_escape(f"Refused settings out of range: {refused}. The suggested values are used instead."),
             icon=":material/error:")


def _widget(name: str, container: Any) -> None:
    low, high = FIELD_RANGES[name]
    current = values[name]
    kwargs: dict[str, Any] = {"help": FIELD_HELP[name], "key": f"cfg_{name}"}
    if f"cfg_{name}" not in st.session_state:
        kwargs["value"] = current
    label = LABELS.get(name, name)
    if name in ("dropout", "validation_fraction", "test_fraction", "interval_level"):
        values[name] = container.slider(label, float(low), float(high), step=0.01, **kwargs)
    elif isinstance(current, int):
        values[name] = container.number_input(label, min_value=int(low), max_value=int(high), step=1, **kwargs)
    else:
        fmt = "%.5f" if name == "learning_rate" else "%.1f"
        values[name] = container.number_input(
            label, min_value=float(low) if low > 0 else 0.0, max_value=float(high), format=fmt, **kwargs
        )


def _choice_widget(name: str, container: Any) -> None:
    """Toggle for the boolean settings, a select box for the target."""
    kwargs: dict[str, Any] = {"help": FIELD_HELP[name], "key": f"cfg_{name}"}
    current = values.get(name, getattr(ForecastConfig(), name))
    if name == "target":
        options = list(TARGET_LABELS)
        if f"cfg_{name}" not in st.session_state:
            kwargs["index"] = options.index(current) if current in options else 0
        values[name] = container.selectbox(LABELS[name], options, format_func=TARGET_LABELS.get, **kwargs)
    else:
        if f"cfg_{name}" not in st.session_state:
            kwargs["value"] = bool(current)
        values[name] = container.toggle(LABELS[name], **kwargs)


def _covariate_picker() -> None:
    """The "other columns as inputs" multiselect; disabled with the reason when the data has none."""
    label = "Other columns as inputs (covariates)"
    if not covariate_choices:
        st.multiselect(label, [], disabled=True, placeholder="None in this data", help=COVARIATE_HELP,
                       key="cfg_covariates")
        st.caption(unavailable_reason(series))
        return
    kwargs: dict[str, Any] = {} if "cfg_covariates" in st.session_state else {"default": values["covariates"]}
    values["covariates"] = st.multiselect(
        label, covariate_choices, placeholder="None: only the value's own past", help=COVARIATE_HELP,
        max_selections=20, key="cfg_covariates", **kwargs,
    )
    if values["covariates"]:
        st.caption("Beyond the last date these columns are unknown: forecasts several steps ahead hold each one "
                   "at its last observed value.")


def _apply_preset() -> None:
    """Preset picker callback: the preset's settings replace the current ones (widgets get fresh values)."""
    st.session_state["preset"] = st.session_state["preset_pick"]
    st.session_state.pop("config_for", None)


st.selectbox(
    "Preset with a story", preset_names(), index=preset_names().index(st.session_state.get("preset", "good_fit")),
    format_func=lambda name: PRESETS[name].title, key="preset_pick", on_change=_apply_preset,
    help="Ready-made settings that show a typical training behaviour: a good fit, overfitting, underfitting, "
    "a learning rate that is too high, or a window that is too short. Choosing one replaces the settings below.",
)
st.caption(f"What to notice: {PRESETS[st.session_state.get('preset', 'good_fit')].notice}")

with st.container(border=True):
    cols = st.columns(len(BASIC_FIELDS))
    for column, name in zip(cols, BASIC_FIELDS, strict=True):
        _widget(name, column)
    if not presenter_mode():  # presenter mode hides the advanced settings (their values are kept)
        with st.expander("Advanced settings"):
            adv = st.columns(3)
            for index, name in enumerate(ADVANCED_FIELDS):
                _widget(name, adv[index % 3])
            st.markdown("**Inputs and target**")
            choice_cols = st.columns(2)  # two per row: the labels stay readable
            for index, name in enumerate(CHOICE_FIELDS):
                _choice_widget(name, choice_cols[index % 2])
            _covariate_picker()
    if st.button("Reset to suggested settings", icon=":material/restart_alt:", key="reset_config"):
        st.session_state.pop("config_for", None)
        st.rerun()

config: ForecastConfig | None = None
problem = None
covariates = None
try:
    config = ForecastConfig.from_dict(values)
    check_length(len(series.values), config)
    if config.covariates:
        covariates = session_covariates(series, config.covariates)
except CoreError as exc:
    problem = str(exc)
if st.session_state.get("edit_error"):
    problem = "Your table edits on the Data page have a problem; fix them or reset the table first."
if problem:
    st.error(md_escape(problem), icon=":material/error:")
elif covariates is not None and covariates.notes:
    st.info(md_escape(" ".join(covariates.notes)), icon=":material/build:")

manager = job_manager()
owner = owner_id()
job = st.session_state.get("job")
busy = job is not None and not job.snapshot().done

params = share_params(values, suggested_config(series))
with st.expander("Share this setup", icon=":material/link:"):
    st.caption("This link reopens the dashboard with the same built-in dataset, preset and settings"
               + (" (an uploaded or edited series is not part of the link)." if "dataset" not in params else "."))
    st.code(share_link(params), language=None)

train_col, spread_col, auto_col, budget_col = st.columns([1, 2, 1.3, 1.2], vertical_alignment="bottom")
cannot = busy or config is None or problem is not None
clicked = train_col.button("Train", type="primary", disabled=cannot, key="train",
                           help="Train the model with these settings in the background.")
spread = spread_col.button(
    "Train 3 times (seed spread)", disabled=cannot, key="train_spread", icon=":material/stacked_line_chart:",
    help="Train the same model 3 times with different random seeds to see how much the result depends on luck. "
    "Takes 3 times as long; the first training becomes your model. The spread is shown on the Learn page.",
)
budget = budget_col.number_input(
    "Auto budget (s)", min_value=10, max_value=3600, value=120, step=10, key="auto_budget",
    help="How long auto mode may search, in seconds, including evaluating the winner.",
)
no_validation = config is not None and config.validation_fraction <= 0
auto = auto_col.button(
    "Auto mode", disabled=cannot or no_validation, key="train_auto", icon=":material/auto_awesome:",
    help="Try many settings (window, units, layers, dropout, learning rate, inputs, target) within the time "
    "budget, judge each on the validation data only, and keep the winner. The Forecast page says which won "
    "and why." + (" Needs a validation share above 0." if no_validation else ""),
)
if clicked or spread or auto:
    runner = auto_runner(float(budget)) if auto else seed_spread_runner if spread else replay_runner
    if covariates is not None:  # the job keeps its own copy of the input columns, like its own series
        frame = covariates.frame.copy()
        runner = (partial(run_auto, budget_seconds=float(budget), covariates=frame) if auto
                  else partial(runner, covariates=frame))
    st.session_state["auto_budget_seconds"] = float(budget) if auto else None
    try:
        job = manager.submit(owner, series.values, config, name=st.session_state.get("series_source", ""),
                             runner=runner)
    except CoreError as exc:
        st.error(md_escape(exc), icon=":material/error:")
    else:
        st.session_state["job"] = job
        st.session_state["job_values"] = series.values.copy()
        st.rerun()


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _axis_epochs(snap: Any) -> int | None:
    """Fix the x axis to all planned epochs when that stays readable; otherwise let it grow."""
    return snap.epochs if snap.epochs <= 300 or len(snap.history) > snap.epochs / 3 else None


def _show_job(job: Any) -> None:
    snap = job.snapshot()
    if snap.done and st.session_state.get("run_job_id") != job.id:
        collect_finished_job()
        st.rerun(scope="app")  # stop polling and refresh the sidebar
    text = STATE_TEXT.get(snap.state, snap.state)
    if snap.state == "queued":
        st.info(f"{text}: you are number {snap.queue_position} in the queue. It starts by itself.",
                icon=":material/hourglass_top:")
        if st.button("Leave the queue", key="leave_queue", icon=":material/close:"):
            job.stop()
            st.rerun(scope="fragment")
    elif snap.state == "running":
        fraction = (snap.epoch + (snap.batch / snap.batches if snap.batches else 0)) / max(snap.epochs, 1)
        if snap.stage.startswith("run "):  # "train 3 times": which of the trainings this is
            text = f"{text} ({snap.stage.split(':')[0]})"
        line = (f"{text}: epoch {min(snap.epoch + 1, snap.epochs)} of {snap.epochs} "
                f"· elapsed {_fmt_seconds(snap.elapsed_seconds)} · about {_fmt_seconds(snap.eta_seconds)} left")
        auto_budget = st.session_state.get("auto_budget_seconds")
        if auto_budget and snap.stage.startswith("Auto mode"):  # auto mode: progress is time used of the budget
            fraction = snap.elapsed_seconds / auto_budget
            line = (f"{md_escape(snap.stage)} · epoch {min(snap.epoch + 1, snap.epochs)} of this candidate "
                    f"· elapsed {_fmt_seconds(snap.elapsed_seconds)} of {_fmt_seconds(auto_budget)}")
        st.progress(min(fraction, 1.0), text=line)
        if st.button("Stop", key="stop", icon=":material/stop_circle:"):
            job.stop()
            # Stop is honoured after the current chunk of batches (about 0.1 s), then the forecast is finished
            # with the best weights so far: wait for that here and redraw the page with the result, rather than
            # leave the final state to the next timed poll.
            with st.spinner("Stopping: finishing the forecast with the best weights so far…"):
                ended = job.wait(STOP_WAIT_SECONDS)
            st.rerun(scope="app" if ended else "fragment")
    elif snap.state in ("completed", "early_stopped", "stopped", "time_limit"):
        st.success(f"{text}. {snap.epoch} epochs in {_fmt_seconds(snap.elapsed_seconds)}. "
                   "See the results on the Forecast page.", icon=":material/check_circle:")
        st.page_link("pages/forecast.py", label="Open the forecast", icon=":material/arrow_forward:")
    else:
        detail = f"{text}: {md_escape(snap.message)}" if snap.state == "failed" and snap.message else text
        st.error(f"{detail}. Any earlier trained model is kept.", icon=":material/error:")
    st.plotly_chart(_loss_chart(job, snap), width="stretch", key="loss_chart")


def _loss_chart(job: Any, snap: Any) -> Any:
    """The loss figure of ``snap``, rebuilt only when something it shows changed (a new epoch, another state,
    the log toggle, presenter mode): most polls of a slow training see no new epoch."""
    log_y = bool(st.session_state.get("log_loss", False))
    key = (job.id, snap.state, snap.stage, len(snap.history), snap.history[-1:], snap.best_epoch,
           _axis_epochs(snap), log_y, presenter_mode())
    cached = st.session_state.get("loss_chart_cache")
    if cached is not None and cached[0] == key:
        return cached[1]
    level = _naive_level(job)
    skill = skill_per_epoch(snap.history, level.mae) if level is not None and level.span == "validation" else None
    figure = present(loss_figure(snap.history, log_y=log_y, best_epoch=snap.best_epoch, epochs=_axis_epochs(snap),
                                 naive_loss=None if level is None else level.mse, skill=skill))
    st.session_state["loss_chart_cache"] = (key, figure)
    return figure


def _chart_notes(job: Any) -> None:
    """The log-axis toggle and how to read the chart: outside the polled fragment, so a poll re-sends only the
    status and the chart (the toggle's value is read from session state by ``_loss_chart``)."""
    st.toggle("Logarithmic loss axis", key="log_loss", help="Makes small late improvements visible.")
    st.caption("Loss is the model's average squared error on scaled data: lower is better. The training "
               "loss should fall; if the validation loss rises while training loss falls, the model is "
               "memorising (overfitting) and early stopping keeps the best epoch.")
    with st.expander("How to read this chart"):
        level = _naive_level(job)
        span = "validation" if level is None else level.span
        st.markdown(
            "- **Blue / red lines**: the model's error on the training data and on the validation data (days it "
            "does not learn from), after each pass over the data (epoch).\n"
            f"- **Dotted green line**: the error of simply saying 'same as the previous value' on the {span} data. "
            "A model whose validation line stays above it is worse than that simple rule.\n"
            "- **Solid green line (right axis)**: the skill score, 1 − model error ÷ simple-rule error on the "
            "validation data. 0 % = as good as 'same as the previous value', above 0 % = better, 100 % = perfect.")


def _naive_level(job: Any) -> Any:
    """The naive reference of the job's data and settings, computed once per job (None without a series)."""
    cached = st.session_state.get("naive_level")
    if cached is not None and cached[0] == job.id:
        return cached[1]
    values = st.session_state.get("job_values")
    try:
        level = None if values is None else naive_level(values, job.config)
    except CoreError:
        level = None
    st.session_state["naive_level"] = (job.id, level)
    return level


if job is not None:
    running = not job.snapshot().done
    st.fragment(_show_job, run_every=POLL_SECONDS if running else None)(job)
    _chart_notes(job)
else:
    st.info("Press **Train** to start. Training runs in the background: you can change settings, switch "
            "pages or keep exploring while it trains, and press **Stop** at any time.", icon=":material/info:")
