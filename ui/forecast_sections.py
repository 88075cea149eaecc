"""The Forecast page's sections: the lead (the forecast to use and why), the summary, auto mode's choice, the chart,
the forecast table, the band's coverage per step, the error tables, the backtest and the downloads. Each draws one
part of a finished run; the words come from ``core.words``.

Widget keys: ``show_baselines``, ``whole_history``, ``forecast_chart``, ``coverage_chart``, ``backtest_chart`` and
``dl_*``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.dashboard.charts import forecast_figure
from core.dashboard.export import bundle_zip, config_json, figure_html, forecast_csv, forecast_view, predictions_csv
from core.dashboard.quality_charts import backtest_figure, coverage_figure
from core.dashboard.report import lead_verdict
from core.run.results import ForecastRun, SearchReport
from core.words import (
    comparison,
    coverage_sentence,
    filled_sentence,
    lead_heading,
    model_name,
    recommendation_sentence,
    recommended_name,
    steps,
)
from ui.session import date_format, md_escape

__all__ = [
    "lead", "summary", "auto_choice", "forecast_chart", "forecast_table", "coverage", "error_table", "backtest",
    "downloads",
]


def _recommended(run: ForecastRun) -> tuple[str, dict[str, float]]:
    """The recommended forecast's key and weights (the LSTM when the run chose none)."""
    rec = run.recommendation
    return (rec.model, rec.weights) if rec is not None else ("lstm", {"lstm": 1.0})


def lead(run: ForecastRun) -> None:
    """The forecast to use, named; whether the LSTM beats the best reference on the test period (green) or loses to
    it (amber, naming the rule to use); and why that forecast was chosen, from validation scores only."""
    model, weights = _recommended(run)
    st.subheader(md_escape(lead_heading(model, weights, run.baseline_labels)))
    sentence = lead_verdict(run)
    if sentence.good:
        st.success(md_escape(sentence.text), icon=":material/military_tech:")
    else:
        st.warning(md_escape(sentence.text), icon=":material/warning:")
    rec = run.recommendation
    if rec is not None:
        st.write(md_escape(recommendation_sentence(rec.model, rec.weights, rec.validation_mae, rec.best_reference,
                                                   run.baseline_labels, span=rec.span)))


def summary(run: ForecastRun, unit: str, step: str) -> None:
    """How far off the LSTM is against "same as the previous step" (green when it wins, amber when it does not),
    then what the model reads."""
    metrics = run.metrics or {}
    points = len(run.predictions) if run.predictions is not None else 0
    sentence = comparison(metrics["lstm"]["mae"], metrics["naive"]["mae"], None, points=points, unit=unit, step=step,
                          labels=run.baseline_labels)[0]
    if sentence.good:
        st.success(md_escape(sentence.text), icon=":material/thumb_up:")
    else:
        st.warning(md_escape(sentence.text), icon=":material/warning:")
    if run.features is not None:
        st.write(f"**What the model sees.** {md_escape(run.features.describe())}")


def auto_choice(report: SearchReport) -> None:
    """Which settings auto mode chose, why, and every candidate it tried (validation scores only)."""
    st.subheader("Auto mode: which settings won and why")
    st.write(md_escape(report.reason))
    st.dataframe(report.leaderboard(), hide_index=True, width="stretch", column_config={
        "validation_mae": st.column_config.NumberColumn("validation MAE", format="%.3f"),
        "seconds": st.column_config.NumberColumn("seconds", format="%.1f"),
    })
    st.caption("Each candidate was trained with early stopping and scored by its one-step error on the validation "
               "period only; the test period above was used once, for the winner, after the choice.")


