"""Shareable links (dataset, preset and settings in the URL query) and presenter mode.

Session keys (see ui/session.py): ``link_applied`` (the URL was read once), ``link_error`` (why part of a
link was ignored), ``preset`` (the chosen preset key), ``presenter`` (presenter mode on/off; set by the
sidebar toggle ``presenter_toggle``).
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
import streamlit as st

from core.config import FIELD_CHOICES, FIELD_RANGES, ForecastConfig, default_config
from core.dashboard.presets import PRESETS, preset_config
from core.data.datasets import BUILTIN, builtin_title, load_builtin
from core.data.series import LoadedSeries
from core.errors import CoreError
from ui.session import current_series, md_escape, set_series

__all__ = [
    "DEFAULT_PRESET",
    "apply_link_once",
    "config_key",
    "current_dataset",
    "current_preset",
    "suggested_config",
    "share_params",
    "share_link",
    "share_box",
    "presenter_mode",
    "presenter_toggle",
    "present",
]

DEFAULT_PRESET = next(iter(PRESETS))
#: Pages a link may open (their file is ``pages/<name>.py``).
PAGES = ("data", "train", "forecast", "learn")
#: Settings that a link carries: every number, and the yes/no and choice settings (not ``covariates``:
#: column names belong to an uploaded file, which a link cannot carry).
SHARED_FIELDS = (*FIELD_RANGES, *(name for name in FIELD_CHOICES if name in ForecastConfig.__dataclass_fields__))


def config_key(series: LoadedSeries) -> tuple[Any, ...]:
    """What the Train page's suggested settings depend on; equal keys keep the user's settings."""
    return (st.session_state.get("series_source"), len(series.values), series.frequency)


def current_preset() -> str:
    name = st.session_state.get("preset", DEFAULT_PRESET)
    return name if name in PRESETS else DEFAULT_PRESET


def suggested_config(series: LoadedSeries, preset: str | None = None) -> ForecastConfig:
    """The data's default settings with the preset applied (the current preset when None)."""
    base = default_config(series.values, series.frequency)
    try:
        return preset_config(preset or current_preset(), base)
    except CoreError:  # a preset that does not fit this series: its suggested settings instead
        return base


def current_dataset() -> str | None:
    """The built-in dataset key when the session's data is an unedited built-in series, else None."""
    source = st.session_state.get("series_source", "")
    for name, title in BUILTIN.items():
        if source == f"Built-in: {title}":
            return name
    return None


def _number(name: str, text: str) -> int | float | bool | str:
    """A link's text as the field's type; ValueError when it is not one."""
    default = getattr(ForecastConfig(), name)
    if isinstance(default, bool):
        if text not in ("0", "1"):
            raise ValueError(text)
        return text == "1"
    if isinstance(default, str):
        return text[:40]
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return int(number) if isinstance(default, int) and number.is_integer() else number


def apply_link_once() -> None:
    """On a session's first run, load the link's dataset, preset, settings and presenter mode.

    Anything the link gets wrong is skipped with one line in ``link_error``; the rest still applies.
    """
    if st.session_state.get("link_applied"):
        return
    st.session_state["link_applied"] = True
    params = st.query_params.to_dict()
    problems: list[str] = []
    dataset = params.get("dataset")
    if dataset in BUILTIN:
        set_series(load_builtin(dataset), f"Built-in: {builtin_title(dataset)}")
    elif dataset:
        problems.append(f"unknown dataset '{dataset[:40]}'")
    preset = params.get("preset")
    if preset in PRESETS:
        st.session_state["preset"] = preset
    elif preset:
        problems.append(f"unknown preset '{preset[:40]}'")
    if params.get("present") == "1":
        st.session_state["presenter"] = True
    page = params.get("page")
    if page and page not in PAGES:
        problems.append(f"unknown page '{page[:40]}'")
    overrides: dict[str, Any] = {}
    for name in SHARED_FIELDS:
        if name in params:
            try:
                overrides[name] = _number(name, params[name])
            except ValueError:
                problems.append(f"{name} is not a valid value")
    if dataset or preset or overrides:
        series = current_series()
        config = suggested_config(series)
        try:
            config = ForecastConfig.from_dict(overrides, config)
        except CoreError as exc:
            problems.append(str(exc))
        st.session_state["config_values"] = config.to_dict()
        st.session_state["config_for"] = config_key(series)
    st.session_state["link_error"] = "; ".join(problems) or None
    if page in PAGES and page != "data":
        st.switch_page(f"pages/{page}.py")


