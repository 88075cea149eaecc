"""Forecast-quality benchmark: the LSTM (default settings and auto mode) against every reference on real series of
different frequencies, all shipped offline with installed packages.

    python -m bench.quality [--budget-seconds 120] [--series NAME ...] [--out bench/quality.json] [--no-auto]

Two tables on stdout (Markdown), every figure in the JSON file:

* **Validation** (the figures settings and the recommendation were chosen on): one-step MAE on the validation
  span of the LSTM with the default settings, of the best reference there (simple rules fitted before the
  validation span; ETS and ARIMA in-sample), and the recommended forecast.
* **Test** (reported once, never used to choose anything): one-step MAE on the last 20 % of each series for the
  LSTM, every reference and the recommended forecast on identical targets; the MAE ``horizon`` steps ahead from
  the backtest; the 90 % band's coverage one step ahead and over all steps; auto mode's LSTM.

Series: the bundled Seattle daily maximum (2012-2015); vega_datasets' hourly Seattle (2010) and San Francisco
(2010) temperatures and daily Seattle minimum (2012-2015); statsmodels' monthly El Nino sea surface temperatures
(1950-2010), weekly Mauna Loa CO2 (1958-2001) and yearly sunspot numbers (1700-2008). Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.data.intake import read_series  # noqa: E402
from core.data.series import LoadedSeries  # noqa: E402

BASELINES = ("naive", "seasonal_naive", "seasonal_step", "climatology", "drift", "ets", "arima")


def _from_frame(frame: pd.DataFrame, value: str) -> LoadedSeries:
    """Through the app's own intake (CSV bytes), so the benchmark sees what a user upload would."""
    buffer = io.StringIO()
    frame[["date", value]].to_csv(buffer, index=False)
    return read_series(buffer.getvalue().encode(), date_column="date", value_column=value)


def seattle_daily_max() -> LoadedSeries:
    return read_series((ROOT / "data" / "seattle_temp_max.csv").read_bytes())


def seattle_hourly() -> LoadedSeries:
    from vega_datasets import local_data

    frame = local_data.seattle_temps()  # °F, hourly, 2010
    frame["temp_f"] = frame.pop("temp")
    return _from_frame(frame, "temp_f")


def sf_hourly() -> LoadedSeries:
    from vega_datasets import local_data

    frame = local_data.sf_temps()  # °F, hourly, 2010
    frame["temp_f"] = frame.pop("temp")
    return _from_frame(frame, "temp_f")


def seattle_daily_min() -> LoadedSeries:
    from vega_datasets import local_data

    frame = local_data.seattle_weather()  # °C, daily, 2012-2015
    return _from_frame(frame, "temp_min")


def elnino_monthly() -> LoadedSeries:
    import statsmodels.api as sm

    wide = sm.datasets.elnino.load_pandas().data
    long = wide.melt(id_vars="YEAR", var_name="month", value_name="sst_c")
    months = {name: i for i, name in enumerate(wide.columns[1:], start=1)}
    long["date"] = pd.to_datetime(
        {"year": long["YEAR"].astype(int), "month": long["month"].map(months), "day": 1}
    )
    return _from_frame(long.sort_values("date"), "sst_c")


def co2_weekly() -> LoadedSeries:
    import statsmodels.api as sm

    frame = sm.datasets.co2.load_pandas().data  # ppm, weekly (Saturdays), 59 missing weeks filled by intake
    frame = frame.rename_axis("date").reset_index()
    return _from_frame(frame, "co2")


def sunspots_yearly() -> LoadedSeries:
    import statsmodels.api as sm

    frame = sm.datasets.sunspots.load_pandas().data
    frame["date"] = pd.to_datetime(frame["YEAR"].astype(int).astype(str) + "-01-01")
    return _from_frame(frame, "SUNACTIVITY")


