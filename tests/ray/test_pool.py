"""Jobs on real Ray training workers: progress, identical losses, Stop, the queue, a closed tab, a killed worker."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from core.dashboard.jobs import JobManager
from core.model.progress import EpochRecord, TrainControl
from core.model.weights import NetworkWeights
from core.run.pool import WorkerPool
from core.run.portable import Plan
from core.run.workers import WORKER_LOST
from tests.helpers import ROOT
from tests.ray.conftest import TINY, WORKERS, finite, live_processes, long_config, series, wait_until

#: The in-process reference: the same threading as a worker (one TensorFlow thread), in a fresh process.
REFERENCE = """
import json
from core.run.workers import configure_tensorflow
configure_tensorflow(1)
from core.run.pipeline import run_forecast
from tests.ray.conftest import TINY, series
run = run_forecast(series(), TINY, classical=False)
print("LOSSES " + json.dumps([[r.epoch, r.loss, r.val_loss] for r in run.history]))
"""


def _manager(pool: WorkerPool, **kwargs: int) -> JobManager:
    return JobManager(backend=pool, **kwargs)


def _running(job) -> bool:  # type: ignore[no-untyped-def]
    snapshot = job.snapshot()
    return snapshot.state == "running" and snapshot.epoch >= 1


def test_progress_streams_back_and_the_losses_equal_an_in_process_training(idle_pool: WorkerPool) -> None:
    streamed: list[EpochRecord] = []
    stages: list[str] = []
    control = TrainControl(on_epoch=streamed.append, on_stage=stages.append)
    run = idle_pool.run(series(), TINY, control, Plan("plain", classical=False))
    assert isinstance(run.model, NetworkWeights) and run.usable and run.status == "completed"
    assert streamed == run.history and [r.epoch for r in streamed] == [1, 2, 3, 4]
    assert stages == ["preparing", "training", "evaluating", "forecasting"]
    reference = subprocess.run([sys.executable, "-c", REFERENCE], cwd=ROOT, capture_output=True, text=True,
                               timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    line = next(row for row in reference.stdout.splitlines() if row.startswith("LOSSES "))
    expected = json.loads(line.removeprefix("LOSSES "))
    assert [[r.epoch, r.loss, r.val_loss] for r in run.history] == expected  # bit for bit


def test_stop_ends_all_of_the_run_within_a_second_and_keeps_the_best_weights(idle_pool: WorkerPool) -> None:
    manager = _manager(idle_pool)
    job = manager.submit("stopper", series(900), long_config(backtest_folds=3), plan=Plan("replay"))
    wait_until(lambda: job.snapshot().epoch >= 3, 120, "three finished epochs")
    asked = time.monotonic()
    job.stop()
    wait_until(lambda: job.snapshot().done, 10, "the stopped job to end", interval=0.01)
    took = time.monotonic() - asked
    snapshot = job.snapshot()
    assert took < 1.0, f"Stop took {took:.2f} s"
    assert snapshot.state == "stopped" and snapshot.run is not None and snapshot.run.usable
    run = snapshot.run
    assert isinstance(run.model, NetworkWeights) and finite(run.forecast["forecast"])
    assert list(snapshot.history) == run.history and 3 <= len(run.history) < 2000
    best = min(run.history, key=lambda r: r.val_loss)
    assert snapshot.best_epoch == run.best_epoch == best.epoch
    assert "the run was stopped" in run.message  # the backtest did not run on after the Stop
    wait_until(lambda: not live_processes("ray::fit_references"), 10, "the references task to be gone")
    assert manager.shutdown(10)


def test_more_jobs_than_workers_wait_in_fifo_order_with_their_positions(idle_pool: WorkerPool) -> None:
    manager = _manager(idle_pool, max_queued=4)
    assert manager.max_running == WORKERS
    jobs = [manager.submit(f"owner-{k}", series(), long_config(), plan=Plan("plain", classical=False))
            for k in range(4)]
    wait_until(lambda: _running(jobs[0]) and _running(jobs[1]), 120, "two running jobs")
    assert [j.snapshot().queue_position for j in jobs] == [0, 0, 1, 2]
    assert "number 2 in the queue" in jobs[3].snapshot().message
    jobs[0].stop()
    wait_until(lambda: _running(jobs[2]), 60, "the first queued job to start")
    assert jobs[3].snapshot().queue_position == 1 and jobs[0].snapshot().state == "stopped"
    assert manager.shutdown(30)
    assert all(j.snapshot().done for j in jobs)


def test_a_closed_tab_releases_its_job_and_frees_the_slot(idle_pool: WorkerPool) -> None:
    manager = _manager(idle_pool, max_running=1)
    job = manager.submit("tab", series(), long_config(), plan=Plan("plain", classical=False))
    waiting = manager.submit("next", series(), dataclasses.replace(TINY, epochs=2), plan=Plan("plain", classical=False))
    wait_until(lambda: _running(job), 120, "the job to run")
    assert waiting.snapshot().queue_position == 1
    manager.release("tab")
    wait_until(lambda: job.snapshot().done, 5, "the released job to end")
    assert manager.job_for("tab") is None and job.snapshot().state == "stopped"
    wait_until(lambda: waiting.snapshot().done, 120, "the next job to run on the freed slot")
    assert waiting.snapshot().state == "completed"
    assert manager.shutdown(10)


def test_a_killed_worker_fails_only_its_job_and_the_next_runs_on_a_fresh_one(idle_pool: WorkerPool) -> None:
    manager = _manager(idle_pool, max_running=1)
    job = manager.submit("victim", series(), long_config(), plan=Plan("replay"))
    wait_until(lambda: _running(job), 120, "the job to run")
    (worker,) = idle_pool.busy()
    os.kill(int(worker.rpartition(":")[2]), signal.SIGKILL)
    wait_until(lambda: job.snapshot().done, 30, "the job of the killed worker to end")
    snapshot = job.snapshot()
    assert snapshot.state == "failed" and snapshot.message == WORKER_LOST and snapshot.run is None
    assert manager.active_count() == 0
    after = manager.submit("victim", series(), TINY, plan=Plan("plain", classical=False))
    wait_until(lambda: after.snapshot().done, 180, "the next job on a fresh worker")
    assert after.snapshot().state == "completed" and after.snapshot().run.usable
    assert worker not in idle_pool.workers() and len(idle_pool.workers()) == WORKERS
    assert manager.shutdown(10)


def test_an_error_in_the_worker_reaches_the_job_as_its_own_message(idle_pool: WorkerPool) -> None:
    manager = _manager(idle_pool)
    job = manager.submit("short", series(12), TINY, plan=Plan("plain"))
    wait_until(lambda: job.snapshot().done, 120, "the job to end")
    snapshot = job.snapshot()
    assert snapshot.state == "failed" and "needs at least 15" in snapshot.message, snapshot.message
    assert manager.shutdown(10)


def test_train_three_times_shows_the_history_of_the_run_it_labels(idle_pool: WorkerPool) -> None:
    manager = _manager(idle_pool)
    config = dataclasses.replace(TINY, epochs=6, patience=0)
    job = manager.submit("spread", series(), config, plan=Plan("spread", classical=False))
    wait_until(lambda: job.snapshot().done, 180, "the three trainings")
    snapshot = job.snapshot()
    run = snapshot.run
    assert snapshot.state == "completed" and run is not None and run.seed_spread is not None
    assert run.seed_spread.seeds == [config.seed, config.seed + 1, config.seed + 2]
    assert run.config.seed == config.seed  # the run is the first training ...
    assert list(snapshot.history) == run.history  # ... and so is the history the loss chart draws
    assert snapshot.best_epoch == run.best_epoch == min(run.history, key=lambda r: r.val_loss).epoch
    assert manager.shutdown(10)


def test_run_many_forecasts_every_series_on_the_workers(idle_pool: WorkerPool) -> None:
    items = [(series(seed=k), TINY) for k in range(3)]
    done: list[int] = []
    results = idle_pool.run_many(items, Plan("plain", classical=False), on_done=lambda index, _: done.append(index))
    assert sorted(done) == [0, 1, 2] and len(results) == 3
    assert all(not isinstance(r, Exception) and r.usable for r in results)
    firsts = {float(r.predictions["actual"].iloc[0]) for r in results}  # type: ignore[union-attr]
    assert len(firsts) == 3  # each series came back in its own place
    run = results[0]
    run.forecast.loc[0, "forecast"] = 0.0  # type: ignore[union-attr]  # writable, not a view of Ray's store
    assert run.model.head_kernel.flags.writeable  # type: ignore[union-attr]


def test_every_station_trains_at_once_on_the_workers_and_stop_ends_them_all(idle_pool: WorkerPool) -> None:
    from core.run.results import StationRun

    stations = tuple(StationRun(id=name, name=f"Station {name}", values=series(900, seed=k))
                     for k, name in enumerate(("AAA", "BBB", "CCC")))
    manager = _manager(idle_pool)
    job = manager.submit("class", stations[0].values, long_config(), plan=Plan("stations", classical=False,
                                                                                  stations=stations))
    wait_until(lambda: len(idle_pool.busy()) == WORKERS, 120, "every worker training a station")
    wait_until(lambda: job.snapshot().epoch >= 2, 120, "epochs of the first station")
    stage = job.snapshot().stage
    job.stop()
    wait_until(lambda: job.snapshot().done, 20, "the stopped job to end")
    snapshot = job.snapshot()
    run = snapshot.run
    assert snapshot.state == "stopped" and run is not None and run.stations is not None, snapshot
    assert [station.id for station in run.stations.stations] == ["AAA", "BBB", "CCC"]
    trained = [station for station in run.stations.stations if station.run is not None]
    assert len(trained) == WORKERS and all(station.usable for station in trained)  # best weights kept
    assert run.stations.station("CCC").error == "not trained: stopped before its turn"
    assert stage.startswith(("station 1 of 3: AAA: ", "station 2 of 3: BBB: ")), stage
    assert "stopped before the rest" in run.message
    assert manager.shutdown(10)


@pytest.mark.parametrize("kind", ["plain", "spread"])
def test_a_plan_runs_in_process_too(kind: str) -> None:
    from core.run.pool import InProcess

    run = InProcess().run(series(), dataclasses.replace(TINY, epochs=2), TrainControl(), Plan(kind, classical=False))
    assert run.usable and (run.seed_spread is not None) == (kind == "spread")
    with pytest.raises(ValueError, match="kind="):
        Plan("everything")
