"""Training loop: seeded shuffling, stop/time-limit checks after every batch, early stopping, divergence."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import keras
import numpy as np

from core.config import ForecastConfig
from core.model import predict_scaled
from core.types import EpochRecord, TrainControl
from core.windows import WindowedData

__all__ = ["TrainOutcome", "train", "STATUS_MESSAGES"]

#: Wall clock of the time limit (a module attribute so tests can move time forward).
_clock = time.monotonic

#: Plain-language sentence per final status.
STATUS_MESSAGES = {
    "completed": "Training ran all epochs.",
    "early_stopped": "Training stopped early because the validation loss stopped improving.",
    "stopped": "Training was stopped by the user; the best model so far was kept.",
    "time_limit": "Training reached the time limit; the best model so far was kept.",
    "diverged": "Training diverged (loss became NaN): lower the learning rate.",
}


@dataclass
class TrainOutcome:
    """Result of :func:`train`.

    Attributes:
        status: one of ``core.types.FINAL_STATUSES``.
        history: one record per finished epoch (a partial epoch cut by stop/time limit is not recorded).
        best_epoch: 1-based epoch whose weights the model holds now, or None when no epoch finished
            (or training diverged).
        seconds: wall-clock training time.
        message: one plain sentence about how training ended.
    """

    status: str
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int | None = None
    seconds: float = 0.0
    message: str = ""


def _validation_errors(model: keras.Model, data: WindowedData) -> tuple[float | None, float | None]:
    """(mean squared error, mean absolute error) on the validation windows, scaled units."""
    if len(data.y_val) == 0:
        return None, None
    errors = predict_scaled(model, data.x_val) - data.y_val.astype(np.float64)
    return float(np.mean(errors**2)), float(np.mean(np.abs(errors)))


class _Loop:
    """State of one training; ``run`` returns the final status."""

    def __init__(self, model: keras.Model, data: WindowedData, config: ForecastConfig, control: TrainControl):
        self.model, self.data, self.config, self.control = model, data, config, control
        self.rng = np.random.default_rng(config.seed)
        self.deadline = _clock() + config.time_limit_seconds
        self.history: list[EpochRecord] = []
        self.best_loss = math.inf
        self.best_epoch: int | None = None
        self.best_weights: list[np.ndarray] | None = None

    def _interrupt(self) -> str | None:
        if self.control.stop_event.is_set():
            return "stopped"
        if _clock() >= self.deadline:
            return "time_limit"
        return None

    def _step(self, index: np.ndarray) -> float:
        """One optimizer step on rows ``index``; returns their mean squared error.

        A short last batch costs one retrace of the train function (~1 s, once per training).
        Padding it with zero-weight rows avoids that but passing sample weights adds ~1.5 ms to
        every step, which costs more than the retrace after a few hundred steps.
        """
        logs = self.model.train_on_batch(self.data.x_train[index], self.data.y_train[index], return_dict=True)
        return float(logs["loss"])

    def _epoch(self, epoch: int) -> tuple[str | None, float]:
        """Train one epoch; returns (interrupting status or None, size-weighted mean batch loss)."""
        n = len(self.data.y_train)
        size = min(self.config.batch_size, n)
        order = self.rng.permutation(n)
        batches = math.ceil(n / size)
        total = 0.0
        for batch in range(batches):
            index = order[batch * size : (batch + 1) * size]
            loss = self._step(index)
            if not math.isfinite(loss):
                return "diverged", loss
            total += loss * len(index)
            if self.control.on_batch is not None:
                self.control.on_batch(epoch, batch + 1, batches)
            status = self._interrupt()
            if status is not None:
                return status, total / n
        return None, total / n

    def _finish_epoch(self, epoch: int, loss: float, started: float) -> str | None:
        val_loss, val_mae = _validation_errors(self.model, self.data)
        if val_loss is not None and not math.isfinite(val_loss):
            return "diverged"
        record = EpochRecord(
            epoch=epoch, loss=loss, val_loss=val_loss, seconds=time.monotonic() - started, val_mae=val_mae
        )
        self.history.append(record)
        if self.control.on_epoch is not None:
            self.control.on_epoch(record)
        if self.control.after_epoch is not None:
            self.control.after_epoch(record, self.model)
        monitored = loss if val_loss is None else val_loss
        if monitored < self.best_loss:
            self.best_loss, self.best_epoch = monitored, epoch
            self.best_weights = [np.array(w, copy=True) for w in self.model.get_weights()]
        elif self.best_epoch is not None and 0 < self.config.patience <= epoch - self.best_epoch:
            return "early_stopped"
        return None

    def run(self) -> str:
        for epoch in range(1, self.config.epochs + 1):
            status = self._interrupt()
            if status is not None:
                return status
            started = time.monotonic()
            status, loss = self._epoch(epoch)
            if status is not None:
                return status
            status = self._finish_epoch(epoch, loss, started)
            if status is not None:
                return status
        return "completed"


def train(
    model: keras.Model, data: WindowedData, config: ForecastConfig, control: TrainControl
) -> TrainOutcome:
    """Train ``model`` on ``data.x_train`` ``(k, window, 1)`` / ``data.y_train`` ``(k,)``.

    Each epoch shuffles with ``np.random.default_rng(config.seed)`` and runs ``train_on_batch`` per
    batch, so batch losses are exact (not Keras' running means) and ``control.stop_event`` and the
    time limit are honoured after every batch. This is safe to call from a non-main thread.

    The model ends up with the weights of the best finished epoch (lowest validation loss, or
    training loss without validation) unless training diverged. Early stopping triggers after
    ``config.patience`` epochs without improvement (0 = off).

    Returns:
        TrainOutcome; status ``completed``, ``early_stopped``, ``stopped``, ``time_limit`` or ``diverged``.
    """
    started = time.monotonic()
    loop = _Loop(model, data, config, control)
    status = loop.run()
    best_epoch = loop.best_epoch
    if status == "diverged":
        best_epoch = None
    elif loop.best_weights is not None:
        model.set_weights(loop.best_weights)
    return TrainOutcome(
        status=status,
        history=loop.history,
        best_epoch=best_epoch,
        seconds=time.monotonic() - started,
        message=STATUS_MESSAGES[status],
    )
