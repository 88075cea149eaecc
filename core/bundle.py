"""Save and load a trained run as ``model.keras`` + ``meta.json`` (no pickle; safe_mode loading)."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from core.config import ForecastConfig
from core.errors import CoreError, DataError, TrainingError
from core.intervals import recursive_paths
from core.model import predict_scaled
from core.types import ForecastRun
from core.windows import Scaler

__all__ = ["MODEL_FILE", "META_FILE", "BUNDLE_FORMAT", "LoadedBundle", "save_bundle", "load_bundle"]

MODEL_FILE = "model.keras"
META_FILE = "meta.json"
BUNDLE_FORMAT = "lstm-forecast-bundle/1"
_MAX_META_BYTES = 5_000_000


def _versions() -> dict[str, str]:
    import tensorflow as tf

    return {
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
    }


def _recent_of(run: ForecastRun) -> pd.Series:
    """The last ``window`` observed values the future forecast started from."""
    recent = run.recent
    if isinstance(recent, pd.Series) and len(recent) == run.config.window:
        return recent
    raise TrainingError(
        "This run does not carry its last window of values; run the forecast again to save it."
    )


def _meta(run: ForecastRun) -> dict[str, Any]:
    recent = _recent_of(run)
    if run.forecast is None:
        raise TrainingError("This run has no forecast to save: train a model first.")
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
        },
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
        recent: last ``window`` observed values (original units, dated).
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

    def _window(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        window = self.config.window
        if len(values) < window or not np.isfinite(values[-window:]).all():
            raise DataError(f"The model needs the last {window} finite values; got {len(values)}.")
        return values[-window:]

    def predict_next(self, values: np.ndarray) -> float:
        """Next value after ``values`` (original units, shape ``(>= window,)``; uses the last ``window``)."""
        scaled = self.scaler.transform(self._window(values))
        return float(self.scaler.inverse(predict_scaled(self.model, scaled[np.newaxis, :]))[0])

    def forecast(self, recent: pd.Series | None = None) -> pd.DataFrame:
        """Recursive ``horizon``-step forecast after ``recent`` (default: the saved last window).

        Returns:
            columns ``date``, ``forecast``, ``lower``, ``upper``, like ``ForecastRun.forecast``.
        """
        recent = self.recent if recent is None else recent
        scaled = self.scaler.transform(self._window(recent.to_numpy()))
        window = self.config.window
        path = self.scaler.inverse(
            recursive_paths(self.model, scaled, np.array([window]), window, len(self.half_widths))
        )
        path = path[0]
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
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, CoreError):
            raise
        raise DataError(f"{META_FILE} is incomplete or malformed: {error}") from error
    model = keras.models.load_model(model_path, safe_mode=True, compile=False)
    return LoadedBundle(
        model, config, scaler, str(meta["value_column"]), frequency, recent, half_widths, meta
    )
