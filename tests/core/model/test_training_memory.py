"""A finished training leaves no TensorFlow trace behind, and the leak-free update is the plain optimizer update.

Keras' optimizer wrapped its gradient all-reduce in ``tf.custom_gradient``, which registers a gradient function
in TensorFlow's global registry for every trace; that kept each training's compiled graph alive (~8 MB of
resident memory per training in one server process). ``core.model.training._apply_gradients`` avoids it.
"""

from __future__ import annotations

import dataclasses
import gc
import threading

import numpy as np
import pytest
from tensorflow.python.eager import context
from tensorflow.python.framework import func_graph, ops

import core.model.training as training
from core.config import ForecastConfig
from core.model.network import build_model
from core.model.progress import TrainControl
from core.model.training import train
from core.model.windows import prepare

CONFIG = ForecastConfig(window=8, units=6, epochs=2, batch_size=16, dropout=0.1, patience=0,
                        validation_fraction=0.2, seed=5)


def sine(n: int = 160) -> np.ndarray:
    rng = np.random.default_rng(0)
    return 10 + 5 * np.sin(np.arange(n) * 2 * np.pi / 12) + rng.normal(0, 0.5, n)


def trained(config: ForecastConfig = CONFIG) -> tuple[list[np.ndarray], list[tuple[float, float | None]]]:
    """Weights and (loss, val_loss) per epoch of one training, run in a worker thread as the jobs do."""
    result: dict[str, object] = {}

    def work() -> None:
        model = build_model(config)
        outcome = train(model, prepare(sine(), config), config, TrainControl())
        result["weights"] = model.get_weights()
        result["history"] = [(r.loss, r.val_loss) for r in outcome.history]

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(120)
    assert not thread.is_alive() and "weights" in result
    return result["weights"], result["history"]  # type: ignore[return-value]


def tensorflow_state() -> tuple[int, int, frozenset[str]]:
    """(FuncGraphs alive, custom gradients registered, functions in the eager context) after a collection."""
    gc.collect()
    graphs = sum(isinstance(o, func_graph.FuncGraph) for o in gc.get_objects())
    custom = sum(name.startswith("CustomGradient-") for name in ops._gradient_registry._registry)  # noqa: SLF001
    return graphs, custom, frozenset(context.context().list_function_names())


@pytest.mark.parametrize("every_position", [True, False])
def test_finished_trainings_leave_no_traced_graph_alive(monkeypatch, every_position: bool) -> None:
    monkeypatch.setattr(training, "EVERY_POSITION", every_position)
    trained()  # warm-up: TensorFlow keeps a few process-wide functions from the first run
    graphs, custom, functions = tensorflow_state()
    for seed in (6, 7, 8):
        trained(dataclasses.replace(CONFIG, seed=seed))
    after_graphs, after_custom, after_functions = tensorflow_state()
    assert after_graphs <= graphs
    assert after_custom <= custom
    assert sorted(after_functions - functions) == []


def _plain_apply(optimizer, gradients, variables) -> None:  # type: ignore[no-untyped-def]
    """The update as it was before the fix (through Keras' all-reduce in the replica context)."""
    optimizer.apply(gradients, variables)


@pytest.mark.parametrize("every_position", [True, False])
def test_leak_free_update_gives_bitwise_the_same_training(monkeypatch, every_position: bool) -> None:
    """Same seed -> the same weights and losses, bit for bit, as the plain ``optimizer.apply`` update."""
    monkeypatch.setattr(training, "EVERY_POSITION", every_position)
    monkeypatch.setattr(training, "CHUNK_SECONDS", 10.0)  # whole epochs per call: the same float sums both times
    config = dataclasses.replace(CONFIG, epochs=3)
    weights, history = trained(config)
    monkeypatch.setattr(training, "_apply_gradients", _plain_apply)
    plain_weights, plain_history = trained(config)
    assert history == plain_history
    for ours, plain in zip(weights, plain_weights, strict=True):
        np.testing.assert_array_equal(ours, plain)
