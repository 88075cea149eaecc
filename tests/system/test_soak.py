"""Soak: 20 real trainings in one process through the JobManager the server uses.

Every job must reach a final state, the slot and the worker thread must be given back after each ending
(completed, Stop, time limit, divergence, tab close while running, tab close while queued), and the resident
memory may grow by at most 50 MB between the end of training 1 and the end of training 20 (the issue allows
150 MB; a per-training leak like the old ~7 MB one from TensorFlow's gradient registry would exceed 50 MB, and
the measured growth is ~5 MB). The measured figures are written to ``artifacts/soak.json`` (quoted in
SECURITY.md).
"""

from __future__ import annotations

import gc
import json
import threading
import time
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

import core.run.pipeline as pipeline
from core.config import ForecastConfig
from core.dashboard.jobs import END_STATES, JobManager
from tests.helpers import ARTIFACTS, wait_for

pytestmark = pytest.mark.slow

TRAININGS = 20
RSS_GROWTH_LIMIT_MB = 50.0
# 200 daily points, window 10: a real LSTM that trains in about a second.
TINY = ForecastConfig(window=10, horizon=3, units=4, epochs=3, batch_size=32, patience=0,
                      validation_fraction=0.0, seed=1)


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux ``/proc/self/status``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("VmRSS not found in /proc/self/status")


def series(seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    days = np.arange(200)
    values = 12 + 6 * np.sin(2 * np.pi * days / 7) + rng.normal(0, 0.5, days.size)
    return pd.Series(values, index=pd.date_range("2023-01-01", periods=days.size, freq="D"), name=f"s{seed}")


def job_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("lstm-job-") and t.is_alive()]


class Scenario:
    """How training ``number`` ends; the runner below reads ``plan`` to misbehave on purpose."""

    def __init__(self) -> None:
        self.plan: dict[str, str] = {}
        self.first_epoch: dict[str, threading.Event] = {}

    def runner(self, values, config, control):  # type: ignore[no-untyped-def]
        name = str(values.name)
        event = self.first_epoch.setdefault(name, threading.Event())
        report = control.on_epoch

        def on_epoch(record):  # type: ignore[no-untyped-def]
            report(record)
            event.set()

        control.on_epoch = on_epoch
        return pipeline.run_forecast(values, config, control)


def nan_model(*args, **kwargs):  # type: ignore[no-untyped-def]
    """The real model compiled with a loss that is NaN from the first batch on (divergence)."""
    model = original_build_model(*args, **kwargs)
    model.compile(optimizer="adam", loss=lambda y_true, y_pred: keras.ops.log(keras.ops.mean(y_pred * 0) - 1))
    return model


original_build_model = pipeline.build_model


def test_twenty_trainings_free_every_slot_and_thread_and_memory_stays_bounded(monkeypatch) -> None:
    scenario = Scenario()
    manager = JobManager(max_running=1, runner=scenario.runner)
    threads_before = threading.active_count()
    endings = {5: "stop", 8: "time_limit", 11: "diverge", 14: "tab_close", 17: "queued_tab_close"}
    expected = {"stop": "stopped", "time_limit": "time_limit", "diverge": "diverged", "tab_close": "cancelled",
                "queued_tab_close": "cancelled", "complete": "completed"}
    results: list[tuple[int, str, str]] = []
    rss: dict[int, float] = {}
    started = time.monotonic()

    for number in range(1, TRAININGS + 1):
        ending = endings.get(number, "complete")
        owner, values, config = f"session-{number}", series(number), TINY
        if ending in ("stop", "tab_close"):
            config = ForecastConfig(**{**TINY.to_dict(), "epochs": 2000, "batch_size": 1})
        elif ending == "time_limit":
            config = ForecastConfig(**{**TINY.to_dict(), "epochs": 2000, "batch_size": 16, "time_limit_seconds": 4.0})
        if ending == "diverge":
            monkeypatch.setattr(pipeline, "build_model", nan_model)
        else:
            monkeypatch.setattr(pipeline, "build_model", original_build_model)

        if ending == "queued_tab_close":  # a second session waits behind a long one, then its tab closes
            blocker = manager.submit("blocker", series(99), ForecastConfig(**{**TINY.to_dict(), "epochs": 2000}))
            job = manager.submit(owner, values, config, name=ending)
            assert job.snapshot().state == "queued" and job.snapshot().queue_position == 1
            manager.release(owner)
            blocker.stop()
            assert blocker.wait(60)
            manager.release("blocker")
        else:
            job = manager.submit(owner, values, config, name=ending)
        if ending in ("stop", "tab_close"):
            assert scenario.first_epoch.setdefault(str(values.name), threading.Event()).wait(120)
            if ending == "stop":
                job.stop()
            else:
                manager.release(owner)

        assert job.wait(120), f"training {number} ({ending}) did not end"
        snapshot = job.snapshot()
        results.append((number, ending, snapshot.state))
        assert snapshot.state in END_STATES
        if ending != "tab_close":  # a tab closed mid-epoch ends "stopped" or "cancelled": both final
            assert snapshot.state == expected[ending], (number, ending, snapshot.state, snapshot.message)
        if ending in ("complete", "stop"):
            assert snapshot.run is not None and snapshot.run.usable, snapshot.message
        if ending == "time_limit":  # the best epoch so far is kept; without a finished epoch there is none
            usable = snapshot.run is not None and snapshot.run.usable
            assert usable == bool(snapshot.history), (snapshot.message, len(snapshot.history))
        if ending == "diverge":
            assert snapshot.run is None or not snapshot.run.usable
        manager.release(owner)  # the tab closes after the training: the manager forgets the job
        wait_for(lambda: job_threads() == [], timeout=30, what="worker threads to exit")
        assert manager.active_count() == 0 and manager.queue_length() == 0
        assert threading.active_count() == threads_before, [t.name for t in threading.enumerate()]

        del job, snapshot
        if number in (1, TRAININGS):
            gc.collect()
            rss[number] = rss_mb()

    growth = rss[TRAININGS] - rss[1]
    figures = {
        "trainings": TRAININGS,
        "endings": {ending: sum(1 for _, e, _ in results if e == ending) for ending in expected},
        "final_states": [state for _, _, state in results],
        "rss_after_first_mb": round(rss[1], 1),
        "rss_after_last_mb": round(rss[TRAININGS], 1),
        "rss_growth_mb": round(growth, 1),
        "seconds": round(time.monotonic() - started, 1),
    }
    out = ARTIFACTS / "soak.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures))
    assert growth <= RSS_GROWTH_LIMIT_MB, figures
