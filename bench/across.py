"""Many series: one LSTM per station against one LSTM across all stations, on the built-in multi-station example.

    python -m bench.across [--dataset nyc_airports] [--seed 42] [--epochs N] [--out bench/across.json]

For each station of the dataset (read through ``load_builtin_panel``, as an upload would be): the test MAE of its own
LSTM (``core.run.pipeline.fit``), of the global LSTM (``core.run.across.fit_global``, with its default one-hot
station id input), of the global LSTM without that input (``series_input=False``) and of the best reference (the
references of that station, on the same test targets), the validation figures ``choose_across`` decides on, and the
seconds. Every LSTM uses the
default settings of the first station (``default_config``; the stations of one file share length and frequency).
A Markdown table on stdout, every figure in the JSON file.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

UNITS = {"nyc_airports": "°F"}


def _round(value: float | None) -> float | None:
    return None if value is None or value != value else round(float(value), 3)


def benchmark(dataset: str, seed: int, epochs: int | None) -> dict[str, Any]:
    """Train both ways on every station of ``dataset``; every figure of the table."""
    from core.config import default_config
    from core.data.datasets import load_builtin_panel
    from core.run.across import choose_across, fit_global
    from core.run.pipeline import complete, fit

    panel = load_builtin_panel(dataset)
    members = list(panel.members)
    first = members[0].series
    config = dataclasses.replace(default_config(first.values, first.frequency), seed=seed)
    if epochs is not None:
        config = dataclasses.replace(config, epochs=epochs)
    values = [m.series.values for m in members]
    filled = [getattr(m.series, "filled", None) for m in members]
    each, each_seconds = [], []
    for series, mask in zip(values, filled, strict=True):
        started = time.monotonic()
        each.append(fit(series, config, filled=mask))
        each_seconds.append(time.monotonic() - started)
    started = time.monotonic()
    shared = fit_global(values, config, filled=filled, names=[m.id for m in members])
    global_seconds = time.monotonic() - started
    started = time.monotonic()
    plain = fit_global(values, config, filled=filled, names=[m.id for m in members], series_input=False)
    plain_seconds = time.monotonic() - started
    choice = choose_across(each, shared)
    plain_choice = choose_across(each, plain)
    rows = []
    for number, member in enumerate(members):
        own = complete(each[number], values[number])
        common = complete(shared[number], values[number])
        unnamed = complete(plain[number], values[number])
        assert own.predictions is not None and common.predictions is not None and own.metrics and common.metrics
        assert unnamed.predictions is not None and unnamed.metrics
        assert own.predictions["actual"].equals(common.predictions["actual"])  # identical targets
        assert own.predictions["actual"].equals(unnamed.predictions["actual"])
        best = own.best_reference
        rows.append({
            "station": member.id, "name": member.name or "", "n": len(values[number]),
            "test_points": len(own.predictions),
            "each_test_mae": _round(own.metrics["lstm"]["mae"]),
            "global_test_mae": _round(common.metrics["lstm"]["mae"]),
            "global_no_id_test_mae": _round(unnamed.metrics["lstm"]["mae"]),
            "best_reference": None if best is None else best[0],
            "best_reference_mae": None if best is None else _round(best[1]),
            "each_validation_mae": _round(choice.each[number]), "global_validation_mae": _round(choice.shared[number]),
            "global_no_id_validation_mae": _round(plain_choice.shared[number]),
            "naive_validation_mae": _round(choice.naive[number]),
            "each_best_epoch": each[number].outcome.best_epoch, "global_best_epoch": shared[number].outcome.best_epoch,
            "each_seconds": round(each_seconds[number], 1),
        })
    return {
        "dataset": dataset, "unit": UNITS.get(dataset, ""), "config": config.to_dict(), "stations": rows,
        "global_seconds": round(global_seconds, 1), "global_epochs": len(shared[0].outcome.history),
        "global_no_id_seconds": round(plain_seconds, 1), "global_no_id_epochs": len(plain[0].outcome.history),
        "choice": choice.model, "reason": choice.reason,
        "each_score": _round(choice.each_score), "global_score": _round(choice.shared_score),
        "global_no_id_score": _round(plain_choice.shared_score), "no_id_choice": plain_choice.model,
    }


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def markdown(result: dict[str, Any]) -> str:
    """The table of docs/forecast-quality.md, "Many series: one model per station or one across them"."""
    unit = result["unit"]
    lines = [f"Test span (the last 20 %, reported once), one step ahead, MAE in {unit}; validation MAE in {unit} "
             "(what `auto` decides on); seconds of training (the global model trains once for all stations):", "",
             "| station | n (test) | LSTM per station | global LSTM | global LSTM, no station id | best reference | "
             "validation: per station | validation: global | validation: global, no id | validation: naive | "
             "seconds per station |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in result["stations"]:
        best = f"{_cell(row['best_reference_mae'])} ({row['best_reference']})"
        lines.append(f"| {row['station']} {row['name']} | {row['n']:,} ({row['test_points']:,}) | "
                     f"{_cell(row['each_test_mae'])} | {_cell(row['global_test_mae'])} | "
                     f"{_cell(row['global_no_id_test_mae'])} | {best} | "
                     f"{_cell(row['each_validation_mae'])} | {_cell(row['global_validation_mae'])} | "
                     f"{_cell(row['global_no_id_validation_mae'])} | "
                     f"{_cell(row['naive_validation_mae'])} | {row['each_seconds']:.0f} |")
    lines += ["", f"Global LSTM: {result['global_seconds']:.0f} s for all stations ({result['global_epochs']} epochs); "
              f"without the station id: {result['global_no_id_seconds']:.0f} s "
              f"({result['global_no_id_epochs']} epochs). "
              f"Validation score (mean of validation MAE / naive validation MAE): per station "
              f"{_cell(result['each_score'])}, global {_cell(result['global_score'])}, global without the id "
              f"{_cell(result['global_no_id_score'])}. `auto` picks **{result['choice']}**: "
              f"{result['reason']}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.across", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="nyc_airports", help="a built-in dataset of several series")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--epochs", type=int, help="override the default epochs (quick checks)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "across.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    result = benchmark(args.dataset, args.seed, args.epochs)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
