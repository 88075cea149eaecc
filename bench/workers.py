"""One measurement per process: ``python -m bench.workers NAME '{json args}'``.

Each worker prints one line ``BENCH_RESULT {json}`` on stdout. Running every arm in its own fresh process
keeps TensorFlow state, caches and memory of one arm from affecting another; the orchestrator
(:mod:`bench.run`) interleaves the arms so they share the machine's noise.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
SEATTLE = ROOT / "data" / "seattle_temp_max.csv"
SEED = ROOT / "data" / "seed_temperatures.csv"
#: The seed tutorial's setup, as docs/cli.md gives it ("The tutorial's setup").
SEED_SETTINGS = {
    "window": 5, "units": 50, "epochs": 100, "batch_size": 1, "test_fraction": 0.34,
    "validation_fraction": 0.0, "patience": 0,
}

#: The plain recipes (Keras, the seed tutorial, PyTorch) read one input per step: the value itself.
PLAIN_INPUTS = {"calendar": False, "seasonal_input": False, "target": "value", "backtest_folds": 0}

WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def worker(function: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    WORKERS[function.__name__] = function
    return function


def rss_mb() -> float:
    """Current resident set size of this process, MB (from /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _series(path: Path) -> Any:
    from core.data.intake import read_series

    return read_series(path.read_bytes())


def _config(series: Any, overrides: dict[str, Any]) -> Any:
    from core.config import ForecastConfig, default_config

    return ForecastConfig.from_dict(overrides, default_config(series.values, series.frequency))


def _ours(path: Path, overrides: dict[str, Any], seed: int, replay: bool = False) -> dict[str, Any]:
    """Our training as the CLI runs it: read the file, default config (+ overrides), run_forecast; with
    ``replay``, as the app's Train button runs it (``core.replay.replay_runner``: also records the Learn page's
    training replay, a test-span prediction per epoch)."""
    import core.run.pipeline  # noqa: F401  (import cost is not part of the timing)
    from core.model.progress import TrainControl

    started = time.perf_counter()
    series = _series(path)
    config = _config(series, {**overrides, "seed": seed})
    from core.run.pipeline import run_forecast
    from core.run.runners import replay_runner

    run = replay_runner(series.values, config, TrainControl()) if replay else run_forecast(series.values, config)
    total = time.perf_counter() - started
    return {
        "fit_s": run.train_seconds, "total_s": total, "mae": run.metrics["lstm"]["mae"] if run.metrics else None,
        "epochs": run.epochs_run, "best_epoch": run.best_epoch, "batch_size": config.batch_size,
        "learning_rate": config.learning_rate,
    }


def _plain_keras_windows(path: Path, overrides: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Series, config and the windows our pipeline trains and tests on (same split, same scaler)."""
    from core.model.windows import prepare

    series = _series(path)
    config = _config(series, {**overrides, **PLAIN_INPUTS})
    return series, config, prepare(series.values.to_numpy(dtype=float), config)


@worker
def daily_ours(args: dict[str, Any]) -> dict[str, Any]:
    return _ours(SEATTLE, args.get("overrides", {}), args["seed"], replay=bool(args.get("replay", False)))


@worker
def daily_keras(args: dict[str, Any]) -> dict[str, Any]:
    """The plain Keras recipe: Sequential LSTM(64) -> Dense(1), Adam, batch 32, ``model.fit`` with
    EarlyStopping(patience 10, best weights restored), on our windows; scored on the same test span."""
    import keras
    import numpy as np

    started = time.perf_counter()
    series, config, data = _plain_keras_windows(SEATTLE, {})
    keras.utils.set_random_seed(args["seed"])
    model = keras.Sequential([keras.Input(data.x_train.shape[1:]), keras.layers.LSTM(64), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    fit_started = time.perf_counter()
    history = model.fit(
        data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=100, batch_size=32,
        callbacks=[stop], verbose=0,
    )
    fit = time.perf_counter() - fit_started
    predicted = data.scaler.inverse(model.predict(data.x_test, verbose=0).reshape(-1))
    actual = data.values[data.split.test_start :]
    mae = float(np.mean(np.abs(predicted - actual)))
    window = list(data.scaled[-config.window :])  # recursive 7-step forecast, as a user of the recipe would
    for _ in range(config.horizon):
        step = model.predict(np.asarray(window[-config.window :], np.float32).reshape(1, -1, 1), verbose=0)
        window.append(float(step[0, 0]))
    total = time.perf_counter() - started
    return {"fit_s": fit, "total_s": total, "mae": mae, "epochs": len(history.history["loss"])}


@worker
def seed_ours(args: dict[str, Any]) -> dict[str, Any]:
    return _ours(SEED, SEED_SETTINGS, args["seed"])


@worker
def seed_keras(args: dict[str, Any]) -> dict[str, Any]:
    """The seed tutorial's code: LSTM(50) -> Dense(1), Adam, MSE, ``fit(epochs=100, batch_size=1)``, on the
    same 8 training windows our run with the seed's settings trains on."""
    import keras
    import numpy as np

    started = time.perf_counter()
    _, _, data = _plain_keras_windows(SEED, SEED_SETTINGS)
    keras.utils.set_random_seed(args["seed"])
    model = keras.Sequential([keras.Input(data.x_train.shape[1:]), keras.layers.LSTM(50), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    fit_started = time.perf_counter()
    model.fit(data.x_train, data.y_train, epochs=100, batch_size=1, verbose=0)
    fit = time.perf_counter() - fit_started
    predicted = data.scaler.inverse(model.predict(data.x_test, verbose=0).reshape(-1))
    mae = float(np.mean(np.abs(predicted - data.values[data.split.test_start :])))
    return {"fit_s": fit, "total_s": time.perf_counter() - started, "mae": mae, "epochs": 100}


def _throughput_data(batch_size: int) -> tuple[Any, Any]:
    from core.config import ForecastConfig
    from core.model.windows import prepare

    series = _series(SEATTLE)
    config = ForecastConfig.from_dict({"batch_size": batch_size}, _config(series, PLAIN_INPUTS))
    return config, prepare(series.values.to_numpy(dtype=float), config)


@worker
def throughput_ours(args: dict[str, Any]) -> dict[str, Any]:
    """Training windows per second of our compiled step (steady state: epochs after the first).

    ``every_position`` True: what ``core.training`` does by default (each of the ``n`` training targets is
    predicted once per epoch, ~``batch_size`` targets per step); False: one target per window.
    """
    import numpy as np
    import tensorflow as tf

    from core.model import training
    from core.model.network import build_model

    config, data = _throughput_data(args["batch_size"])
    model = build_model(config, data.x_train.shape[2])
    n, window = len(data.y_train), data.x_train.shape[1]
    twin = training.positions_usable(model, data) if args.get("every_position", True) else None
    span = window - training.min_context(window) + 1
    size = config.batch_size if twin is None else max(1, round(config.batch_size / span))
    compiled = training._Compiled(model, data, size, twin)
    rng = np.random.default_rng(0)
    times = []
    for _ in range(args.get("epochs", 6) + 1):
        if twin is None:
            a = b = training.batch_order(rng, n)
        else:
            a, b = training.position_plan(rng, n, window)
        began = time.perf_counter()
        float(np.sum(compiled.steps(tf.constant(a), tf.constant(b), tf.constant(0), tf.constant(-(-len(a) // size)))))
        times.append(time.perf_counter() - began)
    epoch = float(np.median(times[1:]))
    return {"windows_per_s": n / epoch, "epoch_ms": 1000 * epoch, "windows": n, "batch_size": config.batch_size,
            "every_position": twin is not None}


@worker
def throughput_torch(args: dict[str, Any]) -> dict[str, Any]:
    """A plain PyTorch loop on the same windows: nn.LSTM(64) -> Linear(1), Adam, MSE, shuffled batches."""
    try:
        import torch
    except ImportError:
        return {"skipped": "torch is not installed (pip install torch; it is not a runtime dependency)"}
    import numpy as np

    config, data = _throughput_data(args["batch_size"])
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(data.x_train.shape[2], config.units, batch_first=True)
            self.head = torch.nn.Linear(config.units, 1)

        def forward(self, x: Any) -> Any:
            out, _ = self.lstm(x)
            return self.head(out[:, -1]).squeeze(-1)

    net = Net()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    x, y = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    n, size = len(y), config.batch_size
    times = []
    for _ in range(args.get("epochs", 6) + 1):
        order = torch.randperm(n)
        began = time.perf_counter()
        for start in range(0, n, size):
            index = order[start : start + size]
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(net(x[index]), y[index])
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - began)
    epoch = float(np.median(times[1:]))
    return {"windows_per_s": n / epoch, "epoch_ms": 1000 * epoch, "windows": n, "threads": torch.get_num_threads()}


@worker
def memory_soak(args: dict[str, Any]) -> dict[str, Any]:
    """RSS after 1 and after ``trainings`` trainings run one after another through a JobManager, as the app does."""
    import gc

    from core.dashboard.jobs import JobManager

    series = _series(SEATTLE)
    config = _config(series, {"epochs": args.get("epochs", 5), "patience": 0})
    manager = JobManager(max_running=1)
    rss = []
    for i in range(args["trainings"]):
        job = manager.submit(owner=f"bench-{i}", name="seattle", values=series.values, config=config)
        if not job.wait(600):
            raise RuntimeError("a training did not finish within 600 s")
        state = job.snapshot().state
        if state not in ("completed", "early_stopped"):
            raise RuntimeError(f"training {i + 1} ended as {state}")
        del job
        gc.collect()
        rss.append(rss_mb())
    return {"rss_after_1_mb": rss[0], "rss_after_n_mb": rss[-1], "growth_mb": rss[-1] - rss[0],
            "trainings": len(rss), "epochs": config.epochs}


def hourly_csv(path: Path, rows: int) -> None:
    """A generated hourly temperature CSV: a daily and a yearly cycle plus noise (seeded)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    hours = np.arange(rows)
    values = 10 + 8 * np.sin(2 * np.pi * hours / 8766) + 4 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 1, rows)
    frame = pd.DataFrame({"time": pd.date_range("1900-01-01", periods=rows, freq="h"), "temp_c": values.round(2)})
    frame.to_csv(path, index=False)


@worker
def scale_check(args: dict[str, Any]) -> dict[str, Any]:
    """Seconds to read + check a large CSV and build the Data page's first chart from it."""
    import core.dashboard.charts  # noqa: F401
    import core.data.intake  # noqa: F401

    path = Path(args["csv"])
    started = time.perf_counter()
    from core.dashboard.charts import series_figure
    from core.data.intake import read_series

    series = read_series(path.read_bytes())
    checked = time.perf_counter() - started
    figure = series_figure(series)
    figure.to_json()  # what Streamlit sends to the browser
    return {"check_s": checked, "check_and_chart_s": time.perf_counter() - started, "rows": len(series.values)}


def stations_csv(path: Path, stations: int, rows: int) -> None:
    """A generated long file as NOAA exports it: ``STATION,NAME,DATE,TMAX``, one block of ``rows`` days per
    station (seeded)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    days = pd.date_range("2000-01-01", periods=rows, freq="D").strftime("%Y-%m-%d")
    with path.open("w") as handle:
        handle.write("STATION,NAME,DATE,TMAX\n")
        for number in range(stations):
            level = 5 + 20 * rng.random()
            values = level + 10 * np.sin(2 * np.pi * np.arange(rows) / 365.25) + rng.normal(0, 2, rows)
            station = f"USW{number:08d}"
            name = f"STATION {number}"
            rows_text = (f"{station},{name},{day},{value:.1f}\n" for day, value in zip(days, values, strict=True))
            handle.writelines(rows_text)


@worker
def scale_panel(args: dict[str, Any]) -> dict[str, Any]:
    """Seconds and peak RSS to read + check a long file of many stations and draw the Data page's small
    multiples (the chosen station's chart is what ``scale_check`` times)."""
    import core.dashboard.stations  # noqa: F401
    import core.data.panel  # noqa: F401

    before = rss_mb()
    started = time.perf_counter()
    from core.dashboard.stations import stations_figure
    from core.data.panel import read_panel

    panel = read_panel(Path(args["csv"]).read_bytes())
    checked = time.perf_counter() - started
    stations_figure(panel).to_json()
    return {"check_s": checked, "check_and_chart_s": time.perf_counter() - started, "series": len(panel),
            "rows": sum(member.rows for member in panel.members), "peak_rss_mb": peak_rss_mb(),
            "rss_before_mb": before}


@worker
def scale_epoch(args: dict[str, Any]) -> dict[str, Any]:
    """Peak RSS of preparing and training one epoch (default config) on a large CSV."""
    import core.run.pipeline  # noqa: F401
    from core.model.network import build_model
    from core.model.progress import TrainControl
    from core.model.training import train
    from core.model.windows import prepare
    from core.run.pipeline import resolve_season_length

    series = _series(Path(args["csv"]))
    before = rss_mb()
    config = _config(series, {"epochs": 1, "patience": 0})
    started = time.perf_counter()
    season = resolve_season_length(config, series.frequency)
    data = prepare(series.values.to_numpy(dtype=float), config, series.values.index, season)
    model = build_model(config, data.x_train.shape[2])
    outcome = train(model, data, config, TrainControl())
    return {"epoch_s": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb(), "rss_before_mb": before,
            "windows": len(data.y_train), "status": outcome.status, "batch_size": config.batch_size,
            "features": int(data.x_train.shape[2])}


def main(argv: list[str]) -> int:
    name, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    sys.path.insert(0, str(ROOT))
    result = WORKERS[name](args)
    print("BENCH_RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
