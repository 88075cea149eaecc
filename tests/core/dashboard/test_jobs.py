"""``core.dashboard.jobs``: one job per owner, FIFO queue, stop/cancel/release, failures, no leaked threads."""

from __future__ import annotations

import dataclasses
import io
import logging
import sys
import threading
import zipfile

import numpy as np
import pandas as pd
import pytest

from core.dashboard.jobs import JobManager, best_epoch_of
from core.errors import DataError, TrainingError
from core.model.progress import EpochRecord, TrainControl
from core.run.results import ForecastRun

WAIT = 10.0  # generous upper bound for condition waits; tests finish far sooner


@dataclasses.dataclass(frozen=True)
class FakeConfig:
    epochs: int = 4
    time_limit_seconds: float = 600.0


class FakeRunner:
    """Stands in for ``run_forecast``: fake epochs and batches, honours ``stop_event``.

    A run named ``name`` (the series name) finishes ``hold_at`` epochs, sets ``holding(name)`` and
    then waits until the test sets ``gate(name)`` or the job is stopped.
    """

    def __init__(self, *, hold_at: int | None = None, batches: int = 3, epoch_seconds: float = 0.5,
                 status: str = "completed", error: Exception | None = None) -> None:
        self.hold_at, self.batches, self.epoch_seconds = hold_at, batches, epoch_seconds
        self.status, self.error = status, error
        self.started: list[str] = []
        self.seen: dict[str, pd.Series] = {}
        self.threads: dict[str, threading.Thread] = {}
        self._events: dict[tuple[str, str], threading.Event] = {}
        self._lock = threading.Lock()

    def _event(self, kind: str, name: str) -> threading.Event:
        with self._lock:
            return self._events.setdefault((kind, name), threading.Event())

    def gate(self, name: str) -> threading.Event:
        return self._event("gate", name)

    def holding(self, name: str) -> threading.Event:
        return self._event("holding", name)

    def __call__(self, values: pd.Series, config: FakeConfig, control: TrainControl) -> ForecastRun:
        name = str(values.name)
        with self._lock:
            self.started.append(name)
            self.seen[name] = values
            self.threads[name] = threading.current_thread()
        control.on_stage("preparing")
        if self.error is not None:
            raise self.error
        control.on_stage("training")
        history: list[EpochRecord] = []
        for epoch in range(1, config.epochs + 1):
            if self.hold_at is not None and epoch == self.hold_at + 1:
                self._hold(name, control.stop_event)
            for batch in range(1, self.batches + 1):
                if control.stop_event.is_set():
                    return self._run(config, name, "stopped", history)
                control.on_batch(epoch, batch, self.batches)
            record = EpochRecord(epoch, 1.0 / epoch, 2.0 / epoch if epoch != 2 else 0.1, self.epoch_seconds)
            history.append(record)
            control.on_epoch(record)
        return self._run(config, name, self.status, history)

    def _hold(self, name: str, stop: threading.Event) -> None:
        self.holding(name).set()
        gate = self.gate(name)
        while not (gate.is_set() or stop.is_set()):  # condition wait on either event
            gate.wait(0.005)

    @staticmethod
    def _run(config: FakeConfig, name: str, status: str, history: list[EpochRecord]) -> ForecastRun:
        return ForecastRun(config=config, status=status, history=list(history),
                           best_epoch=best_epoch_of(history), train_seconds=0.1, value_column=name,
                           frequency="D", season_length=7)


def series(name: str, n: int = 20) -> pd.Series:
    index = pd.date_range("2021-01-01", periods=n, freq="D")
    return pd.Series(np.arange(n, dtype="float64"), index=index, name=name)


def lstm_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("lstm-job-")]


@pytest.fixture
def baseline():
    """Thread count before the test; after it, every job thread must be gone."""
    before = threading.active_count()
    yield before
    for thread in lstm_threads():
        thread.join(WAIT)
    assert lstm_threads() == []
    assert threading.active_count() == before


