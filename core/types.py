"""Plain data types shared by intake, training, jobs and the pages."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import keras

    from core.config import ForecastConfig
    from core.features import FeatureSpec
    from core.replay import Replay, SeedSpread

__all__ = [
    "Repair",
    "LoadedSeries",
    "EpochRecord",
    "TrainControl",
    "ForecastRun",
    "FINAL_STATUSES",
]

#: Status of a finished training: ran all epochs, stopped early on validation loss,
#: stopped by the user, hit the wall-clock limit, or produced NaN/inf losses.
FINAL_STATUSES = ("completed", "early_stopped", "stopped", "time_limit", "diverged")


@dataclass(frozen=True)
class Repair:
    """One thing intake fixed or noticed, e.g. ``Repair("junk_cells", 3, "...")``.

    Attributes:
        kind: machine-readable kind (``junk_cells``, ``gaps_filled``, ``duplicates_averaged``,
            ``sorted``, ``non_finite``, ``comment_lines``, ``blank_rows``, ``generated_index``,
            ``timezone``, ``decimal_comma``, ``encoding``, ``day_first``, ``constant``, ...).
        count: how many rows/cells it concerned.
        detail: one plain-language sentence, e.g.
            "3 junk cells (rows 4, 9, 12) replaced by interpolation".
    """

    kind: str
    count: int
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "count": self.count, "detail": self.detail}


@dataclass(frozen=True)
class LoadedSeries:
    """A regular, finite series ready for modelling, plus what was done to get it.

    Attributes:
        values: float64 series, tz-naive regular ``DatetimeIndex`` with ``freq`` set, no NaN.
        frequency: pandas offset alias of the index (``"D"``, ``"h"``, ``"MS"``, ...).
        date_column: column the dates came from, or None when the index was generated.
        value_column: column the values came from.
        columns: every column name in the source, in file order.
        numeric_columns: columns that could serve as the value column.
        repairs: what intake repaired or noticed, in the order it happened.
    """

    values: pd.Series
    frequency: str
    date_column: str | None
    value_column: str
    columns: tuple[str, ...] = ()
    numeric_columns: tuple[str, ...] = ()
    repairs: tuple[Repair, ...] = ()

    def frame(self) -> pd.DataFrame:
        """The series as a two-column table (``date``, value column) for display and editing."""
        return pd.DataFrame({"date": self.values.index, self.value_column: self.values.to_numpy()})


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


@dataclass
class ForecastRun:
    """Everything one training produced.

    When ``usable`` is False (diverged, or stopped before the first epoch ended) the model,
    predictions, metrics and forecast are None and ``message`` says why.

    Attributes:
        predictions: test span, index ``date``; columns ``actual``, ``lstm``, ``naive``,
            ``seasonal_naive``, ``mean`` (original units, 1 step ahead, identical targets).
        metrics: ``{"lstm": {"mae","rmse","smape","mase"}, "naive": {...}, "seasonal_naive": {...}, "mean": {...}}``.
        forecast: columns ``date``, ``forecast``, ``lower``, ``upper`` for ``horizon`` steps past the end.
        interval_coverage: share of test targets inside the 1-step interval.
        features: the model's inputs and target (scalers, calendar terms, season, residual mode);
            None only for runs made before features existed.
        covariates: the covariate columns the run was trained with (index = the series' dates), or None.
        backtest: rolling-origin evaluation (per-step errors of the LSTM and baselines), or None when off.
        search: auto mode's leaderboard and verdict (``core.auto.SearchReport``), or None for a manual run.
    """

    config: ForecastConfig
    status: str
    history: list[EpochRecord]
    best_epoch: int | None
    train_seconds: float
    value_column: str
    frequency: str
    season_length: int
    model: keras.Model | None = None
    scaler: dict[str, float] | None = None
    predictions: pd.DataFrame | None = None
    metrics: dict[str, dict[str, float]] | None = None
    forecast: pd.DataFrame | None = None
    interval_level: float = 0.9
    interval_coverage: float | None = None
    interval_half_widths: list[float] | None = None
    recent: pd.Series | None = None  # the last observed values the future forecast needs (window + season)
    message: str = ""
    features: FeatureSpec | None = None
    covariates: pd.DataFrame | None = None
    backtest: Any = None
    search: Any = None
    baseline_labels: dict[str, str] | None = None  # e.g. {"ets": "ETS (no trend)", "arima": "ARIMA(2,0,2)"}
    replay: Replay | None = None  # test-span forecasts snapshotted while training (core.replay)
    seed_spread: SeedSpread | None = None  # the same training with 3 seeds (core.replay.seed_spread_runner)

    @property
    def usable(self) -> bool:
        return self.model is not None and self.predictions is not None

    @property
    def epochs_run(self) -> int:
        return len(self.history)

    def beats_naive(self) -> bool | None:
        """True when the LSTM's test MAE is below the naive ("same as last step") MAE."""
        if not self.metrics:
            return None
        return self.metrics["lstm"]["mae"] < self.metrics["naive"]["mae"]

    def metrics_json(self) -> dict[str, Any]:
        """The ``metrics.json`` document of the CLI."""
        return {
            "test": _finite_or_none(self.metrics),
            "interval": {"level": self.interval_level, "coverage": self.interval_coverage},
            "train_seconds": self.train_seconds,
            "epochs_run": self.epochs_run,
            "best_epoch": self.best_epoch,
            "status": self.status,
            "beats_naive": self.beats_naive(),
        }


def _finite_or_none(document: Any) -> Any:
    """Replace NaN/inf floats with None so the JSON is standard (e.g. MASE of a constant training span)."""
    if isinstance(document, dict):
        return {key: _finite_or_none(value) for key, value in document.items()}
    if isinstance(document, float) and not math.isfinite(document):
        return None
    return document
