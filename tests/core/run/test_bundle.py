"""Bundles: model.keras + meta.json, loaded with safe_mode, give identical predictions."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from core.config import ForecastConfig
from core.errors import DataError, TrainingError
from core.model.network import predict_scaled
from core.model.scaling import Scaler
from core.model.windows import prepare
from core.run.bundle import META_FILE, MODEL_FILE, load_bundle, save_bundle
from core.run.pipeline import run_forecast
from core.run.results import ForecastRun

# 150 points leave 92 training windows: 2 equal batches of 46.
CONFIG = ForecastConfig(
    window=6, horizon=4, units=5, epochs=2, batch_size=46, patience=0, dropout=0.1, seed=9
)


def series(n: int = 150) -> pd.Series:
    rng = np.random.default_rng(2)
    values = -3 + 6 * np.sin(np.arange(n) * 2 * np.pi / 24) + rng.normal(0, 0.5, n)
    return pd.Series(values, index=pd.date_range("2023-03-25", periods=n, freq="h"), name="load °C")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    values = series()
    run = run_forecast(values, CONFIG)
    directory = save_bundle(run, tmp_path_factory.mktemp("bundle") / "run1")
    return values, run, directory


def test_bundle_holds_exactly_model_and_json_meta(saved):
    _, run, directory = saved
    assert sorted(path.name for path in directory.iterdir()) == [META_FILE, MODEL_FILE]
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    assert meta["config"] == CONFIG.to_dict() and meta["scaler"] == run.scaler
    assert (meta["value_column"], meta["frequency"], meta["season_length"]) == ("load °C", "h", 24)
    assert set(meta["versions"]) >= {"keras", "tensorflow", "numpy", "pandas"}
    assert len(meta["recent"]["values"]) == CONFIG.window
    assert meta["interval_half_widths"] == run.interval_half_widths
    with zipfile.ZipFile(directory / MODEL_FILE) as archive:
        assert not [name for name in archive.namelist() if name.endswith((".pkl", ".pickle", ".npy"))]


def test_loaded_model_predicts_identically(saved):
    values, run, directory = saved
    loaded = load_bundle(directory)
    assert loaded.config == CONFIG and loaded.scaler == Scaler.from_dict(run.scaler)
    data = prepare(values.to_numpy(), CONFIG)
    np.testing.assert_allclose(
        predict_scaled(loaded.model, data.x_test), predict_scaled(run.model, data.x_test), rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(
        run.predictions["lstm"].iloc[-1], loaded.predict_next(values.to_numpy()[:-1]), rtol=0, atol=1e-6
    )


def test_loaded_bundle_reproduces_the_future_forecast(saved):
    _, run, directory = saved
    forecast = load_bundle(directory).forecast()
    assert list(forecast["date"]) == list(run.forecast["date"])
    for column in ("forecast", "lower", "upper"):
        np.testing.assert_allclose(forecast[column], run.forecast[column], rtol=0, atol=1e-6)


def test_predict_next_needs_a_full_window(saved):
    _, _, directory = saved
    with pytest.raises(DataError, match="needs the last 6 finite values; got 3"):
        load_bundle(directory).predict_next(np.array([1.0, 2.0, 3.0]))


def test_unusable_run_cannot_be_saved(tmp_path):
    run = ForecastRun(
        config=CONFIG,
        status="diverged",
        history=[],
        best_epoch=None,
        train_seconds=0.1,
        value_column="y",
        frequency="D",
        season_length=7,
    )
    with pytest.raises(TrainingError, match="no trained model"):
        save_bundle(run, tmp_path)


def test_broken_bundles_are_refused(tmp_path, saved):
    with pytest.raises(DataError, match="meta.json is missing"):
        load_bundle(tmp_path)
    (tmp_path / META_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        load_bundle(tmp_path)
    (tmp_path / META_FILE).write_text(json.dumps({"format": "other"}), encoding="utf-8")
    with pytest.raises(DataError, match="is not a lstm-forecast-bundle/1 document"):
        load_bundle(tmp_path)
    meta = json.loads((saved[2] / META_FILE).read_text(encoding="utf-8"))
    del meta["scaler"]
    (tmp_path / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    (tmp_path / MODEL_FILE).write_bytes((saved[2] / MODEL_FILE).read_bytes())
    with pytest.raises(DataError, match="incomplete or malformed"):
        load_bundle(tmp_path)


FEATURE_CONFIG = ForecastConfig(
    window=6, horizon=30, units=5, epochs=2, batch_size=46, patience=0, seed=9,
    calendar=True, seasonal_input=True, target="seasonal_change", covariates=("wind",),
)


def test_feature_bundle_saves_its_spec_and_forecasts_identically_after_loading(tmp_path):
    values = series()
    covariates = pd.DataFrame({"wind": np.cos(np.arange(150) / 5.0)}, index=values.index)
    run = run_forecast(values, FEATURE_CONFIG, covariates=covariates)
    directory = save_bundle(run, tmp_path / "features")
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    assert meta["features"]["target"] == "seasonal_change" and meta["features"]["covariates"] == ["wind"]
    assert len(meta["recent"]["values"]) == 6 + 24  # window + one season for the season-ago inputs
    loaded = load_bundle(directory)
    assert loaded.features == run.features
    forecast = loaded.forecast()
    np.testing.assert_allclose(forecast["forecast"], run.forecast["forecast"], rtol=0, atol=1e-6)
    # The saved covariates belong to the saved dates, so the next step after the full history matches.
    np.testing.assert_allclose(loaded.predict_next(values.iloc[-30:]), run.forecast["forecast"].iloc[0], atol=1e-5)


def test_bundle_saved_before_features_existed_still_loads(saved, tmp_path):
    _, run, directory = saved
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    del meta["features"], meta["recent"]["covariates"]
    for key in ("calendar", "seasonal_input", "target", "covariates", "backtest_folds"):
        del meta["config"][key]
    old = tmp_path / "old"
    old.mkdir()
    (old / MODEL_FILE).write_bytes((directory / MODEL_FILE).read_bytes())
    (old / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    loaded = load_bundle(old)
    assert loaded.features is None and loaded.config == CONFIG
    np.testing.assert_allclose(loaded.forecast()["forecast"], run.forecast["forecast"], rtol=0, atol=1e-6)
