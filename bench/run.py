"""``python -m bench [--quick] [--runs N] [--parts ...] [--markdown FILE]``: the performance table.

Every arm runs in its own fresh Python process (``bench.workers``), arms of one comparison are
interleaved run by run so they share the machine's load, and the table shows medians over the runs
and the ratios. Parts: daily (Seattle, our default vs the plain Keras recipe), seed (the tutorial's job),
throughput (our compiled step vs a plain PyTorch loop), app (first render, Train page usable, live chart
vs headless), memory (RSS over many trainings), scale (a generated 1,000,000-row hourly CSV); and the Ray parts of
``bench.ray_parts``: ray (start seconds and memory per worker), stop (Stop latency), auto (candidates per budget).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("daily", "seed", "throughput", "app", "memory", "scale", "ray", "stop", "auto")


def worker(name: str, **args: Any) -> dict[str, Any]:
    """Run one ``bench.workers`` measurement in a fresh process; its result dict."""
    process = subprocess.run(
        [sys.executable, "-m", "bench.workers", name, json.dumps(args)], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, timeout=3600,
    )
    for line in reversed(process.stdout.splitlines()):
        if line.startswith("BENCH_RESULT "):
            return dict(json.loads(line[len("BENCH_RESULT "):]))
    tail = "\n".join((process.stderr or process.stdout).strip().splitlines()[-5:])
    raise RuntimeError(f"bench worker {name} failed (exit {process.returncode}):\n{tail}")


def median(rows: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(float(row[key]) for row in rows))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = "load average {:.1f}/{:.1f}/{:.1f}".format(*os.getloadavg())
    except OSError:
        load = ""
    versions = []
    for module in ("tensorflow-cpu", "keras", "torch", "streamlit"):
        try:
            from importlib.metadata import version

            versions.append(f"{module} {version(module)}")
        except Exception:  # noqa: BLE001 - a missing package is simply not listed
            continue
    return (f"{os.cpu_count()} CPU ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, {', '.join(versions)}; {load} at the start")


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, part: str, measure: str, ours: str, reference: str, ratio: str, target: str = "") -> None:
        self.rows.append((part, measure, ours, reference, ratio + (f" ({target})" if target else "")))
        print(f"  {part:10s} | {measure:48s} | {ours:>12s} | {reference:>12s} | {ratio} {target}", flush=True)

    def markdown(self) -> str:
        lines = ["| part | measure | ours | reference | ratio / target |", "|---|---|---|---|---|"]
        lines += [f"| {' | '.join(row)} |" for row in self.rows]
        return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def daily(table: Table, runs: int, quick: bool) -> None:
    ours, keras = [], []
    extra = {"overrides": {"epochs": 3}, "epochs": 3} if quick else {}
    for seed in range(runs):
        keras.append(worker("daily_keras", seed=seed, **extra))
        ours.append(worker("daily_ours", seed=seed, **extra))
    speed = median(keras, "fit_s") / median(ours, "fit_s")
    mae = median(ours, "mae") / median(keras, "mae")
    table.add("daily", "fit seconds (median)", f"{median(ours, 'fit_s'):.2f}", f"{median(keras, 'fit_s'):.2f}",
              f"{speed:.2f}x faster", f"target >= 4x: {verdict(speed >= 4)}")
    table.add("daily", "seconds from reading the CSV to a forecast", f"{median(ours, 'total_s'):.2f}",
              f"{median(keras, 'total_s'):.2f}", f"{median(keras, 'total_s') / median(ours, 'total_s'):.2f}x faster")
    table.add("daily", "test MAE °C (median over seeds)", f"{median(ours, 'mae'):.3f}", f"{median(keras, 'mae'):.3f}",
              f"{mae:.3f}x", f"target <= 1.02x: {verdict(mae <= 1.02)}")
    table.add("daily", "epochs run (median)", f"{median(ours, 'epochs'):.0f}", f"{median(keras, 'epochs'):.0f}", "")


def seed_job(table: Table, runs: int, quick: bool) -> None:
    ours, keras = [], []
    for seed in range(runs):
        keras.append(worker("seed_keras", seed=seed))
        ours.append(worker("seed_ours", seed=seed))
    speed = median(keras, "fit_s") / median(ours, "fit_s")
    table.add("seed", "fit seconds (20 points, window 5, 100 epochs, batch 1)", f"{median(ours, 'fit_s'):.2f}",
              f"{median(keras, 'fit_s'):.2f}", f"{speed:.2f}x faster", f"target >= 4x: {verdict(speed >= 4)}")
    table.add("seed", "test MAE °C (median)", f"{median(ours, 'mae'):.2f}", f"{median(keras, 'mae'):.2f}",
              f"{median(ours, 'mae') / median(keras, 'mae'):.2f}x")


def throughput(table: Table, runs: int, quick: bool) -> None:
    from core.config import default_config
    from core.data.intake import read_series

    series = read_series((ROOT / "data" / "seattle_temp_max.csv").read_bytes())
    default_batch = default_config(series.values, series.frequency).batch_size
    epochs = 2 if quick else 6
    for batch in sorted({default_batch, 32}):
        torch = [worker("throughput_torch", batch_size=batch, epochs=epochs) for _ in range(runs)]
        for every_position, mode in ((True, "ours (every position, default)"), (False, "ours (one target per window)")):
            ours = [worker("throughput_ours", batch_size=batch, epochs=epochs, every_position=every_position)
                    for _ in range(runs)]
            label = f"windows/s, window 30, 64 units, batch {batch}: {mode}"
            if "skipped" in torch[0]:
                table.add("throughput", label, f"{median(ours, 'windows_per_s'):.0f}", "skipped", torch[0]["skipped"])
                continue
            ratio = median(ours, "windows_per_s") / median(torch, "windows_per_s")
            table.add("throughput", label, f"{median(ours, 'windows_per_s'):.0f}",
                      f"{median(torch, 'windows_per_s'):.0f}", f"{ratio:.2f}x",
                      f"target >= 1x: {verdict(ratio >= 1)}" if every_position else "")


def app(table: Table, runs: int, quick: bool) -> None:
    from bench.app import bare_startup, chromium, live_training, startup

    logs = ROOT / "artifacts"
    logs.mkdir(exist_ok=True)
    starts, bare, live, headless, plain = [], [], [], [], []
    with chromium() as browser:
        for _ in range(runs):
            starts.append(startup(browser, logs / "bench-streamlit.log"))
            bare.append(bare_startup(browser, logs / "bench-streamlit-bare.log"))
            if not quick:
                live.append(live_training(browser, logs / "bench-streamlit.log"))
                # The same training without a browser: the Train button's runner, which also records the Learn
                # page's replay; and the CLI's, which does not.
                headless.append(worker("daily_ours", seed=42, replay=True))
                plain.append(worker("daily_ours", seed=42))
    text = median(starts, "first_text_after_accept_s")
    after = median(starts, "first_render_after_accept_s")
    bare_text, bare_chart = median(bare, "text_after_accept_s"), median(bare, "chart_after_accept_s")
    table.add("app", "s from `streamlit run` to accepting connections", f"{median(starts, 'accept_s'):.2f}", "", "")
    heading = median(starts, "first_heading_after_accept_s")
    table.add("app", "s from accepting connections to the first page's heading (vs a bare one-chart app's)",
              f"{heading:.2f}", f"{bare_text:.2f}", f"{heading / bare_text:.2f}x",
              f"target <= 1 s: {verdict(heading <= 1)}")
    table.add("app", "s from accepting connections to the first page's text down to \"Your series\"",
              f"{text:.2f}", f"{bare_text:.2f}", f"{text / bare_text:.2f}x", f"target <= 1 s: {verdict(text <= 1)}")
    table.add("app", "s from accepting connections to first page drawn, chart included (vs the bare app's chart)",
              f"{after:.2f}", f"{bare_chart:.2f}", f"{after / bare_chart:.2f}x", "")
    table.add("app", "s from opening the URL to first page drawn", f"{median(starts, 'open_to_render_s'):.2f}", "", "")
    table.add("app", "s from `streamlit run` to first page drawn", f"{median(starts, 'first_render_s'):.2f}", "", "")
    table.add("app", "s from `streamlit run` to Train page usable", f"{median(starts, 'train_usable_s'):.2f}", "", "")
    if live:
        overhead = median(live, "fit_s") / median(headless, "fit_s") - 1
        table.add("app", "fit s: page polling the live chart vs the same training headless (with replay)",
                  f"{median(live, 'fit_s'):.2f}", f"{median(headless, 'fit_s'):.2f}", f"{100 * overhead:+.0f} %",
                  f"target <= 10 %: {verdict(overhead <= 0.10)}")
        replay = median(headless, "fit_s") / median(plain, "fit_s") - 1
        table.add("app", "fit s: headless with the Learn page's replay vs without (the CLI's training)",
                  f"{median(headless, 'fit_s'):.2f}", f"{median(plain, 'fit_s'):.2f}", f"{100 * replay:+.0f} %", "")


def memory(table: Table, runs: int, quick: bool) -> None:
    trainings = 3 if quick else 20
    result = worker("memory_soak", trainings=trainings, epochs=1 if quick else 5)
    growth = result["growth_mb"]
    table.add("memory", f"RSS MB after 1 / after {trainings} trainings (one process)",
              f"{result['rss_after_1_mb']:.0f} / {result['rss_after_n_mb']:.0f}", "",
              f"+{growth:.0f} MB", f"target <= 150 MB: {verdict(growth <= 150)}")


def scale(table: Table, runs: int, quick: bool) -> None:
    from bench.workers import hourly_csv, stations_csv

    rows = 20_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hourly.csv"
        hourly_csv(path, rows)
        checks = [worker("scale_check", csv=str(path)) for _ in range(runs)]
        epoch = worker("scale_epoch", csv=str(path))
        stations, per_station = (20, 1_000) if quick else (1_000, 1_000)
        long_file = Path(folder) / "stations.csv"
        stations_csv(long_file, stations, per_station)
        panels = [worker("scale_panel", csv=str(long_file)) for _ in range(runs)]
    seconds = median(checks, "check_and_chart_s")
    table.add("scale", f"s to read + check {rows:,} rows and build the first chart", f"{seconds:.2f}", "", "",
              f"target <= 5 s: {verdict(seconds <= 5)}")
    panel_seconds, panel_peak = median(panels, "check_and_chart_s"), max(row["peak_rss_mb"] for row in panels)
    table.add("scale", f"s to read + check {stations:,} stations x {per_station:,} rows (long file) and draw the "
              "small multiples", f"{panel_seconds:.2f}", "", "")
    table.add("scale", f"peak RSS MB of that ({panels[0]['series']:,} series, {panels[0]['rows']:,} rows)",
              f"{panel_peak:.0f}", "", "", f"target < 2048 MB: {verdict(panel_peak < 2048)}")
    peak = epoch["peak_rss_mb"]
    table.add("scale", f"peak RSS MB of one training epoch ({epoch['windows']:,} windows, {epoch['epoch_s']:.0f} s)",
              f"{peak:.0f}", "", "", f"target < 2048 MB: {verdict(peak < 2048)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: 1 run, few epochs, small files")
    parser.add_argument("--runs", type=int, help="runs per arm (default 5, quick 1)")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 5)
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    sys.path.insert(0, str(ROOT))
    header = machine()
    print(f"machine: {header}\nruns per arm: {runs}{' (quick)' if args.quick else ''}", flush=True)
    table = Table()
    started = time.monotonic()
    from bench.ray_parts import auto_part, ray_part, stop_part

    functions = {"daily": daily, "seed": seed_job, "throughput": throughput, "app": app, "memory": memory,
                 "scale": scale, "ray": ray_part, "stop": stop_part, "auto": auto_part}
    for part in parts:
        functions[part](table, runs, args.quick)
    print(f"\n{table.markdown()}\n\n{time.monotonic() - started:.0f} s in all", flush=True)
    if args.markdown is not None:
        args.markdown.write_text(
            f"Machine: {header}. Medians over {runs} run(s) per arm.\n\n{table.markdown()}\n", encoding="utf-8")
    return 0
