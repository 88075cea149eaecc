"""The result of a forecast run and its parts: the run, its replay, seed spread, search report and the runs of
every station of a file of several series."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.config import ForecastConfig
from core.errors import TrainingError
from core.evaluation.backtest import BacktestResult
from core.evaluation.bands import Bands
from core.evaluation.recommendation import Recommendation
from core.model.features import FeatureSpec
from core.model.progress import EpochRecord, TrainControl
from core.words import reference_margin

if TYPE_CHECKING:
    import keras

    from core.model.weights import NetworkWeights

__all__ = [
    "CandidateResult", "SearchReport", "Replay", "SeedSpread", "ForecastRun", "StationRun", "StationRuns",
    "STATION_COLUMNS", "MAX_STATIONS", "Runner", "combine_stations", "station_stage",
]


@dataclass(frozen=True)
class CandidateResult:
    """One tried setting: what changed from the base, how it scored on validation, how long it took."""

    number: int  # 1-based order of trying
    changes: dict[str, Any]  # searched settings that differ from the base config
    validation_mae: float | None  # original units; None when no epoch finished
    seconds: float
    status: str
    epochs: int
    worker: str = ""  # "host:pid" of the process that trained it

    def label(self) -> str:
        if not self.changes:
            return "the given settings"
        return ", ".join(f"{key}={_show(value)}" for key, value in self.changes.items())


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass
class SearchReport:
    """Auto mode's leaderboard and verdict (``ForecastRun.search``).

    Attributes:
        results: every candidate tried, in candidate order.
        winner: ``number`` of the winning candidate.
        planned: candidates in the seeded list.
        budget_seconds, seconds: the time budget and the time used.
        validation_baselines: naive and seasonal-naive MAE on the same validation targets.
        reason: plain sentences: which settings won and why.
    """

    results: list[CandidateResult] = field(default_factory=list)
    winner: int | None = None
    planned: int = 0
    budget_seconds: float = 0.0
    seconds: float = 0.0
    validation_baselines: dict[str, float] = field(default_factory=dict)
    reason: str = ""

    def leaderboard(self) -> pd.DataFrame:
        """Candidates ranked by validation MAE (best first); columns rank, chosen (the winner), candidate,
        settings, validation_mae, epochs, seconds, status."""
        rows = [
            {"candidate": r.number, "settings": r.label(), "validation_mae": r.validation_mae,
             "epochs": r.epochs, "seconds": round(r.seconds, 1), "status": r.status}
            for r in self.results
        ]
        frame = pd.DataFrame(rows, columns=["candidate", "settings", "validation_mae", "epochs", "seconds", "status"])
        frame = frame.sort_values("validation_mae", na_position="last", kind="stable").reset_index(drop=True)
        frame.insert(0, "rank", range(1, len(frame) + 1))
        frame.insert(1, "chosen", frame["candidate"] == self.winner)
        return frame

    def to_dict(self) -> dict[str, Any]:
        return {
            "results": [asdict(r) for r in self.results], "winner": self.winner, "planned": self.planned,
            "budget_seconds": self.budget_seconds, "seconds": self.seconds,
            "validation_baselines": self.validation_baselines, "reason": self.reason,
        }


@dataclass
class Replay:
    """Test-span forecasts taken while the model learned.

    Attributes:
        dates: the first ``<= MAX_REPLAY_POINTS`` test dates, shape ``(k,)``.
        actual: the real values there, original units, shape ``(k,)``.
        epochs: epoch of each snapshot, increasing.
        predictions: one ``(k,)`` float64 array per snapshot, original units.
    """

    dates: pd.DatetimeIndex
    actual: np.ndarray
    epochs: list[int] = field(default_factory=list)
    predictions: list[np.ndarray] = field(default_factory=list)


@dataclass
class SeedSpread:
    """The same training repeated with different seeds.

    Attributes:
        seeds: seed of each finished training.
        dates: test dates, shape ``(k,)``.
        actual: real test values, shape ``(k,)``.
        predictions: shape ``(runs, k)``, original units.
        maes: test MAE of each training.
        statuses: how each training ended.
    """

    seeds: list[int]
    dates: pd.DatetimeIndex
    actual: np.ndarray
    predictions: np.ndarray
    maes: list[float]
    statuses: list[str]

    @property
    def low(self) -> np.ndarray:
        return np.min(self.predictions, axis=0)

    @property
    def high(self) -> np.ndarray:
        return np.max(self.predictions, axis=0)

    @property
    def mean(self) -> np.ndarray:
        return np.mean(self.predictions, axis=0)


@dataclass
class ForecastRun:
    """Everything one training produced.

    When ``usable`` is False (diverged, or stopped before the first epoch ended) the model,
    predictions, metrics and forecast are None and ``message`` says why.

    Attributes:
        predictions: test span, index ``date``; columns ``actual``, ``lstm``, ``naive``,
            ``seasonal_naive``, ``mean``, and ``ets``, ``arima`` when the classical references ran
            (original units, 1 step ahead, identical targets).
        metrics: ``{"lstm": {"mae","rmse","smape","mase"}, "naive": {...}, ...}``, one entry per prediction column.
        forecast: columns ``date``, ``forecast``, ``lower``, ``upper`` for ``horizon`` steps past the end.
        interval_coverage: share of test targets inside the 1-step interval.
        features: the model's inputs and target (scalers, calendar terms, season, residual mode);
            None when the windows carried no feature spec (the value is then the only input).
        covariates: the covariate columns the run was trained with (index = the series' dates), or None.
        backtest: rolling-origin evaluation (per-step errors of the LSTM and baselines), or None when off.
        search: auto mode's leaderboard and verdict (:class:`SearchReport`), or None for a manual run.
        best_reference: ``(key, test MAE)`` of the best reference on the test targets, or None.
        recommendation: the forecast to use, chosen on validation only, or None for an unusable run.
        bands: the LSTM's bands per step and their test coverage; ``recommended_bands`` the recommended
            forecast's (the same object when the LSTM is recommended).
        filled_test_points: test targets left out of every score because intake filled them.
        stations: when one job trained every station of a file, each station's run (this run is one of them).
        reference_forecasts: every reference's forecast past the end of the series, from the values before it
            (``{"naive": (horizon,) float64, ...}``, the same keys as the reference columns of ``predictions``).
    """

    config: ForecastConfig
    status: str
    history: list[EpochRecord]
    best_epoch: int | None
    train_seconds: float
    value_column: str
    frequency: str
    season_length: int
    model: keras.Model | NetworkWeights | None = None  # NetworkWeights when trained by a worker (core.run.portable)
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
    backtest: BacktestResult | None = None
    search: SearchReport | None = None
    baseline_labels: dict[str, str] | None = None  # e.g. {"ets": "ETS (no trend)", "arima": "ARIMA(2,0,2)"}
    replay: Replay | None = None  # test-span forecasts snapshotted while training (``core.run.runners.ReplayRecorder``)
    seed_spread: SeedSpread | None = None  # the same training with 3 seeds (``core.run.runners.seed_spread_runner``)
    best_reference: tuple[str, float] | None = None
    recommendation: Recommendation | None = None
    bands: Bands | None = None
    recommended_bands: Bands | None = None
    filled_test_points: int = 0
    stations: StationRuns | None = None  # every station's run (``core.run.runners.panel_runner``), else None
    reference_forecasts: dict[str, np.ndarray] = field(default_factory=dict)

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

    def beats_best_reference(self) -> bool | None:
        """True when the LSTM's test MAE is below the best reference's, beyond a tie (None without metrics or
        references)."""
        margin = self.reference_margin()
        return None if margin is None else margin > 0

    def reference_margin(self) -> float | None:
        """``1 - lstm MAE / best reference MAE`` on the test targets (negative: the reference is better; 0 for a
        tie, ``core.words.reference_margin``)."""
        if not self.metrics or self.best_reference is None:
            return None
        return reference_margin(self.metrics["lstm"]["mae"], self.best_reference[1])

    def backtest_by_step(self) -> dict[str, list[float | None]] | None:
        """The backtest's MAE per step ahead (step 1 first) of every model, or None without a backtest."""
        if self.backtest is None:
            return None
        table = self.backtest.per_step_mae()
        return {name: _finite_or_none([float(v) for v in table[name]]) for name in table.columns}

    def metrics_json(self) -> dict[str, Any]:
        """The ``metrics.json`` document of the CLI."""
        best = self.best_reference
        recommended: dict[str, Any] | None = None
        if self.recommendation is not None:
            recommended = {**self.recommendation.to_dict(), "interval": _band_json(self.recommended_bands)}
        return {
            "test": _finite_or_none(self.metrics),
            "interval": {"level": self.interval_level, "coverage": self.interval_coverage,
                         **_band_json(self.bands)},
            "best_reference": None if best is None else best[0],
            "best_reference_mae": None if best is None else _finite_or_none(best[1]),
            "beats_best_reference": self.beats_best_reference(),
            "margin": _finite_or_none(self.reference_margin()),
            "recommended": _finite_or_none(recommended),
            "backtest": self.backtest_by_step(),
            "season_length": self.season_length,
            "filled_test_points": self.filled_test_points,
            "train_seconds": self.train_seconds,
            "epochs_run": self.epochs_run,
            "best_epoch": self.best_epoch,
            "status": self.status,
            "beats_naive": self.beats_naive(),
        }


#: The columns of ``StationRuns.table``, one row per station (the CLI's ``series_metrics.csv`` without its ``model`` and
#: ``directory``).
STATION_COLUMNS = (
    "series", "name", "n", "lstm_mae", "best_reference", "best_reference_mae", "beats_best_reference", "coverage",
    "error",
)  # fmt: skip


#: Most stations one job of the app trains (a file may hold up to ``core.data.parsing.common.MAX_SERIES``; the
#: CLI forecasts them all).
MAX_STATIONS = 20


@dataclass
class StationRun:
    """One station of a file of several series, and what training it gave.

    Attributes:
        id: the station's id as written in the file.
        name: the name shown beside the id, or None.
        values: the series trained on, shape ``(n,)``.
        run: its run, or None when it was not trained (see ``error``).
        error: one line saying why there is no run ("" when there is one).
    """

    id: str
    name: str | None
    values: pd.Series
    run: ForecastRun | None = None
    error: str = ""

    @property
    def label(self) -> str:
        """``"EWR · Newark Liberty Intl"``, or the id alone when there is no name."""
        return f"{self.id} · {self.name}" if self.name and self.name != self.id else self.id

    @property
    def usable(self) -> bool:
        return self.run is not None and self.run.usable

    def scores(self) -> dict[str, Any]:
        """The row of ``StationRuns.table``: scores of a usable run, else None scores and the reason."""
        row: dict[str, Any] = {"series": self.id, "name": self.name or "", "n": len(self.values),
                               "lstm_mae": None, "best_reference": None, "best_reference_mae": None,
                               "beats_best_reference": None, "coverage": None, "error": self.error}
        run = self.run
        if run is None or not run.usable or not run.metrics:
            row["error"] = self.error or (run.message if run is not None else "") or "no usable model"
            return row
        best = run.best_reference
        row.update(lstm_mae=float(run.metrics["lstm"]["mae"]), best_reference=None if best is None else best[0],
                   best_reference_mae=None if best is None else _finite_or_none(float(best[1])),
                   beats_best_reference=run.beats_best_reference(), coverage=run.interval_coverage)
        return row


@dataclass
class StationRuns:
    """The stations one job trained with the same settings.

    Attributes:
        stations: every station of the file in file order (trained or not).
        model: ``"each"`` (one model per station) or ``"global"`` (one model across them).
        reason: why that model (a one-model-across choice made on validation), or "".
    """

    stations: list[StationRun] = field(default_factory=list)
    model: str = "each"
    reason: str = ""

    def __len__(self) -> int:
        return len(self.stations)

    def usable(self) -> list[StationRun]:
        """The stations with a usable run, in file order."""
        return [station for station in self.stations if station.usable]

    def station(self, station_id: str) -> StationRun:
        """The station with this id.

        Raises:
            ValueError: no station has this id.
        """
        for station in self.stations:
            if station.id == station_id:
                return station
        raise ValueError(f"no station {station_id!r} among {[s.id for s in self.stations]}")

    def table(self) -> pd.DataFrame:
        """One row per station, columns ``STATION_COLUMNS``: LSTM test MAE, the best reference and its MAE,
        whether the LSTM beats it, the band's coverage, and why a station has no scores."""
        return pd.DataFrame([station.scores() for station in self.stations], columns=list(STATION_COLUMNS))


def station_stage(number: int, count: int, station_id: str) -> str:
    """The stage prefix of station ``number`` (1-based) of ``count``: ``"station 2 of 3: LGA"``."""
    return f"station {number} of {count}: {station_id}"


def combine_stations(result: StationRuns, stopped: bool) -> ForecastRun:
    """The run a job that trained every station returns: the first usable station's run (the first trained one
    when none is usable) with ``stations`` set; status ``"stopped"`` when Stop ended the job early.

    Raises:
        TrainingError: no station could be trained; the message is the first station's reason.
    """
    trained = [station.run for station in result.stations if station.run is not None]
    if not trained:
        first = result.stations[0]
        raise TrainingError(f"No station could be trained: {first.id}: {first.error}")
    shown = next((run for run in trained if run.usable), trained[0])
    message = (f"Trained {len(result.usable())} of {len(result)} stations"
               f"{'; stopped before the rest' if stopped else ''}.{' ' + result.reason if result.reason else ''}")
    status = "stopped" if stopped and shown.status in ("completed", "early_stopped") else shown.status
    return replace(shown, stations=result, status=status, message=message if shown.usable else shown.message)


def _band_json(bands: Bands | None) -> dict[str, Any]:
    """Coverage per step (step 1 first), their mean and the future half widths, for ``metrics.json``."""
    if bands is None:
        return {"coverage_by_step": None, "coverage_mean": None, "points_by_step": None, "half_widths": None}
    return {
        "coverage_by_step": bands.coverage_by_step,
        "coverage_mean": bands.mean_coverage,
        "points_by_step": bands.points_by_step,
        "half_widths": _finite_or_none(list(bands.half_widths)),
    }


def _finite_or_none(document: Any) -> Any:
    """Replace NaN/inf floats with None so the JSON is standard (e.g. MASE of a constant training span)."""
    if isinstance(document, dict):
        return {key: _finite_or_none(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_finite_or_none(value) for value in document]
    if isinstance(document, float) and not math.isfinite(document):
        return None
    return document


#: What a job calls to train: ``runner(values, config, control) -> ForecastRun``, e.g.
#: ``core.run.pipeline.run_forecast`` or the runners of ``core.run.runners``.
Runner = Callable[[pd.Series, ForecastConfig, TrainControl], ForecastRun]
