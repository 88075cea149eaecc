"""The training worker: a threaded Ray actor that imports TensorFlow once when it starts and runs jobs and
auto-mode candidates, answering progress and stop calls while a training runs.

Importing this module imports neither TensorFlow nor statsmodels (the web process creates actors from it);
the worker imports them in ``TrainingWorker.__init__``, the references task in its body.

One job on a worker::

    run(key, values, config, plan)  ->  a portable ForecastRun (core.run.portable), in a thread of the actor
    progress(key, cursor)           ->  new epoch/stage events and the batch in progress (another thread)
    stop(key)                       ->  sets the job's stop event: training, references, backtest and
                                        calibration end within a chunk of batches; the best weights are kept

The job's ETS and ARIMA references are fitted in a separate Ray task (0 CPUs: it shares the job's core) that
starts with the training and is cancelled with ``force=True`` when the job stops, so it never outlives its job;
a task whose owner (this worker) dies is killed by Ray too.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import ray

from core.config import ForecastConfig
from core.model.progress import EpochRecord, TrainControl
from core.model.windows import Split
from core.run.portable import Plan, to_portable
from core.run.results import ForecastRun

if TYPE_CHECKING:
    from concurrent.futures import Future

    from core.run.auto import Candidate
    from core.run.references import References

__all__ = [
    "WORKER_LOST", "RECLAIMED", "configure_tensorflow", "fit_references", "PrecomputedFit", "Progress",
    "TaskReferences", "ActorLane", "TrainingWorker", "process_rss_mb",
]


#: What a job shows when its worker process died (killed, out of memory, crashed).
WORKER_LOST = "The training worker stopped unexpectedly; your previous model and data are kept. Train again."


#: What a worker answers for a candidate of a search whose lane was taken back (see ``TrainingWorker.revoke``).
RECLAIMED = "reclaimed"


#: Jobs whose progress a worker keeps (a finished job's for the monitor's last ``progress`` call).
_REMEMBERED_JOBS = 32


def configure_tensorflow(threads: int) -> None:
    """Give TensorFlow ``threads`` intra-op and inter-op threads; call before TensorFlow runs anything.

    A worker holds one CPU, so one thread each: on a busy machine that was faster than TensorFlow's default
    pools, and trainings give the same losses either way (checked by ``tests/ray``).
    """
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def process_rss_mb() -> float:
    """Resident memory of this process, MB (Linux ``/proc``; NaN elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def fit_references(values: np.ndarray, split: Split, season: int, budget_seconds: float,
                   origins: np.ndarray, horizon: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The body of the references task: ETS and ARIMA fitted before the test span, their one-step test
    forecasts, and their ``horizon``-step forecasts from each of ``origins`` (consecutive positions).

    The statsmodels results stay in the task's process (read back from Ray's object store their arrays
    are read-only, which statsmodels refuses); what comes back is arrays.

    Returns:
        ``(forecasts, paths)``: ``{"ets": ClassicalForecast, ...}`` and ``{"ets": (len(origins), horizon), ...}``.
    """
    from core.evaluation.classical import fit_classical, one_step_forecasts  # statsmodels, in the task's process

    targets = split.test_targets
    fits = fit_classical(values, targets.start, season, time_budget_seconds=budget_seconds)
    forecasts = one_step_forecasts(values, targets.start, targets, season, fits=fits)
    paths = {name: np.asarray(fit.paths(values, origins, horizon)) for name, fit in fits.items()}
    return forecasts, paths


_references_task = ray.remote(num_cpus=0, max_retries=0)(fit_references)


@dataclass(frozen=True)
class PrecomputedFit:
    """A ``ClassicalFit`` stand-in: the forecasts the references task made from origins ``first``,
    ``first + 1``, ... (``table`` shape ``(k, horizon)``), for the same series the task saw."""

    first: int
    table: np.ndarray

    def paths(self, values: np.ndarray, origins: np.ndarray, steps: int) -> np.ndarray:
        """The forecasts from ``origins``, shape ``(len(origins), steps)``."""
        del values
        rows = np.asarray(origins, dtype=np.int64) - self.first
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self.table) or steps > self.table.shape[1]):
            raise ValueError(f"origins {int(origins.min())}..{int(origins.max())} x {steps} steps were not precomputed")
        return np.array(self.table[rows, :steps], dtype=np.float64)

    def forecast(self, values: np.ndarray, origin: int, steps: int) -> np.ndarray:
        """The forecast from ``origin``, shape ``(steps,)``."""
        return self.paths(values, np.array([origin]), steps)[0]


class TaskReferences:
    """A ``core.run.references.ReferenceSource``: the references task of one job, started at once.

    Asked for the references, it waits for the task while watching the job's stop event; once stopped it
    cancels the task (``force=True`` ends its process at once) and gives None. The values, split and season are
    ``core.run.references.reference_inputs``; the origins are the ones ``core.run.pipeline.complete`` uses.

    Raises:
        DataError: the series is too short for the split or not finite.
    """

    def __init__(self, values: pd.Series, config: ForecastConfig, stop_event: threading.Event,
                 budget_seconds: float = 30.0) -> None:
        from core.run.references import reference_inputs, split_band_origins

        numbers, split, season = reference_inputs(values, config)
        band, _ = split_band_origins(split)
        first = int(min(band[0], split.val_targets.start if len(split.val_targets) else band[0]))
        origins = np.arange(first, split.n + 1)
        self._first = first
        self._stop_event = stop_event
        self._ref = _references_task.remote(numbers, split, season, budget_seconds, origins, config.horizon)
        self._result: References | None = None
        self._done = False

    def __call__(self) -> References | None:
        from core.run.references import References

        if self._done:
            return self._result
        while not ray.wait([self._ref], timeout=0.1)[0]:
            if self._stop_event.is_set():
                self.cancel()
                return None
        forecasts, paths = ray.get(self._ref)
        forecasts = {name: dataclasses.replace(forecast, predictions=np.array(forecast.predictions))
                     for name, forecast in forecasts.items()}  # writable copies of the store's read-only arrays
        fits = {name: PrecomputedFit(self._first, np.array(table)) for name, table in paths.items()}
        self._result, self._done = References(forecasts, fits), True  # type: ignore[arg-type]
        return self._result

    def cancel(self) -> None:
        """End the task now unless it has finished (idempotent)."""
        if not self._done:
            self._done = True
            ray.cancel(self._ref, force=True)


@dataclass
class Progress:
    """What a job reported so far, kept by the worker for the web process's monitor.

    Attributes:
        events: ``("epoch", EpochRecord)`` and ``("stage", str)`` in the order they happened.
        batch: ``(batch, batches)`` of the epoch in progress.
    """

    stop_event: threading.Event = field(default_factory=threading.Event)
    events: list[tuple[str, Any]] = field(default_factory=list)
    batch: tuple[int, int] = (0, 0)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def control(self) -> TrainControl:
        return TrainControl(stop_event=self.stop_event, on_epoch=self._epoch, on_batch=self._batch,
                            on_stage=self._stage)

    def _epoch(self, record: EpochRecord) -> None:
        with self.lock:
            self.events.append(("epoch", record))
            self.batch = (0, 0)

    def _batch(self, epoch: int, batch: int, batches: int) -> None:
        with self.lock:
            self.batch = (batch, batches)

    def _stage(self, stage: str) -> None:
        with self.lock:
            self.events.append(("stage", str(stage)))

    def since(self, cursor: int) -> tuple[list[tuple[str, Any]], tuple[int, int]]:
        with self.lock:
            return self.events[cursor:], self.batch


class ActorLane:
    """An ``core.run.auto.Lane`` on another training worker (an actor handle lent to this worker's search)."""

    def __init__(self, handle: Any, worker: str, search: str, values: Any, base: ForecastConfig,
                 covariates: pd.DataFrame | None) -> None:
        self.worker = worker
        self._handle, self._search, self._values = handle, search, values
        self._base, self._covariates = base, covariates
        self._key = ""

    def start(self, number: int, config: ForecastConfig, limit: float) -> Future[Candidate | None]:
        from concurrent.futures import Future

        from core.run.auto import LaneLost

        self._key = f"{self._search}/{number}"
        ref = self._handle.fit_candidate.remote(self._key, self._values, self._base, number, config, limit,
                                                self._covariates)
        result: Future[Candidate | None] = Future()

        def settle(done: Any) -> None:
            try:
                value = done.result()
            except ray.exceptions.RayActorError:
                result.set_exception(LaneLost(f"worker {self.worker} is gone"))
                return
            except Exception as error:  # the candidate failed in a way fit_candidate does not catch
                result.set_exception(error)
                return
            if value == RECLAIMED:
                result.set_exception(LaneLost(f"worker {self.worker} was taken back"))
            else:
                result.set_result(value)

        ref.future().add_done_callback(settle)
        return result

    def stop(self) -> None:
        if self._key:
            self._handle.stop.remote(self._key)


def _warm_up(run_forecast: Callable[..., ForecastRun]) -> None:
    """One tiny training, evaluation and forecast: TensorFlow's first graph in a process costs seconds more than
    any later one, so a job's first epoch would otherwise pay it (and an auto-mode candidate miss its limit)."""
    from core.data.datasets import synthetic_series

    tiny = ForecastConfig(window=6, horizon=2, units=4, epochs=1, batch_size=16, patience=0, backtest_folds=0)
    run_forecast(synthetic_series(90, "D", seed=0, period=7), tiny, classical=False)


class TrainingWorker:
    """The worker's body; ``ray.remote(max_concurrency=...)`` makes it a threaded actor (``core.run.pool``).

    Keys name jobs (``run``) and candidates (``fit_candidate``, ``"<search>/<number>"``); a candidate's
    search is the key of the auto-mode job that lent it this worker.
    """

    def __init__(self, threads: int = 1) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        configure_tensorflow(threads)
        from core.run import auto, runners  # TensorFlow and Keras are imported here, once per worker

        self._auto, self._runners = auto, runners
        _warm_up(runners.run_forecast)
        self._lock = threading.Lock()
        self._jobs: dict[str, Progress] = {}
        self._revoked: list[str] = []

    # -- what the pool calls ------------------------------------------------------------------
    def identity(self) -> str:
        """``host:pid`` of this worker."""
        return str(self._auto.worker_name())

    def memory_mb(self) -> float:
        return process_rss_mb()

    def run(self, key: str, values: pd.Series, config: ForecastConfig, work: Plan | Callable[..., ForecastRun],
            lanes: list[tuple[str, Any]] | None = None) -> ForecastRun:
        """Run one job and return its portable run (no Keras model in it).

        Args:
            work: a ``Plan``, or a runner ``(values, config, control) -> ForecastRun`` sent by reference.
            lanes: ``(worker, actor handle)`` of idle workers lent to an auto-mode job.
        """
        progress = self._register(key)
        references = None
        if isinstance(work, Plan) and work.classical and work.kind != "stations":
            budget = 30.0 if work.kind != "auto" else min(30.0, work.budget_seconds / 4)
            references = TaskReferences(values, config, progress.stop_event, budget)
        try:
            if isinstance(work, Plan):
                search = self._lanes(key, values, config, work, lanes or [])
                runner = self._runners.runner_for(work, references, search)
            else:
                runner = work
            return to_portable(runner(values, config, progress.control()))
        finally:
            if references is not None:
                references.cancel()

    def progress(self, key: str, cursor: int) -> tuple[list[tuple[str, Any]], tuple[int, int]]:
        """Events of job ``key`` from position ``cursor`` on, and its batch in progress."""
        with self._lock:
            job = self._jobs.get(key)
        return ([], (0, 0)) if job is None else job.since(cursor)

    def stop(self, key: str) -> None:
        """Stop job or candidate ``key`` (it ends soon and keeps its best weights)."""
        with self._lock:
            job = self._jobs.get(key)
        if job is not None:
            job.stop_event.set()

    def revoke(self, search: str) -> None:
        """Take this worker back from the auto-mode job ``search``: its running candidate here stops (the
        search trains that candidate again elsewhere) and later ones are refused."""
        with self._lock:
            self._revoked = [*self._revoked[-99:], search]
            running = [job for name, job in self._jobs.items() if name.startswith(f"{search}/")]
        for job in running:
            job.stop_event.set()

    def fit_candidate(self, key: str, values: pd.Series, base: ForecastConfig, number: int, config: ForecastConfig,
                      limit: float, covariates: pd.DataFrame | None) -> Candidate | str | None:
        """Train one auto-mode candidate for another worker's search; its weights come back, or
        :data:`RECLAIMED` when this worker was taken back from that search."""
        search = key.rpartition("/")[0]
        with self._lock:
            if search in self._revoked:
                return RECLAIMED
        progress = self._register(key)
        candidate = self._auto.fit_candidate(values, base, number, config, limit, progress.control(), covariates,
                                             keep=False)
        with self._lock:
            if search in self._revoked:
                return RECLAIMED
        return candidate

    # -- internals -----------------------------------------------------------------------------
    def _register(self, key: str) -> Progress:
        with self._lock:
            progress = self._jobs[key] = Progress()
            for old in list(self._jobs)[:-_REMEMBERED_JOBS]:
                del self._jobs[old]
            return progress

    def _lanes(self, key: str, values: pd.Series, config: ForecastConfig, plan: Plan,
               lent: list[tuple[str, Any]]) -> Any:
        if plan.kind != "auto" or not lent:
            return None
        shared = ray.put(values)
        return self._auto.Lanes([ActorLane(handle, worker, key, shared, config, plan.covariates)
                                 for worker, handle in lent])
