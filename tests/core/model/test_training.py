"""Training loop: reproducibility (also across threads), stop, time limit, divergence, early stopping."""

from __future__ import annotations

import dataclasses
import threading
import time

import keras
import numpy as np
import pytest

import core.model.training as training
from core.config import ForecastConfig
from core.model.network import build_model, predict_scaled, sequence_model
from core.model.progress import EpochRecord, TrainControl
from core.model.training import train
from core.model.windows import prepare

# 88 training windows: batch 22 gives 4 equal batches (one traced train step, faster tests);
# PARTIAL's batch 16 leaves a short last batch, as most real series do.
CONFIG = ForecastConfig(
    window=8, units=6, epochs=3, batch_size=22, dropout=0.1, patience=0, validation_fraction=0.2, seed=3
)
PARTIAL = dataclasses.replace(CONFIG, batch_size=16)


@pytest.fixture(autouse=True)
def one_batch_per_call(monkeypatch):
    """One batch per compiled call, so callbacks and Stop are observed after every batch."""
    monkeypatch.setattr(training, "CHUNK_SECONDS", 0.0)


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
    """One 3-epoch training (per window) with every callback recorded, one batch per compiled call."""
    batches: list[tuple[int, int, int]] = []
    epochs: list[EpochRecord] = []
    control = TrainControl(on_batch=lambda *args: batches.append(args), on_epoch=epochs.append)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "CHUNK_SECONDS", 0.0)
        patch.setattr(training, "EVERY_POSITION", False)
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


def test_same_seed_in_two_concurrent_threads_gives_the_sequential_result():
    model, data, _ = fit(PARTIAL)  # every position, as the app trains
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


def test_another_seed_gives_another_model():
    model, data, _ = fit(dataclasses.replace(PARTIAL, epochs=1))
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
    monkeypatch.setattr(training, "_validation_errors", lambda compiled, data: (next(losses), None))
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


# -- the optimisations keep the same targets and the same arithmetic ------------------------------------


@pytest.mark.parametrize(("n", "window"), [(88, 8), (10, 2), (1000, 30), (7, 5), (31, 30)])
def test_position_plan_predicts_every_target_exactly_once(n: int, window: int) -> None:
    low = training.min_context(window)
    for seed in range(4):
        starts, first = training.position_plan(np.random.default_rng(seed), n, window)
        targets, contexts = [], []
        for start, lowest in zip(starts, first, strict=True):
            for position in range(low - 1, window):
                target = start + position + 1 - window
                if target >= lowest:
                    targets.append(target)
                    contexts.append(position + 1)
        assert sorted(targets) == list(range(n))
        assert low <= min(contexts) and max(contexts) <= window
        assert (starts >= 0).all() and (starts < n).all()


def test_every_position_reads_the_inputs_of_each_targets_own_window() -> None:
    """Position ``p`` of window ``i`` sees the last ``p + 1`` inputs of its target's window, nothing later."""
    data = prepare(sine(), CONFIG)
    window = CONFIG.window
    assert training.positions_usable(build_model(CONFIG), data) is not None
    starts, first = training.position_plan(np.random.default_rng(0), len(data.y_train), window)
    for start, lowest in zip(starts, first, strict=True):
        for position in range(training.min_context(window) - 1, window):
            target = start + position + 1 - window
            if target >= lowest:
                seen, own = data.x_train[start, : position + 1], data.x_train[target, -position - 1 :]
                np.testing.assert_array_equal(seen, own)
                if position + 1 < window:  # the target is the next input of the same window
                    assert data.x_train[start, position + 1, 0] == data.y_train[target]


def test_every_position_epoch_loss_is_the_mean_over_planned_targets(monkeypatch) -> None:
    """With a negligible learning rate the reported loss equals numpy's masked MSE of the same plan."""
    config = dataclasses.replace(CONFIG, epochs=1, learning_rate=1e-6, dropout=0.0)
    data = prepare(sine(), config)
    model = build_model(config)
    twin = sequence_model(model)
    outputs = np.asarray(twin.predict_on_batch(data.x_train))[:, :, 0]
    starts, first = training.position_plan(np.random.default_rng(config.seed), len(data.y_train), config.window)
    errors = []
    for start, lowest in zip(starts, first, strict=True):
        for position in range(training.min_context(config.window) - 1, config.window):
            target = start + position + 1 - config.window
            if target >= lowest:
                errors.append(outputs[start, position] - data.y_train[target])
    outcome = train(model, data, config, TrainControl())
    assert outcome.history[0].loss == pytest.approx(np.mean(np.square(errors)), rel=1e-3)


