"""Command line: ``python -m core check FILE`` and ``python -m core forecast FILE --out DIR``.

A file of several series (a series-id column such as ``STATION``, or one temperature column per station): ``check``
lists them; ``forecast --series ID`` forecasts one, ``forecast --all-series`` each into ``DIR/<id>/`` with a
summary in ``DIR/series_metrics.csv``.

``forecast --all-series --across each|global|auto`` chooses between one LSTM per series, one across all of them
(``core.run.across``), or (``auto``, the default in this process) both, keeping the one that wins on validation.

``forecast`` trains in this process, or on Ray training workers with ``--ray`` or whenever ``RAY_ADDRESS`` names a
cluster (``docs/scale-out.md``); ``--auto`` then tries candidates on every worker at once. A model across series
(``--across global`` or ``auto``) trains in this process.

Exit codes: 0 ok, 2 bad input or config (one ``error:`` line on stderr), 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import re
import sys
import tempfile
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from core.errors import CoreError, DataError
from core.words import across_impossible, cli_summary

__all__ = ["SERIES_METRICS_COLUMNS", "build_parser", "main"]


#: The columns of ``series_metrics.csv`` (``forecast --all-series``), one row per series.
SERIES_METRICS_COLUMNS = (
    "series", "name", "n", "model", "lstm_mae", "best_reference", "best_reference_mae", "beats_best_reference",
    "coverage", "directory", "error",
)  # fmt: skip


# TensorFlow's start-up lines (written to the process's stderr by its C++ code before its logging is set up).
_TF_NOISE = re.compile(
    r"oneDNN|cuda|cuDNN|cuBLAS|cuFFT|TF-TRT|TensorRT|absl::|^[IWE]\d{4} |cpu_feature_guard|rebuild TensorFlow|"
    r"computation placer|AVX|tensorflow/core",
    re.IGNORECASE,
)


_RESERVED = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?", re.IGNORECASE)


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
        "--all-series", action="store_true",
        help="forecast every series of the file, each into DIR/<id>/, with DIR/series_metrics.csv",
    )
    forecast.add_argument(
        "--ray", action="store_true",
        help="train on Ray workers: an embedded local Ray, or the cluster RAY_ADDRESS names (used whenever "
        "RAY_ADDRESS is set); --auto then tries candidates on every worker at once",
    )
    forecast.add_argument("--workers", type=int, metavar="N", help="Ray training workers (default: one per CPU)")
    forecast.add_argument(
        "--across", choices=("each", "global", "auto"),
        help="with --all-series: one LSTM per series (each), one across all series, each scaled on its own "
        "(global), or both, keeping the one that wins on validation (auto; the default, except with --ray or "
        "--auto, where it is each); global and auto train in this process",
    )
    return parser


def _add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="CSV/TSV file")
    parser.add_argument("--date-column", help="name of the date column (default: detected)")
    parser.add_argument("--value-column", help="name of the value column (default: first temperature-like)")
    parser.add_argument("--series", metavar="ID", help="the series to use, by its id (a file of several series)")
    parser.add_argument(
        "--series-column", metavar="COL", help="the column that tells the series apart (default: detected)"
    )
    parser.add_argument(
        "--value-columns", metavar="A,B,C", type=_names,
        help="the columns of a wide file that are series of their own (default: its temperature-like columns)",
    )


def _names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("expected column names separated by commas, e.g. tmax_a,tmax_b")
    return names


def _read(args: argparse.Namespace) -> bytes:
    try:
        data: bytes = args.file.read_bytes()
    except OSError as exc:
        raise CoreError(f"Cannot read {args.file}: {exc.strerror or exc}.") from exc
    return data


def _load(args: argparse.Namespace) -> Any:
    """The one series the options pick: ``--series``, one of ``--value-columns``, or the file's only series."""
    from core.data.intake import read_series
    from core.data.series import SeveralSeriesError

    value_column = args.value_column
    if args.value_columns:
        if len(args.value_columns) > 1 and args.series is None:
            raise CoreError(f"--value-columns names {len(args.value_columns)} series; forecast them with "
                            "--all-series, or one with --series ID.")
        if args.series is None:
            value_column = args.value_columns[0]
        elif args.series not in args.value_columns:
            raise CoreError(f"--series {args.series!r} is not one of --value-columns {','.join(args.value_columns)}.")
    try:
        return read_series(_read(args), date_column=args.date_column, value_column=value_column,
                           series=args.series, series_column=args.series_column)
    except SeveralSeriesError as exc:
        raise CoreError(f"{exc} Use --series ID for one (e.g. --series {exc.panel_ids[0]}), "
                        "or --all-series for each.") from exc


