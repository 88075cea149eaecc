"""One LSTM across several series: each series scaled on its own, windows stacked, scored on its own targets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from core.config import ForecastConfig
from core.errors import DataError
from core.model.network import build_model
from core.model.progress import TrainControl
from core.model.training import position_plan, positions_usable, segment_plan
from core.model.windows import Split
from core.run.across import EACH, GLOBAL, choose_across, fit_global, naive_validation_mae, series_input_names, stack
from core.run.pipeline import complete, fit

CONFIG = ForecastConfig(window=8, horizon=3, units=4, epochs=2, batch_size=16, seed=1, backtest_folds=0,
                        target="change")


def wave(n: int, seed: int, scale: float = 1.0, name: str = "temp") -> pd.Series:
    rng = np.random.default_rng(seed)
    values = scale * (15 + 8 * np.sin(np.arange(n) * 2 * np.pi / 7) + rng.normal(0, 1, n))
    return pd.Series(values, index=pd.date_range("2022-01-01", periods=n, freq="D"), name=name)


@pytest.fixture(scope="module")
def three() -> list[pd.Series]:
    return [wave(200, 0), wave(200, 1, scale=100.0), wave(180, 2)]


@pytest.fixture(scope="module")
def shared(three: list[pd.Series]):
    return fit_global(three, CONFIG)


def test_each_series_is_scaled_on_its_own_training_span(three, shared) -> None:
    for values, fitted in zip(three, shared, strict=True):
        training = values.to_numpy()[: fitted.data.split.val_start]
        assert fitted.data.scaler.mean == pytest.approx(training.mean())
        assert fitted.data.scaler.std == pytest.approx(training.std(), rel=1e-6)
    stopped = TrainControl()  # the scalers are fitted before training: no need to train again
    stopped.stop_event.set()
    bigger = fit_global([three[0], three[1] * 100, three[2]], CONFIG, stopped)  # 100x larger changes only its own
    assert bigger[0].data.scaler == shared[0].data.scaler and bigger[2].data.scaler == shared[2].data.scaler
    assert bigger[1].data.scaler.std == pytest.approx(100 * shared[1].data.scaler.std)
    np.testing.assert_allclose(bigger[1].data.x_train, shared[1].data.x_train, atol=1e-5)  # the same scaled windows


def test_the_stacked_windows_are_the_sum_of_the_series_windows(shared) -> None:
    parts = [f.data for f in shared]
    data = stack(parts)
    assert len(data.y_train) == sum(len(p.y_train) for p in parts) == len(data.x_train)
    assert len(data.y_val) == sum(len(p.y_val) for p in parts) == len(data.x_val)
    assert data.segments == tuple(len(p.y_train) for p in parts)
    assert positions_usable(build_model(CONFIG, data.n_features), data) is not None  # every position, per series
    assert all(f.model is shared[0].model for f in shared)


def test_segment_plan_predicts_every_target_once_inside_its_own_series() -> None:
    segments, window = [30, 5, 41], 8
    starts, first = segment_plan(np.random.default_rng(3), segments, window)
    offsets = np.cumsum([0] + segments[:-1]) + np.arange(3) * (window - 1)
    counted = []
    for start, low in zip(starts, first, strict=True):
        number = int(np.searchsorted(offsets, start, side="right")) - 1
        assert offsets[number] <= low <= start < offsets[number] + segments[number]  # never another series' target
        counted.extend(range(low, start + 1))
    expected = [o + t for o, n in zip(offsets, segments, strict=True) for t in range(n)]
    assert sorted(counted) == expected
    one = segment_plan(np.random.default_rng(3), [30], window)  # one series: exactly the single-series plan
    for mine, theirs in zip(one, position_plan(np.random.default_rng(3), 30, window), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_each_series_gets_its_own_validation_mae(shared) -> None:
    for fitted in shared:
        data = fitted.data
        assert fitted.outcome.best_epoch is not None and fitted.outcome.best_epoch == shared[0].outcome.best_epoch
        predicted = np.asarray(fitted.model(data.x_val, training=False)).reshape(-1)
        own = np.mean(np.abs(predicted - data.y_val)) * data.scaler.std * data.spec.target_scale
        assert fitted.validation_mae() == pytest.approx(own, rel=1e-4)
    assert shared[1].validation_mae() > 50 * shared[0].validation_mae()  # in the series' own (100x) units


def test_each_run_scores_on_its_own_targets_like_its_references(three, shared) -> None:
    runs = [complete(fitted, values, classical=False) for fitted, values in zip(shared[:2], three, strict=False)]
    alone = complete(fit(three[1], CONFIG), three[1], classical=False)
    for values, run in zip(three, runs, strict=False):
        predictions = run.predictions
        test = values.iloc[len(values) - len(predictions):]
        assert predictions.index.equals(test.index)
        np.testing.assert_allclose(predictions["actual"], test.to_numpy())
        assert run.metrics["lstm"]["mae"] == pytest.approx(np.mean(np.abs(predictions["lstm"] - predictions["actual"])))
    pd.testing.assert_frame_equal(runs[1].predictions.drop(columns="lstm"), alone.predictions.drop(columns="lstm"))


def test_a_series_too_short_is_named(three) -> None:
    with pytest.raises(DataError, match="^tiny: This series has 12 points"):
        fit_global([three[0], wave(12, 5)], CONFIG, names=["long", "tiny"])


@dataclass
class _Data:
    values: np.ndarray
    split: Split


@dataclass
class _Fitted:
    """What choose_across reads of a Fitted: the validation MAE and the data's values and split."""

    mae: float | None
    data: _Data
    filled: np.ndarray | None = None

    def validation_mae(self) -> float | None:
        return self.mae


