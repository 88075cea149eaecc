"""Bands that keep their promise: coverage per step on synthetic series with known noise, an adaptive level that
repairs a too-narrow calibration pool, and gap-filled points kept out of pools and coverage."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.bands import rolling_bands


def noisy_paths(n: int, horizon: int, test_start: int, calibration_scale: float = 1.0, seed: int = 0):
    """A series of i.i.d. N(0, 1) noise (N(0, calibration_scale) before ``test_start``) and the best forecast of
    it, 0 at every step, from origins ``test_start - 600 .. n``."""
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 1, n)
    values[:test_start] *= calibration_scale
    origins = np.arange(test_start - 600, n + 1)
    return values, origins, np.zeros((len(origins), horizon))


@pytest.mark.parametrize("level", [0.8, 0.9])
def test_coverage_per_step_is_near_the_level_with_known_noise(level):
    values, origins, paths = noisy_paths(4600, 5, 1600)
    bands = rolling_bands(paths, origins, values, 1600, level)
    assert bands.points_by_step == [3000 - step for step in range(5)]
    for coverage in bands.coverage_by_step:
        assert coverage == pytest.approx(level, abs=0.02)
    from scipy.stats import norm  # the true quantile of |N(0, 1)|

    assert bands.half_widths[0] == pytest.approx(norm.ppf(0.5 + level / 2), rel=0.12)
    assert np.all(np.diff(bands.half_widths) >= 0) and bands.exact


def test_the_adaptive_level_repairs_a_pool_calibrated_on_calmer_data():
    # Validation residuals half the size of the test span's: a fixed split-conformal band covers about 59 %.
    values, origins, paths = noisy_paths(2600, 3, 1600, calibration_scale=0.5, seed=1)
    bands = rolling_bands(paths, origins, values, 1600, 0.9)
    for coverage in bands.coverage_by_step:
        assert coverage == pytest.approx(0.9, abs=0.03)


def test_filled_points_are_left_out_of_pools_and_coverage():
    values, origins, paths = noisy_paths(2600, 2, 1600, seed=2)
    filled = np.zeros(len(values), dtype=bool)
    filled[2000:2100] = True
    values_with_junk = values.copy()
    values_with_junk[2000:2100] = 1e6  # an absurd fill would wreck coverage and widths if it were scored
    bands = rolling_bands(paths, origins, values_with_junk, 1600, 0.9, scored=~filled)
    clean = rolling_bands(paths, origins, values, 1600, 0.9)
    assert bands.points_by_step[0] == clean.points_by_step[0] - 100
    assert bands.coverage_by_step[0] == pytest.approx(0.9, abs=0.03)
    assert bands.half_widths[0] == pytest.approx(clean.half_widths[0], rel=0.15)


def test_no_future_value_is_read():
    values, origins, paths = noisy_paths(2600, 4, 1600, seed=3)
    changed = values.copy()
    changed[2300:] = 50.0
    keep = origins <= 2300
    a = rolling_bands(paths[keep], origins[keep], values, 1600, 0.9)
    b = rolling_bands(paths[keep], origins[keep], changed, 1600, 0.9)
    assert a.half_widths == b.half_widths  # the band at origin 2300 depends on values before 2300 only
    assert a.coverage_by_step[3] != b.coverage_by_step[3]  # while its 4-step targets (2300..2303) were scored
