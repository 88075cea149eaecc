"""The Ray parts of ``python -m bench``: Ray start and memory, Stop latency, auto-mode candidates per budget.

Every measurement runs in a fresh process (``python -m bench.ray_parts NAME '{json args}'``, one
``BENCH_RESULT {json}`` line), with its own embedded Ray in a temp dir of its own (``RAY_ADDRESS`` is ignored).

Parts:
    ray    seconds to start an embedded Ray and its warm workers (TensorFlow imported, a warm-up training done);
           resident memory of Ray's own processes, of each worker idle and after the default daily training, and
           of the web process (which never imports TensorFlow)
    stop   seconds from Stop to the job's end (training, references, backtest, calibration included), on a Ray
           worker and in a thread of the same process, for the default daily and hourly settings
    auto   auto mode's throughput: seconds to try all planned candidates (quick: candidates in 20 s), today's
           one-after-another search in process vs the search on every Ray worker (warm, as in a running server)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEATTLE = ROOT / "data" / "seattle_temp_max.csv"

#: Parts this module adds to ``python -m bench``.
PARTS = ("ray", "stop", "auto")


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...), from ``ps``."""
    listing = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    for line in listing.splitlines():
        child, parent = (int(part) for part in line.split())
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _series(kind: str) -> Any:
    from core.data.intake import read_series

    if kind == "hourly":
        from bench.quality import seattle_hourly

        return seattle_hourly()
    return read_series(SEATTLE.read_bytes())


def _config(series: Any, **changes: Any) -> Any:
    import dataclasses

    from core.config import default_config

    return dataclasses.replace(default_config(series.values, series.frequency), **changes)


def _embedded() -> None:
    os.environ.pop("RAY_ADDRESS", None)
    os.environ["LSTM_RAY_TMPDIR"] = tempfile.mkdtemp(prefix="lstm-ray-b-", dir="/tmp")


def ray_start(args: dict[str, Any]) -> dict[str, Any]:
    """Start seconds and resident memory of an embedded Ray with ``workers`` warm workers."""
    _embedded()
    started = time.perf_counter()
    from core.run import cluster
    from core.run.pool import WorkerPool

    info = cluster.connect()
    connected = time.perf_counter() - started
    pool = WorkerPool(int(args["workers"]), background=False)
    ready = time.perf_counter() - started
    idle = pool.memory_mb()
    workers = {int(name.rpartition(":")[2]) for name in pool.workers()}
    ray_mb = sum(_rss_mb(pid) for pid in _descendants(os.getpid()) if pid not in workers)
    result = {"connect_s": connected, "ready_s": ready, "worker_idle_mb": max(idle), "ray_mb": ray_mb,
              "cpus": info.cpus, "workers": len(workers)}
    if args.get("train"):
        from core.model.progress import TrainControl
        from core.run.portable import Plan

        series = _series("daily")
        trained = time.perf_counter()
        pool.run(series.values, _config(series), TrainControl(), Plan("replay"))
        result["train_s"] = time.perf_counter() - trained
        result["worker_trained_mb"] = max(pool.memory_mb())
    result["web_mb"] = _rss_mb(os.getpid())
    result["web_has_tensorflow"] = "tensorflow" in sys.modules
    pool.close()
    cluster.disconnect()
    return result


def stop_latency(args: dict[str, Any]) -> dict[str, Any]:
    """Seconds from Stop to the end of a job stopped after its second epoch (Plan "replay", as the Train button)."""
    from core.dashboard.jobs import JobManager
    from core.run.pool import InProcess, WorkerPool
    from core.run.portable import Plan

    if args["arm"] == "ray":
        _embedded()
        backend: Any = WorkerPool(1, background=False)
    else:
        backend = InProcess()
    series = _series(args["series"])
    manager = JobManager(backend=backend)
    latencies, states = [], []
    for run in range(int(args["runs"])):
        job = manager.submit(f"bench-{run}", series.values, _config(series, epochs=2000, patience=0),
                             plan=Plan("replay"))
        while job.snapshot().epoch < 2 and not job.snapshot().done:
            time.sleep(0.01)
        asked = time.perf_counter()
        job.stop()
        while not job.snapshot().done:
            time.sleep(0.002)
        latencies.append(time.perf_counter() - asked)
        states.append(job.snapshot().state)
        job.wait(30)
    manager.shutdown(30)
    if args["arm"] == "ray":
        from core.run import cluster

        backend.close()
        cluster.disconnect()
    return {"latencies_s": latencies, "states": states}


def auto_candidates(args: dict[str, Any]) -> dict[str, Any]:
    """Candidates auto mode tries on the default daily settings in ``budget`` seconds."""
    series = _series("daily")
    config = _config(series)
    budget = float(args["budget"])
    if args["arm"] == "ray":
        _embedded()
        from core.model.progress import TrainControl
        from core.run import cluster
        from core.run.pool import WorkerPool
        from core.run.portable import Plan

        pool = WorkerPool(int(args["workers"]), background=False)
        started = time.perf_counter()
        run = pool.run(series.values, config, TrainControl(), Plan("auto", budget_seconds=budget))
        seconds = time.perf_counter() - started
        pool.close()
        cluster.disconnect()
    else:
        from core.run.auto import run_auto

        started = time.perf_counter()
        run = run_auto(series.values, config, budget_seconds=budget)
        seconds = time.perf_counter() - started
    search = run.search
    assert search is not None
    return {"candidates": len(search.results), "planned": search.planned, "seconds": seconds, "winner": search.winner,
            "workers": len({result.worker for result in search.results}),
            "best_mae": min(r.validation_mae for r in search.results if r.validation_mae is not None)}


