"""Background training jobs: one per owner, a bounded FIFO queue, daemon monitor threads, safe snapshots.

A job's thread hands the training to a backend (``core.run.pool``): ``InProcess`` trains in that thread;
``WorkerPool`` (the app's default, :func:`app_manager`) trains on a Ray worker while the thread only follows its
progress, so this process never imports TensorFlow. Slots are the backend's trainings at once.
"""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import functools
import gc
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from core.errors import CoreError, TrainingError
from core.model.progress import FINAL_STATUSES, EpochRecord, TrainControl
from core.run.pool import Backend, InProcess, WorkerPool
from core.run.portable import Plan
from core.run.results import ForecastRun, Runner
from core.words import first_line

if TYPE_CHECKING:
    from core.config import ForecastConfig

__all__ = [
    "ACTIVE_STATES", "END_STATES", "best_epoch_of", "JobSnapshot", "Job", "JobManager", "MAX_REMEMBERED",
    "BACKEND_VARIABLE", "WORKERS_START_DELAY_SECONDS", "app_manager",
]


logger = logging.getLogger(__name__)


#: Finished jobs the manager remembers for ``job_for`` before it forgets the oldest ones.
MAX_REMEMBERED = 256


ACTIVE_STATES = ("queued", "running")


END_STATES = (*FINAL_STATUSES, "failed", "cancelled")


_DEFAULT_MESSAGES = {
    "completed": "Training finished all planned epochs.",
    "early_stopped": "Training stopped early: the validation loss stopped improving.",
    "stopped": "Training stopped on request; the best weights so far are kept.",
    "time_limit": "Training reached its time limit; the best weights so far are kept.",
    "diverged": "Training diverged (the loss became NaN or infinite): lower the learning rate.",
}


def best_epoch_of(history: tuple[EpochRecord, ...] | list[EpochRecord]) -> int | None:
    """Epoch with the lowest validation loss (training loss when there is no validation), or None."""
    scored = [(r.val_loss if r.val_loss is not None else r.loss, r.epoch) for r in history]
    finite = [(loss, epoch) for loss, epoch in scored if loss == loss and abs(loss) != float("inf")]
    return min(finite)[1] if finite else None


@dataclass(frozen=True)
class JobSnapshot:
    """An immutable copy of a job's state, safe to read from the page thread.

    Attributes:
        state: "queued", "running", a final run status ("completed", "early_stopped", "stopped",
            "time_limit", "diverged"), "failed" or "cancelled".
        stage: last stage the pipeline reported ("preparing", "training", ...), "" before that.
        queue_position: 1-based place in the waiting queue, 0 when not queued.
        epoch: last finished epoch (1-based), 0 before the first one ends.
        epochs: planned epochs (``config.epochs``).
        batch, batches: progress inside the epoch in progress (``epoch + 1``), 0 between epochs.
        history: finished epochs in order.
        elapsed_seconds: time since the job started running (0 while queued).
        eta_seconds: mean epoch time × remaining epochs (capped by the time limit), None when unknown.
        message: one line for the user.
        run: the training result once the job has one; ``history`` is then the run's own history, so the
            loss chart shows the training the run labels (the first of "train 3 times", auto mode's winner).
    """

    id: str
    owner: str
    name: str
    state: str
    stage: str
    queue_position: int
    epoch: int
    epochs: int
    batch: int
    batches: int
    history: tuple[EpochRecord, ...]
    elapsed_seconds: float
    eta_seconds: float | None
    message: str
    run: ForecastRun | None

    @property
    def done(self) -> bool:
        return self.state in END_STATES

    @property
    def best_epoch(self) -> int | None:
        """The run's best epoch when there is a run, else the epoch of the lowest val_loss (or loss)."""
        if self.run is not None and self.run.best_epoch is not None:
            return self.run.best_epoch
        return best_epoch_of(self.history)

    @property
    def progress(self) -> float:
        """Share of planned epochs done, 0..1, counting the batches of an epoch in progress."""
        if self.state in ("completed", "early_stopped"):
            return 1.0
        if self.epochs <= 0:
            return 0.0
        partial = self.batch / self.batches if self.batches else 0.0
        return min(1.0, (self.epoch + partial) / self.epochs)


