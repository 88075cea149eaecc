"""The Train page's job panel: the job's status and progress, Stop, the live loss chart and how to read it.

The status, Stop and the chart are one fragment that reruns every :data:`POLL_SECONDS` while the job is queued
or running and stops polling when it ends; the log-axis toggle and the notes sit outside it, so a poll
re-sends only what changes. Session keys (see ui/session.py): ``loss_chart_cache``, ``naive_level``,
``run``/``run_values`` (a finished job's result, via ``collect_finished_job``). Widget keys: ``stop``,
``leave_queue``, ``loss_chart`` and ``log_loss``.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from core.dashboard.charts import loss_figure
from core.dashboard.jobs import Job, JobSnapshot
from core.errors import CoreError
from core.evaluation.diagnostics import NaiveLevel, naive_level, skill_per_epoch
from core.words import EARLY_END_TEXT, STATE_TEXT
from ui.session import collect_finished_job, md_escape
from ui.share import present, presenter_mode

__all__ = ["POLL_SECONDS", "STOP_WAIT_SECONDS", "job_panel"]

#: How often the live part (status, Stop, loss chart) refreshes while a job is queued or running. Each poll
#: reruns the fragment on the server and redraws the chart in the browser, and both compete with the training
#: for the CPU: 1 s still shows every epoch or so (docs/performance.md: the live chart).
POLL_SECONDS = 1.0
#: How long Stop waits for the job to end before it leaves the final state to the polls.
STOP_WAIT_SECONDS = 20.0
#: The loss chart's x axis spans all planned epochs up to this many (beyond, once a third of them ran).
_FULL_AXIS_EPOCHS = 300


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _axis_epochs(snap: JobSnapshot) -> int | None:
    """Fix the x axis to all planned epochs when that stays readable; otherwise let it grow."""
    return snap.epochs if snap.epochs <= _FULL_AXIS_EPOCHS or len(snap.history) > snap.epochs / 3 else None


def _naive_level(job: Job) -> NaiveLevel | None:
    """The naive reference of the job's data and settings, computed once per job (None without a series)."""
    cached = st.session_state.get("naive_level")
    if cached is not None and cached[0] == job.id:
        level: NaiveLevel | None = cached[1]
        return level
    values = st.session_state.get("job_values")
    try:
        level = None if values is None else naive_level(values, job.config)
    except CoreError:
        level = None
    st.session_state["naive_level"] = (job.id, level)
    return level


def _loss_chart(job: Job, snap: JobSnapshot) -> go.Figure:
    """The loss figure of ``snap``, rebuilt only when something it shows changed (a new epoch, another state,
    the log toggle, presenter mode): most polls of a slow training see no new epoch."""
    log_y = bool(st.session_state.get("log_loss", False))
    key = (job.id, snap.state, snap.stage, len(snap.history), snap.history[-1:], snap.best_epoch,
           _axis_epochs(snap), log_y, presenter_mode())
    cached = st.session_state.get("loss_chart_cache")
    if cached is not None and cached[0] == key:
        figure: go.Figure = cached[1]
        return figure
    level = _naive_level(job)
    skill = skill_per_epoch(snap.history, level.mae) if level is not None and level.span == "validation" else None
    figure = present(loss_figure(snap.history, log_y=log_y, best_epoch=snap.best_epoch, epochs=_axis_epochs(snap),
                                 naive_loss=None if level is None else level.mse, skill=skill))
    st.session_state["loss_chart_cache"] = (key, figure)
    return figure


def _queued(job: Job, snap: JobSnapshot) -> None:
    st.info(f"{STATE_TEXT['queued']}: you are number {snap.queue_position} in the queue. It starts by itself.",
            icon=":material/hourglass_top:")
    if st.button("Leave the queue", key="leave_queue", icon=":material/close:"):
        job.stop()
        st.rerun(scope="fragment")


def _progress_line(snap: JobSnapshot) -> tuple[float, str]:
    """The progress bar's fraction and text: epochs of the planned ones, or time used of auto mode's budget."""
    epoch = min(snap.epoch + 1, snap.epochs)
    elapsed = _duration(snap.elapsed_seconds)
    auto_budget = st.session_state.get("auto_budget_seconds")
    if auto_budget and snap.stage.startswith("Auto mode"):
        return (snap.elapsed_seconds / auto_budget,
                f"{md_escape(snap.stage)} · epoch {epoch} of this candidate · elapsed {elapsed} of "
                f"{_duration(auto_budget)}")
    text = STATE_TEXT["running"]
    if snap.stage.startswith("run "):  # "train 3 times": which of the trainings this is
        text = f"{text} ({snap.stage.split(':')[0]})"
    elif snap.stage.startswith("station "):  # every station: "station 2 of 3: LGA: training"
        text = f"{text} ({md_escape(snap.stage.rsplit(': ', 1)[0])})"
    fraction = (snap.epoch + (snap.batch / snap.batches if snap.batches else 0)) / max(snap.epochs, 1)
    return fraction, (f"{text}: epoch {epoch} of {snap.epochs} · elapsed {elapsed} · about "
                      f"{_duration(snap.eta_seconds)} left")


