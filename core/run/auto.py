"""Auto mode: a seeded search over the LSTM's settings within a time budget, judged on validation only.

The candidate list is fixed by the seed: first the given settings, then short windows that read the last
changes (cheap to train, and the likely winners on smooth series), then settings that add the seasonal
inputs and residual targets, then random draws (window, units, layers, dropout, learning rate, calendar,
season input, change inputs, target). Candidates are trained with early stopping, in candidate order, on one
or more :class:`Lane` (this process, or training workers lent to the search: ``core.run.workers``) and scored
by their one-step MAE on the validation span (original units); the test span is used only once, by the
winner, after the choice is made.
The winner depends only on the scores (the lowest one, unless the given settings are within
:data:`MIN_GAIN`), never on which lane finished first. The search stops launching candidates when the rest
of the budget cannot fit one and cuts a running one at the deadline or after a third of the budget (its best
epoch so far counts). How many candidates fit depends on the machine and the lanes; with ``max_candidates``
and a generous budget the result is reproducible.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd

from core.config import PARAMETER_BUDGET, ForecastConfig, check_length, parameter_count, season_length_for
from core.errors import ConfigError, CoreError, DataError
from core.evaluation.baselines import naive_forecast, seasonal_naive_forecast
from core.model.network import build_model
from core.model.progress import TrainControl
from core.model.training import TrainOutcome
from core.model.windows import prepare
from core.run.pipeline import Fitted, complete, covariate_array, fit, resolve_season_length
from core.run.references import BackgroundReferences, ReferenceSource, check_series
from core.run.results import CandidateResult, ForecastRun, SearchReport
from core.words import REFERENCE_WORDS

__all__ = [
    "SEARCHED", "candidate_configs", "MIN_GAIN", "worker_name", "Candidate", "fit_candidate", "LaneLost", "Lane",
    "LocalLane", "Lanes", "run_auto",
]


#: Settings auto mode changes; everything else comes from the base config.
SEARCHED = (
    "window", "units", "layers", "dropout", "learning_rate", "calendar", "seasonal_input", "difference_input", "target",
)


#: Share of the budget (at least this many seconds) kept for evaluating and forecasting with the winner.
_RESERVE_SHARE, _RESERVE_MIN = 0.06, 3.0


#: Each candidate may train for at most 1/this of the search budget, so at least this many get a turn.
_MIN_CANDIDATES = 3


#: Another candidate replaces the given settings only when its validation MAE is lower by more than this
#: share: with a few hundred validation points, smaller gaps are mostly noise ("winner's curse").
MIN_GAIN = 0.02


#: After a Stop, the search waits this long for its running candidates (their best epochs count); later ones
#: are left to end by themselves, unless nothing has finished yet.
_STOP_GRACE_SECONDS = 0.5


#: Clock (a module attribute so tests can move time forward).
_clock = time.monotonic


def _valid(config: ForecastConfig, n: int) -> bool:
    try:
        check_length(n, config)
    except DataError:
        return False
    return parameter_count(config) <= PARAMETER_BUDGET


def _make(base: ForecastConfig, **changes: Any) -> ForecastConfig | None:
    try:
        return replace(base, **changes)
    except ConfigError:
        return None


def candidate_configs(base: ForecastConfig, frequency: str, n: int, seed: int, count: int = 40) -> list[ForecastConfig]:
    """The seeded list of settings to try, ``base`` first, without duplicates or invalid ones.

    Args:
        base: the starting settings (split, epochs, patience, horizon, seed are kept).
        frequency: pandas alias, for the season length.
        n: series length (candidates too long for it are dropped).
        seed: the search's seed (the same seed gives the same list).
        count: most candidates in the list.
    """
    season = base.season_length or season_length_for(frequency)
    rng = np.random.default_rng(seed)
    short = max(2, base.window // 4)  # with the season-ago input a short window still sees a season back
    tiny = max(3, base.window // 8)  # two or more steps of the change inputs in every training position
    windows = sorted({tiny, short, base.window, max(2, base.window // 2), base.window * 2, season + 1, 2 * season})
    windows = [w for w in windows if 2 <= w <= min(730, n // 4)]
    seasonal = {"calendar": True, "seasonal_input": True}
    changes = {"target": "change", "difference_input": True, "seasonal_input": True}
    # Short windows first: with the season-ago input they see what matters and train several times faster,
    # so on long (hourly) series more candidates fit in the budget. The change inputs lead: on smooth series
    # such as hourly temperatures "next change = the change a season ago" is the signal, and an LSTM that must
    # compute it as the difference of two inputs learns it far less precisely than one that is handed the
    # changes (docs/forecast-quality.md, "The hourly series"). Without the calendar first: a series of a year or
    # two shows each day of the year once or twice, so those inputs can only be memorised, and the run is cheaper.
    rule = {**changes, "target": "reference"}  # the correction to the best simple rule on validation
    structured: list[dict[str, Any]] = [
        {"window": tiny, **changes, "calendar": False},
        {"window": tiny, **changes, "calendar": True},
        {"window": short, **changes, "calendar": False},
        {"window": short, **rule, "calendar": False},
        {"window": short, "target": "change", **seasonal},
        {"window": short, "target": "seasonal_change", **seasonal},
        {"target": "seasonal_change", **seasonal},
        {**changes, "calendar": True},
        {"target": "change", "calendar": False, "seasonal_input": False},
        {"target": "value", **seasonal},
    ]
    listed: list[ForecastConfig] = []
    for changes in [{}, *structured]:
        config = _make(base, **changes)
        if config is not None and _valid(config, n) and config not in listed:
            listed.append(config)
    attempts = 0
    while len(listed) < count and attempts < 20 * count:
        attempts += 1
        config = _make(
            base,
            window=int(rng.choice(windows)) if windows else base.window,
            units=int(rng.choice([16, 32, 64, 96])),
            layers=int(rng.choice([1, 1, 2])),
            dropout=float(rng.choice([0.0, 0.0, 0.1, 0.2])),
            learning_rate=float(rng.choice([0.0005, 0.001, 0.002, 0.004])),
            calendar=bool(rng.random() < 0.6),
            seasonal_input=bool(rng.random() < 0.6),
            difference_input=bool(rng.random() < 0.5),
            target=str(rng.choice(["value", "change", "change", "seasonal_change", "reference", "reference"])),
        )
        if config is not None and _valid(config, n) and config not in listed:
            listed.append(config)
    return listed[:count]


def _changes(base: ForecastConfig, config: ForecastConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in SEARCHED if getattr(config, name) != getattr(base, name)}


def _validation_baselines(fitted: Fitted) -> dict[str, float]:
    """Naive and seasonal-naive MAE on the validation targets (original units)."""
    data = fitted.data
    targets = data.split.val_targets
    if len(targets) == 0:
        return {}
    actual = data.values[targets.start : targets.stop]
    seasonal, _ = seasonal_naive_forecast(data.values, targets, fitted.season)
    return {
        "naive": float(np.mean(np.abs(actual - naive_forecast(data.values, targets)))),
        "seasonal_naive": float(np.mean(np.abs(actual - seasonal))),
    }


def _reason(report: SearchReport, base_score: float | None) -> str:
    """Which settings won and why, in plain words."""
    best = next(r for r in report.results if r.number == report.winner)
    tried = len(report.results)
    parts = [
        f"Tried {tried} of {report.planned} planned settings in {report.seconds:.0f} s "
        f"(budget {report.budget_seconds:.0f} s), each scored on the validation span only.",
        f"Winner: candidate {best.number} ({best.label()}) with validation MAE {best.validation_mae:.4g}",
    ]
    if best.number != 1 and base_score is not None and best.validation_mae is not None:
        gain = 100 * (1 - best.validation_mae / base_score) if base_score > 0 else 0.0
        parts[-1] += f", {gain:.1f} % lower than the given settings ({base_score:.4g})."
    else:
        parts[-1] += (f"; the given settings are kept because no other candidate was more than "
                      f"{MIN_GAIN:.0%} better on validation.")
    baselines = report.validation_baselines
    if baselines and best.validation_mae is not None:
        name, score = min(baselines.items(), key=lambda item: item[1])
        verb = "beats" if best.validation_mae < score else "does NOT beat"
        parts.append(f"On validation it {verb} the best simple rule, {REFERENCE_WORDS[name]}, with MAE "
                     f"{score:.4g}.")
    return " ".join(parts)


def worker_name() -> str:
    """This process as ``host:pid`` (what ``search.json`` records as a candidate's ``worker``)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Candidate:
    """One trained candidate as the search receives it.

    Attributes:
        result: its leaderboard row.
        outcome: how its training ended (history, best epoch).
        baselines: naive and seasonal-naive MAE on its validation targets (candidate 1 only, else empty).
        fitted: the trained model with its data, when trained in the search's own process.
        weights: the best epoch's weights (``keras.Model.get_weights`` order), when trained elsewhere.
    """

    result: CandidateResult
    outcome: TrainOutcome
    baselines: dict[str, float]
    fitted: Fitted | None = None
    weights: list[np.ndarray] | None = None


def fit_candidate(values: pd.Series, base: ForecastConfig, number: int, config: ForecastConfig, limit: float,
                  control: TrainControl, covariates: pd.DataFrame | None = None, keep: bool = True
                  ) -> Candidate | None:
    """Train candidate ``number`` (``config`` cut to ``limit`` seconds); None when the series does not suit it.

    Args:
        keep: keep the ``Fitted`` (same process) rather than only its weights (to send elsewhere).
    """
    tick = _clock()
    try:
        fitted = fit(values, replace(config, time_limit_seconds=limit), control, covariates)
    except CoreError:
        return None
    result = CandidateResult(
        number=number, changes=_changes(base, config), validation_mae=fitted.validation_mae(),
        seconds=_clock() - tick, status=fitted.outcome.status, epochs=len(fitted.outcome.history),
        worker=worker_name(),
    )
    baselines = _validation_baselines(fitted) if number == 1 else {}
    if keep:
        return Candidate(result, fitted.outcome, baselines, fitted=replace(fitted, config=config))
    outcome = replace(fitted.outcome, predict=None)  # a traced function stays in the process that traced it
    return Candidate(result, outcome, baselines, weights=list(fitted.model.get_weights()))


class LaneLost(Exception):
    """The process a lane trained on is gone; its candidate goes back to the queue."""


class Lane(Protocol):
    """Somewhere a search trains one candidate at a time."""

    worker: str

    def start(self, number: int, config: ForecastConfig, limit: float) -> Future[Candidate | None]:
        """Begin training candidate ``number``; the future raises :class:`LaneLost` when the lane died."""
        ...

    def stop(self) -> None:
        """Stop the running candidate soon (its result still arrives, with the best epoch so far)."""
        ...


class LocalLane:
    """Trains candidates in this process with the search's control (its stop event and progress callbacks),
    inline in the search's thread, or in a thread of its own when the search has other lanes."""

    def __init__(self, values: pd.Series, base: ForecastConfig, control: TrainControl,
                 covariates: pd.DataFrame | None = None) -> None:
        self.worker = worker_name()
        self._values, self._base, self._covariates = values, base, covariates
        self._control = TrainControl(stop_event=control.stop_event, on_epoch=control.on_epoch,
                                     on_batch=control.on_batch)
        self._thread: ThreadPoolExecutor | None = None

    def threaded(self) -> None:
        """Train in a thread of this lane from now on (the search keeps watching its other lanes meanwhile)."""
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="auto-candidate")

    def start(self, number: int, config: ForecastConfig, limit: float) -> Future[Candidate | None]:
        def work() -> Candidate | None:
            return fit_candidate(self._values, self._base, number, config, limit, self._control, self._covariates)

        if self._thread is not None:
            return self._thread.submit(work)
        done: Future[Candidate | None] = Future()
        done.set_result(work())
        return done

    def stop(self) -> None:
        """Nothing to do: the candidate reads the search's own stop event."""

    def close(self) -> None:
        """No more candidates; one still running after a Stop ends by itself (it reads the same stop event)."""
        if self._thread is not None:
            self._thread.shutdown(wait=False)