def _load_panel(args: argparse.Namespace) -> Any:
    from core.data.panel import read_panel

    return read_panel(_read(args), date_column=args.date_column, value_column=args.value_column,
                      value_columns=args.value_columns, series_column=args.series_column)


def _length_problem(series: Any) -> str | None:
    """Why the default settings cannot train on this series (too short), or None."""
    from core.config import check_length, default_config

    try:
        check_length(len(series.values), default_config(series.values, series.frequency))
    except CoreError as exc:
        return str(exc)
    return None


def _command_check(args: argparse.Namespace) -> int:
    from core.data.intake import describe
    from core.data.panel import describe_panel

    if args.series is not None:
        members = [_load(args)]
        document = describe(members[0])
    else:
        panel = _load_panel(args)
        members = [member.series for member in panel.members]
        several = len(panel) > 1 or any(repair.kind == "series_skipped" for repair in panel.repairs)
        document = describe_panel(panel) if several else describe(members[0])
    problems = [_length_problem(series) for series in members]
    if all(problems):
        only = problems[0] if len(members) == 1 else f"no series is long enough for the default settings: {problems[0]}"
        raise CoreError(str(only))
    if "series_count" in document:
        for entry, problem in zip(document["series"], problems, strict=True):
            if problem:
                entry["too_short"] = problem
    json.dump(document, sys.stdout, indent=2)
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