SERIES: dict[str, tuple[str, Callable[[], LoadedSeries]]] = {
    "seattle_daily_max": ("Seattle daily max °C (bundled, 2012-2015)", seattle_daily_max),
    "seattle_hourly": ("Seattle hourly °F (vega_datasets, 2010)", seattle_hourly),
    "sf_hourly": ("San Francisco hourly °F (vega_datasets, 2010)", sf_hourly),
    "seattle_daily_min": ("Seattle daily min °C (vega_datasets, 2012-2015)", seattle_daily_min),
    "elnino_monthly": ("El Niño monthly SST °C (statsmodels, 1950-2010)", elnino_monthly),
    "co2_weekly": ("Mauna Loa weekly CO2 ppm (statsmodels, 1958-2001)", co2_weekly),
    "sunspots_yearly": ("Yearly sunspot number (statsmodels, 1700-2008)", sunspots_yearly),
}


def _round(value: float | None) -> float | None:
    return None if value is None or value != value else round(float(value), 4)


def _validation_row(run: Any) -> dict[str, Any]:
    """The figures the settings and the recommendation were chosen on (validation span only)."""
    rec = run.recommendation
    scores = {} if rec is None else rec.validation_mae
    references = {name: scores[name] for name in BASELINES if name in scores}
    finite = {name: value for name, value in references.items() if value == value and value != float("inf")}
    best = min(finite, key=lambda name: finite[name]) if finite else None
    return {
        "lstm": _round(scores.get("lstm")),
        "references": {name: _round(value) for name, value in finite.items()},
        "best_reference": best,
        "best_reference_mae": _round(finite.get(best)) if best else None,
        "blend": _round(scores.get("blend")),
        "recommended": None if rec is None else rec.model,
        "recommended_weights": None if rec is None else rec.weights,
    }


def _test_row(run: Any) -> dict[str, Any]:
    """The figures reported once: one-step MAE, h-step MAE from the backtest, band coverage."""
    metrics = run.metrics
    best = run.best_reference
    by_step = run.backtest_by_step() or {}
    rec = run.recommendation
    recommended = None
    if rec is not None:
        key = rec.model
        recommended = _round(metrics[key]["mae"]) if key in metrics else None
    h_step = {name: _round(values[-1]) for name, values in by_step.items()}
    return {
        "mae": {name: _round(values["mae"]) for name, values in metrics.items()},
        "best_reference": None if best is None else best[0],
        "best_reference_mae": None if best is None else _round(best[1]),
        "lstm_beats_best": run.beats_best_reference(),
        "recommended_mae": recommended,
        "h_step_mae": h_step,
        "h_step_best_reference": min((n for n in BASELINES if h_step.get(n) is not None), key=lambda n: h_step[n],
                                     default=None),
        "coverage_step_1": _round(run.bands.coverage if run.bands else None),
        "coverage_mean": _round(run.bands.mean_coverage if run.bands else None),
        "coverage_by_step": None if run.bands is None else [_round(v) for v in run.bands.coverage_by_step],
    }


def benchmark_one(key: str, budget_seconds: float, seed: int = 42, auto: bool = True) -> dict[str, Any]:
    """Every reference, the default LSTM (and auto mode) on one series, in the series' units."""
    from dataclasses import replace

    from core.config import default_config
    from core.run.auto import run_auto
    from core.run.pipeline import run_forecast

    title, loader = SERIES[key]
    series = loader()
    filled = getattr(series, "filled", None)
    config = replace(default_config(series.values, series.frequency), seed=seed)
    started = time.monotonic()
    default = run_forecast(series.values, config, filled=filled)
    default_seconds = time.monotonic() - started
    row: dict[str, Any] = {
        "key": key, "series": title, "frequency": series.frequency, "n": len(series.values),
        "test_points": 0 if default.predictions is None else len(default.predictions),
        "horizon": config.horizon, "season": default.season_length, "labels": default.baseline_labels,
        "target": None if default.features is None else default.features.target,
        "default_seconds": round(default_seconds, 1), "best_epoch": default.best_epoch,
        "validation": _validation_row(default), "test": _test_row(default),
    }
    if auto:
        started = time.monotonic()
        tuned = run_auto(series.values, config, budget_seconds=budget_seconds, filled=filled)
        row["auto_seconds"] = round(time.monotonic() - started, 1)
        assert tuned.metrics is not None and tuned.search is not None and default.predictions is not None
        assert tuned.predictions is not None and default.predictions.index.equals(tuned.predictions.index)
        row["auto_lstm"] = _round(tuned.metrics["lstm"]["mae"])
        rec = tuned.recommendation
        row["auto_validation"] = _round(rec.validation_mae.get("lstm")) if rec is not None else None
        row["auto_tried"] = len(tuned.search.results)
        winner = [r for r in tuned.search.results if r.number == tuned.search.winner]
        row["auto_settings"] = winner[0].label() if winner else ""
        best = row["test"]["best_reference_mae"]
        row["auto_beats_best"] = best is not None and row["auto_lstm"] is not None and row["auto_lstm"] < best
    return row


