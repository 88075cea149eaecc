"""Inside the LSTM (numpy pass == Keras), copy-cat detector, report card, replay snapshots and seed spread."""

from __future__ import annotations

import threading

import keras
import numpy as np
import pandas as pd
import pytest

from core.config import ForecastConfig
from core.dashboard.report import report_card
from core.data.datasets import synthetic_series
from core.errors import DataError
from core.evaluation.diagnostics import copycat, naive_level, overfit_epoch, skill_per_epoch
from core.model.internals import lstm_internals, lstm_layers
from core.model.network import build_model
from core.model.progress import EpochRecord, TrainControl
from core.model.windows import prepare
from core.run.pipeline import model_input, predict_next, run_forecast
from core.run.runners import ReplayRecorder, replay_runner, seed_spread, seed_spread_runner

TINY = ForecastConfig(window=6, horizon=2, units=4, epochs=3, batch_size=16, patience=0,
                      validation_fraction=0.15, test_fraction=0.2, seed=3)


def _series(n: int = 120, seed: int = 0) -> pd.Series:
    return synthetic_series(n, "D", seed=seed, period=30)


def _scrambled(model: keras.Model, seed: int) -> None:
    """Give every weight (also the biases, which start at 0/1) random values so every gate matters."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.6, w.shape).astype(np.float32) for w in model.get_weights()])


def _keras_states(layer: keras.layers.LSTM, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keras' own hidden and cell state after every step, via a twin layer returning sequences and states."""
    twin = keras.layers.LSTM(layer.units, return_sequences=True, return_state=True)
    twin.build((1, *inputs.shape[1:]))
    twin.set_weights(layer.get_weights())
    cells = []
    for t in range(1, inputs.shape[1] + 1):  # the cell state is only returned for the last step: grow the window
        _, _, c = twin(inputs[:, :t])
        cells.append(np.asarray(c)[0])
    sequence, _, _ = twin(inputs)
    return np.asarray(sequence)[0], np.stack(cells)


@pytest.mark.parametrize(("layers", "features"), [(1, 1), (1, 3), (2, 1), (2, 3)])
def test_numpy_gates_and_states_equal_keras(layers: int, features: int) -> None:
    config = ForecastConfig(window=7, units=5, layers=layers, dropout=0.2 if layers > 1 else 0.0, seed=11)
    model = build_model(config, n_features=features)
    _scrambled(model, seed=layers * 10 + features)
    x = np.random.default_rng(1).normal(size=(1, 7, features)).astype(np.float32)
    stack = lstm_layers(model)
    assert len(stack) == layers
    for k, layer in enumerate(stack, start=1):
        below = x if k == 1 else np.asarray(keras.Model(model.input, stack[k - 2].output)(x))
        hidden, cells = _keras_states(layer, below)
        inside = lstm_internals(model, x, layer=k)
        assert inside.hidden.shape == inside.cell.shape == inside.forget_gate.shape == (7, 5)
        np.testing.assert_allclose(inside.hidden, hidden, atol=1e-5)
        np.testing.assert_allclose(inside.cell, cells, atol=1e-5)
        for gate in (inside.input_gate, inside.forget_gate, inside.output_gate):
            assert ((gate > 0) & (gate < 1)).all()
    # The last LSTM layer's final hidden state is what the Dense head turns into the prediction.
    head = model.get_layer("next")
    w, b = (np.asarray(v, dtype=np.float64) for v in head.get_weights())
    top = lstm_internals(model, x, layer=layers)
    assert float(top.hidden[-1] @ w[:, 0] + b[0]) == pytest.approx(float(model.predict_on_batch(x)[0, 0]), abs=1e-5)


