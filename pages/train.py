"""Train page: choose hyperparameters, start training in the background, watch the loss curve live, Stop."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.config import FIELD_HELP, FIELD_RANGES, ForecastConfig, check_length, default_config
from core.errors import CoreError
from core.plots import loss_figure
from ui.session import collect_finished_job, current_series, job_manager, md_escape, owner_id

POLL_SECONDS = 0.5

BASIC_FIELDS = ("window", "horizon", "epochs", "units")
ADVANCED_FIELDS = (
    "layers", "dropout", "batch_size", "learning_rate", "patience", "validation_fraction",
    "test_fraction", "seed", "interval_level", "season_length", "time_limit_seconds",
)
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

data_key = (st.session_state.get("series_source"), len(series.values), series.frequency)
if st.session_state.get("config_for") != data_key:
    suggested = default_config(series.values, series.frequency)
    st.session_state["config_values"] = suggested.to_dict()
    st.session_state["config_for"] = data_key
    for name in (*BASIC_FIELDS, *ADVANCED_FIELDS):
        st.session_state.pop(f"cfg_{name}", None)
values: dict[str, Any] = st.session_state["config_values"]


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


with st.container(border=True):
    cols = st.columns(len(BASIC_FIELDS))
    for column, name in zip(cols, BASIC_FIELDS, strict=True):
        _widget(name, column)
    with st.expander("Advanced settings"):
        adv = st.columns(3)
        for index, name in enumerate(ADVANCED_FIELDS):
            _widget(name, adv[index % 3])
    if st.button("Reset to suggested settings", icon=":material/restart_alt:", key="reset_config"):
        st.session_state.pop("config_for", None)
        st.rerun()

config: ForecastConfig | None = None
problem = None
try:
    config = ForecastConfig.from_dict(values)
    check_length(len(series.values), config)
except CoreError as exc:
    problem = str(exc)
if st.session_state.get("edit_error"):
    problem = "Your table edits on the Data page have a problem; fix them or reset the table first."
if problem:
    st.error(md_escape(problem), icon=":material/error:")

manager = job_manager()
owner = owner_id()
job = st.session_state.get("job")
busy = job is not None and not job.snapshot().done

if st.button("Train", type="primary", disabled=busy or config is None or problem is not None, key="train"):
    try:
        job = manager.submit(owner, series.values, config, name=st.session_state.get("series_source", ""))
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
        st.progress(min(fraction, 1.0), text=f"{text}: epoch {min(snap.epoch + 1, snap.epochs)} of {snap.epochs} "
                    f"· elapsed {_fmt_seconds(snap.elapsed_seconds)} · about {_fmt_seconds(snap.eta_seconds)} left")
        if st.button("Stop", key="stop", icon=":material/stop_circle:"):
            job.stop()
            st.rerun(scope="fragment")
    elif snap.state in ("completed", "early_stopped", "stopped", "time_limit"):
        st.success(f"{text}. {snap.epoch} epochs in {_fmt_seconds(snap.elapsed_seconds)}. "
                   "See the results on the Forecast page.", icon=":material/check_circle:")
        st.page_link("pages/forecast.py", label="Open the forecast", icon=":material/arrow_forward:")
    else:
        detail = f"{text}: {md_escape(snap.message)}" if snap.state == "failed" and snap.message else text
        st.error(f"{detail}. Any earlier trained model is kept.", icon=":material/error:")
    log_y = st.toggle("Logarithmic loss axis", key="log_loss", help="Makes small late improvements visible.")
    st.plotly_chart(
        loss_figure(snap.history, log_y=log_y, best_epoch=snap.best_epoch, epochs=_axis_epochs(snap)),
        width="stretch", key="loss_chart",
    )
    st.caption("Loss is the model's average squared error on scaled data: lower is better. The training "
               "loss should fall; if the validation loss rises while training loss falls, the model is "
               "memorising (overfitting) and early stopping keeps the best epoch.")


if job is not None:
    running = not job.snapshot().done
    st.fragment(_show_job, run_every=POLL_SECONDS if running else None)(job)
else:
    st.info("Press **Train** to start. Training runs in the background: you can change settings, switch "
            "pages or keep exploring while it trains, and press **Stop** at any time.", icon=":material/info:")
