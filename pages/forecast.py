"""Forecast page: the trained model against simple baselines, the future forecast, downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.dashboard.charts import forecast_figure
from core.dashboard.export import bundle_zip, config_json, figure_html, forecast_csv, predictions_csv
from core.dashboard.quality_charts import backtest_figure
from core.evaluation.scoring import best_reference
from core.run.results import ForecastRun
from core.words import frequency_word, unit_for
from ui.router import through_app
from ui.session import date_format, md_escape

through_app()

MODEL_NAMES = {
    "lstm": "LSTM (your model)",
    "naive": "Same as last step (naive)",
    "seasonal_naive": "Same as one season ago",
    "mean": "Training average",
    "ets": "ETS (exponential smoothing)",
    "arima": "ARIMA",
}
REFERENCE_WORDS = {
    "naive": "same as the previous step",
    "seasonal_naive": "same as one season ago",
    "ets": "ETS (exponential smoothing)",
    "arima": "ARIMA",
}

st.title("3. Forecast")
run: ForecastRun | None = st.session_state.get("run")
if run is None:
    st.info("No trained model yet. Go to **Train** and press **Train**; the results appear here when it finishes.",
            icon=":material/info:")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/arrow_forward:")


def _render(run: ForecastRun) -> None:
    values: pd.Series = st.session_state["run_values"]
    unit = unit_for(run.value_column)
    metrics = run.metrics or {}
    lstm_mae = metrics["lstm"]["mae"]
    naive_mae = metrics["naive"]["mae"]
    step_word = frequency_word(run.frequency)

    def amount(number: float) -> str:
        """A value with its unit, or the bare number when the unit is unknown (no stray space inside bold)."""
        return f"{number:.2f} {unit}" if unit else f"{number:.2f}"

    if lstm_mae < naive_mae:
        gain = 100 * (1 - lstm_mae / naive_mae)
        verdict = (f"On the test period the model is off by **{amount(lstm_mae)}** on average, "
                   f"**{gain:.0f} % better** than simply repeating the previous {step_word} ({amount(naive_mae)}).")
        st.success(verdict, icon=":material/thumb_up:")
    else:
        loss = 100 * (lstm_mae / naive_mae - 1) if naive_mae > 0 else float("inf")
        verdict = (f"The model does **not** beat \"same as the previous {step_word}\": on the test period it is off by "
                   f"**{amount(lstm_mae)}** on average, {loss:.0f} % worse than simply repeating the previous "
                   f"{step_word} ({amount(naive_mae)}). Don't trust this forecast more than that simple rule.")
        st.warning(verdict, icon=":material/warning:")
    if run.interval_coverage is not None:
        if run.interval_coverage >= run.interval_level - 0.02:
            judgement = "as promised"
        elif run.interval_coverage >= run.interval_level - 0.1:
            judgement = "a little less often than promised: treat the band as slightly optimistic"
        else:
            judgement = "much less often than promised: don't rely on the band"
        st.write(f"The {run.interval_level:.0%} prediction band contained the true value "
                 f"**{run.interval_coverage:.0%}** of the time on the test period ({judgement}).")
    best = best_reference(metrics)
    if best is not None and best[0] != "naive":
        name, score = best
        words = md_escape((run.baseline_labels or {}).get(name, REFERENCE_WORDS[name]))
        if lstm_mae < score:
            st.success(f"It also beats the best classical reference, **{words}**, which is off by "
                       f"{amount(score)} on the same test points.", icon=":material/military_tech:")
        elif lstm_mae < naive_mae:
            st.warning(f"It beats \"same as the previous {step_word}\" but **not {words}**, which is off by only "
                       f"**{amount(score)}** on the same test points: prefer that model here.",
                       icon=":material/warning:")
        else:
            st.warning(f"The best reference here is **{words}** ({amount(score)}).", icon=":material/warning:")
    if run.features is not None:
        st.write(f"**What the model sees.** {md_escape(run.features.describe())}")
    if run.search is not None:
        _auto_section(run)
    st.caption(f"Model status: {run.status.replace('_', ' ')} after {run.epochs_run} epochs "
               f"(best epoch {run.best_epoch}), {run.train_seconds:.1f} s of training.")

    left, right = st.columns(2)
    show_baselines = left.toggle("Show the simple baselines on the chart", value=True, key="show_baselines",
                                 help="Dotted lines: what simple rules would have predicted for the same points.")
    test_points = len(run.predictions) if run.predictions is not None else 0
    whole = right.toggle("Show the whole history", value=False, key="whole_history",
                         help="Off: the chart starts a little before the test period so the forecast is easy to see.")
    figure = forecast_figure(run, values, show_baselines=show_baselines, unit=unit,
                             tail=None if whole else max(30, test_points // 2))
    st.plotly_chart(figure, width="stretch", key="forecast_chart")
    with st.expander("How to read this chart"):
        st.markdown(
            "- The **blue line** is your data. Everything right of the \"test span starts\" line is the **test "
            "period**: the model never trained on it, so it shows honestly how good the forecast is.\n"
            "- The **LSTM line** in the test period is the model's one-step-ahead prediction for each point.\n"
            "- **Dotted lines** are simple rules on the same points: repeat the last value, repeat the value one "
            "season ago, or use the average.\n"
            "- After the last data point comes the **forecast** with its **band**: the range where the true "
            "value should fall most of the time."
        )

    st.subheader("How good is it? (test period, one step ahead)")
    labels = run.baseline_labels or {}
    table = pd.DataFrame(
        [
            {
                "Model": labels.get(name, MODEL_NAMES.get(name, name)),
                f"MAE ({unit or 'units'})": row["mae"],
                f"RMSE ({unit or 'units'})": row["rmse"],
                "sMAPE (%)": row["smape"],
                "MASE": row["mase"],
            }
            for name, row in metrics.items()
        ]
    )
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

    _backtest_section(run, unit, step_word)

    horizon = run.config.horizon
    st.subheader(f"Forecast: the next {horizon} {step_word}{'s' if horizon != 1 else ''}")
    forecast = run.forecast.copy()
    columns = {c: st.column_config.NumberColumn(f"{c} ({unit})" if unit else c, format="%.2f")
               for c in ("forecast", "lower", "upper")}
    st.dataframe(forecast, hide_index=True, width="stretch",
                 column_config={"date": st.column_config.DatetimeColumn("date", format=date_format(run.frequency)),
                                **columns})
    st.caption(f"lower and upper: the {run.interval_level:.0%} prediction band for each step.")

    st.subheader("Downloads")
    # The model zip and the self-contained chart (~5 MB with plotly.js inlined) are built only when clicked.
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


def _auto_section(run: ForecastRun) -> None:
    """Which settings auto mode chose, why, and every candidate it tried (validation scores only)."""
    report = run.search
    st.subheader("Auto mode: which settings won and why")
    st.write(md_escape(report.reason))
    board = report.leaderboard()
    st.dataframe(board, hide_index=True, width="stretch", column_config={
        "validation_mae": st.column_config.NumberColumn("validation MAE", format="%.3f"),
        "seconds": st.column_config.NumberColumn("seconds", format="%.1f"),
    })
    st.caption("Each candidate was trained with early stopping and scored by its one-step error on the validation "
               "period only; the test period above was used once, for the winner, after the choice.")


def _backtest_section(run: ForecastRun, unit: str, step_word: str) -> None:
    """Error by steps ahead from several start points in the test period (rolling origins)."""
    result = run.backtest
    if result is None:
        if run.config.backtest_folds == 0:
            st.caption("Backtest is off: set **Backtest start points** under Train → Advanced settings to see how "
                       "the error grows with the steps ahead.")
        return
    st.subheader("How does the error grow with the steps ahead? (backtest)")
    labels = {name: MODEL_NAMES.get(name, name) for name in result.names}
    labels.update(run.baseline_labels or {})
    figure = backtest_figure(result, unit, labels=labels, step_word=step_word)
    figure.update_traces(visible="legendonly", selector={"name": labels["mean"]})  # far off: it squashes the rest
    st.plotly_chart(figure, width="stretch", key="backtest_chart")
    overall = result.mae()
    column = f"MAE over all steps ({unit or 'units'})"
    rows = [{"Model": labels[name], column: mae} for name, mae in overall.items()]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={column: st.column_config.NumberColumn(format="%.3f")})
    st.caption(f"{len(result.folds)} start points in the test period, each forecasting {result.horizon} "
               f"{step_word}{'s' if result.horizon != 1 else ''} ahead from the values before it only (the LSTM "
               "feeds its own predictions back in). The model was trained before the test period.")


if run is not None:
    _render(run)