class Job:
    """One training request; created by ``JobManager.submit``, run by a daemon thread."""

    def __init__(self, job_id: str, owner: str, name: str, values: pd.Series, config: ForecastConfig) -> None:
        self.id = job_id
        self.owner = owner
        self.name = name
        self.config = config
        self.created = time.time()
        self._values: pd.Series | None = values.copy(deep=True)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._done_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_stop: Callable[[Job], None] | None = None
        self._state = "queued"
        self._stage = ""
        self._queue_position = 0
        self._epoch = 0
        self._epochs = int(getattr(config, "epochs", 0))
        self._batch = 0
        self._batches = 0
        self._history: list[EpochRecord] = []
        self._started: float | None = None
        self._finished: float | None = None
        self._message = ""
        self._run: ForecastRun | None = None
        #: Runner of this job only (e.g. ``core.run.runners.seed_spread_runner``); None uses the manager's.
        self.runner: Runner | None = None
        #: What this job runs, named (sent to a training worker as it is); takes precedence over ``runner``.
        self.plan: Plan | None = None

    def __repr__(self) -> str:
        return f"Job(id={self.id!r}, owner={self.owner!r}, state={self._state!r})"

    # -- what the page calls -------------------------------------------------------------------
    def stop(self) -> None:
        """End the job: a queued one leaves the queue as "cancelled"; a running one stops after a batch."""
        self._stop_event.set()
        if self._on_stop is not None:
            self._on_stop(self)

    def cancel(self) -> None:
        """Same as ``stop``; used when the browser tab closes."""
        self.stop()

    @property
    def done(self) -> bool:
        """True once the job has a final state (its thread may still be returning; ``wait`` joins it)."""
        return self._state in END_STATES

    @property
    def stop_requested(self) -> bool:
        return self._stop_event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has ended and its thread has exited; True when it did within ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._done_event.wait(timeout):
            return False
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            return not thread.is_alive()
        return True

    def snapshot(self) -> JobSnapshot:
        """A consistent, immutable copy of the job's state (taken under the job's lock)."""
        with self._lock:
            now = time.monotonic()
            end = self._finished if self._finished is not None else now
            elapsed = end - self._started if self._started is not None else 0.0
            return JobSnapshot(
                id=self.id, owner=self.owner, name=self.name, state=self._state, stage=self._stage,
                queue_position=self._queue_position, epoch=self._epoch, epochs=self._epochs,
                batch=self._batch, batches=self._batches, history=tuple(self._history),
                elapsed_seconds=elapsed, eta_seconds=self._eta(elapsed), message=self._message, run=self._run,
            )

    def _eta(self, elapsed: float) -> float | None:
        if self._state != "running" or not self._history:
            return None
        mean = sum(r.seconds for r in self._history) / len(self._history)
        eta = mean * max(0, self._epochs - len(self._history))
        limit = getattr(self.config, "time_limit_seconds", None)
        if limit:
            eta = min(eta, max(0.0, float(limit) - elapsed))
        return eta

    # -- what the manager and the worker call --------------------------------------------------
    def _control(self) -> TrainControl:
        return TrainControl(
            stop_event=self._stop_event, on_epoch=self._record_epoch,
            on_batch=self._record_batch, on_stage=self._record_stage,
        )

    def _record_epoch(self, record: EpochRecord) -> None:
        with self._lock:
            if record.epoch == 1:  # a runner that trains several times (seed spread) shows the current one
                self._history.clear()
            self._history.append(record)
            self._epoch, self._batch = record.epoch, 0

    def _record_batch(self, epoch: int, batch: int, batches: int) -> None:
        del epoch  # always ``self._epoch + 1``; the finished-epoch count comes from ``on_epoch``
        with self._lock:
            self._batch, self._batches = batch, batches

    def _record_stage(self, stage: str) -> None:
        with self._lock:
            self._stage = str(stage)

    def _set_queue_position(self, position: int) -> None:
        with self._lock:
            self._queue_position = position
            self._message = f"Waiting for a free training slot: number {position} in the queue."

    def _mark_running(self) -> None:
        with self._lock:
            self._state, self._queue_position, self._message = "running", 0, ""
            self._started = time.monotonic()

    def _take_values(self) -> pd.Series:
        with self._lock:
            values, self._values = self._values, None  # the job no longer needs its copy afterwards
        if values is None:
            raise TrainingError("This job has already been run.")
        return values

    def _finish(self, state: str, message: str, run: ForecastRun | None = None) -> None:
        """Record the final state; the caller sets the done event once the slot is released."""
        with self._lock:
            self._state, self._message, self._run = state, message, run
            self._queue_position, self._values = 0, None
            self._finished = time.monotonic()
            if run is not None:  # the history of the training the run labels, with its best epoch
                self._history = list(run.history)
                if run.history:
                    self._epoch = run.history[-1].epoch


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on other C libraries (macOS, musl)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


