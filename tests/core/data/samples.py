"""CSV texts the intake tests share, and the invariants every loaded series satisfies."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.data.intake import read_series
from core.data.parsing.common import MAX_ROWS
from core.data.series import LoadedSeries

__all__ = ["NOT_TEXT", "SEVERAL", "daily", "kinds", "detail", "load", "assert_valid"]

NOT_TEXT = "This is not a text CSV file."

#: A date column and three numeric columns, one of them temperature-like.
SEVERAL = "date,wind,temp_max,temp_min\n" + "\n".join(
    f"2020-01-{d:02d},{d},{d + 10},{d - 5}" for d in range(1, 29)
)


def daily(
    values: list[str] | None = None,
    *,
    n: int = 30,
    start: str = "2020-01-01",
    fmt: str = "%Y-%m-%d",
    sep: str = ",",
    header: str | None = None,
) -> str:
    """A daily CSV: ``date<sep>temp`` then one row per day (values default to 10, 11, ... 16, 10, ...)."""
    values = values if values is not None else [str(10 + i % 7) for i in range(n)]
    dates = pd.date_range(start, periods=len(values), freq="D")
    head = header if header is not None else f"date{sep}temp"
    return (
        "\n".join([head] + [f"{d.strftime(fmt)}{sep}{v}" for d, v in zip(dates, values, strict=True)]) + "\n"
    )


def kinds(series: LoadedSeries) -> dict[str, int]:
    """``{repair kind: count}`` of what intake repaired or noticed."""
    return {repair.kind: repair.count for repair in series.repairs}


def detail(series: LoadedSeries, kind: str) -> str:
    """The sentence of the repair of ``kind``."""
    return next(repair.detail for repair in series.repairs if repair.kind == kind)


def load(data: str | bytes, **options: str) -> LoadedSeries:
    """``read_series`` of a text (UTF-8 encoded) or of bytes."""
    return read_series(data.encode("utf-8") if isinstance(data, str) else data, **options)


def assert_valid(series: LoadedSeries) -> None:
    """The invariants every loaded series satisfies."""
    values = series.values
    assert isinstance(values.index, pd.DatetimeIndex)
    assert values.dtype == np.float64
    assert np.isfinite(values.to_numpy()).all()
    assert values.index.tz is None
    assert values.index.freq is not None
    assert values.index.freqstr == series.frequency
    assert values.index.is_monotonic_increasing and values.index.is_unique
    assert 3 <= len(values) <= MAX_ROWS
    assert series.value_column in series.columns
    for repair in series.repairs:
        assert repair.count >= 0 and "\n" not in repair.detail and repair.detail.endswith(".")
