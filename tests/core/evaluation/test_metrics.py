"""MAE, RMSE, sMAPE and MASE on hand-computed cases, defined at zero and for a constant training span."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from core.evaluation.metrics import forecast_metrics, mase_scale


def test_metrics_on_hand_computed_values():
    actual = np.array([1.0, -1.0, 0.0])
    predicted = np.array([2.0, -1.0, 0.0])
    scale = mase_scale(np.array([0.0, 2.0, 1.0]))  # |2-0|, |1-2| -> 1.5
    assert scale == 1.5
    metrics = forecast_metrics(actual, predicted, scale)
    assert metrics["mae"] == pytest.approx(1 / 3)
    assert metrics["rmse"] == pytest.approx(math.sqrt(1 / 3))
    assert metrics["smape"] == pytest.approx((200 * 1 / 3) / 3)  # 0/0 at the last point counts as 0
    assert metrics["mase"] == pytest.approx((1 / 3) / 1.5)


def test_metrics_are_defined_at_zero_and_for_constant_training():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        perfect = forecast_metrics(np.zeros(4), np.zeros(4), mase_scale(np.zeros(10)))
        assert perfect == {"mae": 0.0, "rmse": 0.0, "smape": 0.0, "mase": 0.0}
        off = forecast_metrics(np.zeros(2), np.array([1.0, -1.0]), 0.0)
        assert off["smape"] == 200.0 and math.isnan(off["mase"])
