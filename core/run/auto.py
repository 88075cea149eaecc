"""Auto mode: a seeded search over the LSTM's settings within a time budget, judged on validation only.

The candidate list is fixed by the seed: first the given settings, then short windows that read the last
changes (cheap to train, and the likely winners on smooth series), then settings that add the seasonal
inputs and residual targets, then random draws (window, units, layers, dropout, learning rate, calendar,
season input, change inputs, target). Candidates are trained one after another with early stopping and scored by their
one-step MAE on the validation span (original units); the test span is used only once, by the winner,
after the choice is made. The search stops launching candidates when the rest of the budget cannot fit
one and cuts a running one at the deadline or after a third of the budget (its best epoch so far counts).
How many candidates fit depends on the machine; with ``max_candidates`` and a generous budget the result
is reproducible.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from core.config import PARAMETER_BUDGET, ForecastConfig, check_length, parameter_count, season_length_for
from core.errors import ConfigError, CoreError, DataError
from core.evaluation.baselines import naive_forecast, seasonal_naive_forecast
from core.model.progress import TrainControl
from core.run.pipeline import Fitted, complete, fit
from core.run.references import BackgroundReferences
from core.run.results import CandidateResult, ForecastRun, SearchReport
from core.words import REFERENCE_WORDS

__all__ = ["SEARCHED", "candidate_configs", "run_auto", "MIN_GAIN"]


#: Settings auto mode changes; everything else comes from the base config.
SEARCHED = (
    "window", "units", "layers", "dropout", "learning_rate", "calendar", "seasonal_input", "difference_input", "target",
)


#: Share of the budget (at least this many seconds) kept for evaluating and forecasting with the winner.
_RESERVE_SHARE, _RESERVE_MIN = 0.06, 3.0


#: Each candidate may train for at most 1/this of the search budget, so at least this many get a turn.
_MIN_CANDIDATES = 3


#: Another candidate replaces the given settings only when its validation MAE is lower by more than this
#: share: with a few hundred validation points, smaller gaps are mostly noise ("winner's curse").
MIN_GAIN = 0.02


#: Clock (a module attribute so tests can move time forward).
_clock = time.monotonic


def _valid(config: ForecastConfig, n: int) -> bool:
    try:
        check_length(n, config)
    except DataError:
        return False
    return parameter_count(config) <= PARAMETER_BUDGET


def _make(base: ForecastConfig, **changes: Any) -> ForecastConfig | None:
    try:
        return replace(base, **changes)
    except ConfigError:
        return None


def candidate_configs(base: ForecastConfig, frequency: str, n: int, seed: int, count: int = 40) -> list[ForecastConfig]:
    """The seeded list of settings to try, ``base`` first, without duplicates or invalid ones.

    Args:
        base: the starting settings (split, epochs, patience, horizon, seed are kept).
        frequency: pandas alias, for the season length.
        n: series length (candidates too long for it are dropped).
        seed: the search's seed (the same seed gives the same list).
        count: most candidates in the list.
    """
    season = base.season_length or season_length_for(frequency)
    rng = np.random.default_rng(seed)
    short = max(2, base.window // 4)  # with the season-ago input a short window still sees a season back
    tiny = max(3, base.window // 8)  # two or more steps of the change inputs in every training position
    windows = sorted({tiny, short, base.window, max(2, base.window // 2), base.window * 2, season + 1, 2 * season})
    windows = [w for w in windows if 2 <= w <= min(730, n // 4)]
    seasonal = {"calendar": True, "seasonal_input": True}
    changes = {"target": "change", "difference_input": True, "seasonal_input": True}
    # Short windows first: with the season-ago input they see what matters and train several times faster,
    # so on long (hourly) series more candidates fit in the budget. The change inputs lead: on smooth series
    # such as hourly temperatures "next change = the change a season ago" is the signal, and an LSTM that must
    # compute it as the difference of two inputs learns it far less precisely than one that is handed the
    # changes (docs/forecast-quality.md, "The hourly series"). Without the calendar first: a series of a year or
    # two shows each day of the year once or twice, so those inputs can only be memorised, and the run is cheaper.
    rule = {**changes, "target": "reference"}  # the correction to the best simple rule on validation
    structured: list[dict[str, Any]] = [
        {"window": tiny, **changes, "calendar": False},
        {"window": tiny, **changes, "calendar": True},
        {"window": short, **changes, "calendar": False},
        {"window": short, **rule, "calendar": False},
        {"window": short, "target": "change", **seasonal},
        {"window": short, "target": "seasonal_change", **seasonal},
        {"target": "seasonal_change", **seasonal},
        {**changes, "calendar": True},
        {"target": "change", "calendar": False, "seasonal_input": False},
        {"target": "value", **seasonal},
    ]
    listed: list[ForecastConfig] = []
    for changes in [{}, *structured]:
        config = _make(base, **changes)
        if config is not None and _valid(config, n) and config not in listed:
            listed.append(config)
    attempts = 0
    while len(listed) < count and attempts < 20 * count:
        attempts += 1
        config = _make(
            base,
            window=int(rng.choice(windows)) if windows else base.window,
            units=int(rng.choice([16, 32, 64, 96])),
            layers=int(rng.choice([1, 1, 2])),
            dropout=float(rng.choice([0.0, 0.0, 0.1, 0.2])),
            learning_rate=float(rng.choice([0.0005, 0.001, 0.002, 0.004])),
            calendar=bool(rng.random() < 0.6),
            seasonal_input=bool(rng.random() < 0.6),
            difference_input=bool(rng.random() < 0.5),
            target=str(rng.choice(["value", "change", "change", "seasonal_change", "reference", "reference"])),
        )
        if config is not None and _valid(config, n) and config not in listed:
            listed.append(config)
    return listed[:count]


def _changes(base: ForecastConfig, config: ForecastConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in SEARCHED if getattr(config, name) != getattr(base, name)}


def _validation_baselines(fitted: Fitted) -> dict[str, float]:
    """Naive and seasonal-naive MAE on the validation targets (original units)."""
    data = fitted.data
    targets = data.split.val_targets
    if len(targets) == 0:
        return {}
    actual = data.values[targets.start : targets.stop]
    seasonal, _ = seasonal_naive_forecast(data.values, targets, fitted.season)
    return {
        "naive": float(np.mean(np.abs(actual - naive_forecast(data.values, targets)))),
        "seasonal_naive": float(np.mean(np.abs(actual - seasonal))),
    }


def _reason(report: SearchReport, base_score: float | None) -> str:
    """Which settings won and why, in plain words."""
    best = next(r for r in report.results if r.number == report.winner)
    tried = len(report.results)
    parts = [
        f"Tried {tried} of {report.planned} planned settings in {report.seconds:.0f} s "
        f"(budget {report.budget_seconds:.0f} s), each scored on the validation span only.",
        f"Winner: candidate {best.number} ({best.label()}) with validation MAE {best.validation_mae:.4g}",
    ]
    if best.number != 1 and base_score is not None and best.validation_mae is not None:
        gain = 100 * (1 - best.validation_mae / base_score) if base_score > 0 else 0.0
        parts[-1] += f", {gain:.1f} % lower than the given settings ({base_score:.4g})."
    else:
        parts[-1] += (f"; the given settings are kept because no other candidate was more than "
                      f"{MIN_GAIN:.0%} better on validation.")
    baselines = report.validation_baselines
    if baselines and best.validation_mae is not None:
        name, score = min(baselines.items(), key=lambda item: item[1])
        verb = "beats" if best.validation_mae < score else "does NOT beat"
        parts.append(f"On validation it {verb} the best simple rule, {REFERENCE_WORDS[name]}, with MAE "
                     f"{score:.4g}.")
    return " ".join(parts)


def run_auto(
    values: pd.Series,
    base: ForecastConfig,
    control: TrainControl | None = None,
    *,
    budget_seconds: float = 120.0,
    max_candidates: int = 40,
    covariates: pd.DataFrame | None = None,
    on_progress: Callable[[str], None] | None = None,
    classical: bool = True,
    filled: pd.Series | np.ndarray | None = None,
) -> ForecastRun:
    """Search settings within ``budget_seconds`` and return the winner's full run (``run.search`` holds the
    leaderboard and the reason).

    Args:
        values: the series (as for ``core.run.pipeline.run_forecast``).
        base: starting settings; needs validation data (``validation_fraction > 0``) to judge candidates.
        control: stop event and callbacks; ``on_stage`` receives one progress line per candidate
            ("Auto mode: candidate 3 of 12 · best validation MAE 2.31 (candidate 2)").
        budget_seconds: wall-clock budget for the whole search including the winner's evaluation.
        max_candidates: most candidates to try.
        on_progress: also receives the progress lines.
        classical: also score ETS and ARIMA on the test targets; they are fitted in a background
            thread while the search runs (each with at most a quarter of the budget) and never
            influence the choice.
        filled: the gap-filled mask (``core.run.pipeline.run_forecast``): left out of the winner's scores.

    Raises:
        ConfigError: no validation data to judge on.
        DataError: the series is unusable.
    """
    if base.validation_fraction <= 0:
        raise ConfigError("Auto mode needs validation data to compare settings: set validation_fraction above 0.")
    control = control or TrainControl()
    started = _clock()
    deadline = started + float(budget_seconds)
    reserve = max(_RESERVE_MIN, _RESERVE_SHARE * float(budget_seconds))
    frequency = str(values.index.freqstr) if isinstance(values.index, pd.DatetimeIndex) and values.index.freq else "D"
    configs = candidate_configs(base, frequency, len(values), base.seed, max_candidates)
    report = SearchReport(planned=len(configs), budget_seconds=float(budget_seconds))
    references = BackgroundReferences(values, base, min(30.0, float(budget_seconds) / 4)) if classical else None
    best: Fitted | None = None
    best_score = math.inf
    base_score: float | None = None

    def progress(text: str) -> None:
        for callback in (control.on_stage, on_progress):
            if callback is not None:
                callback(text)

    for number, config in enumerate(configs, start=1):
        remaining = deadline - _clock() - reserve
        typical = max((r.seconds for r in report.results), default=0.0)
        if control.stop_event.is_set() or remaining < 1.0 or (remaining < 0.5 * typical and best is not None):
            break
        leader = "" if best is None else f" · best validation MAE {best_score:.4g} (candidate {report.winner})"
        progress(f"Auto mode: candidate {number} of {len(configs)}{leader}")
        share = (float(budget_seconds) - reserve) / _MIN_CANDIDATES  # no candidate may eat the whole budget
        limited = replace(config, time_limit_seconds=max(1.0, min(config.time_limit_seconds, remaining, share)))
        quiet = TrainControl(stop_event=control.stop_event, on_epoch=control.on_epoch, on_batch=control.on_batch)
        tick = _clock()
        try:
            fitted = fit(values, limited, quiet, covariates)
        except CoreError:
            continue
        score = fitted.validation_mae()
        report.results.append(CandidateResult(
            number=number, changes=_changes(base, config), validation_mae=score, seconds=_clock() - tick,
            status=fitted.outcome.status, epochs=len(fitted.outcome.history),
        ))
        if number == 1:
            base_score = score
            report.validation_baselines = _validation_baselines(fitted)
        needed = best_score if report.winner != 1 or base_score is None else base_score * (1 - MIN_GAIN)
        if score is not None and (score < needed or best is None):
            best, best_score, report.winner = replace(fitted, config=config), score, number
    if best is None:
        if control.stop_event.is_set():
            raise DataError("Auto mode was stopped before any candidate finished an epoch; nothing to keep.")
        raise DataError("Auto mode could not train any candidate in the time budget: give it more seconds.")
    report.seconds = _clock() - started
    report.reason = _reason(report, base_score)
    progress(f"Auto mode: evaluating the winner, candidate {report.winner}")
    run = complete(best, values, control, False if references is None else references.result(), filled=filled)
    report.seconds = _clock() - started
    if control.stop_event.is_set():  # the user stopped the search: the best candidate so far is kept
        run.status = "stopped"
        report.reason = f"Stopped by you. {report.reason}"
    run.search = report
    run.message = f"{report.reason} {run.message}"
    return run