def _running(job: Job, snap: JobSnapshot) -> None:
    fraction, line = _progress_line(snap)
    st.progress(min(fraction, 1.0), text=line)
    if st.button("Stop", key="stop", icon=":material/stop_circle:"):
        job.stop()
        # Stop is honoured after the current chunk of batches (about 0.1 s), then the forecast is finished
        # with the best weights so far: wait for that here and redraw the page with the result, rather than
        # leave the final state to the next timed poll.
        with st.spinner("Stopping: finishing the forecast with the best weights so far…"):
            ended = job.wait(STOP_WAIT_SECONDS)
        st.rerun(scope="app" if ended else "fragment")


def _ended(snap: JobSnapshot) -> None:
    """What became of the job: a model to look at, or why there is none (the previous model is kept)."""
    text = STATE_TEXT.get(snap.state, snap.state)
    run = snap.run
    if run is not None and not run.usable and snap.state != "diverged":  # e.g. Stop before epoch 1 ended
        reason = f"{EARLY_END_TEXT[snap.state]}." if snap.state in EARLY_END_TEXT else md_escape(run.message)
        st.warning(f"{reason} Any earlier trained model is kept.", icon=":material/warning:")
        return
    if snap.state in ("completed", "early_stopped", "stopped", "time_limit"):
        stations = f" {md_escape(run.message)}" if run is not None and run.stations is not None else ""
        st.success(f"{text}. {snap.epoch} epochs in {_duration(snap.elapsed_seconds)}.{stations} "
                   "See the results on the Forecast page.", icon=":material/check_circle:")
        st.page_link("pages/forecast.py", label="Open the forecast", icon=":material/arrow_forward:")
        return
    detail = f"{text}: {md_escape(snap.message)}" if snap.state == "failed" and snap.message else text
    detail = detail.rstrip(". ") + "."
    if "model" not in snap.message:  # the message may already say what is kept
        detail += " Any earlier trained model is kept."
    st.error(detail, icon=":material/error:")


def _live(job: Job) -> None:
    """Fragment body: the status line for the job's state, then the loss chart."""
    snap = job.snapshot()
    if snap.done and st.session_state.get("run_job_id") != job.id:
        collect_finished_job()
        st.rerun(scope="app")  # stop polling and refresh the sidebar
    if snap.state == "queued":
        _queued(job, snap)
    elif snap.state == "running":
        _running(job, snap)
    else:
        _ended(snap)
    st.plotly_chart(_loss_chart(job, snap), width="stretch", key="loss_chart")


def _chart_notes(job: Job) -> None:
    """The log-axis toggle and how to read the chart (the toggle's value is read by ``_loss_chart``)."""
    st.toggle("Logarithmic loss axis", key="log_loss", help="Makes small late improvements visible.")
    st.caption("Loss is the model's average squared error on scaled data: lower is better. The training "
               "loss should fall; if the validation loss rises while training loss falls, the model is "
               "memorising (overfitting) and early stopping keeps the best epoch.")
    with st.expander("How to read this chart"):
        level = _naive_level(job)
        span = "validation" if level is None else level.span
        st.markdown(
            "- **training loss** and **validation loss** (the dark and the light blue line): the model's error on "
            "the training data and on the validation data (days it does not learn from), after each pass over "
            "the data (epoch).\n"
            f"- **Dotted green line**: the error of simply saying 'same as the previous value' on the {span} data. "
            "A model whose validation line stays above it is worse than that simple rule.\n"
            "- **Solid green line (right axis)**: the skill score, 1 − model error ÷ simple-rule error on the "
            "validation data. 0 % = as good as 'same as the previous value', above 0 % = better, 100 % = perfect.")


def job_panel(job: Job) -> None:
    """The job's live part (polled while it is queued or running), then the chart's toggle and notes."""
    running = not job.snapshot().done
    st.fragment(_live, run_every=POLL_SECONDS if running else None)(job)
    _chart_notes(job)
