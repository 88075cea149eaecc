"""Built-in datasets: they load like uploads, hold the right values, and the generator is seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data.datasets import (
    BUILTIN,
    DATA_DIR,
    builtin_csv_bytes,
    builtin_names,
    builtin_title,
    load_builtin,
    synthetic_series,
)
from core.data.intake import read_series
from core.errors import DataError

SEED_VALUES = [20, 21, 22, 24, 27, 30, 32, 33, 35, 34, 32, 29, 25, 22, 21, 20, 18, 17, 16, 15]


def test_names_and_titles() -> None:
    assert builtin_names() == ["seed", "seattle", "synthetic"] == list(BUILTIN)
    assert builtin_title("seed") == "Tutorial: 20 daily temperatures"
    assert builtin_title("seattle") == "Seattle daily max temperature 2012–2015 (real)"
    assert builtin_title("synthetic") == "Synthetic seasonal series"


@pytest.mark.parametrize("name", ["seed", "seattle", "synthetic"])
def test_every_builtin_loads_like_an_upload(name: str) -> None:
    loaded = load_builtin(name)
    again = read_series(builtin_csv_bytes(name))
    pd.testing.assert_series_equal(loaded.values, again.values)
    assert loaded.frequency == "D" and loaded.values.index.freqstr == "D"
    assert loaded.repairs == ()
    assert np.isfinite(loaded.values.to_numpy()).all()


def test_seed_holds_exactly_the_tutorial_values() -> None:
    seed = load_builtin("seed")
    assert seed.values.tolist() == SEED_VALUES
    assert (seed.date_column, seed.value_column) == ("date", "temperature_c")
    assert seed.values.index[0] == pd.Timestamp("2024-06-01")
    assert seed.values.index[-1] == pd.Timestamp("2024-06-20")


def test_seattle_is_the_real_daily_series() -> None:
    seattle = load_builtin("seattle")
    assert len(seattle.values) == 1461
    assert (seattle.date_column, seattle.value_column) == ("date", "temp_max")
    assert seattle.values.index[0] == pd.Timestamp("2012-01-01")
    assert seattle.values.index[-1] == pd.Timestamp("2015-12-31")
    assert seattle.values.iloc[:3].tolist() == [12.8, 10.6, 11.7]
    assert seattle.values.min() > -10 and seattle.values.max() < 45


def test_shipped_files_and_attribution_exist() -> None:
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "vega-datasets" in readme and "BSD-3-Clause" in readme and "NOAA" in readme
    assert (DATA_DIR / "seattle_temp_max.csv").read_bytes().startswith(b"date,temp_max\n2012-01-01,12.8\n")


def test_synthetic_builtin_is_three_years_daily() -> None:
    synthetic = load_builtin("synthetic")
    assert len(synthetic.values) == 1096
    assert synthetic.values.index[0] == pd.Timestamp("2020-01-01")
    assert synthetic.values.index[-1] == pd.Timestamp("2022-12-31")
    assert builtin_csv_bytes("synthetic") == builtin_csv_bytes("synthetic")


def test_synthetic_series_is_reproducible_per_seed() -> None:
    first = synthetic_series(200, seed=3)
    pd.testing.assert_series_equal(first, synthetic_series(200, seed=3))
    assert not np.allclose(first.to_numpy(), synthetic_series(200, seed=4).to_numpy())


def test_synthetic_series_looks_like_temperatures() -> None:
    series = synthetic_series(365 * 4, seed=0, noise=0.0)
    assert series.index.freqstr == "D" and series.name == "temperature_c"
    assert 11 < series.mean() < 14
    assert series.max() - series.min() == pytest.approx(16 + 0.5 * 4, abs=0.5)
    assert series.iloc[:10].mean() < series.iloc[170:190].mean()  # cold in January, warm in summer


@pytest.mark.parametrize(("freq", "period"), [("h", 24), ("MS", 12), ("D", 365.25)])
def test_synthetic_default_period_follows_the_frequency(freq: str, period: float) -> None:
    series = synthetic_series(int(period * 3), freq, noise=0.0)
    assert series.index.freqstr == freq
    lag = int(round(period))
    if float(period).is_integer():
        detrended = series.to_numpy() - 0.5 * np.arange(len(series)) / period
        assert np.allclose(detrended[lag:], detrended[:-lag])


def test_synthetic_series_validates_arguments() -> None:
    with pytest.raises(DataError, match="n=0 is out of range"):
        synthetic_series(0)
    with pytest.raises(DataError, match="pass period explicitly"):
        synthetic_series(10, "s")
    assert len(synthetic_series(10, "s", period=60)) == 10
    assert len(synthetic_series(10, "QS-FEB")) == 10


def test_unknown_builtin_lists_the_choices() -> None:
    message = r"^There is no built-in dataset called 'x'; choose one of: seed, seattle, synthetic\.$"
    with pytest.raises(DataError, match=message):
        load_builtin("x")