def _cell(value: float | None, bold: bool = False) -> str:
    if value is None:
        return "–"
    text = f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return f"**{text}**" if bold else text


def _beats(test: dict[str, Any]) -> str:
    """"yes", "tie" (the LSTM kept the rule: equal MAE) or "**no**"."""
    if test["lstm_beats_best"]:
        return "yes"
    return "tie" if test["mae"].get("lstm") == test["best_reference_mae"] else "**no**"


def markdown(rows: list[dict[str, Any]]) -> str:
    """The two tables of docs/forecast-quality.md: validation (choices), then test (reported once)."""
    lines = ["Validation span (what settings and the recommendation were chosen on), one step ahead, MAE:", "",
             "| series | freq | season | target | LSTM default | best reference | blend | recommended |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        val = row["validation"]
        best = f"{_cell(val['best_reference_mae'])} ({val['best_reference']})" if val["best_reference"] else "–"
        lines.append(f"| {row['series']} | {row['frequency']} | {row['season']} | {row['target']} | "
                     f"{_cell(val['lstm'])} | {best} | {_cell(val['blend'])} | {val['recommended']} |")
    lines += ["", "Test span (the last 20 %, reported once), MAE one step ahead and `horizon` steps ahead "
              "(backtest), coverage of the 90 % band:", "",
              "| series | n (test) | LSTM default | best reference | LSTM beats it? | recommended | "
              "h | LSTM at h | best reference at h | coverage step 1 | coverage mean | LSTM auto |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        test = row["test"]
        lstm = test["mae"].get("lstm")
        best = f"{_cell(test['best_reference_mae'])} ({test['best_reference']})"
        h_best_name = test["h_step_best_reference"]
        h_best = f"{_cell(test['h_step_mae'].get(h_best_name))} ({h_best_name})" if h_best_name else "–"
        auto = "–" if "auto_lstm" not in row else (
            f"{_cell(row['auto_lstm'])} ({row['auto_seconds']:.0f} s, {row['auto_tried']} tried"
            f"{', beats best' if row['auto_beats_best'] else ', does not beat best'})")
        coverage = [test["coverage_step_1"], test["coverage_mean"]]
        lines.append(
            f"| {row['series']} | {row['n']:,} ({row['test_points']:,}) | {_cell(lstm)} | {best} | "
            f"{_beats(test)} | {_cell(test['recommended_mae'])} "
            f"({row['validation']['recommended']}) | {row['horizon']} | {_cell(test['h_step_mae'].get('lstm'))} | "
            f"{h_best} | {' | '.join('–' if c is None else f'{100 * c:.1f} %' for c in coverage)} | {auto} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__.splitlines()[0])
    parser.add_argument("--budget-seconds", type=float, default=120.0, help="auto mode's budget per series")
    parser.add_argument("--series", nargs="*", choices=list(SERIES), default=list(SERIES))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "quality.json")
    parser.add_argument("--no-auto", action="store_true", help="skip auto mode (default settings only)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    rows = []
    for key in args.series:
        row = benchmark_one(key, args.budget_seconds, seed=args.seed, auto=not args.no_auto)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