MEASURES = {"ray_start": ray_start, "stop_latency": stop_latency, "auto_candidates": auto_candidates}


def measure(name: str, **args: Any) -> dict[str, Any]:
    """Run one measurement of this module in a fresh process; its result."""
    env = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    done = subprocess.run([sys.executable, "-m", "bench.ray_parts", name, json.dumps(args)], cwd=ROOT,
                          capture_output=True, text=True, env={**env, "TF_CPP_MIN_LOG_LEVEL": "2"}, timeout=3600)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("BENCH_RESULT "):
            return dict(json.loads(line[len("BENCH_RESULT "):]))
    tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
    raise RuntimeError(f"bench measurement {name} failed (exit {done.returncode}):\n{tail}")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def ray_part(table: Any, runs: int, quick: bool) -> None:
    workers = os.cpu_count() or 1
    rows = [measure("ray_start", workers=workers, train=not quick) for _ in range(runs)]
    table.add("ray", "s to start an embedded Ray (no dashboard)", f"{_median([r['connect_s'] for r in rows]):.2f}",
              "", "")
    table.add("ray", f"s until {workers} warm workers are ready (TF imported, warm-up done)",
              f"{_median([r['ready_s'] for r in rows]):.2f}", "", "")
    table.add("ray", "MB resident: Ray's own processes", f"{_median([r['ray_mb'] for r in rows]):.0f}", "", "")
    table.add("ray", "MB resident per worker, idle / after the daily training",
              f"{_median([r['worker_idle_mb'] for r in rows]):.0f} / "
              + (f"{_median([r['worker_trained_mb'] for r in rows]):.0f}" if not quick else "-"), "", "")
    web = _median([r["web_mb"] for r in rows])
    tf_free = not any(r["web_has_tensorflow"] for r in rows)
    table.add("ray", "MB resident: the web process (driver)", f"{web:.0f}", "", "",
              f"TensorFlow imported: {'no' if tf_free else 'YES'}")


def stop_part(table: Any, runs: int, quick: bool) -> None:
    kinds = ("daily",) if quick else ("daily", "hourly")
    for kind in kinds:
        arms = {arm: measure("stop_latency", arm=arm, series=kind, runs=runs) for arm in ("ray", "inprocess")}
        ray, local = (_median(arms[arm]["latencies_s"]) for arm in ("ray", "inprocess"))
        worst = max(arms["ray"]["latencies_s"])
        table.add("stop", f"s from Stop to the job's end, {kind} defaults (median; worst {worst:.2f})",
                  f"{ray:.2f}", f"{local:.2f}", "Ray worker vs thread",
                  f"target < 1 s: {'met' if worst < 1 else 'NOT met'}")


def auto_part(table: Any, runs: int, quick: bool) -> None:
    """Quick: candidates tried in 20 s. Full: seconds to try all 40 planned candidates (a budget of 600 s cuts
    none of them), the same work in both arms, so the ratio is the search's throughput."""
    budget = 20 if quick else 600
    workers = os.cpu_count() or 1
    today = [measure("auto_candidates", arm="inprocess", budget=budget) for _ in range(runs)]
    ours = [measure("auto_candidates", arm="ray", budget=budget, workers=workers) for _ in range(runs)]
    target = "target about 1.8x on 2 cores"
    if quick:
        mine, theirs = (_median([float(r["candidates"]) for r in rows]) for rows in (ours, today))
        ratio = mine / theirs if theirs else float("nan")
        table.add("auto", f"candidates in {budget} s, daily defaults ({workers} Ray workers vs one after another)",
                  f"{mine:.0f}", f"{theirs:.0f}", f"{ratio:.2f}x", f"{target}: {'met' if ratio >= 1.6 else 'NOT met'}")
        return
    complete = all(r["candidates"] == r["planned"] for r in ours + today)
    mine, theirs = (_median([float(r["seconds"]) for r in rows]) for rows in (ours, today))
    ratio = theirs / mine if mine else float("nan")
    planned = int(today[0]["planned"])
    table.add("auto", f"s to try all {planned} candidates, daily defaults ({workers} Ray workers vs one after another)",
              f"{mine:.0f}", f"{theirs:.0f}", f"{ratio:.2f}x the candidates per second",
              f"{target}: {'met' if ratio >= 1.6 else 'NOT met'}" + ("" if complete else " (some arm was cut short)"))
    same = all(r["winner"] == today[0]["winner"] and abs(r["best_mae"] - today[0]["best_mae"]) < 1e-9
               for r in ours + today)
    table.add("auto", "same winner and best validation MAE in every run and arm", "yes" if same else "NO", "", "")


def main(argv: list[str]) -> int:
    name, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    sys.path.insert(0, str(ROOT))
    result = MEASURES[name](args)
    print("BENCH_RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
