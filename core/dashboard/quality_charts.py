"""Plotly figures about forecast quality: error by steps ahead from a rolling-origin backtest."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from core.dashboard.charts import _no_fields, _text
from core.evaluation.backtest import BacktestResult

__all__ = ["backtest_figure"]


def backtest_figure(
    result: BacktestResult,
    unit: str = "",
    *,
    labels: Mapping[str, str] | None = None,
    step_word: str = "step",
) -> go.Figure:
    """Mean absolute error per steps ahead, one line per forecaster (x = 1..horizon).

    Args:
        result: from :func:`core.evaluation.backtest.backtest`.
        unit: unit of the values (``"°C"``), shown on the axis and in the hover text.
        labels: display name per forecaster key (e.g. ``{"ets": "ETS (no trend)"}``); the key is used otherwise.
            Labels and the unit are shown as plain text (escaped, one line, truncated).
        step_word: what one step is (``"day"``, see ``core.words.frequency_word``) for the axis title.
    """
    mae = result.per_step_mae()
    names = labels or {}
    suffix = f" {_no_fields(_text(unit, 12))}" if unit else ""
    word = _no_fields(_text(step_word, 20))
    words = word if word.endswith("s") else f"{word}s"  # frequency_word gives "day" or "15 minutes"
    fig = go.Figure()
    for name in mae.columns:
        label = _no_fields(_text(names.get(name, name)))
        errors = mae[name].to_numpy(dtype=np.float64)
        shown = label if np.isfinite(errors).all() else f"{label} (failed on some folds)"
        fig.add_trace(go.Scatter(
            x=mae.index.to_numpy(), y=[e if np.isfinite(e) else None for e in errors], mode="lines+markers",
            name=shown, hovertemplate=f"{label}<br>{words} ahead: %{{x}}<br>MAE: %{{y:.3f}}{suffix}<extra></extra>",
        ))
    folds = len(result.folds)
    fig.update_layout(
        title={"text": f"Error by {words} ahead ({folds} rolling origin{'s' if folds != 1 else ''}, lower is better)"},
        xaxis={"title": {"text": f"{words} ahead"}, "tickformat": "d", "dtick": 1 if result.horizon <= 24 else None},
        yaxis={"title": {"text": f"MAE{f' ({suffix.strip()})' if unit else ''}"}, "rangemode": "tozero"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},  # below: many entries wrap
        margin={"t": 60, "b": 110},
    )
    return fig
