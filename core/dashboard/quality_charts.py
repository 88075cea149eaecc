"""Plotly figures about forecast quality: error by steps ahead (rolling-origin backtest), band coverage per step."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from core.dashboard.charts import _no_fields, _text
from core.evaluation.backtest import BacktestResult
from core.evaluation.bands import Bands

__all__ = ["backtest_figure", "TOLERANCE", "coverage_figure"]


#: Coverage within this many points of the level is drawn as "kept its promise" (the shaded strip).
TOLERANCE = 0.03


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


def coverage_figure(bands: Bands, level: float, *, step_word: str = "step") -> go.Figure:
    """How often the band held on the test span, per step ahead (x = 1..horizon), against its promised level.

    Args:
        bands: ``ForecastRun.bands`` (or ``recommended_bands``): coverage per step from rolling test origins.
        level: the promised coverage, e.g. 0.9 (dashed line; a strip of +-:data:`TOLERANCE` around it).
        step_word: what one step is (``"day"``) for the axis title.
    """
    word = _no_fields(_text(step_word, 20))
    words = word if word.endswith("s") else f"{word}s"
    steps = list(range(1, len(bands.coverage_by_step) + 1))
    shown = [None if value is None else 100 * value for value in bands.coverage_by_step]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=steps, y=shown, name="share of test values inside the band", customdata=bands.points_by_step,
        marker={"color": ["rgb(44, 160, 44)" if v is not None and abs(v / 100 - level) <= TOLERANCE
                          else "rgb(214, 39, 40)" for v in shown]},
        hovertemplate=f"%{{x}} {words} ahead: %{{y:.1f}} % inside (of %{{customdata}} test values)<extra></extra>",
    ))
    fig.add_hrect(y0=100 * (level - TOLERANCE), y1=100 * (level + TOLERANCE), line_width=0,
                  fillcolor="rgba(44, 160, 44, 0.12)")
    fig.add_hline(y=100 * level, line={"dash": "dash", "color": "gray"},
                  annotation_text=f"promised {level:.0%}", annotation_position="top left")
    low = min([v for v in shown if v is not None] + [100 * level]) - 10
    fig.update_layout(
        title={"text": f"How often the {level:.0%} band held, by {words} ahead (test span)"},
        xaxis={"title": {"text": f"{words} ahead"}, "tickformat": "d", "dtick": 1 if len(steps) <= 24 else None},
        yaxis={"title": {"text": "inside the band (%)"}, "range": [max(0, low), 100]},
        showlegend=False, margin={"t": 60}, height=340,  # a few bars: the default height only stretches them
    )
    return fig