def _return_freed_memory() -> None:
    """Give the memory a finished training freed back to the OS (glibc keeps freed heap pages otherwise).

    This lowers the resident memory a long-running server keeps per finished training (figures in
    docs/performance.md, "Memory"); the traced graph itself is not leaked in the first place
    (``core.model.training._apply_gradients``). One full collection per finished job, in the worker thread,
    after the slot is free.
    """
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _outcome(job: Job, backend: Backend, runner: Runner | None) -> tuple[str, str, ForecastRun | None]:
    """Run the job on the backend and map its result or exception to (state, message, run); never raises
    Exception."""
    try:
        run = backend.run(job._take_values(), job.config, job._control(), job.plan or job.runner or runner)
    except CoreError as exc:
        logger.info("job %s failed: %s", job.id, exc)
        return "failed", first_line(str(exc)), None
    except Exception as exc:  # the thread must never die silently; the traceback goes to the log
        logger.exception("job %s: unexpected error in the training runner", job.id)
        return "failed", f"Training failed unexpectedly: {type(exc).__name__}: {first_line(str(exc))}", None
    if not isinstance(run, ForecastRun):
        logger.error("job %s: the runner returned %r instead of a ForecastRun", job.id, type(run))
        return "failed", "Training failed unexpectedly: the training returned no result.", None
    if run.status not in FINAL_STATUSES:
        return "failed", f"Training returned an unknown status: {first_line(str(run.status), 40)}", run
    return run.status, run.message or _DEFAULT_MESSAGES[run.status], run


