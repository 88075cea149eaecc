"""The Train page's settings: the preset picker and the settings form, as functions that return plain values.

Session keys (see ui/session.py): ``config_values`` (the settings shown, a plain dict), ``config_for`` (what
they were suggested for, :func:`ui.share.config_key`), ``preset``. Widget keys: ``preset_pick``,
``cfg_<field>`` per setting (``cfg_covariates`` for the input columns) and ``reset_config``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import streamlit as st

from core.config import (
    FIELD_HELP,
    FIELD_LABELS,
    FIELD_RANGES,
    TARGET_LABELS,
    ForecastConfig,
    check_length,
    default_config,
)
from core.dashboard.presets import PRESETS, preset_names
from core.data.series import LoadedSeries
from core.errors import CoreError
from ui.covariates import Covariates, covariate_options, session_covariates, unavailable_reason
from ui.session import md_escape
from ui.share import config_key, current_preset, presenter_mode, suggested_config

__all__ = [
    "BASIC_FIELDS", "ADVANCED_FIELDS", "CHOICE_FIELDS", "COVARIATE_HELP", "Settings", "preset_picker",
    "settings_form",
]

BASIC_FIELDS = ("window", "horizon", "epochs", "units")
ADVANCED_FIELDS = (
    "layers", "dropout", "batch_size", "learning_rate", "patience", "validation_fraction",
    "test_fraction", "seed", "interval_level", "season_length", "time_limit_seconds", "backtest_folds",
)
#: Non-numeric settings, shown as the "Inputs and target" group (with the ``covariates`` picker below them).
CHOICE_FIELDS = ("calendar", "seasonal_input", "difference_input", "target")
#: The input-column picker's help: longer than ``FIELD_HELP["covariates"]``, as the widget has room for it.
COVARIATE_HELP = (
    "Other numeric columns of your file that the model reads next to the value, e.g. humidity or wind when "
    "forecasting temperature. Each is scaled with statistics of the training period only. Their future values "
    "are unknown, so for forecasts more than one step ahead each column is **held at its last observed value**."
)
_SLIDERS = ("dropout", "validation_fraction", "test_fraction", "interval_level")


class Settings(NamedTuple):
    """What the form holds.

    Attributes:
        values: every setting as shown (``ForecastConfig.to_dict`` layout), also when they do not fit together.
        config: the validated settings, None when ``problem`` is set.
        covariates: the chosen input columns read from the upload, None when none are chosen.
        problem: one line saying why these settings cannot train (None when they can).
    """

    values: dict[str, Any]
    config: ForecastConfig | None
    covariates: Covariates | None
    problem: str | None


def _apply_preset() -> None:
    """Preset picker callback: the preset's settings replace the current ones (widgets get fresh values)."""
    st.session_state["preset"] = st.session_state["preset_pick"]
    st.session_state.pop("config_for", None)


def preset_picker() -> str:
    """The "preset with a story" select box and what to notice about it; returns the chosen preset key."""
    names = preset_names()
    st.selectbox(
        "Preset with a story", names, index=names.index(current_preset()),
        format_func=lambda name: PRESETS[name].title, key="preset_pick", on_change=_apply_preset,
        help="Ready-made settings that show a typical training behaviour: a good fit, overfitting, underfitting, "
        "a learning rate that is too high, or a window that is too short. Choosing one replaces the settings below.",
    )
    st.caption(f"What to notice: {PRESETS[current_preset()].notice}")
    return current_preset()


def _start_values(series: LoadedSeries) -> dict[str, Any]:
    """The session's settings; the data's suggested ones (with the preset) when the data changed."""
    data_key = config_key(series)
    if st.session_state.get("config_for") != data_key:
        st.session_state["config_values"] = suggested_config(series).to_dict()
        st.session_state["config_for"] = data_key
        for name in (*BASIC_FIELDS, *ADVANCED_FIELDS, *CHOICE_FIELDS, "covariates"):
            st.session_state.pop(f"cfg_{name}", None)
    values: dict[str, Any] = st.session_state["config_values"]
    return values


def _keep_offered_covariates(values: dict[str, Any], offered: list[str]) -> None:
    """Drop input columns the current data no longer has (a new file, another value column)."""
    values["covariates"] = [name for name in values.get("covariates") or [] if name in offered]
    picked = st.session_state.get("cfg_covariates")
    if picked is not None and any(name not in offered for name in picked):
        st.session_state["cfg_covariates"] = [name for name in picked if name in offered]


def _outside_range(name: str, value: Any) -> bool:
    """True for a value no widget can hold: not a number, not finite or outside ``FIELD_RANGES``."""
    low, high = FIELD_RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    return not (math.isfinite(value) and low <= value <= high)


def _refuse_forced(values: dict[str, Any], series: LoadedSeries) -> None:
    """Values forced into session state (the widgets clamp what is typed) would crash the widgets: put the
    suggested value back and say so."""
    forced = {name: values[name] for name in FIELD_RANGES if name in values and _outside_range(name, values[name])}
    forced |= {name: st.session_state[f"cfg_{name}"] for name in FIELD_RANGES
               if f"cfg_{name}" in st.session_state and _outside_range(name, st.session_state[f"cfg_{name}"])}
    if not forced:
        return
    suggested = default_config(series.values, series.frequency).to_dict()
    for name in forced:
        values[name] = suggested[name]
        st.session_state.pop(f"cfg_{name}", None)
    refused = ", ".join(f"{name}={value!r} (allowed {FIELD_RANGES[name][0]:g}..{FIELD_RANGES[name][1]:g})"
                        for name, value in forced.items())
    st.error(md_escape(f"Refused settings out of range: {refused}. The suggested values are used instead."),
             icon=":material/error:")