def _same(value: Any, reference: Any) -> bool:
    if isinstance(value, bool | str) or isinstance(reference, bool | str):
        return bool(value == reference)
    return math.isclose(float(value), float(reference), rel_tol=1e-9, abs_tol=1e-12)


def share_params(values: dict[str, Any], base: ForecastConfig, page: str = "train") -> dict[str, str]:
    """Query parameters that reopen this setup: page, dataset, preset, settings that differ from ``base``,
    presenter mode."""
    params: dict[str, str] = {"page": page}
    dataset = current_dataset()
    if dataset is not None:
        params["dataset"] = dataset
    if current_preset() != DEFAULT_PRESET:
        params["preset"] = current_preset()
    reference = base.to_dict()
    for name in SHARED_FIELDS:
        value = values.get(name)
        if value is None or _same(value, reference[name]):
            continue
        if isinstance(value, bool | str):
            params[name] = str(value) if isinstance(value, str) else str(int(value))
        elif isinstance(value, int | float):
            params[name] = f"{value:g}" if isinstance(value, float) else str(value)
    if presenter_mode():
        params["present"] = "1"
    return params


def share_link(params: dict[str, str]) -> str:
    """The app's root address with ``params`` (the ``page`` parameter picks the page).

    Links to a page's own path (``/train``) are avoided: with a ``pages/`` folder next to ``app.py``,
    Streamlit 1.67 opens such a URL in its old folder-based mode, without ``app.py`` and so without the link.
    """
    base = st.context.url or ""
    head, _, last = base.rstrip("/").rpartition("/")
    if last in PAGES and "//" in head + "/":
        base = head + "/"
    query = urlencode(params)
    return f"{base}?{query}" if query else base


def share_box(values: dict[str, Any], series: LoadedSeries) -> None:
    """The "Share this setup" expander: a link that reopens the dashboard with these settings."""
    params = share_params(values, suggested_config(series))
    with st.expander("Share this setup", icon=":material/link:"):
        st.caption("This link reopens the dashboard with the same built-in dataset, preset and settings"
                   + (" (an uploaded or edited series is not part of the link)." if "dataset" not in params else "."))
        st.code(share_link(params), language=None)


def presenter_mode() -> bool:
    return bool(st.session_state.get("presenter", False))


def _sync_presenter() -> None:
    """Keep the mode under a non-widget key, so it survives page changes whatever happens to widget state."""
    st.session_state["presenter"] = bool(st.session_state.get("presenter_toggle"))


def presenter_toggle() -> None:
    """The sidebar switch for presenter mode. Drawn after the page (``app.py``): the page reads the mode from
    ``presenter``, which the switch's callback sets before the script runs, so the first page's heading is not
    held up by the switch's JavaScript in the browser."""
    with st.sidebar:
        st.toggle("Presenter mode", value=presenter_mode(), key="presenter_toggle", on_change=_sync_presenter,
                  help="For showing the dashboard to an audience: hides the advanced settings and makes charts "
                  "bigger with larger text.")
        if st.session_state.get("link_error"):
            st.warning(f"Part of the link was ignored: {md_escape(st.session_state['link_error'])}",
                       icon=":material/link_off:")


def present(fig: go.Figure, height: int = 450) -> go.Figure:
    """The figure as it should be shown: taller with larger text in presenter mode."""
    if presenter_mode():
        fig.update_layout(height=int(max(height, fig.layout.height or 0) * 1.4), font={"size": 18})
    elif fig.layout.height is None:
        fig.update_layout(height=height)
    return fig