def make(runner: FakeRunner, **kwargs) -> JobManager:
    return JobManager(runner=runner, **kwargs)


def test_job_runs_to_completion_in_a_named_daemon_thread(baseline):
    runner = FakeRunner()
    manager = make(runner)
    job = manager.submit("alice", series("a"), FakeConfig(epochs=4), name="first try")
    assert job.wait(WAIT)
    snap = job.snapshot()
    assert snap.state == "completed" and snap.done and job.done
    assert snap.message == "Training finished all planned epochs."
    assert [r.epoch for r in snap.history] == [1, 2, 3, 4]
    assert snap.best_epoch == 2 and snap.epoch == 4 and snap.epochs == 4
    assert (snap.batch, snap.batches, snap.stage) == (0, 3, "training")
    assert snap.run is not None and snap.run.status == "completed"
    assert snap.name == "first try" and snap.owner == "alice" and snap.progress == 1.0
    assert snap.eta_seconds is None and snap.elapsed_seconds >= 0.0
    thread = runner.threads["a"]
    assert thread.name == f"lstm-job-{job.id}" and thread.daemon
    assert manager.active_count() == 0 and manager.job_for("alice") is job


def test_double_submit_returns_the_same_job(baseline):
    runner = FakeRunner(hold_at=1)
    manager = make(runner)
    first = manager.submit("alice", series("a"), FakeConfig())
    second = manager.submit("alice", series("a2"), FakeConfig())
    assert second is first
    assert runner.holding("a").wait(WAIT)
    assert manager.submit("alice", series("a3"), FakeConfig()) is first
    assert manager.active_count() == 1 and manager.queue_length() == 0
    runner.gate("a").set()
    assert first.wait(WAIT)
    runner.gate("a4").set()
    again = manager.submit("alice", series("a4"), FakeConfig())
    assert again is not first and again.wait(WAIT)
    assert runner.started == ["a", "a4"]


def test_fifo_queue_positions_with_one_slot(baseline):
    runner = FakeRunner(hold_at=0)
    manager = make(runner, max_running=1)
    jobs = [manager.submit(owner, series(owner), FakeConfig()) for owner in ("a", "b", "c")]
    assert runner.holding("a").wait(WAIT)
    snaps = [job.snapshot() for job in jobs]
    assert [s.state for s in snaps] == ["running", "queued", "queued"]
    assert [s.queue_position for s in snaps] == [0, 1, 2]
    assert "number 2 in the queue" in snaps[2].message
    assert manager.queue_length() == 2 and manager.active_count() == 1
    runner.gate("a").set()
    assert runner.holding("b").wait(WAIT)
    assert jobs[0].wait(WAIT) and jobs[0].snapshot().state == "completed"
    assert [j.snapshot().queue_position for j in jobs[1:]] == [0, 1]
    assert jobs[1].snapshot().state == "running"
    runner.gate("b").set()
    runner.gate("c").set()
    assert all(job.wait(WAIT) for job in jobs)
    assert runner.started == ["a", "b", "c"]
    assert manager.active_count() == 0 and manager.queue_length() == 0


def test_stop_running_job_keeps_history_and_frees_the_slot(baseline):
    runner = FakeRunner(hold_at=2)
    manager = make(runner)
    job = manager.submit("alice", series("a"), FakeConfig(epochs=10))
    assert runner.holding("a").wait(WAIT)
    job.stop()
    assert job.wait(WAIT)
    snap = job.snapshot()
    assert snap.state == "stopped" and snap.run is not None and len(snap.history) == 2
    assert "stopped on request" in snap.message
    assert snap.epoch == 2 and snap.progress == pytest.approx(0.2)
    assert manager.active_count() == 0


