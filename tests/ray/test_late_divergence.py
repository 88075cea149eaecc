"""A training that diverges after some good epochs keeps the best weights it had (in process; no Ray needed).

A divergence in the first epoch still gives no model: ``tests/test_training.py`` checks that."""

from __future__ import annotations

import dataclasses

import numpy as np

from core.model.network import build_model
from core.model.progress import TrainControl
from core.model.training import train
from core.model.windows import prepare
from core.run.pipeline import run_forecast
from tests.ray.conftest import TINY, series


def _poisoning(epoch: int, model_of: dict) -> TrainControl:  # type: ignore[type-arg]
    """A control whose batch callback turns the model's weights into NaN during ``epoch``."""
    snapshots: dict[int, list[np.ndarray]] = {}

    def after_epoch(record, model) -> None:  # type: ignore[no-untyped-def]
        model_of["model"] = model
        snapshots[record.epoch] = [np.array(w) for w in model.get_weights()]

    def on_batch(current: int, batch: int, batches: int) -> None:
        if current == epoch and "model" in model_of:
            model = model_of["model"]
            model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])

    model_of["snapshots"] = snapshots
    return TrainControl(after_epoch=after_epoch, on_batch=on_batch)


def test_a_late_divergence_keeps_the_best_epochs_weights() -> None:
    config = dataclasses.replace(TINY, epochs=10)
    data = prepare(series().to_numpy(), config)
    model = build_model(config)
    seen: dict = {}  # type: ignore[type-arg]
    outcome = train(model, data, config, _poisoning(3, seen))
    assert outcome.status == "diverged" and [r.epoch for r in outcome.history] == [1, 2]
    assert outcome.best_epoch in (1, 2) and "are kept" in outcome.message
    best = seen["snapshots"][outcome.best_epoch]
    for kept, expected in zip(model.get_weights(), best, strict=True):
        np.testing.assert_array_equal(kept, expected)


def test_a_late_divergence_still_gives_a_usable_run_that_says_so() -> None:
    config = dataclasses.replace(TINY, epochs=10)
    run = run_forecast(series(), config, _poisoning(3, {}), classical=False)
    assert run.status == "diverged" and run.usable and run.best_epoch in (1, 2)
    assert "lower the learning rate" in run.message and "are kept" in run.message
    assert np.isfinite(run.forecast["forecast"]).all() and np.isfinite(run.predictions["lstm"]).all()