class Lanes:
    """The lanes a search may use. Another thread may ``add`` lanes and ``reclaim`` them while it runs: a
    reclaimed lane's running candidate is stopped and its result discarded (the candidate goes back to the
    queue), so what the search finds never depends on the lending."""

    def __init__(self, lanes: list[Lane] | None = None) -> None:
        self._lock = threading.Lock()
        self._lanes: list[Lane] = list(lanes or [])
        self._reclaimed: dict[str, threading.Event] = {}
        self._closed = False

    def add(self, lane: Lane, first: bool = False) -> bool:
        """Offer another lane (``first``: tried before the others); False when the search is over."""
        with self._lock:
            if self._closed:
                return False
            self._lanes.insert(0 if first else len(self._lanes), lane)
            return True

    def reclaim(self, worker: str) -> threading.Event:
        """Take the lane of ``worker`` back; the event is set once the search no longer uses it."""
        with self._lock:
            event = self._reclaimed.setdefault(worker, threading.Event())
            if self._closed or all(lane.worker != worker for lane in self._lanes):
                event.set()
            return event

    def current(self) -> list[Lane]:
        with self._lock:
            return list(self._lanes)

    def reclaimed(self, lane: Lane) -> bool:
        with self._lock:
            return lane.worker in self._reclaimed

    def release(self, lane: Lane) -> None:
        """The search is done with ``lane`` (reclaimed, lost, or the search ended)."""
        with self._lock:
            if lane in self._lanes:
                self._lanes.remove(lane)
            event = self._reclaimed.get(lane.worker)
        if event is not None:
            event.set()

    def close(self) -> list[Lane]:
        """End of the search: every lane is released; returns those still held."""
        with self._lock:
            self._closed = True
            held, self._lanes = self._lanes, []
            events = list(self._reclaimed.values())
        for event in events:
            event.set()
        return held


