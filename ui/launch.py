"""The Train page's start buttons (Train, Train 3 times, Auto mode and its budget) and starting the job.

Session keys (see ui/session.py): ``job``, ``job_values`` and ``auto_budget_seconds`` are set when a job
starts. Widget keys: ``train``, ``train_spread``, ``train_auto`` and ``auto_budget``.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import pandas as pd
import streamlit as st

from core.config import ForecastConfig
from core.data.series import LoadedSeries
from core.errors import CoreError
from core.run.portable import Plan
from ui.covariates import Covariates
from ui.session import job_manager, md_escape, owner_id

__all__ = ["Launch", "launch_buttons", "plan_for", "start_training"]

#: What a button starts: one training, three with different seeds, or auto mode's search.
Kind = Literal["train", "spread", "auto"]


class Launch(NamedTuple):
    """A pressed start button: what to run and auto mode's budget in seconds."""

    kind: Kind
    budget_seconds: float


def launch_buttons(config: ForecastConfig | None, busy: bool, *, only_train: bool = False) -> Launch | None:
    """The row of start buttons, disabled while a job runs or the settings cannot train (``config`` None);
    ``only_train`` leaves only Train enabled (every station: the others train one series).

    Returns:
        The pressed button, or None.
    """
    train_col, spread_col, auto_col, budget_col = st.columns([1, 2, 1.3, 1.2], vertical_alignment="bottom")
    cannot = busy or config is None
    train = train_col.button("Train", type="primary", disabled=cannot, key="train",
                             help="Train the model with these settings in the background.")
    one_series = " Trains one station: choose one on the Data page." if only_train else ""
    spread = spread_col.button(
        "Train 3 times (seed spread)", disabled=cannot or only_train, key="train_spread",
        icon=":material/stacked_line_chart:",
        help="Train the same model 3 times with different random seeds to see how much the result depends on luck. "
        "Takes 3 times as long; the first training becomes your model. The spread is shown on the Learn page."
        + one_series,
    )
    budget = budget_col.number_input(
        "Auto budget (s)", min_value=10, max_value=3600, value=120, step=10, key="auto_budget",
        help="How long auto mode may search, in seconds, including evaluating the winner.",
    )
    no_validation = config is not None and config.validation_fraction <= 0
    auto = auto_col.button(
        "Auto mode", disabled=cannot or no_validation or only_train, key="train_auto", icon=":material/auto_awesome:",
        help="Try many settings (window, units, layers, dropout, learning rate, inputs, target) within the time "
        "budget, judge each on the validation data only, and keep the winner. The Forecast page says which won "
        "and why." + (" Needs a validation share above 0." if no_validation else "") + one_series,
    )
    kind: Kind | None = "auto" if auto else "spread" if spread else "train" if train else None
    return None if kind is None else Launch(kind, float(budget))


#: The plan kind (``core.run.portable.PLAN_KINDS``) each button starts: Train records the Learn page's replay.
PLAN_KIND = {"train": "replay", "spread": "spread", "auto": "auto"}


def plan_for(launch: Launch, series: LoadedSeries, covariates: pd.DataFrame | None) -> Plan:
    """What the job runs, named without code so a training worker can run it: auto mode with its budget, the
    seed spread, or one training that records a replay; with the job's own copy of the input columns and the
    series' gap-filled points (left out of every score)."""
    filled = None if series.filled is None else series.filled.copy()
    return Plan(PLAN_KIND[launch.kind], budget_seconds=launch.budget_seconds, covariates=covariates, filled=filled)


def start_training(series: LoadedSeries, config: ForecastConfig, covariates: Covariates | None,
                   launch: Launch) -> None:
    """Submit the job (it trains on a copy of the series and the input columns) and rerun to show it;
    a refusal (the server is busy) is shown as an error."""
    frame = None if covariates is None else covariates.frame.copy()
    st.session_state["auto_budget_seconds"] = launch.budget_seconds if launch.kind == "auto" else None
    try:
        job = job_manager().submit(owner_id(), series.values, config,
                                   name=st.session_state.get("series_source", ""), plan=plan_for(launch, series, frame))
    except CoreError as exc:
        st.error(md_escape(exc), icon=":material/error:")
        return
    st.session_state["job"] = job
    st.session_state["job_values"] = series.values.copy()
    st.rerun()
