"""Command line: ``python -m core check FILE`` and ``python -m core forecast FILE --out DIR``.

``forecast`` trains in this process, or on Ray training workers with ``--ray`` or whenever ``RAY_ADDRESS`` names a
cluster (``docs/scale-out.md``); ``--auto`` then tries candidates on every worker at once.

Exit codes: 0 ok, 2 bad input or config (one ``error:`` line on stderr), 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from core.errors import CoreError

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors with exit code 2 and an ``error:`` last line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core", description="Honest LSTM forecasts from a CSV file.")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="read FILE, repair what is safe to repair, print a JSON report")
    _add_input_arguments(check)

    forecast = sub.add_parser("forecast", help="train an LSTM on FILE and write metrics, predictions, model")
    _add_input_arguments(forecast)
    forecast.add_argument("--out", required=True, type=Path, help="output directory (created if missing)")
    forecast.add_argument("--config", type=Path, help="JSON file with (some) config fields")
    forecast.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override one config field, e.g. --set epochs=20 (repeatable)",
    )
    forecast.add_argument("--quiet", action="store_true", help="no per-epoch progress lines")
    forecast.add_argument(
        "--auto", action="store_true",
        help="search window, units, layers, dropout, learning rate, inputs and target within a time budget, "
        "judged on validation data; the config is the starting point",
    )
    forecast.add_argument(
        "--budget-seconds", type=float, default=120.0, metavar="N",
        help="time budget of --auto in seconds (default 120)",
    )
    forecast.add_argument(
        "--ray", action="store_true",
        help="train on Ray workers: an embedded local Ray, or the cluster RAY_ADDRESS names (used whenever "
        "RAY_ADDRESS is set); --auto then tries candidates on every worker at once",
    )
    forecast.add_argument("--workers", type=int, metavar="N", help="Ray training workers (default: one per CPU)")
    return parser


def _add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="CSV/TSV file")
    parser.add_argument("--date-column", help="name of the date column (default: detected)")
    parser.add_argument("--value-column", help="name of the value column (default: first temperature-like)")


def _load(args: argparse.Namespace) -> Any:
    from core.data.intake import read_series

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise CoreError(f"Cannot read {args.file}: {exc.strerror or exc}.") from exc
    return read_series(data, date_column=args.date_column, value_column=args.value_column)


def _command_check(args: argparse.Namespace) -> int:
    from core.data.intake import describe

    series = _load(args)
    json.dump(describe(series), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _resolve_config(args: argparse.Namespace, series: Any) -> Any:
    from core.config import ForecastConfig, default_config, parse_set_options

    base = default_config(series.values, series.frequency)
    if args.config is not None:
        try:
            document = json.loads(args.config.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CoreError(f"Cannot read config file {args.config}: {exc}.") from exc
        if not isinstance(document, dict):
            raise CoreError(f"Config file {args.config} must hold a JSON object.")
        base = ForecastConfig.from_dict(document, base=base)
    return parse_set_options(args.overrides, base)


def _covariates(args: argparse.Namespace, series: Any, names: tuple[str, ...]) -> Any:
    """The covariate columns read like the value column and aligned to its dates (None without any)."""
    if not names:
        return None
    from core.data.intake import read_covariates

    for name in names:
        if name not in series.columns:
            known = ", ".join(series.columns)
            raise CoreError(f"The file has no column {name!r} to use as a covariate: it has {known}.")
    return read_covariates(args.file.read_bytes(), series, names).frame


def _progress_printer(quiet: bool, epochs: int) -> Any:
    def on_epoch(record: Any) -> None:
        if quiet:
            return
        val = "" if record.val_loss is None else f" val_loss={record.val_loss:.5f}"
        sys.stderr.write(
            f"epoch {record.epoch}/{epochs} loss={record.loss:.5f}{val} ({record.seconds:.2f} s)\n"
        )
        sys.stderr.flush()

    return on_epoch


def _command_forecast(args: argparse.Namespace) -> int:
    from core.data.intake import describe
    from core.model.progress import TrainControl
    from core.run.bundle import save_bundle
    from core.run.pipeline import run_forecast

    series = _load(args)
    config = _resolve_config(args, series)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "config.json", config.to_dict())
    _write_json(out / "data_report.json", describe(series))

    control = TrainControl(on_epoch=_progress_printer(args.quiet or args.auto, config.epochs))
    covariates = _covariates(args, series, config.covariates)
    if args.auto:
        if not 1 <= args.budget_seconds <= 86400:
            raise CoreError(f"--budget-seconds {args.budget_seconds:g} is out of range: allowed 1..86400")

        def progress(line: str) -> None:
            if not args.quiet and line.startswith("Auto mode"):
                sys.stderr.write(line + "\n")
                sys.stderr.flush()

        control.on_stage = progress
    if args.ray or _on_a_cluster():
        run = _run_on_ray(args, series.values, config, control, covariates)
    elif args.auto:
        from core.run.auto import run_auto

        run = run_auto(series.values, config, control, budget_seconds=args.budget_seconds, covariates=covariates)
    else:
        run = run_forecast(series.values, config, control, covariates)
    _write_history(out / "history.csv", run.history)
    _write_json(out / "metrics.json", run.metrics_json())
    if not run.usable or run.predictions is None or run.forecast is None or run.metrics is None:
        raise CoreError(run.message or f"Training ended with status {run.status}; no model to forecast with.")

    predictions = run.predictions.reset_index()
    predictions.columns = ["date", *predictions.columns[1:]]
    predictions.to_csv(out / "predictions.csv", index=False, date_format="%Y-%m-%dT%H:%M:%S")
    run.forecast.to_csv(out / "forecast.csv", index=False, date_format="%Y-%m-%dT%H:%M:%S")
    save_bundle(run, out)
    if run.search is not None:
        _write_json(out / "config.json", run.config.to_dict())  # the winner's settings reproduce the model
        _write_json(out / "search.json", run.search.to_dict())
        sys.stderr.write(run.search.reason + "\n")
    lstm, naive = run.metrics["lstm"]["mae"], run.metrics["naive"]["mae"]
    verdict = "beats" if lstm < naive else "does NOT beat"
    sys.stderr.write(
        f"done: status={run.status} epochs={run.epochs_run} test MAE lstm={lstm:.3f} naive={naive:.3f} "
        f"-> the LSTM {verdict} 'same as last step'. Outputs in {out}\n"
    )
    return 0


def _on_a_cluster() -> bool:
    from core.run.cluster import cluster_address

    return cluster_address() is not None


def _run_on_ray(args: argparse.Namespace, values: Any, config: Any, control: Any, covariates: Any) -> Any:
    """The forecast (or auto-mode search) on Ray training workers; the connection ends with it."""
    from core.run import cluster
    from core.run.pool import WorkerPool
    from core.run.portable import Plan

    if args.workers is not None and not 1 <= args.workers <= 1024:
        raise CoreError(f"--workers {args.workers} is out of range: allowed 1..1024")
    plan = Plan("auto" if args.auto else "plain", budget_seconds=args.budget_seconds, covariates=covariates)
    pool = WorkerPool(args.workers, background=False)
    try:
        info = pool.info
        where = "an embedded local Ray" if info is None or info.embedded else f"the Ray cluster at {info.address}"
        nodes = "" if info is None else f", {info.nodes} node(s), {info.cpus:g} CPU(s)"
        sys.stderr.write(f"training on {where}{nodes}: {pool.slots} worker(s) {', '.join(pool.workers())}\n")
        return pool.run(values, config, control, plan)
    finally:
        pool.close()
        cluster.disconnect()


def _write_json(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")


def _write_history(path: Path, history: list[Any]) -> None:
    lines = ["epoch,loss,val_loss,seconds"]
    for record in history:
        val = "" if record.val_loss is None else repr(float(record.val_loss))
        lines.append(f"{record.epoch},{float(record.loss)!r},{val},{float(record.seconds)!r}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    handler = _command_check if args.command == "check" else _command_forecast
    try:
        return handler(args)
    except CoreError as exc:
        sys.stderr.write(f"error: {_one_line(str(exc))}\n")
        return 2
    except Exception as exc:  # the CLI's last line of defence: one line, traceback to the log
        traceback.print_exc(file=sys.stderr)
        sys.stderr.write(f"error: unexpected failure: {type(exc).__name__}: {_one_line(str(exc))}\n")
        return 1


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "unknown problem"