def _winner(found: dict[int, Candidate]) -> int | None:
    """The lowest validation MAE (ties: the lower number); the given settings (candidate 1) stay unless the
    winner is more than :data:`MIN_GAIN` better."""
    scored = sorted((c.result.validation_mae, number) for number, c in found.items()
                    if c.result.validation_mae is not None)
    if not scored:
        return None
    score, number = scored[0]
    base = found[1].result.validation_mae if 1 in found else None
    if base is not None and number != 1 and not score < base * (1 - MIN_GAIN):
        return 1
    return number


@dataclass
class _Budget:
    started: float
    seconds: float
    reserve: float

    def remaining(self) -> float:
        return self.started + self.seconds - _clock() - self.reserve

    def share(self) -> float:
        return (self.seconds - self.reserve) / _MIN_CANDIDATES  # no candidate may eat the whole budget


class _Search:
    """The candidate loop: launch on free lanes in candidate order, collect, keep the best two models."""

    def __init__(self, configs: list[ForecastConfig], lanes: Lanes, control: TrainControl, budget: _Budget,
                 progress: Callable[[str], None]) -> None:
        self.configs, self.lanes, self.control, self.budget, self.progress = configs, lanes, control, budget, progress
        self.pending = list(range(1, len(configs) + 1))
        self.running: dict[Future[Candidate | None], tuple[Lane, int]] = {}
        self.found: dict[int, Candidate] = {}
        self.stopping: set[int] = set()  # id() of lanes told to stop

    def _may_launch(self) -> bool:
        remaining = self.budget.remaining()
        typical = max((c.result.seconds for c in self.found.values()), default=0.0)
        scored = any(c.result.validation_mae is not None for c in self.found.values())
        return remaining >= 1.0 and not (remaining < 0.5 * typical and scored)

    def _leader(self) -> str:
        winner = _winner(self.found)
        if winner is None:
            return ""
        return f" · best validation MAE {self.found[winner].result.validation_mae:.4g} (candidate {winner})"

    def _launch(self) -> None:
        busy = {id(lane) for lane, _ in self.running.values()}
        for lane in self.lanes.current():
            if id(lane) in busy:
                continue
            if self.lanes.reclaimed(lane):
                self.lanes.release(lane)
                continue
            if not self.pending or self.control.stop_event.is_set() or not self._may_launch():
                return
            number = self.pending.pop(0)
            self.progress(f"Auto mode: candidate {number} of {len(self.configs)}{self._leader()}")
            config = self.configs[number - 1]
            limit = max(1.0, min(config.time_limit_seconds, self.budget.remaining(), self.budget.share()))
            self.running[lane.start(number, config, limit)] = (lane, number)

    def _tell_stop(self) -> None:
        stopped = self.control.stop_event.is_set()
        for lane, _ in self.running.values():
            if (stopped or self.lanes.reclaimed(lane)) and id(lane) not in self.stopping:
                self.stopping.add(id(lane))
                lane.stop()

    def _collect(self, future: Future[Candidate | None]) -> None:
        lane, number = self.running.pop(future)
        self.stopping.discard(id(lane))
        try:
            candidate = future.result()
        except LaneLost:
            self.lanes.release(lane)
            self.pending = sorted([*self.pending, number])
            return
        if self.lanes.reclaimed(lane):  # cut short by the lending, not by the search: train it again elsewhere
            self.lanes.release(lane)
            if not self.control.stop_event.is_set():
                self.pending = sorted([*self.pending, number])
                return
        if candidate is None:
            return
        self.found[number] = candidate
        keep = {1, _winner(self.found)}
        for other, kept in self.found.items():  # bound memory: only the models that can still win
            if other not in keep:
                kept.fitted, kept.weights = None, None

    def run(self) -> dict[int, Candidate]:
        """Candidates found, by number. After a Stop it waits :data:`_STOP_GRACE_SECONDS` for the running ones
        (longer while nothing is found); those still running then are left behind (they end by themselves)."""
        given_up: float | None = None
        while True:
            self._launch()
            if not self.running:
                return self.found
            if self.control.stop_event.is_set():
                given_up = given_up or _clock() + _STOP_GRACE_SECONDS
                if _clock() >= given_up and self.found:
                    return self.found
            done, _ = wait(list(self.running), timeout=0.05, return_when=FIRST_COMPLETED)
            self._tell_stop()
            for future in done:
                self._collect(future)


