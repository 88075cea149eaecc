"""Forecast-quality benchmark: the LSTM (default settings and auto mode) against naive, seasonal naive,
ETS and ARIMA on real temperature series of different frequencies, all offline.

    python -m bench.quality [--budget-seconds 120] [--series NAME ...] [--out bench/quality.json]

Prints a Markdown table (test MAE, last 20 % of each series, 1 step ahead, identical targets) and writes
the figures as JSON. Series: the bundled Seattle daily maximum (2012-2015), vega_datasets' hourly
Seattle temperatures (2010), vega_datasets' daily Seattle minimum (2012-2015) and statsmodels' monthly
El Niño sea surface temperatures (1950-2010). Nothing is downloaded: both packages ship these files.
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

BASELINES = ("naive", "seasonal_naive", "ets", "arima")


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


SERIES: dict[str, tuple[str, Callable[[], LoadedSeries]]] = {
    "seattle_daily_max": ("Seattle daily max °C (bundled, 2012-2015)", seattle_daily_max),
    "seattle_hourly": ("Seattle hourly °F (vega_datasets, 2010)", seattle_hourly),
    "seattle_daily_min": ("Seattle daily min °C (vega_datasets, 2012-2015)", seattle_daily_min),
    "elnino_monthly": ("El Niño monthly SST °C (statsmodels, 1950-2010)", elnino_monthly),
}


def _round(value: float | None) -> float | None:
    return None if value is None or value != value else round(float(value), 4)


def benchmark_one(key: str, budget_seconds: float, seed: int = 42) -> dict[str, Any]:
    """References, the default LSTM and auto mode on one series; test MAE in the series' units."""
    from dataclasses import replace

    from core.config import default_config
    from core.run.auto import run_auto
    from core.run.pipeline import run_forecast

    title, loader = SERIES[key]
    series = loader()
    config = replace(default_config(series.values, series.frequency), seed=seed, backtest_folds=0)
    started = time.monotonic()
    default = run_forecast(series.values, config)  # also fits ETS and ARIMA on the identical test targets
    default_seconds = time.monotonic() - started
    started = time.monotonic()
    auto = run_auto(series.values, config, budget_seconds=budget_seconds)
    auto_seconds = time.monotonic() - started
    assert default.metrics is not None and auto.metrics is not None and auto.search is not None
    # Auto mode scores the same test targets (same split); its own ETS/ARIMA got a smaller time budget,
    # so the references in the table are the default run's (30 s per model).
    assert default.predictions is not None and auto.predictions is not None
    assert default.predictions.index.equals(auto.predictions.index)
    mae = {name: default.metrics[name]["mae"] for name in BASELINES}
    best_name = min((name for name in BASELINES if mae[name] == mae[name]), key=lambda name: mae[name])
    row = {
        "key": key, "series": title, "frequency": series.frequency, "n": len(series.values),
        "test_points": len(default.predictions),
        **{name: _round(mae[name]) for name in BASELINES},
        "labels": default.baseline_labels,
        "default_lstm": _round(default.metrics["lstm"]["mae"]), "default_seconds": round(default_seconds, 1),
        "auto_lstm": _round(auto.metrics["lstm"]["mae"]), "auto_seconds": round(auto_seconds, 1),
        "auto_settings": auto.search.results[[r.number for r in auto.search.results].index(auto.search.winner)].label(),
        "auto_tried": len(auto.search.results),
        "auto_board": auto.search.leaderboard()[["candidate", "settings", "validation_mae"]].to_dict("records"),
        "best_reference": best_name,
    }
    row["auto_beats_best"] = row["auto_lstm"] < mae[best_name]
    row["default_beats_naive"] = row["default_lstm"] < mae["naive"]
    return row


def markdown(rows: list[dict[str, Any]]) -> str:
    """The Markdown table of docs/forecast-quality.md (and the README)."""
    names = {"naive": "naive", "seasonal_naive": "seasonal naive", "ets": "ETS", "arima": "ARIMA"}
    head = ("| series | freq | n (test) | naive | seasonal naive | ETS | ARIMA | LSTM default | LSTM auto "
            "(2-min budget) | auto beats best reference? |")
    lines = [head, "|" + "---|" * 10]
    for row in rows:
        best = row["best_reference"]
        cells = [f"**{row[name]:.3f}**" if name == best else f"{row[name]:.3f}" for name in BASELINES]
        verdict = "yes" if row["auto_beats_best"] else f"**no** (best: {names[best]})"
        lines.append(
            f"| {row['series']} | {row['frequency']} | {row['n']:,} ({row['test_points']:,}) | {' | '.join(cells)} "
            f"| {row['default_lstm']:.3f} | {row['auto_lstm']:.3f} ({row['auto_seconds']:.0f} s, "
            f"{row['auto_tried']} tried) | {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__.splitlines()[0])
    parser.add_argument("--budget-seconds", type=float, default=120.0, help="auto mode's budget per series")
    parser.add_argument("--series", nargs="*", choices=list(SERIES), default=list(SERIES))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "quality.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    rows = []
    for key in args.series:
        row = benchmark_one(key, args.budget_seconds)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
