"""``core.data.parsing.grid``: the inferred step, duplicates, sorting, gaps, irregular timestamps, the missing-value
and grid-size limits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data.parsing.grid import infer_step
from core.errors import DataError
from tests.core.data.samples import daily, detail, kinds, load


def test_too_many_missing_values_is_an_error() -> None:
    with pytest.raises(DataError, match=r"^Too many missing values: 10 of 30 days .* \(33%\) .*limit 20%"):
        load(daily(["x"] * 10 + ["1"] * 20))


def test_duplicate_timestamps_are_averaged() -> None:
    text = daily() + "2020-01-02,31\n2020-01-02,41\n"
    series = load(text)
    assert kinds(series) == {"sorted": 1, "duplicates_averaged": 2}
    assert detail(series, "duplicates_averaged") == "2 duplicate timestamps averaged."
    assert series.values.iloc[1] == pytest.approx((11 + 31 + 41) / 3)


def test_unsorted_rows_are_sorted() -> None:
    lines = daily().splitlines()
    body = lines[1:]
    np.random.default_rng(0).shuffle(body)
    series = load("\n".join([lines[0], *body]))
    assert "sorted" in kinds(series) and detail(series, "sorted") == "Rows were not in date order; sorted."
    assert series.values.iloc[:3].tolist() == [10.0, 11.0, 12.0]


def test_reverse_order_is_sorted_oldest_first() -> None:
    lines = daily().splitlines()
    series = load("\n".join([lines[0], *lines[:0:-1]]))
    assert detail(series, "sorted") == "Rows were in reverse date order; sorted oldest first."


def test_gaps_are_filled_at_the_inferred_frequency() -> None:
    lines = daily(n=40).splitlines()
    series = load("\n".join(lines[:10] + lines[17:]))
    assert kinds(series) == {"gaps_filled": 7}
    assert (
        detail(series, "gaps_filled") == "7 missing days filled by interpolation (the longest gap is 7 days)."
    )
    assert series.frequency == "D" and len(series.values) == 40
    assert series.values.iloc[8:17].tolist() == pytest.approx(np.linspace(11.0, 12.0, 9).tolist())


def test_irregular_timestamps_are_regularised() -> None:
    jitter = pd.to_timedelta(np.random.default_rng(2).integers(-300, 300, 60), unit="s")
    stamps = pd.date_range("2020-01-01", periods=60, freq="h") + jitter
    series = load("t,v\n" + "\n".join(f"{t},{i}" for i, t in enumerate(stamps)))
    assert series.frequency == "h" and len(series.values) == 60
    assert kinds(series)["regularised"] >= 50
    assert "moved to the nearest hour" in detail(series, "regularised")


@pytest.mark.parametrize(
    ("freq", "fmt", "expected"),
    [
        ("h", "%Y-%m-%d %H:%M", "h"),
        ("15min", "%Y-%m-%dT%H:%M:%S", "15min"),
        ("D", "%Y-%m-%d", "D"),
        ("B", "%Y-%m-%d", "B"),
        ("W-SUN", "%Y-%m-%d", "W-SUN"),
        ("MS", "%Y-%m", "MS"),
        ("ME", "%Y-%m-%d", "ME"),
        ("QS", "%Y-%m-%d", "QS-JAN"),
        ("YS", "%Y", "YS-JAN"),
    ],
)
def test_frequency_is_inferred(freq: str, fmt: str, expected: str) -> None:
    stamps = pd.date_range("2001-01-01", periods=40, freq=freq)
    series = load("date,v\n" + "\n".join(f"{t.strftime(fmt)},{i % 9}" for i, t in enumerate(stamps)))
    assert series.frequency == expected
    assert kinds(series) == {}
    assert len(series.values) == 40


def test_timestamps_under_a_second_apart_are_refused() -> None:
    with pytest.raises(DataError, match="less than a second apart"):
        load("t,v\n" + "\n".join(f"2020-01-01 00:00:00.{i},{i}" for i in range(1, 9)))


def test_a_wrong_far_away_date_is_an_error_naming_the_limit() -> None:
    text = "t,v\n1900-01-01 00:00,1\n" + "\n".join(f"2020-01-01 {h:02d}:00,{h}" for h in range(24))
    with pytest.raises(
        DataError, match=r"would have 1,051,920 rows \(limit 1,000,000\); check for wrong dates"
    ):
        load(text)


# --- the step on its own ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "alias", "noun"),
    [("h", "h", "hour"), ("15min", "15min", "15-minute step"), ("D", "D", "day"), ("2D", "2D", "2-day step"),
     ("B", "B", "business day"), ("W-WED", "W-WED", "week"), ("MS", "MS", "month"), ("QS", "QS", "quarter"),
     ("YS", "YS", "year")],
)
def test_infer_step_names_the_step_of_regular_timestamps(freq: str, alias: str, noun: str) -> None:
    stamps = pd.date_range("2021-01-04", periods=30, freq=freq).as_unit("us").asi8
    step = infer_step(stamps)
    assert (step.alias, step.noun) == (alias, noun)
