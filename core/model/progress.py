"""How a training reports and is steered: per-epoch records, the control a caller holds, final statuses."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras


__all__ = ["FINAL_STATUSES", "EpochRecord", "TrainControl"]


#: Status of a finished training: ran all epochs, stopped early on validation loss,
#: stopped by the user, hit the wall-clock limit, or produced NaN/inf losses.
FINAL_STATUSES = ("completed", "early_stopped", "stopped", "time_limit", "diverged")


@dataclass(frozen=True)
class EpochRecord:
    """Losses of one finished epoch (scaled units); ``val_loss`` and ``val_mae`` are None without validation.

    ``val_mae`` is the mean absolute error of the model's one-step predictions on the validation
    targets, in scaled units; divided by the naive forecast's validation MAE in the same units it
    gives the skill ratio (scaling cancels out).
    """

    epoch: int
    loss: float
    val_loss: float | None
    seconds: float
    val_mae: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch, "loss": self.loss, "val_loss": self.val_loss, "seconds": self.seconds,
            "val_mae": self.val_mae,
        }


@dataclass
class TrainControl:
    """How a caller steers and watches a training from another thread.

    ``stop_event`` is checked after every batch. The callbacks run in the training thread
    and must be quick and must not touch any UI.
    """

    stop_event: threading.Event = field(default_factory=threading.Event)
    on_epoch: Callable[[EpochRecord], None] | None = None
    on_batch: Callable[[int, int, int], None] | None = None  # (epoch, batch, batches), 1-based
    on_stage: Callable[[str], None] | None = None  # "preparing", "training", "evaluating", "forecasting"
    #: Called after each finished epoch with its record and the model holding that epoch's weights
    #: (e.g. to snapshot test-span predictions for a training replay). Must not change the weights.
    after_epoch: Callable[[EpochRecord, keras.Model], None] | None = None
