"""Downloads: formula-safe CSV, model bundle zip, config JSON, offline figure HTML, safe labels."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.errors import TrainingError
from core.words import model_name, recommended_name

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from core.config import ForecastConfig
    from core.run.results import ForecastRun, StationRuns

__all__ = [
    "FORMULA_PREFIXES", "neutralise_formulas", "forecast_view", "forecast_frame", "forecast_csv",
    "stations_forecast_csv", "predictions_csv", "bundle_zip", "config_json", "figure_html",
]


#: A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


_NO_RUN = "There is nothing to download yet: train a model first."


def _neutralise_text(value: Any) -> Any:
    """Prefix a string that a spreadsheet would run as a formula with ``'``; leave anything else alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` where string headers and string cells cannot run as spreadsheet formulas.

    Numbers stay numbers (``-3.2`` is written as ``-3.2``); only text that starts with
    ``= + - @ \\t \\r`` gets a leading ``'``.

    Args:
        frame: any table, shape ``(rows, columns)``.

    Returns:
        A new frame of the same shape; ``frame`` is not modified.
    """
    return _map_text(frame, _neutralise_text)


def _map_text(frame: pd.DataFrame, function: Any) -> pd.DataFrame:
    """Copy of ``frame`` with ``function`` applied to the headers and the cells of text/object columns."""
    out = frame.copy()
    out.columns = [function(name) for name in out.columns]
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            out.isetitem(position, column.map(function))
    return out


def _unix_line_breaks(value: Any) -> Any:
    """``\\r\\n`` and ``\\r`` inside a text cell become ``\\n``, which the CSV writer quotes.

    Python's csv writer quotes a field only for the characters of the line terminator (``\\n`` here), so
    a bare ``\\r`` was written unquoted and a spreadsheet started a new row there, whose first cell could
    be a formula.
    """
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _date_format(dates: pd.Series) -> str:
    """ISO 8601: a plain date when every timestamp is midnight, else date and time."""
    stamps = pd.DatetimeIndex(dates)
    if len(stamps) and (stamps != stamps.normalize()).any():
        return "%Y-%m-%dT%H:%M:%S"
    return "%Y-%m-%d"


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (no index, ISO dates, ``\\n`` line ends) of a formula-neutralised frame."""
    dates = frame["date"] if "date" in frame.columns else pd.Series([], dtype="datetime64[ns]")
    safe = _map_text(neutralise_formulas(frame), _unix_line_breaks)
    return safe.to_csv(index=False, date_format=_date_format(dates), lineterminator="\n").encode("utf-8")


def forecast_view(run: ForecastRun) -> pd.DataFrame:
    """The future forecast as a page shows it: the recommended forecast first, named, then the others.

    Returns:
        One row per step, columns ``date``, ``recommended``, ``lower``, ``upper`` (the recommended forecast and its
        band), ``model`` (its display name), then ``lstm`` (the LSTM's forecast) when another forecast is
        recommended and ``reference`` (the best reference's forecast, ``run.best_reference``) when that is
        neither the recommended forecast nor missing.

    Raises:
        TrainingError: when the run has no forecast (no usable model).
    """
    if not run.usable or run.forecast is None:
        raise TrainingError(_NO_RUN)
    future = run.forecast
    rec = run.recommendation
    model, weights = (rec.model, rec.weights) if rec is not None else ("lstm", {"lstm": 1.0})
    own = "recommended" in future.columns and model != "lstm"
    frame = pd.DataFrame({
        "date": future["date"],
        "recommended": future["recommended" if own else "forecast"],
        "lower": future["recommended_lower" if own else "lower"],
        "upper": future["recommended_upper" if own else "upper"],
        "model": recommended_name(model, weights, run.baseline_labels) if own else model_name("lstm"),
    })
    if own:
        frame["lstm"] = future["forecast"].to_numpy()
    best = run.best_reference[0] if run.best_reference is not None else None
    path = run.reference_forecasts.get(best) if best is not None and best != model else None
    if path is not None and len(path) == len(frame):
        frame["reference"] = np.asarray(path, dtype=np.float64)
    return frame.reset_index(drop=True)


def forecast_frame(run: ForecastRun) -> pd.DataFrame:
    """The future forecast as a table: ``date,forecast,lower,upper`` (the LSTM and its band), then, when the run
    chose one, ``recommended,recommended_lower,recommended_upper,recommended_model`` (the forecast to use, its
    band, and the model's name, e.g. ``ARIMA(2,1,1)``); ``horizon`` rows.

    Raises:
        TrainingError: when the run has no forecast (no usable model).
    """
    if not run.usable or run.forecast is None:
        raise TrainingError(_NO_RUN)
    columns = ["date", "forecast", "lower", "upper"]
    extra = ["recommended", "recommended_lower", "recommended_upper", "recommended_model"]
    if all(name in run.forecast.columns for name in extra):
        columns += extra
    frame = run.forecast.loc[:, columns].copy()
    if "recommended_model" in frame.columns:
        weights = run.recommendation.weights if run.recommendation is not None else {}
        frame["recommended_model"] = [recommended_name(str(key), weights, run.baseline_labels)
                                      for key in frame["recommended_model"]]
    return frame


def forecast_csv(run: ForecastRun) -> bytes:
    """``forecast_frame`` as CSV.

    Raises:
        TrainingError: when the run has no forecast (no usable model).
    """
    return _csv_bytes(forecast_frame(run))


def stations_forecast_csv(stations: StationRuns) -> bytes:
    """Every trained station's future forecast as one CSV: ``series`` (the id), ``name``, then the columns of
    ``forecast_frame``; stations without a usable run are left out.

    Raises:
        TrainingError: no station has a usable run.
    """
    frames = []
    for station in stations.stations:
        if station.run is None or not station.run.usable or station.run.forecast is None:
            continue
        frame = forecast_frame(station.run)
        frame.insert(0, "name", station.name or "")
        frame.insert(0, "series", station.id)
        frames.append(frame)
    if not frames:
        raise TrainingError("There is nothing to download yet: no station has a trained model.")
    return _csv_bytes(pd.concat(frames, ignore_index=True))


def predictions_csv(run: ForecastRun) -> bytes:
    """Test-span predictions as CSV: ``date,actual,lstm,naive,seasonal_naive,mean`` (original units).

    Raises:
        TrainingError: when the run has no predictions (no usable model).
    """
    if not run.usable or run.predictions is None:
        raise TrainingError(_NO_RUN)
    frame = run.predictions.rename_axis("date").reset_index()
    return _csv_bytes(frame)


def bundle_zip(run: ForecastRun) -> bytes:
    """A zip of the model bundle (``model.keras`` + ``meta.json``) written by ``core.run.bundle.save_bundle``.

    Raises:
        TrainingError: when the run has no usable model.
    """
    if not run.usable:
        raise TrainingError(_NO_RUN)
    from core.run.bundle import save_bundle  # Keras-heavy: imported only when a bundle is wanted

    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="lstm-bundle-") as tmp:
        root = Path(tmp)
        save_bundle(run, root)
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                archive.write(path, arcname=path.relative_to(root).as_posix())
    return buffer.getvalue()


def config_json(config: ForecastConfig) -> bytes:
    """``config.to_dict()`` as pretty, strict (no NaN) UTF-8 JSON that ``ForecastConfig.from_dict`` reads."""
    text = json.dumps(config.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def figure_html(fig: go.Figure) -> bytes:
    """A self-contained HTML page of ``fig`` with plotly.js inlined, so it opens offline."""
    return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")
