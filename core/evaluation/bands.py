"""Bands that keep their promise: per-step conformal bands calibrated causally, with an adaptive level, and their
coverage per step on the test span."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["ADAPT_RATE", "POOL_SIZE", "Bands", "rolling_bands"]


#: Step of the adaptive miscoverage level per scored test target (adaptive conformal inference).
ADAPT_RATE = 0.02


#: Most recent residuals per step that calibrate a band.
POOL_SIZE = 500


@dataclass(frozen=True)
class Bands:
    """Per-step bands of one forecaster, calibrated causally, and how often they held on the test span.

    Attributes:
        half_widths: ``horizon`` half widths for the forecast from the series' end (non-decreasing in the step).
        coverage_by_step: share of scored test targets inside their band, step 1 first (None: no target).
        points_by_step: how many test targets each coverage counts.
        pool: residuals in the step-1 pool at the end.
        source: "validation" when the pool started with validation residuals, else "training".
        exact: False when some band had too few residuals for the ``(n + 1)`` correction.
    """

    half_widths: list[float]
    coverage_by_step: list[float | None]
    points_by_step: list[int]
    pool: int
    source: str
    exact: bool

    @property
    def coverage(self) -> float | None:
        """Coverage one step ahead."""
        return self.coverage_by_step[0] if self.coverage_by_step else None

    @property
    def mean_coverage(self) -> float | None:
        """Coverage averaged over the steps that have test targets."""
        shown = [value for value in self.coverage_by_step if value is not None]
        return float(np.mean(shown)) if shown else None

    def notes(self) -> list[str]:
        """Plain sentences worth showing next to the bands."""
        notes = []
        if self.source == "training":
            notes.append("No validation data: the bands start from training residuals and may be too narrow "
                         "at first.")
        if not self.exact:
            notes.append(f"Only {self.pool} calibration points for some steps: the bands may be too narrow.")
        return notes


def _rank_width(pool: list[float], level: float) -> tuple[float, bool]:
    """The conformal half width of a sorted ``pool`` at ``level`` (0 below 0, the largest above 1)."""
    if not pool:
        return math.inf, False
    if level <= 0:
        return 0.0, True
    rank = math.ceil((len(pool) + 1) * min(level, 1.0) - 1e-9)
    if rank > len(pool):
        return pool[-1], False
    return pool[max(rank, 1) - 1], True


def _step_band(
    errors: np.ndarray, origins: np.ndarray, step: int, usable: np.ndarray, test_start: int, level: float
) -> tuple[float, float | None, int, int, bool]:
    """One step's rolling adaptive conformal run over ``origins`` in time order.

    Returns:
        (half width for the last origin, test coverage or None, test targets counted, final pool size, exact).
    """
    pool: list[float] = []
    recent: list[float] = []
    miss = 1.0 - level
    alpha = miss
    inside = counted = 0
    exact = True
    pending: list[tuple[int, bool]] = []  # (target, covered) of test targets not yet observed at an origin
    joined = 0  # residuals (in origin order) already in the pool
    order = np.arange(len(origins))
    width = math.inf
    for i in order:
        origin = int(origins[i])
        while joined < i and origins[joined] + step < origin:  # observed before this origin
            if usable[joined]:
                bisect.insort(pool, float(errors[joined]))
                recent.append(float(errors[joined]))
                if len(recent) > POOL_SIZE:
                    pool.pop(bisect.bisect_left(pool, recent.pop(0)))
            joined += 1
        while pending and pending[0][0] < origin:
            _, covered = pending.pop(0)
            alpha += ADAPT_RATE * (miss - (0.0 if covered else 1.0))
        width, _ = _rank_width(pool, 1.0 - alpha)
        ok = bool(pool) and math.ceil((len(pool) + 1) * level - 1e-9) <= len(pool)  # enough for the level
        target = origin + step
        if origin >= test_start and usable[i] and np.isfinite(errors[i]):
            covered = bool(errors[i] <= width)
            inside += int(covered)
            counted += 1
            pending.append((target, covered))
            exact = exact and ok
    coverage = inside / counted if counted else None
    return width, coverage, counted, len(pool), exact


def rolling_bands(
    paths: np.ndarray,
    origins: np.ndarray,
    values: np.ndarray,
    test_start: int,
    level: float,
    scored: np.ndarray | None = None,
    *,
    source: str = "validation",
) -> Bands:
    """Bands per step from residuals observed before each origin, with an adaptive level, and their test coverage.

    For step ``h`` and origin ``o`` the half width is the conformal quantile of the latest :data:`POOL_SIZE`
    ``h``-step absolute residuals whose targets lie before ``o`` (``o' + h - 1 < o``), at the level
    ``1 - alpha``. ``alpha`` starts at ``1 - level`` and after each scored test target becomes known moves by
    ``ADAPT_RATE * ((1 - level) - missed)`` (Gibbs and Candes' adaptive conformal inference): too many misses widen
    the band, too few narrow it. Nothing at or after ``o`` is read, so the coverage counted on the test targets is
    what a user would have seen. The last origin's widths are the band of the forecast from there.

    Args:
        paths: shape ``(k, horizon)`` forecasts, original units, from ``origins``.
        origins: shape ``(k,)`` consecutive increasing positions; the pool starts with the first ones (validation
            origins), coverage counts origins ``>= test_start``; the last one is usually ``n`` (the future).
        values: the series, shape ``(n,)``.
        test_start: first test position.
        level: the promised coverage, e.g. 0.9.
        scored: shape ``(n,)`` bool, False at gap-filled positions (kept out of pools and coverage); None: all.
        source: where the first residuals come from ("validation" or "training"), for the notes.
    """
    paths = np.asarray(paths, dtype=np.float64)
    origins = np.asarray(origins, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    scored = np.ones(n, dtype=bool) if scored is None else np.asarray(scored, dtype=bool)
    widths: list[float] = []
    coverage: list[float | None] = []
    points: list[int] = []
    pools: list[int] = []
    exact = True
    for step in range(paths.shape[1]):
        targets = origins + step
        inside = targets < n
        actual = np.where(inside, values[np.clip(targets, 0, n - 1)], np.nan)
        errors = np.abs(actual - paths[:, step])
        usable = inside & scored[np.clip(targets, 0, n - 1)] & np.isfinite(errors)
        width, cover, count, pool, ok = _step_band(errors, origins, step, usable, test_start, level)
        widths.append(width if math.isfinite(width) else (widths[-1] if widths else 0.0))
        coverage.append(cover)
        points.append(count)
        pools.append(pool)
        exact = exact and ok
    half = np.maximum.accumulate(np.asarray(widths, dtype=np.float64)).tolist()
    return Bands(half, coverage, points, pools[0] if pools else 0, source, exact)