def test_stop_queued_job_cancels_it_and_renumbers_the_queue(baseline):
    runner = FakeRunner(hold_at=0)
    manager = make(runner)
    a, b, c = (manager.submit(owner, series(owner), FakeConfig()) for owner in ("a", "b", "c"))
    assert runner.holding("a").wait(WAIT)
    b.stop()
    assert b.done and b.wait(0)
    snap = b.snapshot()
    assert (snap.state, snap.queue_position, snap.run) == ("cancelled", 0, None)
    assert c.snapshot().queue_position == 1 and manager.queue_length() == 1
    runner.gate("a").set()
    runner.gate("c").set()
    assert a.wait(WAIT) and c.wait(WAIT)
    assert runner.started == ["a", "c"]


def test_release_on_tab_close_cancels_and_forgets(baseline):
    runner = FakeRunner(hold_at=1)
    manager = make(runner)
    running = manager.submit("tab1", series("a"), FakeConfig())
    queued = manager.submit("tab2", series("b"), FakeConfig())
    assert runner.holding("a").wait(WAIT)
    manager.release("tab2")
    assert queued.snapshot().state == "cancelled"
    manager.release("tab1")
    assert running.wait(WAIT) and running.snapshot().state == "stopped"
    assert manager.job_for("tab1") is None and manager.job_for("tab2") is None
    assert manager.active_count() == 0 and manager.queue_length() == 0
    manager.release("nobody")  # unknown owner: nothing happens


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (DataError("The series has 12 points; at least 40 are needed."),
         "The series has 12 points; at least 40 are needed."),
        (RuntimeError("boom\nsecond line"), "Training failed unexpectedly: RuntimeError: boom"),
    ],
)
def test_runner_errors_fail_the_job_and_free_the_slot(baseline, caplog, error, expected):
    runner = FakeRunner(error=error)
    manager = make(runner)
    with caplog.at_level(logging.INFO, logger="core.dashboard.jobs"):
        failing = manager.submit("a", series("a"), FakeConfig())
        assert failing.wait(WAIT)
    snap = failing.snapshot()
    assert (snap.state, snap.message, snap.run) == ("failed", expected, None)
    assert manager.active_count() == 0
    if isinstance(error, RuntimeError):
        assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)
    runner.error = None
    after = manager.submit("b", series("b"), FakeConfig())
    assert after.wait(WAIT) and after.snapshot().state == "completed"


def test_failure_of_running_job_starts_the_next_queued_one(baseline):
    class FailFirst(FakeRunner):
        def __call__(self, values, config, control):
            if values.name == "a":
                self.holding("a").set()
                self.gate("a").wait(WAIT)
                raise RuntimeError("out of memory")
            return super().__call__(values, config, control)

    runner = FailFirst()
    manager = make(runner)
    a = manager.submit("a", series("a"), FakeConfig())
    b = manager.submit("b", series("b"), FakeConfig())
    assert runner.holding("a").wait(WAIT) and b.snapshot().queue_position == 1
    runner.gate("a").set()
    assert a.wait(WAIT) and b.wait(WAIT)
    assert (a.snapshot().state, b.snapshot().state) == ("failed", "completed")


def test_diverged_run_ends_as_diverged(baseline):
    manager = make(FakeRunner(status="diverged"))
    job = manager.submit("a", series("a"), FakeConfig())
    assert job.wait(WAIT)
    assert job.snapshot().state == "diverged" and "lower the learning rate" in job.snapshot().message
    assert manager.active_count() == 0


def test_full_queue_raises_a_busy_error(baseline):
    runner = FakeRunner(hold_at=0)
    manager = make(runner, max_running=1, max_queued=1)
    a = manager.submit("a", series("a"), FakeConfig())
    b = manager.submit("b", series("b"), FakeConfig())
    with pytest.raises(TrainingError, match=r"^The server is busy: 1 trainings are waiting\. Try again"):
        manager.submit("c", series("c"), FakeConfig())
    assert manager.job_for("c") is None
    runner.gate("a").set()
    runner.gate("b").set()
    assert a.wait(WAIT) and b.wait(WAIT)


