"""Built-in datasets (tutorial seed, Seattle temperatures, synthetic; New York airports, several series) loaded
through the upload path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.data.intake import read_series
from core.data.panel import read_panel
from core.data.series import LoadedSeries, Panel
from core.errors import DataError

__all__ = [
    "DATA_DIR", "BUILTIN", "BUILTIN_PANELS", "builtin_names", "builtin_panel_names", "builtin_title",
    "builtin_csv_bytes", "load_builtin", "load_builtin_panel", "synthetic_series",
]


DATA_DIR = Path(__file__).resolve().parents[2] / "data"


#: Built-in dataset key -> title shown to people; the first one is the default.
BUILTIN = {
    "seed": "Tutorial: 20 daily temperatures",
    "seattle": "Seattle daily max temperature 2012–2015 (real)",
    "synthetic": "Synthetic seasonal series",
}


#: Built-in datasets that hold several series (read with ``load_builtin_panel``): key -> title.
BUILTIN_PANELS = {
    "nyc_airports": "New York airports: hourly temperature (°F) 2013, 3 stations (real)",
}


_FILES = {
    "seed": "seed_temperatures.csv",
    "seattle": "seattle_temp_max.csv",
    "nyc_airports": "nyc_airports_temp_2013.csv",
}


#: Season length in steps for the base frequencies, used when ``period`` is None.
_PERIODS = {
    "D": 365.25,
    "B": 261.0,
    "W": 52.18,
    "MS": 12.0,
    "ME": 12.0,
    "QS": 4.0,
    "QE": 4.0,
    "h": 24.0,
    "min": 1440.0,
}


# The "synthetic" built-in: three years of daily values from 2020-01-01 (1096 days), seed 0.
_SYNTHETIC_DAYS, _SYNTHETIC_SEED, _SYNTHETIC_START = 1096, 0, "2020-01-01"


_MAX_SYNTHETIC = 1_000_000


def builtin_names() -> list[str]:
    """The built-in dataset keys, default first: ``["seed", "seattle", "synthetic"]``."""
    return list(BUILTIN)


def builtin_panel_names() -> list[str]:
    """The keys of the built-in datasets that hold several series: ``["nyc_airports"]``."""
    return list(BUILTIN_PANELS)


def _check_name(name: str, panels: bool = False) -> None:
    if name in BUILTIN or (panels and name in BUILTIN_PANELS):
        return
    if name in BUILTIN_PANELS:
        raise DataError(f"The built-in dataset '{name}' holds several series; load it with load_builtin_panel.")
    raise DataError(f"There is no built-in dataset called '{name}'; choose one of: {', '.join(BUILTIN)}.")


def _check_panel_name(name: str) -> None:
    if name not in BUILTIN_PANELS:
        raise DataError(
            f"There is no built-in dataset of several series called '{name}'; choose one of: "
            f"{', '.join(BUILTIN_PANELS)}."
        )


def builtin_title(name: str) -> str:
    """The title shown for a built-in dataset (one series or several), e.g. ``"Synthetic seasonal series"``."""
    _check_name(name, panels=True)
    return BUILTIN.get(name) or BUILTIN_PANELS[name]


def builtin_csv_bytes(name: str) -> bytes:
    """The CSV bytes of a built-in dataset (the shipped file, or the generated synthetic series)."""
    _check_name(name, panels=True)
    if name == "synthetic":
        series = synthetic_series(_SYNTHETIC_DAYS, "D", seed=_SYNTHETIC_SEED, start=_SYNTHETIC_START)
        frame = pd.DataFrame({"date": series.index.strftime("%Y-%m-%d"), series.name: series.to_numpy()})
        return frame.to_csv(index=False, float_format="%.4f", lineterminator="\n").encode("utf-8")
    return (DATA_DIR / _FILES[name]).read_bytes()


def load_builtin(name: str) -> LoadedSeries:
    """Load a built-in dataset through ``read_series``, exactly as if it had been uploaded."""
    _check_name(name)
    return read_series(builtin_csv_bytes(name))


def load_builtin_panel(name: str) -> Panel:
    """Load a built-in dataset of several series through ``read_panel``, exactly as if it had been uploaded."""
    _check_panel_name(name)
    return read_panel(builtin_csv_bytes(name))


def _season(freq: str) -> float:
    base = freq.lstrip("0123456789").split("-")[0]
    if base not in _PERIODS:
        raise DataError(f"No default season length for frequency '{freq}'; pass period explicitly.")
    return _PERIODS[base]


def synthetic_series(
    n: int = 730,
    freq: str = "D",
    *,
    seed: int = 0,
    period: float | None = None,
    noise: float = 1.0,
    start: str = "2020-01-01",
) -> pd.Series:
    """A temperature-like seasonal series: mean 12, amplitude 8, a small upward trend and Gaussian noise.

    The coldest point of each season is at its start (1 January for daily data from a new year).

    Args:
        n: number of steps, 1..1,000,000.
        freq: pandas offset alias of the index (``"D"``, ``"h"``, ``"MS"``, ...).
        seed: seed of ``numpy.random.default_rng``; the same seed gives the same series.
        period: season length in steps; None takes it from ``freq`` (365.25 for D, 24 for h, 12 for MS).
        noise: standard deviation of the noise.
        start: first timestamp.

    Returns:
        ``(n,)`` float64 series named ``temperature_c``, indexed by a ``DatetimeIndex`` named ``date``
        with ``freq`` set.
    """
    if not 1 <= n <= _MAX_SYNTHETIC:
        raise DataError(f"n={n} is out of range: allowed 1..{_MAX_SYNTHETIC:,}")
    if not (np.isfinite(noise) and noise >= 0):
        raise DataError(f"noise={noise} is out of range: allowed 0 or more")
    season = _season(freq) if period is None else float(period)
    if not (np.isfinite(season) and season > 0):
        raise DataError(f"period={period} is out of range: allowed above 0")
    rng = np.random.default_rng(seed)
    steps = np.arange(n, dtype=np.float64)
    values = (
        12.0 - 8.0 * np.cos(2 * np.pi * steps / season) + 0.5 * steps / season + noise * rng.normal(size=n)
    )
    index = pd.date_range(start, periods=n, freq=freq, name="date")
    return pd.Series(values, index=index, name="temperature_c")
