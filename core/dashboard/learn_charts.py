"""Plotly figures of the Learn page: LSTM gates, copy-cat evidence, training replay, seed spread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.dashboard.charts import _hover, _text
from core.evaluation.diagnostics import CopycatResult
from core.model.internals import Internals
from core.run.results import Replay, SeedSpread

__all__ = ["GATE_ROWS", "gates_figure", "copycat_figure", "copycat_lines_figure", "replay_figure", "seed_band_figure"]


#: (Internals attribute, row title, colour scale, value range) of the heatmap rows, top to bottom.
GATE_ROWS = (
    ("forget_gate", "forget gate: how much old memory is kept (0 = forget, 1 = keep)", "Blues", (0.0, 1.0)),
    ("input_gate", "input gate: how much new information is written (0 = none, 1 = all)", "Greens", (0.0, 1.0)),
    ("output_gate", "output gate: how much memory is shown as output (0 = hide, 1 = show)", "Purples",
     (0.0, 1.0)),
    ("cell", "cell state: the long-term memory (blue negative, red positive)", "RdBu_r", None),
    ("hidden", "hidden state: what the layer passes on (blue negative, red positive)", "RdBu_r", (-1.0, 1.0)),
)


def _date_labels(dates: pd.DatetimeIndex) -> list[str]:
    timed = len(dates) and (dates != dates.normalize()).any()
    return [d.strftime("%Y-%m-%d %H:%M" if timed else "%Y-%m-%d") for d in dates]


def gates_figure(inside: Internals, window: pd.Series, *, unit: str = "", prediction: float | None = None,
                 height: int = 1100) -> go.Figure:
    """The input window on top and one heatmap (units × steps) per gate and state below it.

    Args:
        inside: from ``core.model.internals.lstm_internals``; arrays ``(steps, units)``.
        window: the window's values in original units, shape ``(steps,)``, dated.
        unit: value unit for the top chart.
        prediction: the next-step prediction (original units), drawn one step after the window.
        height: figure height in pixels.
    """
    unit = _text(unit, 20)
    labels = _date_labels(pd.DatetimeIndex(window.index))
    rows = len(GATE_ROWS) + 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.045,
                        row_heights=[1.3] + [1.0] * len(GATE_ROWS),
                        subplot_titles=["the input window (what the model reads, oldest left)",
                                        *(title for _, title, _, _ in GATE_ROWS)])
    fig.add_trace(go.Scatter(x=labels, y=window.to_numpy(), mode="lines+markers", name="input",
                             hovertemplate=f"%{{x}}: %{{y:.4g}} {unit}<extra></extra>", showlegend=False),
                  row=1, col=1)
    if prediction is not None:
        fig.add_trace(go.Scatter(x=[labels[-1]], y=[prediction], mode="markers+text", name="prediction",
                                 marker={"size": 12, "symbol": "star", "color": "rgb(214, 39, 40)"},
                                 text=[f"next: {prediction:.3g} {unit}"], textposition="middle left",
                                 hovertemplate=f"prediction for the next step: %{{y:.4g}} {unit}<extra></extra>",
                                 showlegend=False), row=1, col=1)
    units = [f"unit {u + 1}" for u in range(inside.units)]
    for row, (attribute, title, scale, bounds) in enumerate(GATE_ROWS, start=2):
        values = np.asarray(getattr(inside, attribute)).T  # (units, steps)
        if bounds is None:
            edge = float(np.max(np.abs(values))) or 1.0
            bounds = (-edge, edge)
        fig.add_trace(go.Heatmap(z=values, x=labels, y=units, colorscale=scale, zmin=bounds[0], zmax=bounds[1],
                                 showscale=False, name=title.split(":")[0],
                                 hovertemplate=f"{title.split(':')[0]}<br>%{{x}}<br>%{{y}}: %{{z:.3f}}<extra></extra>"),
                      row=row, col=1)
        fig.update_yaxes(showticklabels=inside.units <= 16, row=row, col=1, autorange="reversed")
    fig.update_yaxes(title={"text": unit or "value"}, row=1, col=1)
    fig.update_xaxes(type="category", nticks=12, row=rows, col=1)
    fig.update_layout(height=height, margin={"t": 40, "l": 70, "r": 20, "b": 40},
                      title={"text": f"Inside LSTM layer {inside.layer} of {inside.layers}: "
                                     f"{inside.units} units × {inside.steps} steps"})
    return fig


def copycat_figure(result: CopycatResult, *, unit: str = "", step_word: str = "step") -> go.Figure:
    """Bars: how far the predictions are from the real values moved 0, 1, 2 … steps later (best bar red)."""
    unit = _text(unit, 20)
    labels = ["on time" if s == 0 else f"{s} {step_word}{'s' if s > 1 else ''} late" for s in result.shifts]
    colours = ["rgb(214, 39, 40)" if s == result.best_shift else "rgb(150, 150, 150)" for s in result.shifts]
    fig = go.Figure(go.Bar(x=labels, y=list(result.mae), marker={"color": colours},
                           hovertemplate=f"%{{x}}: average difference %{{y:.3g}} {unit}<extra></extra>"))
    fig.update_layout(
        title={"text": "Closest match (lowest bar)"},
        xaxis={"title": {"text": "real values compared with the prediction…"}},
        yaxis={"title": {"text": f"average difference ({unit})" if unit else "average difference"}},
        margin={"t": 60}, height=380,
    )
    return fig


def copycat_lines_figure(actual: pd.Series, predicted: pd.Series, *, unit: str = "", points: int = 60) -> go.Figure:
    """The first ``points`` test predictions next to the real values and the real values one step later."""
    unit = _text(unit, 20)
    shown = predicted.iloc[:points]
    positions = actual.index.get_indexer(shown.index)
    real = actual.iloc[positions]
    late = pd.Series(actual.to_numpy()[positions - 1], index=shown.index)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=real.index, y=real.to_numpy(), mode="lines", name="real values",
                             line={"color": "rgb(31, 119, 180)"}, hovertemplate=_hover("real", unit, real.index)))
    fig.add_trace(go.Scatter(x=late.index, y=late.to_numpy(), mode="lines", name="real values one step late",
                             line={"color": "rgb(150, 150, 150)", "dash": "dot"},
                             hovertemplate=_hover("one step late", unit, late.index)))
    fig.add_trace(go.Scatter(x=shown.index, y=shown.to_numpy(), mode="lines", name="model's predictions",
                             line={"color": "rgb(255, 127, 14)"}, hovertemplate=_hover("model", unit, shown.index)))
    fig.update_layout(title={"text": "Predictions, real values, real values one step late"},
                      yaxis={"title": {"text": unit or "value"}}, hovermode="x unified", height=420,
                      legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0}, margin={"t": 60})
    return fig


def replay_figure(replay: Replay, *, unit: str = "", height: int = 480) -> go.Figure:
    """The test-span forecast at each snapshot: a slider and a Play button move through the epochs.

    Raises:
        ValueError: the replay has no snapshot.
    """
    if not replay.epochs:
        raise ValueError("the replay has no snapshot")
    unit = _text(unit, 20)
    dates = replay.dates
    everything = np.concatenate([replay.actual, *replay.predictions])
    low, high = float(np.min(everything)), float(np.max(everything))
    pad = 0.05 * (high - low or 1.0)

    def forecast(k: int) -> go.Scatter:
        return go.Scatter(x=dates, y=replay.predictions[k], mode="lines", name="model's forecast",
                          line={"color": "rgb(255, 127, 14)"}, hovertemplate=_hover("model", unit, dates))

    fig = go.Figure(
        data=[go.Scatter(x=dates, y=replay.actual, mode="lines", name="real values",
                         line={"color": "rgb(31, 119, 180)"}, hovertemplate=_hover("real", unit, dates)),
              forecast(0)],
        frames=[go.Frame(data=[forecast(k)], traces=[1], name=str(epoch),
                         layout={"title": {"text": f"Test-span forecast after epoch {epoch}"}})
                for k, epoch in enumerate(replay.epochs)],
    )
    step_args = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    fig.update_layout(
        title={"text": f"Test-span forecast after epoch {replay.epochs[0]}"}, height=height,
        yaxis={"title": {"text": unit or "value"}, "range": [low - pad, high + pad]},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 1, "xanchor": "right"},
        margin={"t": 80, "b": 40},
        updatemenus=[{"type": "buttons", "showactive": False, "x": 0, "y": -0.18, "xanchor": "left",
                      "yanchor": "top", "direction": "left", "buttons": [
                          {"label": "▶ Play", "method": "animate",
                           "args": [None, {**step_args, "frame": {"duration": 400, "redraw": True},
                                           "fromcurrent": True}]},
                          {"label": "❚❚ Pause", "method": "animate",
                           "args": [[None], {**step_args, "frame": {"duration": 0, "redraw": False}}]}]}],
        sliders=[{"active": 0, "x": 0.22, "len": 0.78, "y": -0.12, "yanchor": "top",
                  "currentvalue": {"prefix": "after epoch ", "xanchor": "right"},
                  "steps": [{"label": str(epoch), "method": "animate",
                             "args": [[str(epoch)], {**step_args, "frame": {"duration": 0, "redraw": True}}]}
                            for epoch in replay.epochs]}],
    )
    return fig


def seed_band_figure(spread: SeedSpread, *, unit: str = "", height: int = 460) -> go.Figure:
    """Real test values, the band between the lowest and highest forecast of the seeds, and each forecast."""
    unit = _text(unit, 20)
    dates = spread.dates
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=dates, y=spread.low, mode="lines", line={"width": 0}, showlegend=False,
                             hoverinfo="skip", name="lowest"))
    fig.add_trace(go.Scatter(x=dates, y=spread.high, mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(255, 127, 14, 0.3)", hoverinfo="skip",
                             name=f"range of the {len(spread.seeds)} trainings"))
    for seed, prediction, mae in zip(spread.seeds, spread.predictions, spread.maes, strict=True):
        fig.add_trace(go.Scatter(x=dates, y=prediction, mode="lines", name=f"seed {seed} (off by {mae:.3g})",
                                 line={"width": 1}, opacity=0.7, hovertemplate=_hover(f"seed {seed}", unit, dates)))
    fig.add_trace(go.Scatter(x=dates, y=spread.actual, mode="lines", name="real values",
                             line={"color": "rgb(31, 119, 180)", "width": 2},
                             hovertemplate=_hover("real", unit, dates)))
    fig.update_layout(title={"text": f"The same training run {len(spread.seeds)} times with different seeds"},
                      yaxis={"title": {"text": unit or "value"}}, height=height, hovermode="x unified",
                      legend={"orientation": "h", "yanchor": "top", "y": -0.1, "x": 0}, margin={"t": 60})
    return fig
