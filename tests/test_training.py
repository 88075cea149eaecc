"""Training loop: reproducibility (also across threads), stop, time limit, divergence, early stopping."""

from __future__ import annotations

import dataclasses
import threading
import time

import keras
import numpy as np
import pytest

import core.training as training
from core.config import ForecastConfig
from core.model import build_model, predict_scaled
from core.training import train
from core.types import EpochRecord, TrainControl
from core.windows import prepare

# 88 training windows: batch 22 gives 4 equal batches (one traced train step, faster tests);
# PARTIAL's batch 16 leaves a short last batch, as most real series do.
CONFIG = ForecastConfig(
    window=8, units=6, epochs=3, batch_size=22, dropout=0.1, patience=0, validation_fraction=0.2, seed=3
)
PARTIAL = dataclasses.replace(CONFIG, batch_size=16)


def sine(n: int = 160, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 10 + 5 * np.sin(np.arange(n) * 2 * np.pi / 12) + rng.normal(0, 0.5, n)


def fit(config: ForecastConfig = CONFIG, control: TrainControl | None = None, values=None):
    data = prepare(sine() if values is None else values, config)
    model = build_model(config)
    outcome = train(model, data, config, control or TrainControl())
    return model, data, outcome


@pytest.fixture(scope="module")
def completed():
    """One 3-epoch training with every callback recorded."""
    batches: list[tuple[int, int, int]] = []
    epochs: list[EpochRecord] = []
    control = TrainControl(on_batch=lambda *args: batches.append(args), on_epoch=epochs.append)
    model, data, outcome = fit(PARTIAL, control)
    return model, data, outcome, batches, epochs


def test_completed_training_reports_every_epoch_and_batch(completed):
    model, data, outcome, batches, epochs = completed
    per_epoch = -(-len(data.y_train) // PARTIAL.batch_size)
    assert len(data.y_train) % PARTIAL.batch_size  # the last batch is short
    assert outcome.status == "completed" and outcome.message == "Training ran all epochs."
    assert batches == [(e, b, per_epoch) for e in (1, 2, 3) for b in range(1, per_epoch + 1)]
    assert epochs == outcome.history and [r.epoch for r in epochs] == [1, 2, 3]
    assert all(np.isfinite([r.loss, r.val_loss, r.seconds]).all() for r in epochs)
    assert epochs[-1].loss < epochs[0].loss
    best = min(outcome.history, key=lambda r: r.val_loss)
    assert outcome.best_epoch == best.epoch
    val_loss = np.mean((predict_scaled(model, data.x_val) - data.y_val) ** 2)
    assert val_loss == pytest.approx(best.val_loss, rel=1e-4)  # the model holds the best epoch's weights


def test_without_validation_val_loss_is_none():
    config = dataclasses.replace(CONFIG, validation_fraction=0.0, epochs=2, batch_size=24)  # 120 windows
    _, _, outcome = fit(config)
    assert [r.val_loss for r in outcome.history] == [None, None]
    assert outcome.best_epoch in (1, 2)


def test_same_seed_in_two_concurrent_threads_gives_the_sequential_result(completed):
    model, data, _, _, _ = completed
    expected = predict_scaled(model, data.x_test)
    results: dict[int, np.ndarray] = {}

    def work(slot: int) -> None:
        trained, _, _ = fit(PARTIAL)
        results[slot] = predict_scaled(trained, data.x_test)

    threads = [threading.Thread(target=work, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    np.testing.assert_array_equal(results[0], expected)
    np.testing.assert_array_equal(results[1], expected)


def test_another_seed_gives_another_model(completed):
    model, data, _, _, _ = completed
    other, _, _ = fit(dataclasses.replace(PARTIAL, seed=4, epochs=1))
    assert not np.array_equal(predict_scaled(model, data.x_test), predict_scaled(other, data.x_test))


def test_stop_is_honoured_within_one_batch():
    control = TrainControl()
    seen: list[tuple[int, int]] = []

    def on_batch(epoch: int, batch: int, batches: int) -> None:
        seen.append((epoch, batch))
        if (epoch, batch) == (1, 2):
            control.stop_event.set()

    control.on_batch = on_batch
    _, _, outcome = fit(dataclasses.replace(CONFIG, epochs=50), control)
    assert outcome.status == "stopped"
    assert seen == [(1, 1), (1, 2)]
    assert outcome.history == [] and outcome.best_epoch is None


def test_stop_in_a_later_epoch_keeps_the_finished_epochs():
    control = TrainControl()
    control.on_batch = lambda epoch, batch, batches: control.stop_event.set() if epoch == 3 else None
    _, _, outcome = fit(dataclasses.replace(CONFIG, epochs=50), control)
    assert outcome.status == "stopped"
    assert [r.epoch for r in outcome.history] == [1, 2] and outcome.best_epoch in (1, 2)


def test_time_limit_ends_training_and_keeps_the_best_epoch(monkeypatch):
    skipped = {"seconds": 0.0}
    monkeypatch.setattr(training, "_clock", lambda: time.monotonic() + skipped["seconds"])

    def slow_batch(epoch: int, batch: int, batches: int) -> None:
        if (epoch, batch) == (2, 1):
            skipped["seconds"] = 100.0  # as if this batch took 100 s

    config = dataclasses.replace(CONFIG, epochs=50, time_limit_seconds=60.0)
    _, _, outcome = fit(config, TrainControl(on_batch=slow_batch))
    assert outcome.status == "time_limit" and "time limit" in outcome.message
    assert len(outcome.history) == 1 and outcome.best_epoch == 1


def test_overflowing_loss_is_reported_as_diverged():
    config = dataclasses.replace(CONFIG, epochs=5)
    data = prepare(sine(), config)
    data = dataclasses.replace(data, y_train=np.full_like(data.y_train, 1e30))
    outcome = train(build_model(config), data, config, TrainControl())
    assert outcome.status == "diverged" and outcome.best_epoch is None
    assert outcome.message == "Training diverged (loss became NaN): lower the learning rate."


def test_nan_loss_is_reported_as_diverged():
    config = dataclasses.replace(CONFIG, epochs=5)
    model = build_model(config)
    model.compile(
        optimizer="adam", loss=lambda y_true, y_pred: keras.ops.log(keras.ops.mean(y_pred * 0) - 1.0)
    )
    outcome = train(model, prepare(sine(), config), config, TrainControl())
    assert outcome.status == "diverged" and outcome.history == []


def test_early_stopping_restores_the_best_weights(monkeypatch):
    losses = iter([1.0, 0.5, 0.8, 0.9, 0.95, 0.97])
    monkeypatch.setattr(training, "_validation_errors", lambda model, data: (next(losses), None))
    snapshots: dict[int, list[np.ndarray]] = {}
    config = dataclasses.replace(CONFIG, epochs=6, patience=2)
    data = prepare(sine(), config)
    model = build_model(config)
    control = TrainControl(on_epoch=lambda record: snapshots.__setitem__(record.epoch, model.get_weights()))
    outcome = train(model, data, config, control)
    assert outcome.status == "early_stopped" and outcome.best_epoch == 2
    assert [r.val_loss for r in outcome.history] == [1.0, 0.5, 0.8, 0.9]
    for restored, best in zip(model.get_weights(), snapshots[2], strict=True):
        np.testing.assert_array_equal(restored, best)
    assert not np.array_equal(model.get_weights()[0], snapshots[4][0])


def test_after_epoch_sees_each_record_and_val_mae_matches_predictions():
    values = np.sin(np.arange(120) / 5.0) * 10 + 20
    config = ForecastConfig(window=5, units=4, epochs=2, batch_size=16, patience=0)
    data = prepare(values, config)
    model = build_model(config)
    seen = []

    def after(record, current):
        predictions = predict_scaled(current, data.x_val)
        seen.append((record.epoch, record.val_mae, float(np.mean(np.abs(predictions - data.y_val)))))

    training.train(model, data, config, TrainControl(after_epoch=after))
    assert [epoch for epoch, _, _ in seen] == [1, 2]
    for _, reported, recomputed in seen:
        assert reported == pytest.approx(recomputed, rel=1e-5)
