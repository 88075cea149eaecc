"""``Scaler``: standardisation fitted on the training span, its exact round trip and JSON, constant series."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.config import ForecastConfig
from core.model.scaling import Scaler
from core.model.windows import prepare


def config_for(window: int, val: float, test: float) -> ForecastConfig:
    return ForecastConfig(window=window, validation_fraction=val, test_fraction=test, patience=0)


def test_scaler_round_trip_and_json():
    values = np.random.default_rng(2).normal(-3, 40, 500)
    scaler = Scaler.fit(values[:300])
    assert scaler.mean == pytest.approx(np.mean(values[:300]))
    assert scaler.std == pytest.approx(np.std(values[:300]))
    np.testing.assert_allclose(scaler.inverse(scaler.transform(values)), values, rtol=0, atol=1e-12)
    assert Scaler.from_dict(json.loads(json.dumps(scaler.to_dict()))) == scaler


def test_constant_series_scales_without_dividing_by_zero():
    data = prepare(np.full(60, 0.1), config_for(5, 0.0, 0.2))
    assert data.scaler.std == 1.0
    assert np.isfinite(data.x_train).all()
    np.testing.assert_allclose(data.y_train, 0, atol=1e-12)