def test_internals_of_a_trained_run_use_the_models_input() -> None:
    values = _series()
    run = run_forecast(values, TINY)
    x = model_input(run, values.iloc[:80])
    inside = lstm_internals(run.model, x)
    head_w, head_b = (np.asarray(v, dtype=np.float64) for v in run.model.get_layer("next").get_weights())
    scaled = float(inside.hidden[-1] @ head_w[:, 0] + head_b[0])
    assert scaled * run.scaler["std"] + run.scaler["mean"] == pytest.approx(predict_next(run, values.iloc[:80]),
                                                                            abs=1e-4)


def test_internals_refuse_bad_layer_and_shape() -> None:
    model = build_model(ForecastConfig(window=4, units=3))
    with pytest.raises(DataError, match="out of range"):
        lstm_internals(model, np.zeros((1, 4, 1)), layer=2)
    with pytest.raises(DataError, match="shape"):
        lstm_internals(model, np.zeros((2, 4, 1)))
    with pytest.raises(DataError):
        lstm_internals(model, np.full((1, 4, 1), np.nan))


def test_copycat_flags_a_last_value_model_and_not_a_good_model() -> None:
    actual = _series(200, seed=4)
    test = actual.index[150:]
    last_value = actual.shift(1).loc[test]  # a "model" that returns its last input
    result = copycat(actual, last_value, max_shift=5, step_word="day")
    assert result.best_shift == 1 and result.is_copycat
    assert result.mae[1] == pytest.approx(0.0)
    assert "repeats the previous value" in result.verdict

    good = actual.loc[test] + np.random.default_rng(0).normal(0, 0.2, len(test))
    result = copycat(actual, good, max_shift=5)
    assert result.best_shift == 0 and not result.is_copycat
    assert len(result.mae) == 6


def test_copycat_refuses_unknown_dates() -> None:
    actual = _series(50)
    stray = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("1990-01-01", periods=3, freq="D"))
    with pytest.raises(DataError):
        copycat(actual, stray)


def _history(val_losses: list[float], losses: list[float]) -> list[EpochRecord]:
    return [EpochRecord(k + 1, loss, val, 0.1) for k, (loss, val) in enumerate(zip(losses, val_losses, strict=True))]


def test_overfit_epoch() -> None:
    falling = [1.0 / k for k in range(1, 11)]
    rising_val = [1.0, 0.6, 0.4, 0.35, 0.38, 0.45, 0.5, 0.55, 0.6, 0.62]
    assert overfit_epoch(_history(rising_val, falling)) == 4
    assert overfit_epoch(_history(falling, falling)) is None
    assert overfit_epoch([EpochRecord(1, 1.0, None, 0.1), EpochRecord(2, 0.5, None, 0.1)]) is None


def test_report_card_plain_sentences_with_unit_and_step() -> None:
    values = _series()
    run = run_forecast(values, TINY)
    card = report_card(run)
    assert card[0].startswith(f"On {len(run.predictions)} unseen days the model is off by")
    assert "°C" in card[0] and "simply repeating the previous day" in card[0]
    assert any("band held" in s for s in card)
    assert all("*" not in s for s in card)


def test_naive_level_and_skill() -> None:
    values = _series()
    level = naive_level(values, TINY)
    data = prepare(values.to_numpy(), TINY)
    targets = np.arange(data.split.val_start, data.split.test_start)
    assert level is not None and level.span == "validation"
    assert level.mae == pytest.approx(np.mean(np.abs(data.scaled[targets] - data.scaled[targets - 1])))
    history = [EpochRecord(1, 1.0, 1.0, 0.1, val_mae=level.mae), EpochRecord(2, 1.0, 1.0, 0.1, val_mae=0.0),
               EpochRecord(3, 1.0, None, 0.1)]
    assert skill_per_epoch(history, level.mae) == [pytest.approx(0.0), pytest.approx(1.0), None]
    no_val = ForecastConfig.from_dict({"validation_fraction": 0.0}, TINY)
    assert naive_level(values, no_val).span == "training"  # type: ignore[union-attr]


