"""Fixtures of the Ray tests: one real embedded Ray per test session (no mocks), two warm training workers, tiny
configs, and the check that no Ray process outlives the session.

Ray's session files and logs go to a short temp dir under /tmp (Ray's socket paths must stay under 107 characters)
that the session removes. When Ray cannot start here the tests fail; they never skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.config import ForecastConfig
from core.data.datasets import synthetic_series
from core.errors import CoreError
from core.run import cluster
from core.run.pool import WorkerPool
from tests.helpers import wait_for

#: The tiny network of these tests: a training epoch takes milliseconds.
TINY = ForecastConfig(window=8, horizon=3, units=6, epochs=4, batch_size=32, patience=0, seed=5, backtest_folds=2)

#: Workers of the session's pool.
WORKERS = 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder carries the ``ray`` marker (``-m "not ray"`` leaves them out locally)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.ray)


def series(n: int = 300, seed: int = 0) -> pd.Series:
    """A seeded daily temperature-like series with a weekly season."""
    return synthetic_series(n, "D", seed=seed, period=7)


def long_config(**changes: object) -> ForecastConfig:
    """TINY with many epochs, for trainings that a test stops."""
    return ForecastConfig(**{**TINY.to_dict(), "epochs": 2000, **changes})  # type: ignore[arg-type]


def live_processes(marker: str) -> list[str]:
    """``pid args`` of every live (not zombie) process whose command line contains ``marker``."""
    listing = subprocess.run(["ps", "-eo", "pid=,stat=,args="], capture_output=True, text=True, check=True).stdout
    found = []
    for line in listing.splitlines():
        pid, stat, *args = line.split(maxsplit=2)
        if "Z" not in stat and args and marker in args[0] and int(pid) != os.getpid():
            found.append(f"{pid} {args[0][:160]}")
    return found


def _ray_processes() -> list[str]:
    """``pid args`` of every live Ray process: its servers and its renamed workers and agents (``ray::...``)."""
    return [line for line in live_processes("") if "ray::" in line or "ray/core/src/ray/" in line]


def wait_until(condition, timeout: float, what: str, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """``tests.helpers.wait_for`` with ``what`` third and a shorter interval, as these tests call it."""
    return wait_for(condition, timeout, interval=interval, what=what)


@pytest.fixture(scope="session")
def ray_session() -> Iterator[cluster.ClusterInfo]:
    """The embedded Ray of this test session; afterwards none of its processes may be left."""
    saved = os.environ.pop("RAY_ADDRESS", None)  # always the embedded Ray here, whatever the shell says
    before = set(_ray_processes())
    temp = Path(tempfile.mkdtemp(prefix="lstm-ray-t-", dir="/tmp"))
    try:
        info = cluster.connect(cpus=WORKERS, temp_dir=temp)
    except CoreError as error:
        pytest.fail(f"Ray cannot run on this machine: {error}")
    assert info.embedded and info.temp_dir == temp
    yield info
    cluster.disconnect()
    if saved is not None:
        os.environ["RAY_ADDRESS"] = saved
    left = wait_until(lambda: not live_processes(str(temp)) and "done", 60, "the session's Ray processes to exit")
    assert left == "done"
    # Ray's agents rename themselves ("ray::DashboardAgent"), so their command line names no temp dir: wait for
    # every Ray process that was not there before the session to exit too.
    wait_until(lambda: not set(_ray_processes()) - before, 60, "the session's Ray agents to exit")
    shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="session")
def pool(ray_session: cluster.ClusterInfo) -> Iterator[WorkerPool]:
    """Two warm training workers (TensorFlow imported once each), shared by the session's tests."""
    workers = WorkerPool(WORKERS, background=False)
    assert len(workers.workers()) == WORKERS
    yield workers
    workers.close()


@pytest.fixture()
def idle_pool(pool: WorkerPool) -> WorkerPool:
    """The session's pool once every worker is idle and alive (a test before may have killed one)."""
    wait_until(lambda: not pool.busy(), 60, "the pool's workers to be idle")
    assert len(set(pool.workers())) == WORKERS
    return pool


def finite(array: np.ndarray) -> bool:
    return bool(np.isfinite(np.asarray(array, dtype=np.float64)).all())