def forecast_chart(run: ForecastRun, values: pd.Series, unit: str) -> go.Figure:
    """The two chart toggles, the history with the test-span predictions and the forecast, and how to read it.

    Returns:
        The figure as drawn (for the chart download).
    """
    left, right = st.columns(2)
    show_baselines = left.toggle("Show the references on the chart", value=True, key="show_baselines",
                                 help="Dotted lines: what simple rules and ETS/ARIMA predicted for the same points "
                                 "and forecast past the end. The best one is drawn; the others are in the legend.")
    whole = right.toggle("Show the whole history", value=False, key="whole_history",
                         help="Off: the chart starts a little before the test period so the forecast is easy to see.")
    test_points = len(run.predictions) if run.predictions is not None else 0
    figure = forecast_figure(run, values, show_baselines=show_baselines, unit=unit,
                             tail=None if whole else max(30, test_points // 2))
    st.plotly_chart(figure, width="stretch", key="forecast_chart")
    with st.expander("How to read this chart"):
        st.markdown(
            "- The **blue line** is your data. Everything right of the \"test span starts\" line is the **test "
            "period**: the model never trained on it, so it shows honestly how good the forecast is.\n"
            "- The **LSTM line** in the test period is the model's one-step-ahead prediction for each point.\n"
            "- The **dotted line** is the best reference, a simple rule or ETS/ARIMA, on the same points and past "
            "the end. Every other reference is in the legend: click its entry to show it.\n"
            "- After the last data point comes the LSTM's **forecast** with its **band**: the range where the true "
            "value should fall most of the time. When another forecast is recommended, it is the **green dashed "
            "line**."
        )
    return figure


def error_table(run: ForecastRun, unit: str) -> None:
    """MAE, RMSE, sMAPE and MASE of every model on the test period, one step ahead, and what they mean."""
    st.subheader("How good is it? (test period, one step ahead)")
    filled = filled_sentence(run.filled_test_points)
    if filled:
        st.caption(md_escape(filled))
    units = unit or "units"
    table = pd.DataFrame([
        {"Model": model_name(name, run.baseline_labels), f"MAE ({units})": row["mae"],
         f"RMSE ({units})": row["rmse"], "sMAPE (%)": row["smape"], "MASE": row["mase"]}
        for name, row in (run.metrics or {}).items()
    ])
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in table.columns[1:]})
    with st.expander("What do these numbers mean?"):
        st.markdown(
            "- **MAE**: average size of the error, in the data's own units. Lower is better.\n"
            "- **RMSE**: like MAE but punishes big misses more.\n"
            "- **sMAPE**: error as a percentage of the values (0–200 %), safe around 0 °C.\n"
            "- **MASE**: error divided by the typical day-to-day change; below 1 means better than "
            "repeating the previous value on the training data."
        )


def backtest(run: ForecastRun, unit: str, step: str) -> None:
    """Error by steps ahead from several start points in the test period (rolling origins), or how to turn it on."""
    result = run.backtest
    if result is None:
        if run.config.backtest_folds == 0:
            st.caption("Backtest is off: set **Backtest start points** under Train → Advanced settings to see how "
                       "the error grows with the steps ahead.")
        return
    st.subheader("How does the error grow with the steps ahead? (backtest)")
    labels = {name: model_name(name, run.baseline_labels) for name in result.names}
    figure = backtest_figure(result, unit, labels=labels, step_word=step)
    figure.update_traces(visible="legendonly", selector={"name": labels["mean"]})  # far off: it squashes the rest
    st.plotly_chart(figure, width="stretch", key="backtest_chart")
    column = f"MAE over all steps ({unit or 'units'})"
    rows = [{"Model": labels[name], column: mae} for name, mae in result.mae().items()]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={column: st.column_config.NumberColumn(format="%.3f")})
    st.caption(f"{len(result.folds)} start points in the test period, each forecasting {steps(result.horizon, step)} "
               "ahead from the values before it only (the LSTM feeds its own predictions back in). The model was "
               "trained before the test period.")


