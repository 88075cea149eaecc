"""Seasonal inputs and residual targets: exact inversion, no look-ahead, covariates, the spec's JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.config import TARGETS, ForecastConfig
from core.model.features import (
    FeatureSpec,
    calendar_matrix,
    calendar_terms,
    context_length,
    feature_matrix,
    target_base,
    to_scaled,
)
from core.model.recursive import recursive_scaled
from core.model.windows import prepare
from tests.core.fakes import RecordingModel, hourly


def config_for(target: str, **extra) -> ForecastConfig:
    return ForecastConfig(window=12, calendar=True, seasonal_input=True, target=target, units=4, **extra)


def test_calendar_terms_follow_the_frequency():
    assert calendar_terms("h") == ("hour_of_day", "day_of_week", "day_of_year")
    assert calendar_terms("D") == ("day_of_week", "day_of_year")
    assert calendar_terms("MS") == ("month_of_year",)
    assert calendar_terms("YS") == ()
    index = pd.date_range("2021-01-01", periods=48, freq="h")
    matrix = calendar_matrix(index, ("hour_of_day",))
    assert matrix.shape == (48, 2)
    np.testing.assert_allclose(matrix[0], [0.0, 1.0], atol=1e-12)  # midnight
    np.testing.assert_allclose(matrix[6], [1.0, 0.0], atol=1e-12)  # 06:00 is a quarter of the day
    np.testing.assert_allclose(matrix[:24], matrix[24:])  # the same hour gives the same inputs


@pytest.mark.parametrize("target", TARGETS)
def test_residual_targets_invert_exactly(target):
    values = hourly()
    data = prepare(values.to_numpy(), config_for(target), values.index, 24)
    for x, y, targets in ((data.x_train, data.y_train, data.split.train_targets),
                          (data.x_test, data.y_test, data.split.test_targets)):
        index = np.arange(targets.start, targets.stop)
        restored = data.scaler.inverse(to_scaled(data.spec, y.astype(np.float64), data.scaled, index))
        np.testing.assert_allclose(restored, values.to_numpy()[index], rtol=0, atol=1e-5)  # float32 targets
        assert x.shape == (len(targets), 12, data.spec.n_features)
    # In float64: the target is (value minus base) / target_scale, and to_scaled undoes both.
    index = np.arange(30, 400)
    base = target_base(data.spec, data.scaled, index)
    residual = (data.scaled[index] - base) / data.spec.target_scale
    np.testing.assert_allclose(to_scaled(data.spec, residual, data.scaled, index), data.scaled[index],
                               rtol=0, atol=1e-12)


def test_bases_are_last_value_and_one_season_ago():
    values = hourly()
    scaled = np.arange(400, dtype=np.float64)
    spec = prepare(values.to_numpy(), config_for("seasonal_change"), values.index, 24).spec
    np.testing.assert_array_equal(target_base(spec, scaled, np.array([5, 24, 100])), [4, 0, 76])
    change = FeatureSpec(value_scaler=spec.value_scaler, target="change")
    np.testing.assert_array_equal(target_base(change, scaled, np.array([5, 100])), [4, 99])


def test_inputs_of_a_target_never_read_its_value_or_later_ones():
    values = hourly()
    config = config_for("seasonal_change")
    data = prepare(values.to_numpy(), config, values.index, 24)
    t = data.split.test_targets.start
    changed = values.to_numpy().copy()
    changed[t:] += 100.0
    other = prepare(changed, config, values.index, 24)
    first = t - data.split.window
    np.testing.assert_array_equal(data.x_test[0], other.x_test[0])
    assert first >= 0 and data.spec == other.spec  # the scalers saw the training span only


def test_rows_carry_the_next_steps_calendar_and_season_value():
    values = hourly()
    data = prepare(values.to_numpy(), config_for("value"), values.index, 24)
    names = data.spec.names
    assert names[:4] == ["value", "season_ago", "hour_of_day_sin", "hour_of_day_cos"]
    matrix = feature_matrix(data.spec, data.scaled, values.index)
    p = 100
    assert matrix[p, 1] == data.scaled[p + 1 - 24]
    expected = calendar_matrix(values.index[p + 1 : p + 2], data.spec.calendar)[0]
    np.testing.assert_allclose(matrix[p, 2:], expected)
    assert matrix[3, 1] == data.scaled[3]  # no value a season earlier yet: the last value


def test_change_inputs_are_the_steps_of_the_value_and_season_columns():
    values = hourly()
    data = prepare(values.to_numpy(), config_for("change", difference_input=True), values.index, 24)
    assert data.spec.names[:4] == ["value", "season_ago", "change", "season_ago_change"]
    matrix = feature_matrix(data.spec, data.scaled, values.index)
    p = 100
    assert matrix[p, 2] == pytest.approx(data.scaled[p] - data.scaled[p - 1])
    assert matrix[p, 3] == pytest.approx(data.scaled[p + 1 - 24] - data.scaled[p - 24])
    assert matrix[0, 2] == 0 and matrix[0, 3] == 0  # no step before the first row
    without_season = prepare(values.to_numpy(), ForecastConfig(window=12, difference_input=True), values.index, 24)
    assert without_season.spec.names == ["value", "change"]
    assert context_length(without_season.spec, 12) == 13 and context_length(data.spec, 12) == 36
    assert "the last change" in data.spec.describe() and "change 24 steps earlier" in data.spec.describe()


def test_covariates_are_scaled_on_training_and_held_ahead():
    values = hourly()
    rng = np.random.default_rng(1)
    covariates = rng.normal(5, 2, (400, 1))
    config = ForecastConfig(window=12, covariates=("wind",), units=4)
    data = prepare(values.to_numpy(), config, values.index, 24, covariates)
    assert data.spec.names == ["value", "wind"]
    train = covariates[: data.split.val_start, 0]
    assert data.spec.covariate_scalers[0].mean == pytest.approx(train.mean())
    model = RecordingModel()
    origin = 300
    recursive_scaled(model, data.spec, data.scaled, values.index, np.array([origin]), 12, 3, covariates)
    held = data.spec.covariate_scalers[0].transform(covariates[origin - 1, 0])
    assert np.allclose(model.inputs[2][0, -2:, 1], held)  # rows at and after the origin hold the last value


def test_spec_round_trips_and_describes_itself():
    values = hourly()
    spec = prepare(values.to_numpy(), config_for("change"), values.index, 24).spec
    assert FeatureSpec.from_dict(spec.to_dict()) == spec
    older = {key: value for key, value in spec.to_dict().items() if key != "difference_input"}
    assert FeatureSpec.from_dict(older) == spec  # bundles saved before the option existed
    changes = prepare(values.to_numpy(), config_for("change", difference_input=True), values.index, 24).spec
    assert FeatureSpec.from_dict(changes.to_dict()) == changes and changes.difference_input
    text = spec.describe()
    assert "value 24 steps earlier" in text and "hour of day" in text and "change from the last value" in text
    assert context_length(spec, 12) == 36
    with pytest.raises(ValueError, match="target"):
        FeatureSpec(value_scaler=spec.value_scaler, target="delta")


def test_windows_are_views_with_the_same_rows_as_copies():
    """``make_xy`` hands out strided views (no window-times copy of the data); every window still holds
    exactly the feature rows before its target, for the train, validation and test spans."""
    series = hourly(500)
    config = config_for("change", validation_fraction=0.2, test_fraction=0.2)
    data = prepare(series.to_numpy(), config, series.index, 24)
    matrix = feature_matrix(data.spec, data.scaled, series.index).astype(np.float32)
    for x, targets in ((data.x_train, data.split.train_targets), (data.x_val, data.split.val_targets),
                       (data.x_test, data.split.test_targets)):
        expected = np.stack([matrix[t - config.window : t] for t in targets])
        np.testing.assert_array_equal(x, expected)
        assert x.dtype == np.float32 and not x.flags.writeable  # a view: nobody can corrupt shared rows
        base = x.base
        while base is not None and base.base is not None:
            base = base.base
        assert base is not None and base.nbytes < expected.nbytes / 4  # the rows once, not each window
