"""Auto mode on two real training workers: candidates on both, the winner from the scores alone, Stop honoured."""

from __future__ import annotations

import dataclasses
import re
import time

from core.dashboard.jobs import JobManager
from core.model.weights import NetworkWeights
from core.run.auto import MIN_GAIN, candidate_configs
from core.run.pool import WorkerPool
from core.run.portable import Plan
from tests.ray.conftest import TINY, WORKERS, live_processes, series, wait_until

BASE = dataclasses.replace(TINY, epochs=40, patience=4)
BUDGET = 30.0


def _expected_winner(results) -> int:  # type: ignore[no-untyped-def]
    """The rule, restated: the lowest validation MAE unless the given settings are within MIN_GAIN of it."""
    scored = sorted((r.validation_mae, r.number) for r in results if r.validation_mae is not None)
    score, number = scored[0]
    given = next((r.validation_mae for r in results if r.number == 1), None)
    return number if given is None or number == 1 or score < given * (1 - MIN_GAIN) else 1


def test_auto_mode_trains_candidates_on_every_worker_and_picks_by_score(idle_pool: WorkerPool) -> None:
    manager = JobManager(backend=idle_pool)
    values = series(400)
    started = time.monotonic()
    job = manager.submit("auto", values, BASE, plan=Plan("auto", budget_seconds=BUDGET))
    wait_until(lambda: job.snapshot().done, BUDGET + 60, "the search to end")
    elapsed = time.monotonic() - started
    snapshot = job.snapshot()
    run = snapshot.run
    assert snapshot.state in ("completed", "early_stopped", "time_limit") and run is not None and run.usable
    search = run.search
    assert search is not None and elapsed < BUDGET + 15
    workers = set(idle_pool.workers())
    assert {r.worker for r in search.results} == workers and len(workers) == WORKERS  # both trained candidates
    assert all(re.fullmatch(r".+:\d+", r["worker"]) for r in search.to_dict()["results"])  # search.json's field
    assert [r.number for r in search.results] == sorted(r.number for r in search.results)
    assert search.winner == _expected_winner(search.results)
    assert run.config == candidate_configs(BASE, "D", len(values), BASE.seed, 40)[search.winner - 1]
    assert isinstance(run.model, NetworkWeights)
    winner = next(r for r in search.results if r.number == search.winner)
    assert list(snapshot.history) == run.history and len(run.history) == winner.epochs  # the winner's history
    assert snapshot.best_epoch == run.best_epoch
    assert not idle_pool.busy()  # the lent worker is back
    assert manager.shutdown(10)


def test_stopping_auto_mode_ends_the_search_and_its_references_soon(idle_pool: WorkerPool) -> None:
    manager = JobManager(backend=idle_pool)
    slow = dataclasses.replace(BASE, epochs=2000, patience=0)
    job = manager.submit("auto-stop", series(900), slow, plan=Plan("auto", budget_seconds=60))
    def third_started() -> bool:
        launched = re.search(r"candidate (\d+) of", job.snapshot().stage)
        return launched is not None and int(launched.group(1)) >= 3  # two lanes launch them in pairs

    wait_until(third_started, 120, "the third candidate to start")
    asked = time.monotonic()
    job.stop()
    wait_until(lambda: job.snapshot().done, 10, "the stopped search to end", interval=0.01)
    took = time.monotonic() - asked
    snapshot = job.snapshot()
    assert snapshot.state == "stopped" and snapshot.run is not None and snapshot.run.usable, snapshot.message
    assert snapshot.run.search.reason.startswith("Stopped by you.")
    assert took < 2.0, f"Stop of a search took {took:.2f} s"  # the winner is evaluated after its candidates end
    wait_until(lambda: not live_processes("ray::fit_references"), 10, "the references task to be gone")
    wait_until(lambda: not idle_pool.busy(), 10, "every worker back in the pool")
    assert manager.shutdown(10)


def test_a_new_job_takes_a_lent_worker_back_and_the_search_goes_on(idle_pool: WorkerPool) -> None:
    manager = JobManager(backend=idle_pool)
    search = manager.submit("auto-lender", series(400), BASE, plan=Plan("auto", budget_seconds=BUDGET))

    def both_lanes_busy() -> bool:
        launched = re.search(r"candidate (\d+) of", search.snapshot().stage)
        return launched is not None and int(launched.group(1)) >= 2

    wait_until(both_lanes_busy, 120, "candidates on both workers")
    submitted = time.monotonic()
    plain = manager.submit("plain", series(), dataclasses.replace(TINY, epochs=3), plan=Plan("plain", classical=False))
    wait_until(lambda: plain.snapshot().epoch >= 1, 60, "the new job to train on the taken-back worker")
    assert time.monotonic() - submitted < 15  # one candidate's chunk and a revoke, not the rest of the search
    wait_until(lambda: plain.snapshot().done and search.snapshot().done, BUDGET + 60, "both jobs to end")
    assert plain.snapshot().state == "completed"
    run = search.snapshot().run
    assert search.snapshot().state in ("completed", "early_stopped", "time_limit") and run is not None
    numbers = [r.number for r in run.search.results]
    assert len(numbers) == len(set(numbers)) and run.search.winner == _expected_winner(run.search.results)
    wait_until(lambda: not idle_pool.busy(), 10, "every worker back in the pool")
    assert manager.shutdown(10)
