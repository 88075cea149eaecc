"""Plotly figures for the pages: the series, the loss curves and the forecast (pages only display them)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.data.series import LoadedSeries
from core.model.progress import EpochRecord
from core.run.results import ForecastRun
from core.words import model_name, recommended_name, safe_label

__all__ = [
    "DOWNSAMPLE_ABOVE", "DISPLAY_BUCKETS", "BEST_MARK", "series_figure", "loss_figure", "forecast_figure",
    "MARKERS_UP_TO",
]


#: Series longer than this are drawn from min/max per bucket so the browser stays responsive.
DOWNSAMPLE_ABOVE = 20_000


#: Buckets used when downsampling (two points each: the minimum and the maximum, so peaks stay visible).
DISPLAY_BUCKETS = 2_000


_VALUE = "%{y:,.6~g}"


#: References drawn as dotted lines, in legend order (named by ``core.words.model_name``).
_BASELINES = ("naive", "seasonal_naive", "seasonal_step", "climatology", "drift", "mean", "ets", "arima", "blend")


#: Without a known best reference these are drawn hidden at first (click their legend entry to show them).
_HIDDEN_BASELINES = ("ets", "arima", "seasonal_step", "climatology", "drift", "blend")


#: One colour per reference, shared by its test-span line and its forecast past the end (blue, orange, red and green
#: are the actual values, the LSTM, the LSTM's forecast and the recommended forecast).
_COLORS = {
    "naive": "rgb(148, 103, 189)", "seasonal_naive": "rgb(140, 86, 75)", "seasonal_step": "rgb(227, 119, 194)",
    "climatology": "rgb(188, 189, 34)", "drift": "rgb(23, 190, 207)", "mean": "rgb(127, 127, 127)",
    "ets": "rgb(57, 59, 121)", "arima": "rgb(99, 121, 57)", "blend": "rgb(49, 163, 84)",
}


#: Appended to the best reference's legend entry.
BEST_MARK = " (best reference)"


# (count, plotly step, label, approximate length) of the range selector buttons
_RANGE_BUTTONS = (
    (1, "hour", "1h", pd.Timedelta(hours=1)),
    (1, "day", "1d", pd.Timedelta(days=1)),
    (7, "day", "1w", pd.Timedelta(days=7)),
    (1, "month", "1m", pd.Timedelta(days=30)),
    (6, "month", "6m", pd.Timedelta(days=182)),
    (1, "year", "1y", pd.Timedelta(days=365)),
    (5, "year", "5y", pd.Timedelta(days=1826)),
)


def _text(value: object, limit: int = 60) -> str:
    """User string → figure text: printable, one line, truncated, and ``<``/``>``/``&`` escaped for Plotly."""
    return html.escape(safe_label(value, limit), quote=False)


def _no_fields(text: str) -> str:
    """Plotly expands ``%{...}`` in hover templates; user text must not add fields."""
    return text.replace("{", "(").replace("}", ")")


def _date_format(index: pd.DatetimeIndex) -> str:
    """Hover date format: with the time of day only when the index has one."""
    return "%Y-%m-%d %H:%M" if len(index) and (index != index.normalize()).any() else "%Y-%m-%d"


def _hover(label: str, unit: str, index: pd.DatetimeIndex) -> str:
    """Hover template; ``label`` is a fixed word; braces in ``unit`` are neutralised (no template fields)."""
    suffix = f" {_no_fields(unit)}" if unit else ""
    return f"%{{x|{_date_format(index)}}}<br>{label}: {_VALUE}{suffix}<extra></extra>"


def _downsample(values: pd.Series, buckets: int = DISPLAY_BUCKETS) -> pd.Series:
    """Keep the minimum and the maximum of each of ``buckets`` equal slices, in time order.

    Args:
        values: shape ``(n,)``.
        buckets: number of slices.

    Returns:
        A subset of ``values``, shape ``(<= 2 * buckets,)``, with every slice's peak and trough.
    """
    data = values.to_numpy(dtype="float64")
    edges = np.linspace(0, len(data), buckets + 1).astype(int)
    keep: list[int] = []
    for start, stop in zip(edges[:-1], edges[1:], strict=True):
        if stop > start:
            chunk = data[start:stop]
            keep.extend(sorted({start + int(np.argmin(chunk)), start + int(np.argmax(chunk))}))
    return values.iloc[keep]


def _for_display(values: pd.Series) -> tuple[pd.Series, str]:
    """The series to draw and a note for the title when it had to be downsampled."""
    if len(values) <= DOWNSAMPLE_ABOVE:
        return values, ""
    shown = _downsample(values)
    return shown, f" (showing {len(shown):,} of {len(values):,} points: minimum and maximum per bucket)"


def _range_selector(index: pd.DatetimeIndex) -> dict:
    """Buttons that make sense for this series: longer than ~10 steps and shorter than the whole span."""
    if len(index) < 2:
        return {"visible": False}
    span, step = index[-1] - index[0], index[1] - index[0]
    buttons = [
        {"count": count, "step": unit, "stepmode": "backward", "label": label}
        for count, unit, label, length in _RANGE_BUTTONS
        if step * 10 <= length < span
    ]
    return {"buttons": [*buttons, {"step": "all", "label": "all"}]}


def series_figure(series: LoadedSeries, *, unit: str = "") -> go.Figure:
    """Line chart of a loaded series with a range slider and range buttons.

    Args:
        series: the loaded series; ``values`` shape ``(n,)``.
        unit: shown in hover and axis title, e.g. ``unit_for(series.value_column)``.

    Returns:
        The figure; above ``DOWNSAMPLE_ABOVE`` points it draws min/max per bucket and says so in the title.
    """
    name, unit = _text(series.value_column), _text(unit, 20)
    shown, note = _for_display(series.values)
    fig = go.Figure(go.Scatter(
        x=shown.index, y=shown.to_numpy(), mode="lines", name=name,
        hovertemplate=_hover("value", unit, shown.index),
    ))
    fig.update_layout(
        title={"text": f"{name}: {len(series.values):,} points{note}"},
        xaxis={"title": {"text": "date"}, "rangeslider": {"visible": True},
               "rangeselector": _range_selector(series.values.index)},
        yaxis={"title": {"text": f"{name} ({unit})" if unit else name}},
        showlegend=False, margin={"t": 60},
    )
    return fig


def _finite(values: Sequence[float | None]) -> list[float | None]:
    return [v if v is not None and math.isfinite(v) else None for v in values]


def _vline(fig: go.Figure, x: object, text: str, *, anchor: str = "left") -> None:
    """A dashed vertical line across the plot with a label at the top (works on date and number axes)."""
    fig.add_shape(_vline_shape(x))
    fig.add_annotation(_vline_label(x, text, anchor))


#: Up to this many epochs the loss lines show a marker per epoch; beyond it markers only clutter the line, and each
#: is an SVG element the browser redraws on every poll of a running training.
MARKERS_UP_TO = 60


def loss_figure(history: Sequence[EpochRecord], *, log_y: bool = False, best_epoch: int | None = None,
                epochs: int | None = None, naive_loss: float | None = None,
                skill: Sequence[float | None] | None = None) -> go.Figure:
    """Training and validation loss per epoch.

    Built as one dict and validated once: the Train page redraws this figure on every poll of a running
    training, and Plotly's incremental ``update_layout``/``add_hline`` calls cost many times more CPU than one
    construction, holding the GIL the training thread needs (docs/performance.md, "The live chart").

    Args:
        history: finished epochs, in order (may be empty while training starts).
        log_y: logarithmic y axis.
        best_epoch: marked with a vertical line labelled "best epoch N".
        epochs: planned epochs; fixes the x axis to ``1..epochs`` so the chart does not jump as it grows.
        naive_loss: the naive forecast's loss on the same data (``core.evaluation.diagnostics.naive_level``), drawn as a
            dotted reference line.
        skill: ``1 − val_mae / naive_mae`` per epoch (one per record), drawn in % on a right-hand axis.
    """
    x = [r.epoch for r in history]
    mode = "lines+markers" if len(history) <= MARKERS_UP_TO else "lines"
    data: list[dict] = [{"type": "scatter", "x": x, "y": _finite([r.loss for r in history]),
                         "mode": mode, "name": "training loss",
                         "hovertemplate": "epoch %{x}: %{y:.4g}<extra>training</extra>"}]
    if any(r.val_loss is not None for r in history):
        data.append({"type": "scatter", "x": x, "y": _finite([r.val_loss for r in history]),
                     "mode": mode, "name": "validation loss",
                     "hovertemplate": "epoch %{x}: %{y:.4g}<extra>validation</extra>"})
    xaxis: dict = {"title": {"text": "epoch"}, "tickformat": "d"}
    if epochs:
        xaxis["range"] = [0.5, max(int(epochs), 1) + 0.5]
    if max(epochs or 0, len(x)) <= 12:
        xaxis.update(tick0=1, dtick=1)  # auto ticks would land on halves and print "1, 1, 2, 2"
    layout: dict = {
        "title": {"text": "Loss per epoch (scaled data, lower is better)"},
        "xaxis": xaxis,
        "yaxis": _loss_axis(history, naive_loss) if log_y else {"title": {"text": "loss"}, "type": "linear"},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1.0, "xanchor": "right"},
        "margin": {"t": 70}, "shapes": [], "annotations": [],
    }
    _naive_and_skill(data, layout, x, naive_loss, skill, log_y)
    if not history:
        layout["annotations"].append({"text": "Waiting for the first epoch…", "x": 0.5, "y": 0.8, "xref": "paper",
                                      "yref": "paper", "showarrow": False, "font": {"size": 16}})
    elif best_epoch is not None:
        layout["shapes"].append(_vline_shape(best_epoch))
        layout["annotations"].append(_vline_label(best_epoch, f"best epoch {best_epoch}", "center"))
    return go.Figure({"data": data, "layout": layout})


def _loss_axis(history: Sequence[EpochRecord], naive_loss: float | None) -> dict:
    """A logarithmic loss axis. Over a decade or more it labels the powers of ten only (Plotly's automatic log
    ticks print bare digits between them, "2 5 0.1 2 5", which read as values); within a decade, its own ticks."""
    axis: dict = {"title": {"text": "loss"}, "type": "log", "tickformat": ".2~g"}
    values = [v for r in history for v in (r.loss, r.val_loss) if v is not None and math.isfinite(v) and v > 0]
    if naive_loss is not None and math.isfinite(naive_loss) and naive_loss > 0:
        values.append(naive_loss)
    if values and max(values) >= 10 * min(values):
        axis.update(dtick=1, minor={"ticks": "outside", "ticklen": 4, "showgrid": True})
    return axis


def _vline_shape(x: object) -> dict:
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "paper",
            "line": {"dash": "dash", "width": 1, "color": "gray"}}


def _vline_label(x: object, text: str, anchor: str) -> dict:
    return {"x": x, "xref": "x", "y": 1, "yref": "paper", "text": text, "showarrow": False, "xanchor": anchor,
            "yanchor": "bottom", "font": {"size": 11}}


def _naive_and_skill(data: list[dict], layout: dict, x: list[int], naive_loss: float | None,
                     skill: Sequence[float | None] | None, log_y: bool = False) -> None:
    """Naive reference line and the skill-per-epoch trace on a right-hand axis (−100 %..100 % shown).

    On a log axis Plotly places a shape at its data value but an annotation at the log of it."""
    if naive_loss is not None and math.isfinite(naive_loss) and naive_loss > 0:
        layout["shapes"].append({"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": naive_loss,
                                 "y1": naive_loss, "yref": "y",
                                 "line": {"dash": "dot", "color": "rgb(44, 160, 44)", "width": 2}})
        layout["annotations"].append({"text": "'same as previous value' level", "showarrow": False, "x": 0,
                                      "xanchor": "left", "xref": "x domain",
                                      "y": math.log10(naive_loss) if log_y else naive_loss,
                                      "yanchor": "bottom", "yref": "y"})
    if skill is not None and any(v is not None for v in skill):
        data.append({"type": "scatter", "x": x, "y": [None if v is None else 100 * v for v in _finite(list(skill))],
                     "mode": "lines", "name": "skill vs naive (right axis, %)", "yaxis": "y2",
                     "line": {"color": "rgb(44, 160, 44)", "width": 1.5},
                     "hovertemplate": "epoch %{x}: skill %{y:.0f} %<extra></extra>"})
        layout["yaxis2"] = {"title": {"text": "skill vs naive (%)"}, "overlaying": "y", "side": "right",
                            "range": [-100, 100], "tickvals": [-100, -50, 0, 50, 100], "ticksuffix": " %",
                            "showgrid": False, "zeroline": False}
        layout["legend"].update(x=0, xanchor="left")  # the best-epoch label sits top right


def _history_part(values: pd.Series, test_start: pd.Timestamp, tail: int | None) -> pd.Series:
    """History to draw: everything, or the last ``tail`` points before the test span plus the test span."""
    if tail is None:
        return values
    start = int(values.index.searchsorted(test_start)) - max(int(tail), 0)
    return values.iloc[max(start, 0):]


def _forecast_traces(fig: go.Figure, forecast: pd.DataFrame, level: float, unit: str) -> None:
    """Interval band (lower, then upper filled to it) and the forecast line; ``horizon`` rows."""
    dates = pd.DatetimeIndex(forecast["date"])
    fmt, suffix = _date_format(dates), f" {_no_fields(unit)}" if unit else ""
    band = f"{level * 100:g} % interval"
    fig.add_trace(go.Scatter(x=dates, y=forecast["lower"], mode="lines", line={"width": 0},
                             showlegend=False, hoverinfo="skip", name="lower"))
    fig.add_trace(go.Scatter(x=dates, y=forecast["upper"], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(214, 39, 40, 0.18)", name=band, hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=dates, y=forecast["forecast"], mode="lines+markers", name="LSTM forecast",
        line={"color": "rgb(214, 39, 40)"},
        customdata=np.column_stack([forecast["lower"], forecast["upper"]]),
        hovertemplate=(f"%{{x|{fmt}}}<br>forecast: {_VALUE}{suffix}<br>{band}: "
                       f"%{{customdata[0]:,.6~g}} to %{{customdata[1]:,.6~g}}{suffix}<extra></extra>"),
    ))


def _visible(column: str, best: str | None) -> bool | str:
    """The best reference is drawn; every other reference is one legend click away. Without a best reference
    the simple baselines are drawn and the rest hidden."""
    if best is not None:
        return True if column == best else "legendonly"
    return "legendonly" if column in _HIDDEN_BASELINES else True


def _test_span_traces(fig: go.Figure, run: ForecastRun, predictions: pd.DataFrame, unit: str,
                      show_baselines: bool, best: str | None = None) -> None:
    """LSTM test-span predictions and, optionally, the dotted references; ``predictions`` indexed by date."""
    dates = pd.DatetimeIndex(predictions.index)
    fig.add_trace(go.Scatter(x=dates, y=predictions["lstm"], mode="lines",
                             name="LSTM (test span, 1 step ahead)", line={"color": "rgb(255, 127, 14)"},
                             hovertemplate=_hover("LSTM", unit, dates)))
    for column in _BASELINES if show_baselines else ():
        if column in predictions.columns:
            label = _text(model_name(column, run.baseline_labels))
            shown = label + BEST_MARK if column == best else label
            fig.add_trace(go.Scatter(x=dates, y=predictions[column], mode="lines", name=shown, legendgroup=column,
                                     line={"dash": "dot", "width": 2.5 if column == best else 1.5,
                                           "color": _COLORS.get(column)},
                                     visible=_visible(column, best),
                                     hovertemplate=_hover(_no_fields(label), unit, dates)))


def _reference_futures(fig: go.Figure, run: ForecastRun, forecast: pd.DataFrame, unit: str, best: str | None) -> None:
    """Each drawn reference's forecast past the end (``run.reference_forecasts``), in its legend group: shown and
    hidden with its test-span line. The recommended forecast's own line is drawn by :func:`_recommended_trace`."""
    dates = pd.DatetimeIndex(forecast["date"])
    recommended = run.recommendation.model if run.recommendation is not None else "lstm"
    drawn = {trace.legendgroup for trace in fig.data if trace.legendgroup}
    for column in _BASELINES:
        path = run.reference_forecasts.get(column)
        if column not in drawn or column == recommended or path is None or len(path) != len(dates):
            continue
        label = _text(model_name(column, run.baseline_labels))
        fig.add_trace(go.Scatter(x=dates, y=path, mode="lines", name=f"{label} forecast", legendgroup=column,
                                 showlegend=False, visible=_visible(column, best),
                                 line={"dash": "dot", "width": 2.5 if column == best else 1.5,
                                       "color": _COLORS.get(column)},
                                 hovertemplate=_hover(f"{_no_fields(label)} forecast", unit, dates)))


