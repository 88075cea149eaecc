"""The references task: the same ETS and ARIMA as in process (one-step, from every band origin and every
backtest fold), and gone at once when its job stops."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np

from core.model.windows import split_series
from core.run import cluster
from core.run.pipeline import resolve_season_length
from core.run.references import backtest_folds, classical_references, split_band_origins
from core.run.workers import TaskReferences
from tests.ray.conftest import TINY, live_processes, series, wait_until


def test_the_task_gives_the_references_fitted_in_process(ray_session: cluster.ClusterInfo) -> None:
    values, config = series(300), dataclasses.replace(TINY, backtest_folds=2)
    got = TaskReferences(values, config, threading.Event())()
    assert got is not None
    numbers = values.to_numpy()
    split = split_series(len(numbers), config.window, config.validation_fraction, config.test_fraction)
    expected = classical_references(numbers, split, resolve_season_length(config, "D", numbers))
    assert set(got.forecasts) == set(expected.forecasts) == {"ets", "arima"}
    folds, _ = backtest_folds(split, config.backtest_folds, config.horizon)
    assert folds
    for name, forecast in expected.forecasts.items():
        np.testing.assert_allclose(got.forecasts[name].predictions, forecast.predictions, rtol=1e-9)
        assert got.forecasts[name].label == forecast.label
        for fold in folds:
            np.testing.assert_allclose(got.fits[name].forecast(numbers, fold.origin, config.horizon),
                                       expected.fits[name].forecast(numbers, fold.origin, config.horizon), rtol=1e-9)
        origins, _ = split_band_origins(split)
        np.testing.assert_allclose(got.fits[name].paths(numbers, origins, config.horizon),
                                   expected.fits[name].paths(numbers, origins, config.horizon), rtol=1e-9)


def test_a_stop_cancels_the_running_task_at_once(ray_session: cluster.ClusterInfo) -> None:
    stop = threading.Event()
    source = TaskReferences(series(6000), dataclasses.replace(TINY, backtest_folds=3), stop)
    wait_until(lambda: live_processes("ray::fit_references"), 60, "the references task to run")
    stop.set()
    asked = time.monotonic()
    assert source() is None
    assert time.monotonic() - asked < 0.5
    wait_until(lambda: not live_processes("ray::fit_references"), 10, "the task's process to be gone")