class _Constant:
    """Stands in for a model in ``predict_scaled``: predicts ``epoch`` for every row."""

    def __init__(self) -> None:
        self.value = 0.0

    def predict_on_batch(self, x: np.ndarray) -> np.ndarray:
        return np.full((len(x), 1), self.value, np.float32)


def test_replay_recorder_stays_bounded_and_evenly_spaced() -> None:
    recorder = ReplayRecorder(_series(), TINY, max_snapshots=10, max_points=5)
    model = _Constant()
    for epoch in range(1, 101):
        model.value = float(epoch)
        recorder(EpochRecord(epoch, 1.0, None, 0.1), model)  # type: ignore[arg-type]
    replay = recorder.replay
    assert 5 <= len(replay.epochs) <= 10
    gaps = np.diff(replay.epochs)
    assert (gaps == gaps[0]).all() and replay.epochs[-1] >= 90
    assert all(p.shape == (5,) for p in replay.predictions)
    assert len(replay.dates) == 5 and len(replay.actual) == 5


def test_replay_snapshots_are_reproducible_and_follow_training() -> None:
    values = _series()
    control = TrainControl()
    first = replay_runner(values, TINY, control)
    second = replay_runner(values, TINY, TrainControl())
    assert first.replay is not None and second.replay is not None
    assert first.replay.epochs == [1, 2, 3]
    for a, b in zip(first.replay.predictions, second.replay.predictions, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first.replay.predictions[0], first.replay.predictions[-1])
    # The snapshot of the kept epoch is the forecast the run reports on the same dates.
    kept = first.replay.epochs.index(first.best_epoch)
    shown = first.predictions["lstm"].loc[first.replay.dates].to_numpy()
    np.testing.assert_allclose(first.replay.predictions[kept], shown, atol=1e-4)


@pytest.mark.slow
def test_seed_spread_is_reproducible_and_shows_a_spread() -> None:
    values = _series()
    runs, spread = seed_spread(values, TINY)
    _, again = seed_spread(values, TINY)
    assert spread is not None and again is not None
    assert spread.seeds == [3, 4, 5] and len(runs) == 3
    np.testing.assert_array_equal(spread.predictions, again.predictions)
    assert spread.predictions.shape == (3, len(runs[0].predictions))
    assert (spread.high - spread.low).max() > 0  # different seeds, different models
    assert (spread.low <= spread.mean).all() and (spread.mean <= spread.high).all()
    assert spread.maes[0] == pytest.approx(runs[0].metrics["lstm"]["mae"])
    assert runs[0].replay is not None  # the first run is a normal training with a replay


def test_seed_spread_stops_after_the_current_training_and_reports_stages() -> None:
    stages: list[str] = []
    stop = threading.Event()
    control = TrainControl(stop_event=stop, on_stage=stages.append,
                           on_epoch=lambda record: stop.set() if record.epoch == 2 else None)
    run = seed_spread_runner(_series(), TINY, control)
    assert run.seed_spread is not None and run.seed_spread.seeds == [3]
    assert stages[0] == "run 1 of 3: preparing"
    assert not any(s.startswith("run 2") for s in stages)


def test_loss_figure_draws_the_naive_level_and_skill_per_epoch() -> None:
    from core.dashboard.charts import loss_figure

    history = [EpochRecord(1, 0.5, 0.4, 0.1, val_mae=0.3), EpochRecord(2, 0.4, 0.3, 0.1, val_mae=0.1)]
    fig = loss_figure(history, best_epoch=2, naive_loss=0.35, skill=skill_per_epoch(history, 0.2))
    assert any(shape.y0 == 0.35 and shape.line.dash == "dot" for shape in fig.layout.shapes)
    skill = next(t for t in fig.data if t.name.startswith("skill"))
    assert list(skill.y) == [pytest.approx(-50.0), pytest.approx(50.0)] and skill.yaxis == "y2"
    plain = loss_figure(history, best_epoch=2)
    assert not any(t.name.startswith("skill") for t in plain.data) and "yaxis2" not in plain.layout.to_plotly_json()