def _number(name: str, current: Any, container: Any) -> int | float:
    """A slider for the shares, an integer or a decimal box for the rest, within ``FIELD_RANGES``."""
    low, high = FIELD_RANGES[name]
    kwargs: dict[str, Any] = {"help": FIELD_HELP[name], "key": f"cfg_{name}"}
    if f"cfg_{name}" not in st.session_state:
        kwargs["value"] = current
    label = FIELD_LABELS[name]
    if name in _SLIDERS:
        return float(container.slider(label, float(low), float(high), step=0.01, **kwargs))
    if isinstance(current, int):
        return int(container.number_input(label, min_value=int(low), max_value=int(high), step=1, **kwargs))
    fmt = "%.5f" if name == "learning_rate" else "%.1f"
    return float(container.number_input(label, min_value=float(low) if low > 0 else 0.0, max_value=float(high),
                                        format=fmt, **kwargs))


def _choice(name: str, current: Any, container: Any) -> bool | str:
    """A toggle for the yes/no settings, a select box for the target."""
    kwargs: dict[str, Any] = {"help": FIELD_HELP[name], "key": f"cfg_{name}"}
    if name == "target":
        options = list(TARGET_LABELS)
        if f"cfg_{name}" not in st.session_state:
            kwargs["index"] = options.index(current) if current in options else 0
        return str(container.selectbox(FIELD_LABELS[name], options, format_func=TARGET_LABELS.get, **kwargs))
    if f"cfg_{name}" not in st.session_state:
        kwargs["value"] = bool(current)
    return bool(container.toggle(FIELD_LABELS[name], **kwargs))


def _covariate_picker(series: LoadedSeries, offered: list[str], chosen: list[str]) -> list[str]:
    """The input-column multiselect; disabled with the reason when the data has no other columns."""
    label = FIELD_LABELS["covariates"]
    if not offered:
        st.multiselect(label, [], disabled=True, placeholder="None in this data", help=COVARIATE_HELP,
                       key="cfg_covariates")
        st.caption(unavailable_reason(series))
        return []
    kwargs: dict[str, Any] = {} if "cfg_covariates" in st.session_state else {"default": chosen}
    picked = list(st.multiselect(label, offered, placeholder="None: only the value's own past", help=COVARIATE_HELP,
                                 max_selections=20, key="cfg_covariates", **kwargs))
    if picked:
        st.caption("Beyond the last date these columns are unknown: forecasts several steps ahead hold each one "
                   "at its last observed value.")
    return picked


def _advanced(values: dict[str, Any], series: LoadedSeries, offered: list[str]) -> None:
    """The "Advanced settings" expander: the other numbers, then inputs and target (hidden in presenter mode,
    where the values are kept)."""
    if presenter_mode():
        return
    with st.expander("Advanced settings"):
        columns = st.columns(3)
        for index, name in enumerate(ADVANCED_FIELDS):
            values[name] = _number(name, values[name], columns[index % 3])
        st.markdown("**Inputs and target**")
        pairs = st.columns(2)  # two per row: the labels stay readable
        for index, name in enumerate(CHOICE_FIELDS):
            values[name] = _choice(name, values.get(name, getattr(ForecastConfig(), name)), pairs[index % 2])
        values["covariates"] = _covariate_picker(series, offered, values["covariates"])


def _validated(values: dict[str, Any], series: LoadedSeries) -> Settings:
    """The settings checked as a whole: the config, the data's length and the input columns."""
    config: ForecastConfig | None = None
    covariates: Covariates | None = None
    problem: str | None = None
    try:
        config = ForecastConfig.from_dict(values)
        check_length(len(series.values), config)
        if config.covariates:
            covariates = session_covariates(series, config.covariates)
    except CoreError as exc:
        config, problem = None, str(exc)
    if st.session_state.get("edit_error"):
        config, problem = None, "Your table edits on the Data page have a problem; fix them or reset the table first."
    return Settings(values, config, covariates, problem)


def settings_form(series: LoadedSeries) -> Settings:
    """The bordered settings form for ``series``: the main numbers, the advanced settings and a reset button.

    The settings are suggested from the data (and the preset) whenever the data changes, and kept in
    ``config_values`` across pages otherwise.
    """
    values = _start_values(series)
    offered = covariate_options(series)
    _keep_offered_covariates(values, offered)
    _refuse_forced(values, series)
    with st.container(border=True):
        columns = st.columns(len(BASIC_FIELDS))
        for column, name in zip(columns, BASIC_FIELDS, strict=True):
            values[name] = _number(name, values[name], column)
        _advanced(values, series, offered)
        if st.button("Reset to suggested settings", icon=":material/restart_alt:", key="reset_config"):
            st.session_state.pop("config_for", None)
            st.rerun()
    return _validated(values, series)