def test_snapshot_is_an_isolated_frozen_copy(baseline):
    runner = FakeRunner(hold_at=1)
    manager = make(runner)
    job = manager.submit("a", series("a"), FakeConfig(epochs=3))
    assert runner.holding("a").wait(WAIT)
    early = job.snapshot()
    with pytest.raises(dataclasses.FrozenInstanceError):
        early.state = "completed"  # type: ignore[misc]
    assert isinstance(early.history, tuple) and len(early.history) == 1
    runner.gate("a").set()
    assert job.wait(WAIT)
    assert len(early.history) == 1 and early.state == "running"
    assert len(job.snapshot().history) == 3


def test_job_trains_on_its_own_copy(baseline):
    runner = FakeRunner(hold_at=0)
    manager = make(runner)
    caller = series("a")
    job = manager.submit("a", caller, FakeConfig())
    caller.iloc[0] = 999.0
    assert runner.holding("a").wait(WAIT)
    caller.iloc[1] = 999.0
    seen = runner.seen["a"]
    assert seen is not caller and seen.iloc[0] == 0.0 and seen.iloc[1] == 1.0
    runner.gate("a").set()
    assert job.wait(WAIT)


def test_eta_from_mean_epoch_time(baseline):
    runner = FakeRunner(hold_at=0, epoch_seconds=0.5)
    manager = make(runner)
    job = manager.submit("a", series("a"), FakeConfig(epochs=10))
    assert runner.holding("a").wait(WAIT)
    assert job.snapshot().eta_seconds is None  # no epoch finished yet
    runner.gate("a").set()
    assert job.wait(WAIT)

    held = FakeRunner(hold_at=2, epoch_seconds=0.5)
    manager = make(held)
    job = manager.submit("b", series("b"), FakeConfig(epochs=10))
    assert held.holding("b").wait(WAIT)
    assert job.snapshot().eta_seconds == pytest.approx(4.0)  # 0.5 s x 8 remaining epochs
    held.gate("b").set()
    assert job.wait(WAIT)

    capped = FakeRunner(hold_at=2, epoch_seconds=100.0)
    manager = make(capped)
    job = manager.submit("c", series("c"), FakeConfig(epochs=10, time_limit_seconds=60.0))
    assert capped.holding("c").wait(WAIT)
    assert 0.0 < job.snapshot().eta_seconds <= 60.0  # never beyond the time limit
    job.stop()
    assert job.wait(WAIT)


def test_shutdown_stops_everything_and_refuses_new_jobs(baseline):
    runner = FakeRunner(hold_at=1)
    manager = make(runner)
    a = manager.submit("a", series("a"), FakeConfig())
    b = manager.submit("b", series("b"), FakeConfig())
    assert runner.holding("a").wait(WAIT)
    assert manager.shutdown(timeout=WAIT)
    assert (a.snapshot().state, b.snapshot().state) == ("stopped", "cancelled")
    with pytest.raises(TrainingError, match="shutting down"):
        manager.submit("c", series("c"), FakeConfig())


def test_invalid_manager_arguments():
    with pytest.raises(ValueError, match="max_running=0"):
        JobManager(max_running=0, runner=FakeRunner())
    with pytest.raises(ValueError, match="owner"):
        JobManager(runner=FakeRunner()).submit("", series("a"), FakeConfig())


def test_best_epoch_prefers_validation_loss_and_skips_nan():
    nan = float("nan")
    history = [EpochRecord(1, 0.5, 0.9, 1.0), EpochRecord(2, 0.4, nan, 1.0), EpochRecord(3, 0.3, 0.7, 1.0)]
    assert best_epoch_of(history) == 3
    assert best_epoch_of([EpochRecord(1, 0.5, None, 1.0), EpochRecord(2, 0.2, None, 1.0)]) == 2
    assert best_epoch_of([]) is None


