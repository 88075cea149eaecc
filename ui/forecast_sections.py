"""The Forecast page's sections: the summary, auto mode's choice, the chart, the error tables, the backtest, the
forecast table and the downloads. Each draws one part of a finished run; the words come from ``core.words``.

Widget keys: ``show_baselines``, ``whole_history``, ``forecast_chart``, ``backtest_chart`` and ``dl_*``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.dashboard.charts import forecast_figure
from core.dashboard.export import bundle_zip, config_json, figure_html, forecast_csv, predictions_csv
from core.dashboard.quality_charts import backtest_figure
from core.run.results import ForecastRun, SearchReport
from core.words import comparison, coverage_sentence, model_name, steps
from ui.session import date_format, md_escape

__all__ = ["summary", "auto_choice", "forecast_chart", "error_table", "backtest", "forecast_table", "downloads"]


def summary(run: ForecastRun, unit: str, step: str) -> None:
    """How far off the model is against "same as the previous step" and the best reference (green when it
    wins, amber when it does not), then how well the prediction band held and what the model reads."""
    metrics = run.metrics or {}
    points = len(run.predictions) if run.predictions is not None else 0
    sentences = comparison(metrics["lstm"]["mae"], metrics["naive"]["mae"], run.best_reference, points=points,
                           unit=unit, step=step, labels=run.baseline_labels)
    for sentence, good_icon in zip(sentences, (":material/thumb_up:", ":material/military_tech:"), strict=False):
        if sentence.good:
            st.success(md_escape(sentence.text), icon=good_icon)
        else:
            st.warning(md_escape(sentence.text), icon=":material/warning:")
    if run.bands is not None:
        st.write(md_escape(coverage_sentence(run.interval_level, run.bands.coverage_by_step, points).text))
    elif run.interval_coverage is not None:
        st.write(md_escape(coverage_sentence(run.interval_level, [run.interval_coverage], points).text))
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
    show_baselines = left.toggle("Show the simple baselines on the chart", value=True, key="show_baselines",
                                 help="Dotted lines: what simple rules would have predicted for the same points.")
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
            "- **Dotted lines** are simple rules on the same points: repeat the last value, repeat the value one "
            "season ago, or use the average. ETS and ARIMA, when they could be fitted, start hidden: click their "
            "legend entry to show them.\n"
            "- After the last data point comes the **forecast** with its **band**: the range where the true "
            "value should fall most of the time."
        )
    return figure


def error_table(run: ForecastRun, unit: str) -> None:
    """MAE, RMSE, sMAPE and MASE of every model on the test period, one step ahead, and what they mean."""
    st.subheader("How good is it? (test period, one step ahead)")
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
    """The future forecast with its band, one row per step."""
    st.subheader(f"Forecast: the next {steps(run.config.horizon, step)}")
    columns = {c: st.column_config.NumberColumn(f"{c} ({unit})" if unit else c, format="%.2f")
               for c in ("forecast", "lower", "upper")}
    st.dataframe(run.forecast, hide_index=True, width="stretch",
                 column_config={"date": st.column_config.DatetimeColumn("date", format=date_format(run.frequency)),
                                **columns})
    st.caption(f"lower and upper: the {run.interval_level:.0%} prediction band for each step.")


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