def test_compiled_per_window_steps_equal_train_on_batch(monkeypatch) -> None:
    """The compiled multi-batch loop does what one ``train_on_batch`` per shuffled batch does."""
    monkeypatch.setattr(training, "EVERY_POSITION", False)
    monkeypatch.setattr(training, "CHUNK_SECONDS", 10.0)  # whole epochs per compiled call
    config = dataclasses.replace(PARTIAL, epochs=2, dropout=0.0)
    data = prepare(sine(), config)
    compiled_model = build_model(config)
    outcome = train(compiled_model, data, config, TrainControl())
    reference = build_model(config)
    rng = np.random.default_rng(config.seed)
    losses = []
    for _ in range(config.epochs):
        order = training.batch_order(rng, len(data.y_train))
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            rows = order[start : start + config.batch_size]
            total += float(reference.train_on_batch(data.x_train[rows], data.y_train[rows])) * len(rows)
        losses.append(total / len(order))
    assert [r.loss for r in outcome.history] == pytest.approx(losses, rel=1e-4)
    last = outcome.history[-1]  # patience 0 and a better second epoch: both models hold epoch 2's weights
    if outcome.best_epoch == config.epochs:
        for ours, theirs in zip(compiled_model.get_weights(), reference.get_weights(), strict=True):
            np.testing.assert_allclose(ours, theirs, atol=1e-5)
    assert last.epoch == config.epochs


def test_every_position_is_used_only_where_it_gives_the_same_targets() -> None:
    data = prepare(sine(), CONFIG)
    assert training.positions_usable(build_model(CONFIG), data) is not None
    custom = build_model(CONFIG)
    custom.compile(optimizer="adam", loss="mae")
    assert training.positions_usable(custom, data) is None  # another loss: per window
    shuffled = dataclasses.replace(data, x_train=data.x_train[::-1].copy(), y_train=data.y_train[::-1].copy())
    assert training.positions_usable(build_model(CONFIG), shuffled) is None  # not consecutive slides


def test_every_position_training_learns() -> None:
    config = dataclasses.replace(CONFIG, epochs=30, units=8, batch_size=16, learning_rate=0.01)
    model, data, outcome = fit(config)
    naive = float(np.mean(np.square(data.x_val[:, -1, 0] - data.y_val)))
    assert outcome.history[-1].loss < outcome.history[0].loss
    assert min(r.val_loss for r in outcome.history) < naive


def test_a_lower_loss_epoch_that_is_worse_than_the_rule_in_mae_keeps_the_rule(monkeypatch):
    """Validation errors scripted per call: (squared, absolute). Epoch 1 has the lowest squared error but a higher
    MAE than the starting weights (the rule of the residual target), so the rule is kept, weights included."""
    scripted = iter([(1.0, 0.50), (0.8, 0.60), (0.9, 0.70)])  # start, epoch 1, epoch 2
    monkeypatch.setattr(training, "_validation_errors", lambda compiled, data: next(scripted))
    config = dataclasses.replace(CONFIG, target="change", epochs=2)
    data = prepare(sine(), config)
    model = build_model(config)
    start = [w.copy() for w in model.get_weights()]
    outcome = train(model, data, config, TrainControl())
    assert [r.val_loss for r in outcome.history] == [0.8, 0.9]
    assert outcome.best_epoch == 0 and outcome.start_val_mae == 0.5
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), start, strict=True))


def test_keeps_rule_only_when_the_chosen_epoch_is_worse_in_mae():
    history = [EpochRecord(epoch=1, loss=1.0, val_loss=0.8, seconds=0.1, val_mae=0.45),
               EpochRecord(epoch=2, loss=0.9, val_loss=0.7, seconds=0.1, val_mae=0.55)]
    assert training.keeps_rule(history, 2, start_mae=0.5)
    assert not training.keeps_rule(history, 1, start_mae=0.5)
    assert not training.keeps_rule(history, 0, start_mae=0.5)  # already the rule
    assert not training.keeps_rule(history, 2, start_mae=None)  # value target or no validation