def _progress_printer(quiet: bool, epochs: int, prefix: str = "") -> Any:
    def on_epoch(record: Any) -> None:
        if quiet:
            return
        val = "" if record.val_loss is None else f" val_loss={record.val_loss:.5f}"
        sys.stderr.write(
            f"{prefix}epoch {record.epoch}/{epochs} loss={record.loss:.5f}{val} ({record.seconds:.2f} s)\n"
        )
        sys.stderr.flush()

    return on_epoch


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with its start-up lines (oneDNN, CUDA, absl) held back; other lines still reach stderr.

    Those lines come from C++ before TensorFlow's logging is set up, so ``TF_CPP_MIN_LOG_LEVEL`` cannot stop
    them: the process's stderr is captured while the import runs.
    """
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import keras  # noqa: F401
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().decode("utf-8", errors="replace").splitlines()
    kept = [line for line in lines if line.strip() and not _TF_NOISE.search(line)]
    if kept:
        sys.stderr.write("\n".join(kept) + "\n")


def _command_forecast(args: argparse.Namespace) -> int:
    if args.across is not None and not args.all_series:
        raise CoreError("--across chooses between one model per series and one across them: it needs --all-series.")
    if args.across in ("global", "auto") and args.auto:
        raise CoreError(f"--auto searches settings one series at a time: use it with --across each, not "
                        f"--across {args.across}.")
    _import_tensorflow_quietly()
    if args.all_series:
        if args.series is not None:
            raise CoreError("--series and --all-series exclude each other: choose one.")
        across = args.across or ("each" if args.auto or args.ray or _on_a_cluster() else "auto")
        return _forecast_all(args) if across == "each" else _forecast_across(args, across)
    series = _load(args)
    run = _forecast_one(args, series, args.out, "")
    rec = run.recommendation
    summary = cli_summary(run.metrics["lstm"]["mae"], run.best_reference, "lstm" if rec is None else rec.model,
                          run.baseline_labels, None if rec is None else rec.weights)
    sys.stderr.write(f"done: status={run.status} epochs={run.epochs_run} {summary} Outputs in {args.out}\n")
    return 0


def _forecast_one(args: argparse.Namespace, series: Any, out: Path, prefix: str, pool: Any = None) -> Any:
    """Train on one series (on ``pool``'s Ray workers when given) and write every output file into ``out``;
    returns the usable run.

    Raises:
        CoreError: the series, the settings or the training cannot give a model to forecast with.
    """
    from core.model.progress import TrainControl
    from core.run.pipeline import run_forecast

    config = _resolve_config(args, series)
    _start_outputs(out, series, config)
    control = TrainControl(on_epoch=_progress_printer(args.quiet or args.auto, config.epochs, prefix))
    covariates = _covariates(args, series, config.covariates)
    filled = getattr(series, "filled", None)  # gap-filled points (intake), None when nothing was filled
    if args.auto:
        if not 1 <= args.budget_seconds <= 86400:
            raise CoreError(f"--budget-seconds {args.budget_seconds:g} is out of range: allowed 1..86400")

        def progress(line: str) -> None:
            if not args.quiet and line.startswith("Auto mode"):
                sys.stderr.write(prefix + line + "\n")
                sys.stderr.flush()

        control.on_stage = progress
    if pool is not None or args.ray or _on_a_cluster():
        run = _run_on_ray(args, series.values, config, control, covariates, filled, pool)
    elif args.auto:
        from core.run.auto import run_auto

        run = run_auto(series.values, config, control, budget_seconds=args.budget_seconds, covariates=covariates,
                       filled=filled)
    else:
        run = run_forecast(series.values, config, control, covariates, filled=filled)
    _write_run(out, series, run)
    if run.search is not None:
        _write_json(out / "config.json", run.config.to_dict())  # the winner's settings reproduce the model
        _write_json(out / "search.json", run.search.to_dict())
        sys.stderr.write(prefix + run.search.reason + "\n")
    return run


def _start_outputs(out: Path, series: Any, config: Any) -> None:
    """The files written before training: ``config.json``, ``data_report.json``, ``series.csv``."""
    from core.data.intake import describe

    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "config.json", config.to_dict())
    _write_json(out / "data_report.json", describe(series))
    _write_series(out / "series.csv", series)


def _write_run(out: Path, series: Any, run: Any) -> None:
    """The files of a finished run: history, metrics, predictions, forecast, backtest, the model bundle.

    Raises:
        CoreError: the run has no model to forecast with (history and metrics are written first).
    """
    from core.run.bundle import save_bundle

    _write_history(out / "history.csv", run.history)
    _write_json(out / "metrics.json", run.metrics_json())
    if not run.usable or run.predictions is None or run.forecast is None or run.metrics is None:
        raise CoreError(run.message or f"Training ended with status {run.status}; no model to forecast with.")

    predictions = run.predictions.reset_index()
    predictions.columns = ["date", *predictions.columns[1:]]
    predictions.to_csv(out / "predictions.csv", index=False, date_format="%Y-%m-%dT%H:%M:%S")
    run.forecast.to_csv(out / "forecast.csv", index=False, date_format="%Y-%m-%dT%H:%M:%S")
    if run.backtest is not None:
        run.backtest.to_frame(series.values.index).to_csv(out / "backtest.csv", index=False,
                                                          date_format="%Y-%m-%dT%H:%M:%S")
    save_bundle(run, out)


def _forecast_all(args: argparse.Namespace) -> int:
    """Forecast each series of the file into ``DIR/<id>/`` and summarise them in ``series_metrics.csv``: in turn,
    or with ``--ray`` (or ``RAY_ADDRESS``) as many at once as there are Ray workers, through one pool.

    A series that cannot be forecast gets its row with the reason in ``error``; the exit code is then 2.
    """
    panel = _load_panel(args)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    names = _directory_names(panel.ids())
    rows: list[dict[str, Any] | None] = [None] * len(panel.members)
    failed: dict[int, str] = {}
    lock = threading.Lock()

    def one(number: int, member: Any, pool: Any) -> None:
        prefix = f"[{number}/{len(panel)} {member.id}] "
        row: dict[str, Any] = {"series": member.id, "name": member.name or "", "n": member.rows,
                               "directory": names[member.id], "model": "each"}
        try:
            run = _forecast_one(args, member.series, out / names[member.id], prefix, pool)
        except CoreError as exc:
            row["error"] = _one_line(str(exc))
            with lock:
                failed[number] = f"{member.id!r}: {row['error']}"
                sys.stderr.write(f"{prefix}failed: {row['error']}\n")
        else:
            row.update(_series_scores(run))
            with lock:
                sys.stderr.write(f"{prefix}done: status={run.status} test MAE lstm={row['lstm_mae']:.3f} "
                                 f"{row['best_reference']}={row['best_reference_mae']:.3f}\n")
        with lock:
            rows[number - 1] = row
            _write_series_metrics(out / "series_metrics.csv", [r for r in rows if r is not None])

    numbered = list(enumerate(panel.members, start=1))
    if args.ray or _on_a_cluster():  # one series per Ray worker at once, all through one pool
        pool = _open_pool(args)
        try:
            with ThreadPoolExecutor(max(1, pool.slots), thread_name_prefix="all-series") as threads:
                list(threads.map(lambda item: one(item[0], item[1], pool), numbered))
        finally:
            _close_pool(pool)
    else:
        for number, member in numbered:
            one(number, member, None)
    return _all_done(out, [row for row in rows if row is not None], [failed[number] for number in sorted(failed)])


def _all_done(out: Path, done_rows: list[dict[str, Any]], rows_failed: list[str]) -> int:
    """The last line of ``--all-series``; raises CoreError naming the series that failed."""
    beats = sum(1 for row in done_rows if row.get("beats_best_reference") is True)
    done = len(done_rows) - len(rows_failed)
    sys.stderr.write(f"done: {done} of {len(done_rows)} series forecast; the LSTM beats the best reference on "
                     f"{beats} of {done}. Outputs in {out}, summary in {out / 'series_metrics.csv'}\n")
    if rows_failed:
        raise CoreError(f"{len(rows_failed)} of {len(done_rows)} series could not be forecast: "
                        f"{'; '.join(rows_failed[:3])}")
    return 0


def _forecast_across(args: argparse.Namespace, across: str) -> int:
    """``--all-series --across global|auto`` in this process: one LSTM across every series that can be prepared
    (``core.run.across.fit_global``), with ``auto`` also one per series, kept by ``choose_across`` on validation;
    the chosen model's run of each series into ``DIR/<id>/``, ``series_metrics.csv`` (column ``model``) and
    ``across.json`` (the validation figures and the reason)."""
    from core.config import check_length
    from core.model.progress import TrainControl
    from core.run.across import choose_across, fit_global
    from core.run.pipeline import complete, fit
    from core.run.references import check_series

    panel = _load_panel(args)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.ray or _on_a_cluster():
        sys.stderr.write(f"--across {across}: the models train in this process, not on Ray workers.\n")
    names = _directory_names(panel.ids())
    rows: dict[str, dict[str, Any]] = {}
    failed: list[str] = []
    members: list[Any] = []
    configs: list[Any] = []
    for member in panel.members:  # the settings of each; a series that cannot be prepared gets its error row
        rows[member.id] = {"series": member.id, "name": member.name or "", "n": member.rows,
                           "directory": names[member.id]}
        try:
            config = _resolve_config(args, member.series)
            check_series(member.series.values)
            check_length(len(member.series.values), configs[0] if configs else config)
        except CoreError as exc:
            rows[member.id]["error"] = _one_line(str(exc))
            failed.append(f"{member.id!r}: {rows[member.id]['error']}")
            sys.stderr.write(f"[{member.id}] failed: {rows[member.id]['error']}\n")
            continue
        members.append(member)
        configs.append(config)
    if not members:
        return _all_done(out, list(rows.values()), failed)
    shared_config = configs[0]  # one network: the settings of the first series for all
    values = [m.series.values for m in members]
    filled = [getattr(m.series, "filled", None) for m in members]
    covariates = [_covariates(args, m.series, shared_config.covariates) for m in members]
    quiet = args.quiet
    sys.stderr.write(f"training one model across {len(members)} series\n")
    try:
        progress = TrainControl(on_epoch=_progress_printer(quiet, shared_config.epochs, "[global] "))
        shared = fit_global(values, shared_config, progress, filled=filled, covariates=covariates,
                            names=[m.id for m in members])
    except DataError as exc:  # e.g. series whose seasons give other inputs: auto keeps one model per series
        if across == "global":
            raise
        reason = across_impossible(str(exc))
        _write_json(out / "across.json", {"asked": across, "model": "each", "reason": reason})
        sys.stderr.write(reason + "\n")
        return _forecast_all(args)
    chosen = shared
    document: dict[str, Any] = {"asked": across, "model": "global",
                                "reason": "--across global asks for one model across all series."}
    if across == "auto":
        each = [fit(v, c, TrainControl(on_epoch=_progress_printer(quiet, c.epochs, f"[{m.id}] ")), cov, filled=f)
                for m, v, c, cov, f in zip(members, values, configs, covariates, filled, strict=True)]
        choice = choose_across(each, shared)
        chosen = shared if choice.model == "global" else each
        document = {"asked": across, **choice.to_dict(), "series": [m.id for m in members]}
        sys.stderr.write(choice.reason + "\n")
    else:
        document.update(shared=[f.validation_mae() for f in shared], series=[m.id for m in members])
    _write_json(out / "across.json", document)
    for number, (member, fitted) in enumerate(zip(members, chosen, strict=True), start=1):
        prefix = f"[{number}/{len(members)} {member.id}] "
        row = rows[member.id]
        row["model"] = document["model"]
        try:
            # the settings asked for (a global model's config also names its series-id inputs), for --config
            asked = fitted.config if chosen is not shared else shared_config
            _start_outputs(out / names[member.id], member.series, asked)
            run = complete(fitted, values[number - 1], TrainControl())
            _write_run(out / names[member.id], member.series, run)
        except CoreError as exc:
            row["error"] = _one_line(str(exc))
            failed.append(f"{member.id!r}: {row['error']}")
            sys.stderr.write(f"{prefix}failed: {row['error']}\n")
        else:
            row.update(_series_scores(run))
            sys.stderr.write(f"{prefix}done: model={row['model']} status={run.status} test MAE "
                             f"lstm={row['lstm_mae']:.3f} {row['best_reference']}={row['best_reference_mae']:.3f}\n")
        _write_series_metrics(out / "series_metrics.csv", list(rows.values()))
    _write_series_metrics(out / "series_metrics.csv", list(rows.values()))
    return _all_done(out, list(rows.values()), failed)


def _series_scores(run: Any) -> dict[str, Any]:
    """The ``series_metrics.csv`` fields of one finished run."""
    lstm = float(run.metrics["lstm"]["mae"])
    best = run.best_reference
    reference, reference_mae = best if best is not None else ("", float("nan"))
    coverage = run.metrics_json().get("interval", {}).get("coverage")
    beats = run.beats_best_reference()
    return {
        "lstm_mae": lstm,
        "best_reference": reference,
        "best_reference_mae": reference_mae,
        "beats_best_reference": "" if beats is None else beats,
        "coverage": "" if coverage is None else coverage,
    }


def _directory_names(ids: tuple[str, ...]) -> dict[str, str]:
    """A safe, distinct directory name for each id: ``'USW00024233'`` stays, ``'a/b c'`` becomes ``'a_b_c'``."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for series_id in ids:
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", series_id).strip("._")[:60] or "series"
        if _RESERVED.fullmatch(base):
            base = "_" + base
        name, suffix = base, 2
        while name.casefold() in used:
            name, suffix = f"{base}-{suffix}", suffix + 1
        used.add(name.casefold())
        names[series_id] = name
    return names


def _write_series(path: Path, series: Any) -> None:
    """``series.csv``: the regular series used (``date``, ``value``, ``filled``: True where intake made it up)."""
    import pandas as pd

    frame = pd.DataFrame({"date": series.values.index, "value": series.values.to_numpy(),
                          "filled": series.filled_mask().to_numpy(dtype=bool)})
    frame.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S", float_format="%.10g")


def _write_series_metrics(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=SERIES_METRICS_COLUMNS, restval="", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _csv_cell(value) for key, value in row.items()})


