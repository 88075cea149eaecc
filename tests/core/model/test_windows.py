"""Chronological split by target index, training-only scaling and window construction invariants."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from core.config import ForecastConfig
from core.errors import DataError
from core.model.windows import prepare, split_series


# Reference windowing (one input feature) that the feature-aware ``prepare`` generalises; kept here as a
# readable statement of the windowing rule.
def make_windows(scaled: np.ndarray, window: int, targets: range) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets for consecutive target indices.

    Args:
        scaled: shape ``(n,)`` scaled series.
        window: input length.
        targets: target indices, each ``>= window`` and ``< n``.

    Returns:
        ``X`` of shape ``(len(targets), window, 1)`` float32 (row ``i`` is ``scaled[t - window:t]``)
        and ``y`` of shape ``(len(targets),)`` float32.
    """
    if len(targets) == 0:
        return np.zeros((0, window, 1), np.float32), np.zeros((0,), np.float32)
    # Row r of the view is scaled[r:r + window], the input of target r + window.
    view = sliding_window_view(scaled[: targets.stop - 1], window)
    inputs = view[targets.start - window : targets.stop - window]
    x = np.ascontiguousarray(inputs, dtype=np.float32)[:, :, np.newaxis]
    y = np.asarray(scaled[targets.start : targets.stop], dtype=np.float32)
    return x, y


GRID = [
    (n, window, val, test)
    for n in (40, 101, 365)
    for window in (2, 7, 15)
    for val, test in ((0.0, 0.05), (0.15, 0.2), (0.2, 0.3), (0.5, 0.3))
    if n - max(1, round(test * n)) - round(val * n) - window >= 2
]


def config_for(window: int, val: float, test: float) -> ForecastConfig:
    return ForecastConfig(window=window, validation_fraction=val, test_fraction=test, patience=0)


@pytest.mark.parametrize(("n", "window", "val", "test"), GRID)
def test_split_sizes_and_every_target_in_exactly_one_split(n, window, val, test):
    split = split_series(n, window, val, test)
    n_test = max(1, round(test * n))
    n_val = round(val * n)
    assert len(split.test_targets) == n_test
    assert len(split.val_targets) == n_val
    assert len(split.train_targets) == n - n_test - n_val - window
    targets = list(split.train_targets) + list(split.val_targets) + list(split.test_targets)
    assert targets == list(range(window, n))


@pytest.mark.parametrize(("n", "window", "val", "test"), GRID)
def test_windows_read_the_values_just_before_each_target(n, window, val, test):
    values = np.random.default_rng(n + window).normal(10, 3, n)
    data = prepare(values, config_for(window, val, test))
    for x, y, targets in [
        (data.x_train, data.y_train, data.split.train_targets),
        (data.x_val, data.y_val, data.split.val_targets),
        (data.x_test, data.y_test, data.split.test_targets),
    ]:
        assert x.shape == (len(targets), window, 1) and x.dtype == np.float32
        assert y.shape == (len(targets),) and y.dtype == np.float32
        for row, target in enumerate(targets):
            np.testing.assert_array_equal(
                x[row, :, 0], data.scaled[target - window : target].astype(np.float32)
            )
            assert y[row] == np.float32(data.scaled[target])
    # Training windows never read past the training span.
    assert data.split.train_targets.stop == data.split.val_start


def test_first_test_window_is_the_last_window_before_the_split():
    values = np.arange(50, dtype=float)
    data = prepare(values, config_for(6, 0.2, 0.2))
    start = data.split.test_start
    np.testing.assert_allclose(
        data.scaler.inverse(data.x_test[0, :, 0]), values[start - 6 : start], atol=1e-4
    )


def test_no_leakage_from_validation_or_test_into_the_scaler():
    values = np.random.default_rng(1).normal(5, 2, 200)
    config = config_for(10, 0.15, 0.2)
    data = prepare(values, config)
    changed = values.copy()
    changed[data.split.val_start :] *= 10
    assert prepare(changed, config).scaler == data.scaler
    np.testing.assert_array_equal(prepare(changed, config).x_train, data.x_train)


def test_seed_tutorial_split():
    temps = [20, 21, 22, 24, 27, 30, 32, 33, 35, 34, 32, 29, 25, 22, 21, 20, 18, 17, 16, 15]
    data = prepare(np.array(temps, dtype=float), config_for(5, 0.0, 1 / 3))
    assert len(data.y_train) == 8 and len(data.y_val) == 0 and len(data.y_test) == 7
    assert data.scaler.mean == pytest.approx(np.mean(temps[:13]))
    np.testing.assert_allclose(data.scaler.inverse(data.x_test[0, :, 0]), temps[8:13], atol=1e-4)


@pytest.mark.parametrize(("n", "window", "val", "test"), GRID[::5])
def test_value_only_windows_equal_the_reference_windowing(n, window, val, test):
    values = np.random.default_rng(n * window).normal(0, 1, n)
    data = prepare(values, config_for(window, val, test))
    for x, y, targets in [(data.x_train, data.y_train, data.split.train_targets),
                          (data.x_test, data.y_test, data.split.test_targets)]:
        expected_x, expected_y = make_windows(data.scaled, window, targets)
        np.testing.assert_array_equal(x, expected_x)
        np.testing.assert_array_equal(y, expected_y)


def test_make_windows_empty_targets():
    x, y = make_windows(np.arange(10.0), 3, range(5, 5))
    assert x.shape == (0, 3, 1) and y.shape == (0,)


def test_too_short_to_split():
    with pytest.raises(DataError, match="too few to train"):
        split_series(8, 5, 0.0, 0.4)
