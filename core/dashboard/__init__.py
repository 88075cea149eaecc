"""Dashboard wing: what only the app needs, written without Streamlit so it can be tested on its own.

Modules:
    jobs             background training jobs: one per session, a bounded FIFO queue, Stop, snapshots
    charts           Plotly figures of the Data, Train and Forecast pages (series, loss curves, forecast)
    learn_charts     Plotly figures of the Learn page (gates, copy-cat, replay, seed band)
    quality_charts   the backtest chart (error per step ahead)
    stations         the small-multiples figure of a file of several series (stations)
    report           the report card in plain words
    export           downloads: formula-safe CSV, model bundle zip, settings JSON, chart HTML
    presets          training presets with a story (good fit, overfitting, ...)

May import: ``core.run`` and everything below it. Used by ``ui/`` and ``pages/``. A new page section's figure goes
into ``charts`` (or the page's own figure module); its words into ``core.words``.
"""

__all__ = ["jobs", "charts", "learn_charts", "quality_charts", "stations", "report", "export", "presets"]
