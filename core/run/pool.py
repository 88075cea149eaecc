"""Where trainings run: in this process (:class:`InProcess`) or on warm Ray training workers (:class:`WorkerPool`).

Both answer ``run(values, config, control, work) -> ForecastRun``: ``control`` is the caller's (its stop event
and progress callbacks), ``work`` a ``core.run.portable.Plan`` or a runner. ``WorkerPool.run`` sends the job to a
free worker and, in the calling thread, polls its progress into ``control``'s callbacks (every
:data:`POLL_SECONDS`) and passes its stop event, and the time limit, on to the worker; the run that comes back
holds ``NetworkWeights`` instead of a Keras model, so the caller never imports TensorFlow. An auto-mode job
borrows the idle workers for its candidates; a job that needs a worker takes a borrowed one back (the
candidate there is trained again elsewhere, so the search's result does not change). A worker that dies
fails only its job (``WORKER_LOST``) and is replaced by a fresh one.

``run_many`` forecasts many series at once, one per free worker (the CLI's ``--all-series``); a job of every
station of a file (``Plan("stations")``) trains its stations that way too.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd
import ray

from core.config import ForecastConfig
from core.errors import CoreError, TrainingError
from core.model.progress import EpochRecord, TrainControl
from core.run import cluster
from core.run.portable import Plan
from core.run.results import MAX_STATIONS, ForecastRun, Runner, StationRuns, combine_stations, station_stage
from core.run.workers import WORKER_LOST, TrainingWorker
from core.words import first_line

__all__ = ["POLL_SECONDS", "Work", "Backend", "InProcess", "WorkerPool"]

logger = logging.getLogger(__name__)


#: How often the monitor asks a worker for progress; a call costs a few milliseconds.
POLL_SECONDS = 0.2


#: Longest wait for one progress answer before the monitor looks at the run's end and Stop again.
_PROGRESS_WAIT = 5.0


#: How often the monitor looks for the run's end and a Stop to pass on (a wait on Ray, no work).
_TICK_SECONDS = 0.05


#: Extra seconds a job may run past its time limit before the monitor stops it (a training that reaches its
#: limit ends the work after it quickly by itself; this is the backstop).
_TIME_LIMIT_GRACE = 5.0


#: A job's work: a ``Plan`` (what the app sends), a runner (sent to a worker by reference), or None (the default).
Work = Plan | Runner | None


class Backend(Protocol):
    """What ``core.dashboard.jobs.JobManager`` and the CLI need from a place that trains."""

    @property
    def slots(self) -> int:
        """How many trainings may run at once."""
        ...

    def run(self, values: pd.Series, config: ForecastConfig, control: TrainControl, work: Work = None) -> ForecastRun:
        ...

    def close(self) -> None:
        ...


def _run_many(backend: Backend, items: Sequence[tuple[pd.Series, ForecastConfig]], work: Work,
              on_done: Callable[[int, ForecastRun | CoreError], None] | None,
              stop_event: threading.Event | None,
              control_for: Callable[[int], TrainControl] | None = None) -> list[ForecastRun | CoreError]:
    """``WorkerPool.run_many``; ``control_for(index)`` gives the control of an item as it starts (default: one
    with ``stop_event`` only), and is not called for an item skipped after a stop."""
    stop_event = stop_event or threading.Event()
    results: list[ForecastRun | CoreError | None] = [None] * len(items)

    def one(index: int) -> None:
        values, config = items[index]
        outcome: ForecastRun | CoreError
        if stop_event.is_set():
            outcome = TrainingError("Stopped before this series was trained.")
        else:
            control = TrainControl(stop_event=stop_event) if control_for is None else control_for(index)
            try:
                outcome = backend.run(values, config, control, work)
            except CoreError as error:
                outcome = error
        results[index] = outcome
        if on_done is not None:
            on_done(index, outcome)

    with ThreadPoolExecutor(max(1, backend.slots), thread_name_prefix="lstm-many") as threads:
        list(threads.map(one, range(len(items))))
    return [result for result in results if result is not None]


class InProcess:
    """Trainings in the calling thread of this process (tests of the queue logic, a plain CLI forecast).

    Args:
        runner: what ``work=None`` runs; default ``core.run.pipeline.run_forecast`` (Keras is imported
            here, in the creating thread: a first import inside a job's thread raced with Plotly).
        slots: trainings allowed at once.
    """

    def __init__(self, runner: Runner | None = None, slots: int = 1) -> None:
        if runner is None:
            from core.run.pipeline import run_forecast

            runner = run_forecast
        self._runner: Runner = runner
        self._slots = max(1, int(slots))

    @property
    def slots(self) -> int:
        return self._slots

    def run(self, values: pd.Series, config: ForecastConfig, control: TrainControl, work: Work = None) -> ForecastRun:
        if isinstance(work, Plan):
            from core.run.runners import runner_for

            work = runner_for(work)
        return (work or self._runner)(values, config, control)

    def run_many(self, items: Sequence[tuple[pd.Series, ForecastConfig]], work: Work = None, *,
                 on_done: Callable[[int, ForecastRun | CoreError], None] | None = None,
                 stop_event: threading.Event | None = None) -> list[ForecastRun | CoreError]:
        """Forecast each ``(values, config)``; a ``CoreError`` in the place of a series that failed."""
        return _run_many(self, items, work, on_done, stop_event)

    def close(self) -> None:
        """Nothing to release."""


@dataclass
class _Slot:
    """One training worker as the pool sees it: ``idle``, ``busy`` (a job), ``lent`` (to search ``search``)."""

    actor: Any
    identity: Any  # an ObjectRef to its "host:pid" until resolved
    state: str = "idle"
    search: str = ""

    def worker(self) -> str:
        if not isinstance(self.identity, str):
            self.identity = str(ray.get(self.identity))
        return self.identity


def _limit(config: ForecastConfig, work: Work) -> float:
    """Seconds after which the monitor stops a job that is still running."""
    if isinstance(work, Plan) and work.kind == "auto":  # the budget includes the winner's evaluation
        return work.budget_seconds + max(10.0, 0.25 * work.budget_seconds)
    trainings = 3 if isinstance(work, Plan) and work.kind == "spread" else 1
    if isinstance(work, Plan) and work.kind == "stations":
        trainings = len(work.stations) + (work.across != "each")
    return trainings * config.time_limit_seconds + _TIME_LIMIT_GRACE


class WorkerPool:
    """``workers`` warm training workers (Ray actors, one CPU each) and the monitor that drives them.

    Connecting (``core.run.cluster.connect``) and starting the workers happen in a background thread, so the
    app's first page does not wait for them; ``run`` waits until they are up.

    Args:
        workers: training workers (default: this machine's cores for an embedded Ray, the cluster's CPUs
            for ``RAY_ADDRESS``).
        threads: TensorFlow threads per worker (``core.run.workers.configure_tensorflow``).
        temp_dir: an embedded Ray's session directory (see ``core.run.cluster.connect``).
        background: start in a background thread (else in the constructor).
        start_delay: seconds the background thread waits before it starts Ray (the web server's first page is
            drawn meanwhile, without Ray's processes and the workers' TensorFlow imports competing for the CPU);
            a job submitted meanwhile waits for the workers as usual.
    """

    def __init__(self, workers: int | None = None, *, threads: int = 1, temp_dir: str | None = None,
                 background: bool = True, start_delay: float = 0.0) -> None:
        if workers is None and cluster.cluster_address() is None:
            workers = os.cpu_count() or 1
        self._requested, self._threads, self._temp_dir = workers, threads, temp_dir
        self._cond = threading.Condition()
        self._slots: list[_Slot] = []
        self._ready = threading.Event()
        self._error: TrainingError | None = None
        self._closed = False
        self._closing = threading.Event()
        self._start_delay = max(0.0, float(start_delay)) if background else 0.0
        self._keys = itertools.count(1)
        self._actor_class = ray.remote(TrainingWorker).options(num_cpus=1, max_concurrency=16, max_restarts=0)
        self.info: cluster.ClusterInfo | None = None
        if background:
            threading.Thread(target=self._start, name="lstm-ray-start", daemon=True).start()
        else:
            self._start()
            self.wait_ready()

    # -- life cycle ----------------------------------------------------------------------------
    def _start(self) -> None:
        if self._closing.wait(self._start_delay):  # closed before it started
            self._error = TrainingError("The server is shutting down; training is not available.")
            self._ready.set()
            return
        try:
            cpus = max(self._requested or 0, os.cpu_count() or 1)  # an embedded Ray has a CPU for every worker
            self.info = cluster.connect(cpus=cpus, temp_dir=self._temp_dir)
            count = self._requested or max(1, int(self.info.cpus))
            if count > self.info.cpus:
                raise TrainingError(f"{count} training workers need {count} CPUs; the Ray cluster has "
                                    f"{self.info.cpus:g}: set LSTM_WORKERS to at most that.")
            slots = [self._new_slot() for _ in range(count)]
            for slot in slots:
                slot.worker()  # waits until the worker has imported TensorFlow
            with self._cond:
                self._slots = slots
                self._cond.notify_all()
        except TrainingError as error:
            self._error = error
        except Exception as error:  # e.g. a worker that cannot import the project: one line for the page
            logger.exception("the training workers could not start")
            self._error = TrainingError(f"The training workers could not start: {type(error).__name__}: {error}")
        finally:
            self._ready.set()

    def _new_slot(self) -> _Slot:
        actor: Any = self._actor_class.remote(self._threads)
        return _Slot(actor, actor.identity.remote())

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the workers are up; True when they are.

        Raises:
            TrainingError: Ray or the workers could not start.
        """
        if not self._ready.wait(timeout):
            return False
        if self._error is not None:
            raise self._error
        return True

    @property
    def slots(self) -> int:
        """Training workers (for a cluster without ``workers``, known once connected: this waits for it)."""
        if self._requested:
            return self._requested
        self.wait_ready()  # a cluster's size is known once connected
        with self._cond:
            return len(self._slots)

    def workers(self) -> list[str]:
        """``host:pid`` of every worker."""
        self.wait_ready()
        with self._cond:
            slots = list(self._slots)
        return [slot.worker() for slot in slots]

    def busy(self) -> list[str]:
        """``host:pid`` of the workers running a job now (not those lent to a search)."""
        with self._cond:
            slots = [slot for slot in self._slots if slot.state == "busy"]
        return [slot.worker() for slot in slots]

    def memory_mb(self) -> list[float]:
        """Resident memory of every worker process, MB."""
        self.wait_ready()
        with self._cond:
            actors = [slot.actor for slot in self._slots]
        return [float(value) for value in ray.get([actor.memory_mb.remote() for actor in actors])]

    def close(self) -> None:
        """Stop every worker and refuse new jobs (the Ray connection stays: ``core.run.cluster.disconnect``)."""
        self._closing.set()
        with self._cond:
            self._closed = True
            slots, self._slots = self._slots, []
            self._cond.notify_all()
        for slot in slots:
            ray.kill(slot.actor, no_restart=True)

    # -- slots ---------------------------------------------------------------------------------
    def _acquire(self) -> _Slot:
        """A worker for a job: an idle one, else one lent to a search (taken back), else wait."""
        self.wait_ready()
        with self._cond:
            while True:
                if self._closed:
                    raise TrainingError("The server is shutting down; training is not available.")
                idle = [slot for slot in self._slots if slot.state == "idle"]
                if idle:
                    idle[0].state = "busy"
                    return idle[0]
                lent = [slot for slot in self._slots if slot.state == "lent"]
                if lent:
                    slot, search = lent[-1], lent[-1].search
                    slot.state, slot.search = "busy", ""
                    break
                self._cond.wait()
        return self._revoked(slot, search)

    def _revoked(self, slot: _Slot, search: str) -> _Slot:
        """``slot`` taken back from ``search`` (replaced when its worker died meanwhile)."""
        try:
            ray.get(slot.actor.revoke.remote(search), timeout=60)
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
            self._replace(slot)
        return slot

    def _replace(self, slot: _Slot) -> None:
        logger.warning("training worker %s stopped unexpectedly; starting a fresh one", slot.identity)
        ray.kill(slot.actor, no_restart=True)
        fresh = self._new_slot()
        slot.actor, slot.identity = fresh.actor, fresh.identity

    def _release(self, slot: _Slot, dead: bool) -> None:
        if dead:
            self._replace(slot)
        with self._cond:
            slot.state, slot.search = "idle", ""
            self._cond.notify_all()

    def _lend(self, search: str) -> list[_Slot]:
        """Every idle worker, lent to the auto-mode job ``search``."""
        with self._cond:
            idle = [slot for slot in self._slots if slot.state == "idle"]
            for slot in idle:
                slot.state, slot.search = "lent", search
        return idle

    def _return(self, lent: list[_Slot], search: str) -> None:
        """The search is over: its workers that were not taken back are idle again."""
        for slot in lent:
            with self._cond:
                mine = slot.state == "lent" and slot.search == search
                if mine:
                    slot.state = "busy"
            if mine:
                self._revoked(slot, search)  # no candidate of the search may still be running there
                self._release(slot, dead=False)

    # -- jobs ----------------------------------------------------------------------------------
    def run(self, values: pd.Series, config: ForecastConfig, control: TrainControl, work: Work = None) -> ForecastRun:
        """Train on a worker and return the portable run; progress and Stop pass through ``control``.

        Raises:
            CoreError: the run's own error (e.g. a too-short series), or ``TrainingError(WORKER_LOST)`` when
                the worker died.
        """
        if isinstance(work, Plan) and work.kind == "stations" and work.across == "each":
            return self._run_stations(config, control, work)
        slot = self._acquire()
        key = f"job-{next(self._keys)}-{uuid.uuid4().hex[:8]}"
        lent = self._lend(key) if isinstance(work, Plan) and work.kind == "auto" else []
        dead = False
        try:
            lanes = [(other.worker(), other.actor) for other in lent]
            ref = slot.actor.run.remote(key, values, config, work or Plan("plain"), lanes)
            return self._follow(slot, key, ref, control, time.monotonic() + _limit(config, work))
        except ray.exceptions.RayActorError as error:
            dead = True
            logger.warning("job %s: worker lost: %s", key, str(error).splitlines()[0])
            raise TrainingError(WORKER_LOST) from error
        except ray.exceptions.RayTaskError as error:
            cause = error.cause
            if isinstance(cause, CoreError):
                raise cause from None
            raise TrainingError(f"Training failed unexpectedly: {type(cause).__name__}: {cause}") from error
        finally:
            self._return(lent, key)
            self._release(slot, dead)

    def _run_stations(self, config: ForecastConfig, control: TrainControl, plan: Plan) -> ForecastRun:
        """Every station of ``plan`` at once, one per free worker (:func:`_run_many`), each a ``Plan("replay")`` of
        its own; Stop stops the running ones (they keep their best weights) and skips the rest. Stages are reported
        per station (``"station 2 of 3: LGA: training"``); the loss chart follows the first station still training."""
        stations = list(plan.stations)
        if not stations or len(stations) > MAX_STATIONS:
            raise ValueError(f"a stations plan takes 1 to {MAX_STATIONS} stations, got {len(stations)}")
        started: set[int] = set()
        training: list[int] = []  # stations training now, in the order they started
        lock = threading.Lock()

        def control_for(index: int) -> TrainControl:
            label = station_stage(index + 1, len(stations), stations[index].id)

            def stage(name: str) -> None:
                if control.on_stage is not None:
                    control.on_stage(f"{label}: {name}")

            def epoch(record: EpochRecord) -> None:
                with lock:
                    leading = bool(training) and training[0] == index
                if leading and control.on_epoch is not None:
                    control.on_epoch(record)

            with lock:
                started.add(index)
                training.append(index)
            stage("starting")
            return TrainControl(stop_event=control.stop_event, on_stage=stage, on_epoch=epoch)

        def finished(index: int, _outcome: ForecastRun | CoreError) -> None:
            with lock:
                if index in training:
                    training.remove(index)

        outcomes = _run_many(self, [(station.values, config) for station in stations],
                             Plan("replay", classical=plan.classical), finished, control.stop_event, control_for)
        done = [dataclasses.replace(station, run=outcome, error="") if isinstance(outcome, ForecastRun)
                else dataclasses.replace(station, run=None, error=first_line(str(outcome)) if index in started
                                         else "not trained: stopped before its turn")
                for index, (station, outcome) in enumerate(zip(stations, outcomes, strict=True))]
        return combine_stations(StationRuns(done), control.stop_event.is_set())

    def _follow(self, slot: _Slot, key: str, ref: Any, control: TrainControl, deadline: float) -> ForecastRun:
        """The monitor: forward progress and Stop until the run is back."""
        cursor, epoch, stopped, late, polled = 0, 0, False, False, 0.0
        while True:
            ready, _ = ray.wait([ref], timeout=_TICK_SECONDS)
            if not ready and not stopped and (control.stop_event.is_set() or time.monotonic() > deadline):
                late = not control.stop_event.is_set()
                slot.actor.stop.remote(key)
                stopped = True
            if not ready and time.monotonic() - polled < POLL_SECONDS:
                continue
            polled = time.monotonic()
            try:
                events, (batch, batches) = ray.get(slot.actor.progress.remote(key, cursor), timeout=_PROGRESS_WAIT)
            except ray.exceptions.GetTimeoutError:  # a busy worker answers later; the run's end is what counts
                continue
            cursor += len(events)
            for kind, value in events:
                if kind == "epoch":
                    epoch = value.epoch
                    if control.on_epoch is not None:
                        control.on_epoch(value)
                elif control.on_stage is not None:
                    control.on_stage(value)
            if batches and control.on_batch is not None:
                control.on_batch(epoch + 1, batch, batches)
            if ready:  # a copy: what Ray hands over is read-only views of its object store, pinned while in use
                run: ForecastRun = copy.deepcopy(ray.get(ref))
                if late and run.status == "stopped":  # the backstop of the time limit, not the user
                    run.status = "time_limit"
                return run

    def run_many(self, items: Sequence[tuple[pd.Series, ForecastConfig]], work: Work = None, *,
                 on_done: Callable[[int, ForecastRun | CoreError], None] | None = None,
                 stop_event: threading.Event | None = None) -> list[ForecastRun | CoreError]:
        """Forecast each ``(values, config)`` on the workers, as many at once as there are workers.

        Args:
            work: what to run for each (default: one training with the references, ``Plan("plain")``).
            on_done: called with ``(index, result)`` as each one ends (from a pool thread).
            stop_event: set it to stop the running ones (they keep their best weights) and skip the rest.

        Returns:
            one entry per item, in order: its run, or the ``CoreError`` it failed with.
        """
        return _run_many(self, items, work, on_done, stop_event)

