"""Plain checks of a trained model: copy-cat shifts, overfitting epoch, the naive level and skill."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.config import ForecastConfig
from core.errors import DataError
from core.model.progress import EpochRecord
from core.model.windows import prepare_series

__all__ = ["CopycatResult", "copycat", "overfit_epoch", "NaiveLevel", "naive_level", "skill_per_epoch"]


@dataclass(frozen=True)
class CopycatResult:
    """How well the predictions match the actual series moved later by 0..k steps.

    Attributes:
        shifts: ``(0, 1, ..., k)``.
        mae: mean absolute difference between the prediction at ``t`` and the actual value at ``t - shift``,
            one per shift, on the same targets for every shift (original units).
        best_shift: the shift with the smallest difference.
        is_copycat: True when the predictions match the actual series best one step late.
        verdict: one plain sentence.
    """

    shifts: tuple[int, ...]
    mae: tuple[float, ...]
    best_shift: int
    is_copycat: bool
    verdict: str


def copycat(actual: pd.Series, predicted: pd.Series, max_shift: int = 5, step_word: str = "step") -> CopycatResult:
    """Compare predictions with the actual series shifted by 0..``max_shift`` steps.

    A model that mostly repeats the previous value matches the actual series moved one step later
    better than the actual series itself.

    Args:
        actual: the whole observed series (so that values before the first prediction exist), date index.
        predicted: one-step predictions, shape ``(k,)``, indexed by dates that occur in ``actual``.
        max_shift: largest shift tried, at least 1.
        step_word: "day", "hour", ... for the sentence.

    Raises:
        DataError: dates of ``predicted`` missing in ``actual`` or too few points to compare.
    """
    if max_shift < 1:
        raise ValueError(f"max_shift={max_shift} must be at least 1")
    positions = actual.index.get_indexer(predicted.index)
    if (positions < 0).any():
        raise DataError("Some prediction dates are not in the series.")
    keep = positions >= max_shift
    if keep.sum() < 2:
        raise DataError(f"Too few predictions to compare with shifts up to {max_shift}.")
    observed = actual.to_numpy(dtype=np.float64)
    guesses = predicted.to_numpy(dtype=np.float64)[keep]
    mae = tuple(float(np.mean(np.abs(guesses - observed[positions[keep] - s]))) for s in range(max_shift + 1))
    best = int(np.argmin(mae))
    is_copycat = best == 1
    if is_copycat:
        verdict = (f"The model mostly repeats the previous value: its predictions match the real values "
                   f"one {step_word} late (difference {mae[1]:.3g}) better than on time ({mae[0]:.3g}).")
    elif best == 0:
        verdict = (f"The model does not just copy the previous value: its predictions match the real values "
                   f"best on time (difference {mae[0]:.3g}, vs {mae[1]:.3g} when compared one {step_word} late).")
    else:
        verdict = (f"The predictions match the real values best {best} {step_word}s late: the model lags "
                   f"behind the data rather than anticipating it.")
    return CopycatResult(tuple(range(max_shift + 1)), mae, best, is_copycat, verdict)


def overfit_epoch(history: Sequence[EpochRecord], min_rise: float = 0.05) -> int | None:
    """First epoch after which the validation loss rose for good while the training loss kept falling.

    Returns the epoch with the lowest validation loss when, later on, the validation loss ends at least
    ``min_rise`` (relative) above that minimum and the training loss is lower than at that epoch; else None.
    """
    points = [(r.epoch, r.loss, r.val_loss) for r in history if r.val_loss is not None and math.isfinite(r.val_loss)]
    if len(points) < 3:
        return None
    best = min(range(len(points)), key=lambda k: points[k][2])
    epoch, train_at_best, val_best = points[best]
    later = points[best + 1 :]
    if not later:
        return None
    tail = [p[2] for p in later[-3:]]
    rose = float(np.mean(tail)) > float(val_best) * (1 + min_rise) + 1e-12
    train_fell = later[-1][1] < train_at_best
    return epoch if rose and train_fell else None


@dataclass(frozen=True)
class NaiveLevel:
    """The naive forecast's ("same as the previous step") errors on the span the loss chart monitors.

    Attributes:
        mse: mean squared error in scaled units: comparable with the loss curve.
        mae: mean absolute error in scaled units: divides ``EpochRecord.val_mae`` for the skill score.
        span: "validation" or "training" (the latter when the config has no validation data).
    """

    mse: float
    mae: float
    span: str


def naive_level(values: pd.Series, config: ForecastConfig) -> NaiveLevel | None:
    """Naive errors on the validation targets (training targets without validation), scaled like training.

    Returns None when there are no such targets.
    """
    # Covariates change neither the value's scaling nor the split, and the naive rule never reads them.
    data = prepare_series(values, dataclasses.replace(config, covariates=()))
    targets = data.split.val_targets if len(data.split.val_targets) else data.split.train_targets
    if len(targets) == 0:
        return None
    index = np.arange(targets.start, targets.stop)
    scale = data.spec.target_scale if data.spec is not None else 1.0  # in the units the model learns
    errors = (data.scaled[index] - data.scaled[index - 1]) / scale
    span = "validation" if len(data.split.val_targets) else "training"
    return NaiveLevel(mse=float(np.mean(errors**2)), mae=float(np.mean(np.abs(errors))), span=span)


def skill_per_epoch(history: Sequence[EpochRecord], naive_mae: float) -> list[float | None]:
    """``1 − val_mae / naive_mae`` per epoch (None where unknown): 0 = as good as naive, 1 = perfect."""
    if not naive_mae > 0:
        return [None for _ in history]
    return [None if r.val_mae is None or not np.isfinite(r.val_mae) else 1.0 - r.val_mae / naive_mae
            for r in history]