def _csv_cell(value: Any) -> Any:
    """Numbers as numbers; text that a spreadsheet would run as a formula gets a leading ``'``."""
    if isinstance(value, float):
        return "" if value != value else repr(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _on_a_cluster() -> bool:
    from core.run.cluster import cluster_address

    return cluster_address() is not None


def _open_pool(args: argparse.Namespace) -> Any:
    """Ray training workers for this command (embedded, or the cluster ``RAY_ADDRESS`` names), said on stderr."""
    from core.run.pool import WorkerPool

    if args.workers is not None and not 1 <= args.workers <= 1024:
        raise CoreError(f"--workers {args.workers} is out of range: allowed 1..1024")
    pool = WorkerPool(args.workers, background=False)
    info = pool.info
    where = "an embedded local Ray" if info is None or info.embedded else f"the Ray cluster at {info.address}"
    nodes = "" if info is None else f", {info.nodes} node(s), {info.cpus:g} CPU(s)"
    sys.stderr.write(f"training on {where}{nodes}: {pool.slots} worker(s) {', '.join(pool.workers())}\n")
    return pool


def _close_pool(pool: Any) -> None:
    from core.run import cluster

    pool.close()
    cluster.disconnect()


def _run_on_ray(args: argparse.Namespace, values: Any, config: Any, control: Any, covariates: Any,
                filled: Any = None, pool: Any = None) -> Any:
    """The forecast (or auto-mode search) on Ray training workers: ``pool``'s, or a pool of its own that ends
    with it."""
    from core.run.portable import Plan

    plan = Plan("auto" if args.auto else "plain", budget_seconds=args.budget_seconds, covariates=covariates,
                filled=filled)
    if pool is not None:
        return pool.run(values, config, control, plan)
    own = _open_pool(args)
    try:
        return own.run(values, config, control, plan)
    finally:
        _close_pool(own)


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
    except BrokenPipeError:  # the reader went away (``... | head``): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the CLI's last line of defence: one line, traceback to the log
        traceback.print_exc(file=sys.stderr)
        sys.stderr.write(f"error: unexpected failure: {type(exc).__name__}: {_one_line(str(exc))}\n")
        return 1


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "unknown problem"