def _recommended_trace(fig: go.Figure, run: ForecastRun, forecast: pd.DataFrame, unit: str) -> None:
    """The recommended forecast past the end, when it is not the LSTM's (columns ``recommended``, ``_model``)."""
    if "recommended" not in forecast.columns or run.recommendation is None or run.recommendation.model == "lstm":
        return
    dates = pd.DatetimeIndex(forecast["date"])
    rec = run.recommendation
    label = f"recommended forecast: {recommended_name(rec.model, rec.weights, run.baseline_labels)}"
    fig.add_trace(go.Scatter(x=dates, y=forecast["recommended"], mode="lines+markers", name=_text(label, 90),
                             line={"color": "rgb(44, 160, 44)", "dash": "dash"},
                             hovertemplate=_hover("recommended", unit, dates)))


def forecast_figure(run: ForecastRun, values: pd.Series, *, show_baselines: bool = True, unit: str = "",
                    tail: int | None = None) -> go.Figure:
    """History, LSTM test-span predictions, references and the future forecast with its interval band.

    Shown at first: the actual values, the LSTM, the best reference (``run.best_reference``, marked in the
    legend: its test-span predictions and its forecast past the end) and the band; every other reference is in the
    legend, one click away (a click shows or hides its test-span line and its forecast together). When the
    recommended forecast is not the LSTM it is drawn past the end too.

    Args:
        run: a finished training; when it is not usable only the history and the run's message are shown.
        values: the series the run was trained on, shape ``(n,)``.
        show_baselines: draw the references as dotted lines.
        unit: shown in hover and axis title.
        tail: draw only this many points before the test span (plus the test span); None draws all.
    """
    name, unit = _text(run.value_column), _text(unit, 20)
    predictions, forecast = run.predictions, run.forecast
    usable = run.usable and predictions is not None and len(predictions) > 0 and forecast is not None
    test_start = predictions.index[0] if usable and predictions is not None else values.index[-1]
    shown, note = _for_display(_history_part(values, test_start, tail))
    fig = go.Figure(go.Scatter(x=shown.index, y=shown.to_numpy(), mode="lines", name=f"{name} (actual)",
                               line={"color": "rgb(31, 119, 180)"},
                               hovertemplate=_hover("actual", unit, shown.index)))
    fig.update_layout(
        title={"text": f"{name}: test-span predictions and forecast{note}"},
        yaxis={"title": {"text": f"{name} ({unit})" if unit else name}},
        # "normal": with a filled band Plotly would list the legend bottom-up (the forecast first, the data last)
        hovermode="x unified", legend={"orientation": "h", "yanchor": "top", "y": -0.1, "x": 0, "traceorder": "normal"},
        margin={"t": 60, "b": 80},
    )
    if not usable or predictions is None or forecast is None:
        fig.add_annotation(text=_text(f"No forecast to show. {run.message}", 120), x=0.5, y=0.5,
                           xref="paper", yref="paper", showarrow=False, font={"size": 14})
        return fig
    best = run.best_reference[0] if run.best_reference is not None else None
    _test_span_traces(fig, run, predictions, unit, show_baselines, best)
    _reference_futures(fig, run, forecast, unit, best)
    _forecast_traces(fig, forecast, run.interval_level, unit)
    _recommended_trace(fig, run, forecast, unit)
    _vline(fig, test_start, "test span starts")
    _vline(fig, forecast["date"].iloc[0], "forecast starts")
    return fig