def _fake(mae: float | None, scale: float) -> _Fitted:
    values = scale * (np.arange(20, dtype=np.float64) % 3)  # naive validation MAE known from the values
    return _Fitted(mae, _Data(values, Split(n=20, window=2, val_start=10, test_start=15)))


def test_choose_across_picks_on_the_validation_ratio_to_naive() -> None:
    naive = [naive_validation_mae(_fake(1.0, s)) for s in (1.0, 100.0)]  # type: ignore[arg-type]
    assert naive[1] == pytest.approx(100 * naive[0])
    # global better on the small series by far, worse on the big one by a little: the ratio counts both alike
    each = [_fake(0.9 * naive[0], 1.0), _fake(0.5 * naive[1], 100.0)]
    shared = [_fake(0.5 * naive[0], 1.0), _fake(0.6 * naive[1], 100.0)]
    choice = choose_across(each, shared)  # type: ignore[arg-type]
    assert choice.model == GLOBAL and choice.shared_score == pytest.approx(0.55)
    assert choice.each_score == pytest.approx(0.7) and "1 of 2 series" in choice.reason
    assert choose_across(shared, each).model == EACH  # type: ignore[arg-type]
    assert choose_across(each, each).model == EACH  # type: ignore[arg-type]  # a tie keeps one model per series
    missing = choose_across(each, [shared[0], _fake(None, 100.0)])  # type: ignore[arg-type]
    assert missing.model == EACH and missing.shared_score is None and "cannot be compared" in missing.reason
    assert set(choice.to_dict()) == {"model", "reason", "each", "shared", "naive", "each_score", "shared_score"}


def test_one_series_trains_exactly_as_its_own_run(three) -> None:
    alone, across = fit(three[0], CONFIG), fit_global([three[0]], CONFIG, series_input=False)[0]
    assert [r.loss for r in across.outcome.history] == [r.loss for r in alone.outcome.history]
    assert across.validation_mae() == pytest.approx(alone.validation_mae(), rel=1e-5)


def test_a_series_id_input_is_one_hot_and_held_through_the_run(three) -> None:
    with_id = fit_global(three[:2], CONFIG)  # the id input is on by default
    stopped = TrainControl()  # only the inputs are compared: no training needed
    stopped.stop_event.set()
    plain = fit_global(three[:2], CONFIG, stopped, series_input=False)
    for number, fitted in enumerate(with_id):
        data = fitted.data
        assert fitted.config.covariates == series_input_names(2) and data.n_features == plain[0].data.n_features + 2
        expected = np.zeros((len(data.x_train), CONFIG.window, 2))
        expected[..., number] = 1.0
        np.testing.assert_array_equal(data.x_train[..., -2:], expected)
        np.testing.assert_array_equal(data.x_train[..., :-2], plain[number].data.x_train)
    run = complete(with_id[1], three[1], classical=False)
    assert run.usable and run.forecast is not None and np.isfinite(run.forecast["forecast"]).all()
    assert list(run.covariates.columns) == list(series_input_names(2))