class JobManager:
    """Runs at most ``max_running`` trainings at once; the rest wait in a FIFO queue of ``max_queued``.

    One instance per server process (the app keeps it in ``st.cache_resource``). A queued job has no
    thread; a slot that frees up starts the next queued job in a daemon thread "lstm-job-<id>", which
    runs it on the backend.

    Args:
        max_running: trainings at once (default: the backend's slots; 1 in process).
        runner: what a job without its own runner or plan runs (default ``run_forecast``).
        backend: where trainings run (default: ``InProcess(runner)``, threads of this process).
    """

    def __init__(self, max_running: int | None = None, max_queued: int = 8, runner: Runner | None = None,
                 backend: Backend | None = None) -> None:
        if backend is None:
            backend = InProcess(runner)  # imports Keras here, in the creating thread, when runner is None
        max_running = backend.slots if max_running is None else max_running
        if max_running < 1 or max_queued < 0:
            raise ValueError(f"max_running={max_running} must be >= 1 and max_queued={max_queued} >= 0")
        self.backend = backend
        self._runner = runner
        self.max_running = max_running
        self.max_queued = max_queued
        self._lock = threading.Lock()
        self._queue: collections.deque[Job] = collections.deque()
        self._running: set[Job] = set()
        self._by_owner: dict[str, Job] = {}
        self._ids = itertools.count(1)
        self._closed = False

    def submit(self, owner: str, values: pd.Series, config: ForecastConfig, *, name: str = "",
               runner: Runner | None = None, plan: Plan | None = None) -> Job:
        """Start (or queue) a training of a copy of ``values``; the owner's active job if it already has one.

        ``plan`` names what the job runs (``Plan("replay")`` for the Train button, ``"spread"``, ``"auto"``); a
        training worker runs it without this process importing TensorFlow. ``runner`` replaces the manager's
        runner for this job instead (e.g. one that also records a replay; a worker receives it by reference).

        Raises:
            TrainingError: the queue is full, or the manager is shut down.
        """
        if not owner:
            raise ValueError("owner must be a non-empty string")
        with self._lock:
            current = self._by_owner.get(owner)
            if current is not None and not current.done:
                return current
            if self._closed:
                raise TrainingError("The server is shutting down; training is not available.")
            waiting = len(self._queue)
            if len(self._running) >= self.max_running and waiting >= self.max_queued:
                raise TrainingError(
                    f"The server is busy: {waiting} trainings are waiting. Try again in a minute."
                )
            self._forget_finished_locked()
            job = Job(str(next(self._ids)), owner, name, values, config)
            job._on_stop = self._stopped
            job.runner, job.plan = runner, plan
            self._by_owner[owner] = job
            self._queue.append(job)
            self._dispatch_locked()
        return job

    def job_for(self, owner: str) -> Job | None:
        """The owner's latest job (active or finished), or None."""
        with self._lock:
            return self._by_owner.get(owner)

    def release(self, owner: str) -> None:
        """Cancel the owner's job and forget it (the browser tab closed)."""
        with self._lock:
            job = self._by_owner.pop(owner, None)
        if job is not None:
            job.cancel()

    def active_count(self) -> int:
        """Number of jobs holding a slot (running)."""
        with self._lock:
            return len(self._running)

    def queue_length(self) -> int:
        """Number of jobs waiting for a slot."""
        with self._lock:
            return len(self._queue)

    def shutdown(self, timeout: float | None = 10.0) -> bool:
        """Refuse new jobs, cancel queued ones, stop running ones and wait; True when every thread exited."""
        with self._lock:
            self._closed = True
            jobs = [*self._queue, *self._running]
        for job in jobs:
            job.stop()
        deadline = None if timeout is None else time.monotonic() + timeout
        ended = True
        for job in jobs:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ended = job.wait(left) and ended
        return ended

    # -- internals -----------------------------------------------------------------------------
    def _stopped(self, job: Job) -> None:
        """Stop hook: a job still in the queue leaves it as "cancelled" (a running one ends by itself)."""
        with self._lock:
            if job not in self._queue:
                return
            self._queue.remove(job)
            job._finish("cancelled", "Cancelled before training started.")
            self._renumber_locked()
        job._done_event.set()

    def _forget_finished_locked(self) -> None:
        """Bound memory when sessions end without ``release``: drop the oldest finished jobs' entries."""
        excess = len(self._by_owner) - MAX_REMEMBERED
        if excess < 0:
            return
        finished = sorted((j.created, owner) for owner, j in self._by_owner.items() if j.done)
        for _, owner in finished[: excess + 1]:
            del self._by_owner[owner]

    def _renumber_locked(self) -> None:
        for position, job in enumerate(self._queue, start=1):
            job._set_queue_position(position)

    def _dispatch_locked(self) -> None:
        """Start queued jobs while slots are free (caller holds ``self._lock``)."""
        while self._queue and len(self._running) < self.max_running:
            job = self._queue.popleft()
            if job.stop_requested or self._closed:  # stopped before it got a slot: never start it
                job._finish("cancelled", "Cancelled before training started.")
                job._done_event.set()
                continue
            job._mark_running()
            thread = threading.Thread(target=self._work, args=(job,), name=f"lstm-job-{job.id}", daemon=True)
            job._thread = thread
            self._running.add(job)
            try:
                thread.start()
            except RuntimeError as exc:  # "can't start new thread": fail this job, keep the slot free
                logger.exception("job %s: could not start its thread", job.id)
                self._running.discard(job)
                job._thread = None
                job._finish("failed", f"Training could not start: {first_line(str(exc))}")
                job._done_event.set()
        self._renumber_locked()

    def _work(self, job: Job) -> None:
        """Body of a worker thread: run, record the outcome, free the slot, wake waiters."""
        state, message, run = "failed", "Training ended unexpectedly.", None
        try:
            state, message, run = _outcome(job, self.backend, self._runner)
        finally:  # even on BaseException the slot is freed and waiters are woken
            with self._lock:
                job._finish(state, message, run)
                self._running.discard(job)
                self._dispatch_locked()
            job._done_event.set()
            logger.info("job %s (%s) ended: %s", job.id, job.owner, state)
            _return_freed_memory()


#: Environment variable choosing the app's backend: ``ray`` (default) or ``inprocess``.
BACKEND_VARIABLE = "LSTM_BACKEND"


#: Seconds after the app asks for its job manager (at server start, ``ui.server``) before Ray starts: a first
#: visitor's browser loads and draws the first page meanwhile on the same cores.
WORKERS_START_DELAY_SECONDS = 2.0


def app_manager(max_queued: int = 32, workers: int | None = None) -> JobManager:
    """The app's job manager: trainings on warm Ray workers (started in the background, on this machine or on
    the cluster ``RAY_ADDRESS`` names), or in threads of this process when ``LSTM_BACKEND=inprocess``.

    Args:
        workers: training workers (default ``LSTM_WORKERS``, else one per CPU of the cluster).
    """
    choice = os.environ.get(BACKEND_VARIABLE, "ray").strip().lower()
    if choice == "inprocess":
        return JobManager(max_running=1, max_queued=max_queued)
    if choice != "ray":
        raise ValueError(f"{BACKEND_VARIABLE}={choice!r} must be 'ray' or 'inprocess'")
    count = workers or int(os.environ.get("LSTM_WORKERS", "0") or 0) or None
    pool = WorkerPool(count, start_delay=WORKERS_START_DELAY_SECONDS)
    return JobManager(max_running=pool.slots, max_queued=max_queued, backend=pool)
