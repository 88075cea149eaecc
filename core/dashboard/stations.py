"""Several series of one file (stations): the small-multiples figure of the Data page."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.dashboard.charts import _downsample, _hover, _text  # the series chart's label and thinning rules
from core.data.series import Panel

__all__ = ["MAX_PANELS", "PANEL_POINTS", "stations_figure"]


#: Most stations drawn as small multiples (the rest are named in the title).
MAX_PANELS = 12


#: A station with more points than this is drawn from min/max per bucket (half as many buckets).
PANEL_POINTS = 2_000


def stations_figure(panel: Panel, *, unit: str = "", chosen: str | None = None) -> go.Figure:
    """One small line chart per station, stacked, sharing the date axis (so their spans line up).

    Args:
        panel: the file's series; each member's ``values`` has shape ``(n_i,)``.
        unit: shown in hover, e.g. ``unit_for(panel.value_columns[0])``.
        chosen: id of the station drawn in the accent colour (the others grey), or None for all in colour.

    Returns:
        The figure: the first ``MAX_PANELS`` stations, each thinned to ``<= PANEL_POINTS`` points.
    """
    members = panel.members[:MAX_PANELS]
    unit = _text(unit, 20)
    height = 120 + 110 * len(members)
    # about 40 px between charts, room for the next one's title (plotly wants a fraction below 1 / (rows - 1))
    spacing = min(40 / height, 0.9 / max(len(members) - 1, 1))
    fig = make_subplots(rows=len(members), cols=1, shared_xaxes=True, vertical_spacing=spacing,
                        subplot_titles=[_text(member.label, 50) for member in members])
    for row, member in enumerate(members, start=1):
        values = member.series.values
        shown = values if len(values) <= PANEL_POINTS else _downsample(values, PANEL_POINTS // 2)
        colour = "#1f77b4" if chosen is None or member.id == chosen else "#9aa0a6"
        fig.add_trace(go.Scatter(x=shown.index, y=shown.to_numpy(), mode="lines", name=_text(member.id, 40),
                                 line={"width": 1, "color": colour},
                                 hovertemplate=_hover("value", unit, shown.index)), row=row, col=1)
    more = len(panel) - len(members)
    title = f"{len(panel):,} stations" + (f" (the first {len(members)} shown; {more:,} more in the picker)"
                                           if more else "")
    fig.update_layout(title={"text": title}, showlegend=False, height=height,
                      margin={"t": 70, "b": 30})
    fig.update_annotations(font={"size": 12})
    return fig