def _rebuilt(values: pd.Series, candidate: Candidate, config: ForecastConfig,
             covariates: pd.DataFrame | None) -> Fitted:
    """The ``Fitted`` of a candidate trained elsewhere: the same data, a model holding its weights."""
    if candidate.fitted is not None:
        return candidate.fitted
    if candidate.weights is None:
        raise ValueError(f"candidate {candidate.result.number} kept neither its model nor its weights")
    frequency, numbers = check_series(values)
    season = resolve_season_length(config, frequency, numbers)
    data = prepare(numbers, config, values.index, season, covariate_array(values, config, covariates))
    model = build_model(config, data.n_features)
    model.set_weights(candidate.weights)
    return Fitted(config, data, model, candidate.outcome, frequency, season)


def run_auto(
    values: pd.Series,
    base: ForecastConfig,
    control: TrainControl | None = None,
    *,
    budget_seconds: float = 120.0,
    max_candidates: int = 40,
    covariates: pd.DataFrame | None = None,
    on_progress: Callable[[str], None] | None = None,
    classical: bool | ReferenceSource = True,
    lanes: Lanes | None = None,
    filled: pd.Series | np.ndarray | None = None,
) -> ForecastRun:
    """Search settings within ``budget_seconds`` and return the winner's full run (``run.search`` holds the
    leaderboard and the reason).

    Args:
        values: the series (as for ``core.run.pipeline.run_forecast``).
        base: starting settings; needs validation data (``validation_fraction > 0``) to judge candidates.
        control: stop event and callbacks; ``on_stage`` receives one progress line per candidate
            ("Auto mode: candidate 3 of 12 · best validation MAE 2.31 (candidate 2)"); ``on_epoch`` and
            ``on_batch`` follow the candidates trained in this process.
        budget_seconds: wall-clock budget for the whole search including the winner's evaluation.
        max_candidates: most candidates to try.
        on_progress: also receives the progress lines.
        classical: also score ETS and ARIMA on the test targets; they are fitted in a background
            thread while the search runs (each with at most a quarter of the budget) and never
            influence the choice. A ``ReferenceSource`` gives them instead (a worker's cancellable task).
        lanes: more places to train candidates at once (e.g. idle training workers); this process is
            always one lane and completes the winner.
        filled: the gap-filled mask (``core.run.pipeline.run_forecast``): left out of the winner's scores.

    Raises:
        ConfigError: no validation data to judge on.
        DataError: the series is unusable.
    """
    if base.validation_fraction <= 0:
        raise ConfigError("Auto mode needs validation data to compare settings: set validation_fraction above 0.")
    control = control or TrainControl()
    started = _clock()
    reserve = max(_RESERVE_MIN, _RESERVE_SHARE * float(budget_seconds))
    frequency = str(values.index.freqstr) if isinstance(values.index, pd.DatetimeIndex) and values.index.freq else "D"
    configs = candidate_configs(base, frequency, len(values), base.seed, max_candidates)
    report = SearchReport(planned=len(configs), budget_seconds=float(budget_seconds))
    references: ReferenceSource | None = None
    background: BackgroundReferences | None = None
    if callable(classical):
        references = classical
    elif classical:  # fitted while the search trains; after a Stop the winner does not wait for them
        background = BackgroundReferences(values, base, min(30.0, float(budget_seconds) / 4))
        references = background.when_not_stopped(control.stop_event)

    def progress(text: str) -> None:
        for callback in (control.on_stage, on_progress):
            if callback is not None:
                callback(text)

    own = LocalLane(values, base, control, covariates)
    lanes = lanes or Lanes()
    if lanes.current():
        own.threaded()
    lanes.add(own, first=True)  # candidate 1 (the given settings) and the winner's completion stay here
    try:
        found = _Search(configs, lanes, control, _Budget(started, float(budget_seconds), reserve), progress).run()
    except BaseException:
        if background is not None:
            background.cancel()
        raise
    finally:
        lanes.close()
        own.close()
    winner = _winner(found)
    if winner is None and background is not None:
        background.cancel()
    if winner is None:
        if control.stop_event.is_set():
            raise DataError("Auto mode was stopped before any candidate finished an epoch; nothing to keep.")
        raise DataError("Auto mode could not train any candidate in the time budget: give it more seconds.")
    report.results = [found[number].result for number in sorted(found)]
    report.winner = winner
    report.validation_baselines = found[1].baselines if 1 in found else {}
    base_score = found[1].result.validation_mae if 1 in found else None
    report.seconds = _clock() - started
    report.reason = _reason(report, base_score)
    progress(f"Auto mode: evaluating the winner, candidate {report.winner}")
    best = _rebuilt(values, found[winner], configs[winner - 1], covariates)
    run = complete(best, values, control, False if references is None else references, filled=filled)
    report.seconds = _clock() - started
    if control.stop_event.is_set():  # the user stopped the search: the best candidate so far is kept
        run.status = "stopped"
        report.reason = f"Stopped by you. {report.reason}"
    run.search = report
    run.message = f"{report.reason} {run.message}"
    return run