def test_progress_counts_batches_of_the_epoch_in_progress(baseline):
    class MidEpoch(FakeRunner):
        def __call__(self, values, config, control):
            control.on_epoch(EpochRecord(1, 0.5, 0.6, 0.25))
            control.on_batch(2, 2, 4)
            self._hold("a", control.stop_event)
            return self._run(config, "a", "stopped", [])

    runner = MidEpoch()
    manager = make(runner)
    job = manager.submit("a", series("a"), FakeConfig(epochs=5))
    assert runner.holding("a").wait(WAIT)
    snap = job.snapshot()
    assert (snap.epoch, snap.batch, snap.batches) == (1, 2, 4)
    assert snap.progress == pytest.approx(1.5 / 5)
    assert snap.eta_seconds == pytest.approx(0.25 * 4)
    job.stop()
    assert job.wait(WAIT) and job.snapshot().state == "stopped"


def test_real_pipeline_through_the_manager_plots_and_exports(baseline):
    """End to end with the real ``run_forecast``: a tiny model trained in a worker thread."""
    from core.config import ForecastConfig
    from core.dashboard.charts import forecast_figure, loss_figure
    from core.dashboard.export import bundle_zip, forecast_csv, predictions_csv

    rng = np.random.default_rng(0)
    days = np.arange(240)
    values = pd.Series(10 + 5 * np.sin(2 * np.pi * days / 7) + rng.normal(0, 0.3, days.size),
                       index=pd.date_range("2022-01-01", periods=days.size, freq="D"), name="temp_max")
    config = ForecastConfig(window=14, horizon=5, units=4, epochs=3, batch_size=32, patience=0, seed=3)
    manager = JobManager(max_running=1)  # the real runner; Keras is imported here, not in the worker
    assert "keras" in sys.modules
    job = manager.submit("session-1", values, config, name="integration")
    assert job.wait(120)
    snap = job.snapshot()
    assert snap.state == "completed", snap.message
    assert [r.epoch for r in snap.history] == [1, 2, 3] and snap.epoch == 3 and snap.progress == 1.0
    assert snap.stage and snap.run is not None and snap.run.usable
    run = snap.run
    assert manager.active_count() == 0

    fig = forecast_figure(run, values, unit="°C", tail=60)
    assert "LSTM forecast" in [t.name for t in fig.data] and len(fig.data[-1].x) == 5
    assert len(loss_figure(snap.history, best_epoch=snap.best_epoch, epochs=snap.epochs).data) == 2
    assert forecast_csv(run).decode().splitlines()[0] == (
        "date,forecast,lower,upper,recommended,recommended_lower,recommended_upper,recommended_model")
    assert len(forecast_csv(run).decode().splitlines()) == 1 + 5
    assert len(predictions_csv(run).decode().splitlines()) == 1 + len(run.predictions)
    with zipfile.ZipFile(io.BytesIO(bundle_zip(run))) as archive:
        assert {"model.keras", "meta.json"} <= set(archive.namelist())


def test_real_pipeline_stop_keeps_the_partial_model(baseline):
    from core.config import ForecastConfig
    from core.run.pipeline import run_forecast

    first_epoch = threading.Event()

    def runner(values, config, control):
        report = control.on_epoch

        def on_epoch(record):
            report(record)
            first_epoch.set()

        control.on_epoch = on_epoch
        return run_forecast(values, config, control)

    values = pd.Series(np.sin(np.arange(300) / 4.0), index=pd.date_range("2022-01-01", periods=300, freq="D"))
    config = ForecastConfig(window=10, horizon=3, units=4, epochs=500, patience=0, seed=1)
    manager = JobManager(runner=runner)
    job = manager.submit("s", values, config)
    assert first_epoch.wait(120)
    job.stop()
    assert job.wait(60)
    snap = job.snapshot()
    assert snap.state == "stopped" and 1 <= len(snap.history) < 500
    assert snap.run is not None and snap.run.usable and manager.active_count() == 0
