"""Save and load a trained run as ``model.keras`` + ``meta.json`` (no pickle; safe_mode loading).

Saving imports no TensorFlow: a run trained by a worker holds its model file as bytes (``NetworkWeights.save``).
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.config import ForecastConfig
from core.errors import CoreError, DataError, TrainingError
from core.model.features import FeatureSpec, context_length
from core.model.recursive import recursive_scaled
from core.model.scaling import Scaler
from core.run.results import ForecastRun

if TYPE_CHECKING:
    import keras

__all__ = ["MODEL_FILE", "META_FILE", "BUNDLE_FORMAT", "save_bundle", "LoadedBundle", "load_bundle"]


MODEL_FILE = "model.keras"


META_FILE = "meta.json"


BUNDLE_FORMAT = "lstm-forecast-bundle/1"


_MAX_META_BYTES = 5_000_000


def _installed(*names: str) -> str:
    """The installed version of the first of these distributions that is installed (read without importing it)."""
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown"


def _versions() -> dict[str, str]:
    return {
        "keras": _installed("keras"),
        "tensorflow": _installed("tensorflow", "tensorflow-cpu"),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
    }


def _spec_of(run: ForecastRun) -> FeatureSpec:
    if run.features is not None:
        return run.features
    if run.scaler is None:
        raise TrainingError("There is no trained model to save: train one first.")
    return FeatureSpec(value_scaler=Scaler.from_dict(run.scaler))


def _recent_of(run: ForecastRun) -> pd.Series:
    """The last observed values the future forecast started from (``window``, plus a season when needed)."""
    recent = run.recent
    if isinstance(recent, pd.Series) and len(recent) >= run.config.window:
        return recent
    raise TrainingError(
        "This run does not carry its last window of values; run the forecast again to save it."
    )


def _meta(run: ForecastRun) -> dict[str, Any]:
    recent = _recent_of(run)
    if run.forecast is None:
        raise TrainingError("This run has no forecast to save: train a model first.")
    spec = _spec_of(run)
    covariates = None
    if spec.covariates and run.covariates is not None:
        rows = run.covariates.reindex(recent.index)
        covariates = {name: [float(value) for value in rows[name]] for name in spec.covariates}
    return {
        "format": BUNDLE_FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
        "config": run.config.to_dict(),
        "scaler": run.scaler,
        "value_column": run.value_column,
        "frequency": run.frequency,
        "season_length": run.season_length,
        "status": run.status,
        "best_epoch": run.best_epoch,
        "recent": {
            "dates": [stamp.isoformat() for stamp in recent.index],
            "values": [float(value) for value in recent.to_numpy()],
            "covariates": covariates,
        },
        "features": spec.to_dict(),
        "interval_level": run.interval_level,
        "interval_half_widths": run.interval_half_widths,
        "forecast": {
            "dates": [stamp.isoformat() for stamp in run.forecast["date"]],
            "values": [float(value) for value in run.forecast["forecast"]],
        },
    }


def save_bundle(run: ForecastRun, directory: str | Path) -> Path:
    """Write ``model.keras`` and ``meta.json`` into ``directory`` (created if needed).

    Raises:
        TrainingError: the run has no usable model.
    """
    if not run.usable or run.model is None:
        raise TrainingError("There is no trained model to save: train one first.")
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    meta = _meta(run)
    run.model.save(target / MODEL_FILE)
    (target / META_FILE).write_text(json.dumps(meta, indent=2, allow_nan=False), encoding="utf-8")
    return target


@dataclass(frozen=True)
class LoadedBundle:
    """A saved model with what it needs to forecast again.

    Attributes:
        model: the Keras model (scaled units in and out).
        config: the training settings.
        scaler: training-span standardisation.
        recent: last observed values (original units, dated; ``window`` plus a season when needed).
        features: the model's inputs and target (``FeatureSpec``); bundles saved before features
            existed get the plain "value in, value out" spec.
        recent_covariates: shape ``(len(recent), c)`` covariates at the ``recent`` dates, or None.
        half_widths: interval half width per step ``h = 1..horizon`` (original units).
        meta: the whole ``meta.json`` document.
    """

    model: keras.Model
    config: ForecastConfig
    scaler: Scaler
    value_column: str
    frequency: str
    recent: pd.Series
    half_widths: list[float]
    meta: dict[str, Any]
    features: FeatureSpec | None = None
    recent_covariates: np.ndarray | None = None

    @property
    def spec(self) -> FeatureSpec:
        return self.features or FeatureSpec(value_scaler=self.scaler)

    def _dated(self, values: pd.Series | np.ndarray) -> pd.Series:
        """``values`` as a dated series at the bundle's frequency; bare arrays are dated to end where
        the saved history ends (fine for models without calendar inputs, whose dates do not matter)."""
        if isinstance(values, pd.Series):
            series = values.astype(np.float64)
        else:
            numbers = np.asarray(values, dtype=np.float64).reshape(-1)
            end = self.recent.index[-1]
            index = pd.date_range(end=end, periods=len(numbers), freq=self.frequency)
            series = pd.Series(numbers, index=index)
        window = self.config.window
        if len(series) < window or not np.isfinite(series.to_numpy()[-window:]).all():
            raise DataError(f"The model needs the last {window} finite values; got {len(series)}.")
        context = context_length(self.spec, window)
        series = series.iloc[-context:]
        return pd.Series(series.to_numpy(), index=pd.date_range(end=series.index[-1], periods=len(series),
                                                                  freq=self.frequency))

    def _covariates_for(self, count: int) -> np.ndarray | None:
        """Saved covariates for ``count`` rows: the saved ones when they line up, else the last row held."""
        if not self.spec.covariates:
            return None
        if self.recent_covariates is None:
            raise DataError("This bundle has no covariate values to forecast with.")
        if len(self.recent_covariates) == count:
            return self.recent_covariates
        return np.repeat(self.recent_covariates[-1:], count, axis=0)

    def _paths(self, recent: pd.Series, steps: int) -> np.ndarray:
        spec = self.spec
        scaled = spec.value_scaler.transform(recent.to_numpy())
        covariates = self._covariates_for(len(recent))
        origin = np.array([len(recent)])
        paths = recursive_scaled(
            self.model, spec, scaled, pd.DatetimeIndex(recent.index), origin, self.config.window, steps, covariates
        )
        return spec.value_scaler.inverse(paths)[0]

    def predict_next(self, values: pd.Series | np.ndarray) -> float:
        """Next value after ``values`` (original units, at least ``window`` values; a dated series for
        calendar inputs, else an array is fine)."""
        return float(self._paths(self._dated(values), 1)[0])

    def forecast(self, recent: pd.Series | None = None) -> pd.DataFrame:
        """Recursive ``horizon``-step forecast after ``recent`` (default: the saved last values).

        Covariates (when the model has them) are held at their last saved value.

        Returns:
            columns ``date``, ``forecast``, ``lower``, ``upper``, like ``ForecastRun.forecast``.
        """
        recent = self._dated(self.recent if recent is None else recent)
        path = self._paths(recent, len(self.half_widths))
        width = np.asarray(self.half_widths, dtype=np.float64)
        offset = pd.tseries.frequencies.to_offset(self.frequency)
        dates = pd.date_range(start=recent.index[-1] + offset, periods=len(path), freq=offset)
        return pd.DataFrame({"date": dates, "forecast": path, "lower": path - width, "upper": path + width})


def _read_meta(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise DataError(f"{META_FILE} is missing from the bundle.")
    if path.stat().st_size > _MAX_META_BYTES:
        raise DataError(f"{META_FILE} is larger than {_MAX_META_BYTES:,} bytes.")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{META_FILE} is not valid JSON: {error}") from error
    if not isinstance(meta, dict) or meta.get("format") != BUNDLE_FORMAT:
        raise DataError(f"{META_FILE} is not a {BUNDLE_FORMAT} document.")
    return meta


def load_bundle(directory: str | Path) -> LoadedBundle:
    """Load a bundle written by :func:`save_bundle` (``keras.models.load_model(..., safe_mode=True)``).

    Raises:
        DataError: missing or malformed files.
        ConfigError: the saved config is invalid.
    """
    source = Path(directory)
    meta = _read_meta(source / META_FILE)
    model_path = source / MODEL_FILE
    if not model_path.is_file():
        raise DataError(f"{MODEL_FILE} is missing from the bundle.")
    try:
        config = ForecastConfig.from_dict(meta["config"])
        scaler = Scaler.from_dict(meta["scaler"])
        recent = pd.Series(
            np.asarray(meta["recent"]["values"], dtype=np.float64),
            index=pd.DatetimeIndex(meta["recent"]["dates"]),
            name=str(meta["value_column"]),
        )
        half_widths = [float(width) for width in meta["interval_half_widths"]]
        frequency = str(meta["frequency"])
        features = FeatureSpec.from_dict(meta["features"]) if "features" in meta else None
        covariates = _saved_covariates(meta["recent"].get("covariates"), features, len(recent))
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, CoreError):
            raise
        raise DataError(f"{META_FILE} is incomplete or malformed: {error}") from error
    import keras  # only loading needs Keras: saving a worker's portable run writes its bytes without TensorFlow

    model = keras.models.load_model(model_path, safe_mode=True, compile=False)
    return LoadedBundle(
        model, config, scaler, str(meta["value_column"]), frequency, recent, half_widths, meta, features, covariates
    )


def _saved_covariates(saved: Any, features: FeatureSpec | None, count: int) -> np.ndarray | None:
    if features is None or not features.covariates:
        return None
    if not isinstance(saved, dict):
        raise DataError(f"{META_FILE} lacks the covariate values the model needs.")
    columns = [np.asarray(saved[name], dtype=np.float64) for name in features.covariates]
    if any(len(column) != count for column in columns):
        raise DataError(f"{META_FILE} has covariate values of the wrong length.")
    return np.column_stack(columns)