def forecast_table(run: ForecastRun, unit: str, step: str) -> None:
    """The future forecast, one row per step: the forecast to use (its column named after it) with its band, then
    the LSTM's and the best reference's forecasts when they are not the one to use."""
    st.subheader(f"Forecast: the next {steps(run.config.horizon, step)}")
    view = forecast_view(run)
    best = run.best_reference[0] if run.best_reference is not None else ""
    labels = {"recommended": str(view["model"].iloc[0]), "lower": "lower", "upper": "upper",
              "lstm": model_name("lstm"), "reference": model_name(best, run.baseline_labels)}
    columns = {key: st.column_config.NumberColumn(f"{label} ({unit})" if unit else label, format="%.2f")
               for key, label in labels.items()}
    st.dataframe(view, hide_index=True, width="stretch", column_order=[c for c in view.columns if c != "model"],
                 column_config={"date": st.column_config.DatetimeColumn("date", format=date_format(run.frequency)),
                                **columns})
    st.caption(f"The first column is the forecast to use; lower and upper: its {run.interval_level:.0%} prediction "
               "band for each step. The CSV download has the LSTM's forecast and band, then the forecast to use, its "
               "band and its name.")


def coverage(run: ForecastRun, step: str) -> None:
    """How often the band of the forecast to use held the true value on the test period, per step ahead, against its
    level (and the LSTM's band, the one on the chart, in one sentence when another forecast is to be used)."""
    points = len(run.predictions) if run.predictions is not None else 0
    if run.bands is None:
        if run.interval_coverage is not None:
            st.write(md_escape(coverage_sentence(run.interval_level, [run.interval_coverage], points).text))
        return
    model, weights = _recommended(run)
    own = model != "lstm" and run.recommended_bands is not None
    bands = run.recommended_bands if own and run.recommended_bands is not None else run.bands
    st.subheader("Does the band keep its promise? (test period)")
    checked = any(value is not None for value in bands.coverage_by_step)
    if checked:  # an empty chart would only say "nothing here"; the sentence below says why
        st.plotly_chart(coverage_figure(bands, run.interval_level, step_word=step), width="stretch",
                        key="coverage_chart")
    named = "" if not own else f"{recommended_name(model, weights, run.baseline_labels)}: "
    st.write(md_escape(named + coverage_sentence(run.interval_level, bands.coverage_by_step, points).text))
    if own:
        lstm = coverage_sentence(run.interval_level, run.bands.coverage_by_step, points).text
        st.write(md_escape(f"{model_name('lstm')}, the band on the chart: {lstm}"))
    if checked:
        st.caption("Each bar counts the test values inside the band of the forecast to use (the lower and upper "
                   "columns of the table), forecast that many steps ahead from the values before them; green bars are "
                   "within a few points of the promise.")


def downloads(run: ForecastRun, figure: go.Figure) -> None:
    """The five download buttons; the model zip and the self-contained chart (plotly.js inlined)
    are built only when clicked."""
    st.subheader("Downloads")
    c1, c2, c3 = st.columns(3)
    c4, c5, _ = st.columns(3)
    c1.download_button("Download forecast (CSV)", forecast_csv(run), "forecast.csv", "text/csv", key="dl_forecast",
                       on_click="ignore")
    c2.download_button("Download test predictions (CSV)", predictions_csv(run), "predictions.csv", "text/csv",
                       key="dl_predictions", on_click="ignore")
    c3.download_button("Download model (zip)", lambda: bundle_zip(run), "model_bundle.zip", "application/zip",
                       key="dl_model", on_click="ignore",
                       help="model.keras + meta.json (scaler, settings, versions); load with "
                       "core.run.bundle.load_bundle.")
    c4.download_button("Download settings (JSON)", config_json(run.config), "config.json", "application/json",
                       key="dl_config", on_click="ignore",
                       help="Rerun headless: python -m core forecast FILE --out DIR --config config.json")
    c5.download_button("Download chart (HTML)", lambda: figure_html(figure), "forecast_chart.html", "text/html",
                       key="dl_chart", on_click="ignore")
