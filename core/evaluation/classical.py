"""Classical references next to the LSTM: an ETS and an ARIMA model (statsmodels), fitted before the test span.

Both models are estimated once on the values before ``fit_end`` (the test start: the LSTM never trains on test
points either) and then only *conditioned* on later observations with those fixed parameters, exactly like the
naive baseline looks at the previous value. Model choice (ETS variant, ARIMA order, Fourier harmonics) uses the
fit span only.

Choices, for the reader of the metrics table:

* Fit window: at most :data:`MAX_FIT_POINTS` values right before ``fit_end`` (35,000 hourly points would take
  minutes; the most recent part carries what a one-step forecast needs). Values are standardised with the window's
  mean and standard deviation for the optimiser; predictions come back in original units.
* ETS (``ETSModel``, additive errors): level only and additive damped trend, plus the same two with an additive
  season when ``season_length > 1`` and the window holds at least two full seasons. The best variant by AIC wins.
  Seasonal variants start from statsmodels' heuristic initial states; their AIC is charged for those states as if
  they had been estimated (otherwise 365 free seasonal states would look free and always win).
* ARIMA (``SARIMAX``): a seasonal ARIMA is far too slow for seasons like 365 days or 168 hours, so the season enters
  as Fourier terms (``sin``/``cos`` of the position in the series, ``K`` pairs, ``K <= 3`` chosen by the AIC of a
  least-squares fit) used as exogenous regressors. ``d`` comes from a KPSS test (5 %) on what the Fourier fit leaves;
  then ``p, q in 0..2`` by AIC (constant when ``d = 0``).
* Time budget (per model): the search starts no new candidate after ``time_budget_seconds``; one statsmodels fit
  cannot be interrupted but is bounded by :data:`MAX_ITERATIONS` and the window cap. A model that fails everywhere
  or runs out of budget before any candidate gives NaN predictions and a one-line ``note``; nothing raises.
* statsmodels' Kalman filter calls BLAS on tiny matrices, where more BLAS threads only add overhead (much of it on
  a busy machine; docs/performance.md), so fitting runs under ``threadpool_limits(1)`` (process-wide while it lasts;
  nothing else here needs threaded BLAS).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning, ValueWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX
from statsmodels.tsa.stattools import kpss
from threadpoolctl import threadpool_limits

__all__ = [
    "MODEL_NAMES", "MAX_FIT_POINTS", "MIN_FIT_POINTS", "MAX_ITERATIONS", "ClassicalForecast", "ClassicalFit",
    "fourier_terms", "fit_classical", "one_step_forecasts", "forecast_from",
]


#: Keys of the result dictionaries, in display order.
MODEL_NAMES = ("ets", "arima")


#: Parameters are estimated on at most this many values right before ``fit_end``.
MAX_FIT_POINTS = 2500


#: Fewer values than this before ``fit_end``: no fit, NaN predictions and a note.
MIN_FIT_POINTS = 10


#: Optimiser iterations per candidate model.
MAX_ITERATIONS = 200


_MAX_HARMONICS = 3


_ETS_VARIANTS = ((None, False), ("add", True))  # (trend, damped): level only; additive damped trend


@dataclass(frozen=True)
class ClassicalForecast:
    """One classical model's predictions on the requested targets.

    Attributes:
        predictions: shape ``(len(targets),)`` float64, original units; all NaN when the model could not be fitted.
        label: plain model description, e.g. ``"ETS (additive damped trend)"`` or ``"ARIMA(2,1,1)"``.
        fit_seconds: wall time of model choice and estimation.
        predict_seconds: wall time of conditioning on later values and predicting.
        note: one line to show as it is when the fit failed (``"ETS could not be fitted: <reason>"``), stopped its
            search at the time budget or did not converge; else ``""``.
    """

    predictions: np.ndarray
    label: str
    fit_seconds: float
    predict_seconds: float
    note: str = ""

    @property
    def ok(self) -> bool:
        """True when every prediction is finite."""
        return bool(np.isfinite(self.predictions).all())


@dataclass(frozen=True)
class ClassicalFit:
    """Parameters of one model estimated on ``values[fit_start:fit_end]`` (see :func:`fit_classical`).

    Attributes:
        name: ``"ets"`` or ``"arima"``.
        label: plain model description for tables and legends.
        fit_start, fit_end: the fit window, positions in the series.
        seconds: wall time of model choice and estimation.
        note: one line when it fell back, did not converge or failed.
        result: the chosen statsmodels results object, None when the fit failed.
        harmonics, season_length: Fourier pairs and their season (ARIMA; 0 pairs = none).
        mean, scale: standardisation of the window (model units = (value - mean) / scale).
    """

    name: str
    label: str
    fit_start: int
    fit_end: int
    seconds: float
    note: str = ""
    result: Any = field(default=None, repr=False)
    harmonics: int = 0
    season_length: int = 0
    mean: float = 0.0
    scale: float = 1.0

    @property
    def ok(self) -> bool:
        return self.result is not None

    def one_step(self, values: np.ndarray, targets: range) -> np.ndarray:
        """One-step-ahead predictions for ``targets`` (all ``>= fit_end``), each from ``values[:t]`` only.

        Returns:
            shape ``(len(targets),)`` float64, original units (NaN when the fit failed).
        """
        if not self.ok or len(targets) == 0:
            return np.full(len(targets), np.nan)
        history = targets.stop - 1  # the last target's own value is never handed over
        start, end = targets.start - self.fit_start, targets.stop - 1 - self.fit_start
        with _quiet(), threadpool_limits(limits=1, user_api="blas"):
            conditioned = self._conditioned(values, history)
            predicted = conditioned.predict(start=start, end=end, **self._exog(history, targets.stop))
        return np.asarray(predicted, dtype=np.float64) * self.scale + self.mean

    def forecast(self, values: np.ndarray, origin: int, steps: int) -> np.ndarray:
        """``steps`` forecasts for positions ``origin .. origin + steps - 1`` from ``values[:origin]`` only.

        Returns:
            shape ``(steps,)`` float64, original units (NaN when the fit failed).
        """
        if not self.ok:
            return np.full(steps, np.nan)
        with _quiet(), threadpool_limits(limits=1, user_api="blas"):
            predicted = self._conditioned(values, origin).forecast(steps, **self._exog(origin, origin + steps))
        return np.asarray(predicted, dtype=np.float64) * self.scale + self.mean

    def paths(self, values: np.ndarray, origins: np.ndarray, steps: int) -> np.ndarray:
        """``steps``-ahead forecasts from each origin with the fixed parameters, each from ``values[:origin]`` only.

        One filter run over ``values[fit_start:max(origins)]`` gives every origin's state; the forecasts run
        those states forward (ARIMA: the state-space transition; ETS: level + damped trend + the season's last
        value), which equals :meth:`forecast` origin by origin. Origins inside the fit window are in-sample (the
        parameters saw those values); origins at or before ``fit_start`` get NaN.

        Args:
            values: the series, shape ``(>= max(origins),)``, original units.
            origins: shape ``(k,)`` int, increasing or not.
            steps: forecast length (>= 1).

        Returns:
            shape ``(k, steps)`` float64, original units (NaN when the fit failed).
        """
        origins = np.asarray(origins, dtype=np.int64)
        out = np.full((len(origins), steps), np.nan)
        usable = origins > self.fit_start
        if not self.ok or not usable.any():
            return out
        last = int(origins.max())
        with _quiet(), threadpool_limits(limits=1, user_api="blas"):
            conditioned = self._conditioned(values, max(last, self.fit_end))
        local = origins[usable] - self.fit_start
        if self.name == "arima":
            standard = self._arima_paths(conditioned, local, steps)
        else:
            standard = _ets_paths(conditioned, local, steps)
        out[usable] = standard * self.scale + self.mean
        return out

    def _arima_paths(self, conditioned: Any, local: np.ndarray, steps: int) -> np.ndarray:
        """State-space forecasts from the predicted states ``a[u | u-1]`` at model times ``local``."""
        results = conditioned.filter_results
        transition = np.asarray(results.transition[:, :, 0])
        design = np.asarray(results.design[0, :, 0])
        intercept = np.asarray(results.state_intercept)
        state = np.asarray(results.predicted_state)[:, local]  # (k_states, k)
        exog_params = np.zeros(2 * self.harmonics)
        if self.harmonics:
            names = list(conditioned.model.exog_names)
            exog_params = np.asarray([conditioned.params[list(conditioned.model.param_names).index(name)]
                                      for name in names])
        positions = self.fit_start + local
        paths = np.empty((len(local), steps))
        for step in range(steps):
            offset = np.zeros(len(local))
            if self.harmonics:
                angle = 2 * np.pi * (positions + step)[:, np.newaxis] / self.season_length
                columns = [f(k * angle) for k in range(1, self.harmonics + 1) for f in (np.sin, np.cos)]
                offset = np.concatenate(columns, axis=1) @ exog_params
            paths[:, step] = design @ state + offset
            state = intercept[:, :1] + transition @ state  # time-invariant: the trend constant (d = 0)
        return paths

    def _exog(self, start: int, stop: int) -> dict[str, np.ndarray]:
        if self.name != "arima" or self.harmonics == 0:
            return {}
        return {"exog": fourier_terms(range(start, stop), self.season_length, self.harmonics)}

    def _conditioned(self, values: np.ndarray, history_end: int) -> Any:
        """The fixed-parameter model run over ``values[fit_start:history_end]`` (``history_end >= fit_end``).

        Called inside ``_quiet()`` and the BLAS thread limit.
        """
        values = np.asarray(values, dtype=np.float64)
        if history_end < self.fit_end:
            raise ValueError(f"history ends at {history_end}, before the fit span's end {self.fit_end}")
        if history_end == self.fit_end:
            return self.result
        if self.name == "arima":
            later = (np.asarray(values[self.fit_end : history_end], dtype=np.float64) - self.mean) / self.scale
            return self.result.append(later, refit=False, **self._exog(self.fit_end, history_end))
        whole = (np.asarray(values[self.fit_start : history_end], dtype=np.float64) - self.mean) / self.scale
        return _ets_rerun(self.result, whole)


def _ets_paths(conditioned: Any, local: np.ndarray, steps: int) -> np.ndarray:
    """ETS forecasts ``l + phi_h b + s`` from the states after model time ``local - 1`` (the last value seen)."""
    model = conditioned.model
    states = np.asarray(conditioned.states, dtype=np.float64)
    rows = local - 1
    level = states[rows, 0]
    trend = states[rows, 1] if model.has_trend else np.zeros(len(rows))
    phi = float(conditioned.damping_trend) if model.damped_trend else 1.0
    paths = np.empty((len(local), steps))
    damped = 0.0
    for step in range(steps):
        damped += phi ** (step + 1)
        value = level + (damped if model.has_trend else 0.0) * trend
        if model.has_seasonal:
            m = int(model.seasonal_periods)
            back = rows + step + 1 - m * (step // m + 1)  # the season's last value at or before the origin
            column = states[:, model._seasonal_index]
            initial = np.asarray(conditioned.initial_seasonal, dtype=np.float64)  # s_{-1}, s_{-2}, ...
            before = np.clip(-back - 1, 0, len(initial) - 1)
            value = value + np.where(back >= 0, column[np.clip(back, 0, None)], initial[before])
        paths[:, step] = value
    return paths


def fourier_terms(positions: range, season_length: int, harmonics: int) -> np.ndarray:
    """``sin``/``cos`` of ``2 pi k t / season_length`` for ``k = 1..harmonics`` at series positions ``t``.

    Returns:
        shape ``(len(positions), 2 * harmonics)`` float64: columns ``sin_1, cos_1, sin_2, ...``.
    """
    angle = 2 * np.pi * np.arange(positions.start, positions.stop, dtype=np.float64) / season_length
    columns = [f(k * angle) for k in range(1, harmonics + 1) for f in (np.sin, np.cos)]
    return np.column_stack(columns) if columns else np.empty((len(positions), 0))


def fit_classical(
    values: np.ndarray, fit_end: int, season_length: int, *, time_budget_seconds: float = 30,
    stop_event: threading.Event | None = None,
) -> dict[str, ClassicalFit]:
    """Choose and estimate ETS and ARIMA on ``values[:fit_end]`` (at most the last :data:`MAX_FIT_POINTS`).

    Args:
        values: the whole series, shape ``(n,)``, original units; nothing at or after ``fit_end`` is read.
        fit_end: end of the fit span (exclusive), normally the test start.
        season_length: steps per season; ``<= 1`` for none.
        time_budget_seconds: per model; see the module docstring.
        stop_event: once set, each model keeps the best variant fitted so far and tries no more.

    Returns:
        ``{"ets": ClassicalFit, "arima": ClassicalFit}``; a failed fit has ``result=None`` and a ``note``.
    """
    values = np.asarray(values, dtype=np.float64)
    if not 0 < fit_end <= len(values):
        raise ValueError(f"fit_end={fit_end} is out of range: allowed 1..{len(values)}")
    fit_start = max(0, fit_end - MAX_FIT_POINTS)
    window = np.asarray(values[fit_start:fit_end], dtype=np.float64)
    fits = {}
    for name, fitter in (("ets", _fit_ets), ("arima", _fit_arima)):
        started = time.perf_counter()
        problem = _window_problem(window)
        if problem:
            note = f"{_FAILED_LABEL[name]} could not be fitted: {problem}"
            fits[name] = ClassicalFit(name, _FAILED_LABEL[name], fit_start, fit_end, 0.0, note)
            continue
        mean, scale = float(window.mean()), float(window.std()) or 1.0
        with _quiet(), threadpool_limits(limits=1, user_api="blas"):
            fitted = fitter((window - mean) / scale, fit_start, season_length,
                            _Until(started + time_budget_seconds, stop_event))
        fits[name] = ClassicalFit(
            name=name, fit_start=fit_start, fit_end=fit_end, seconds=time.perf_counter() - started,
            mean=mean, scale=scale, **fitted,
        )
    return fits


def one_step_forecasts(
    values: np.ndarray,
    fit_end: int,
    targets: range,
    season_length: int,
    *,
    time_budget_seconds: float = 30,
    fits: dict[str, ClassicalFit] | None = None,
) -> dict[str, ClassicalForecast]:
    """ETS and ARIMA one-step-ahead predictions on the same targets as the LSTM and the naive baseline.

    Parameters come from ``values[:fit_end]`` only; the prediction for target ``t`` is conditioned on
    ``values[:t]`` with those fixed parameters (``values[t:]`` is never read for it).

    Args:
        values: the whole series, shape ``(n,)``, original units.
        fit_end: end of the fit span, normally the test start.
        targets: positions to predict, all in ``fit_end .. n - 1``.
        season_length: steps per season; ``<= 1`` for none.
        time_budget_seconds: per model (see the module docstring).
        fits: fits from :func:`fit_classical` with the same ``fit_end`` to reuse; None fits here.

    Returns:
        ``{"ets": ClassicalForecast, "arima": ClassicalForecast}``, predictions of shape ``(len(targets),)``.

    Raises:
        ValueError: the targets reach before ``fit_end`` or past the series.
    """
    if len(targets) and (targets.step != 1 or targets.start < fit_end or targets.stop > len(values)):
        raise ValueError(f"targets {targets} must be consecutive positions in {fit_end}..{len(values) - 1}")
    if fits is None:
        fits = fit_classical(values, fit_end, season_length, time_budget_seconds=time_budget_seconds)
    forecasts = {}
    for name in MODEL_NAMES:
        fit = fits[name]
        if fit.fit_end != fit_end:
            raise ValueError(f"the {name} fit ends at {fit.fit_end}, not at fit_end={fit_end}")
        started = time.perf_counter()
        predictions = fit.one_step(values, targets)
        forecasts[name] = ClassicalForecast(
            predictions, fit.label, fit.seconds, time.perf_counter() - started, fit.note
        )
    return forecasts


def forecast_from(
    values: np.ndarray,
    origin: int,
    steps: int,
    season_length: int,
    fits: dict[str, ClassicalFit] | None = None,
    *,
    time_budget_seconds: float = 30,
) -> dict[str, np.ndarray]:
    """ETS and ARIMA ``steps``-ahead forecasts from ``origin``, using ``values[:origin]`` only.

    Args:
        values: the series, shape ``(>= origin,)``, original units; nothing at or after ``origin`` is read.
        origin: first forecast position.
        steps: forecast horizon (>= 1).
        season_length: steps per season; ``<= 1`` for none (only used when fitting here).
        fits: fits from :func:`fit_classical` whose ``fit_end <= origin`` to reuse (parameters stay fixed);
            None fits on ``values[:origin]``.
        time_budget_seconds: per model, when fitting here.

    Returns:
        ``{"ets": (steps,), "arima": (steps,)}`` float64 arrays, NaN for a model that could not be fitted.

    Raises:
        ValueError: ``steps < 1``, or a fit that saw values at or after ``origin``.
    """
    if steps < 1:
        raise ValueError(f"steps={steps} is out of range: allowed 1 or more")
    if fits is None:
        fits = fit_classical(values, origin, season_length, time_budget_seconds=time_budget_seconds)
    for fit in fits.values():
        if fit.fit_end > origin:
            raise ValueError(f"the {fit.name} fit used values up to {fit.fit_end}, past the origin {origin}")
    return {name: fits[name].forecast(values, origin, steps) for name in MODEL_NAMES}


_FAILED_LABEL = {"ets": "ETS", "arima": "ARIMA"}


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Scoped silence for statsmodels' optimiser chatter; convergence is read from ``mle_retvals`` instead."""
    with warnings.catch_warnings():
        for category in (ConvergenceWarning, ValueWarning, UserWarning, RuntimeWarning):
            warnings.simplefilter("ignore", category)
        yield


def _window_problem(window: np.ndarray) -> str:
    """Why no model can be fitted on ``window``, or ``""``."""
    if len(window) < MIN_FIT_POINTS:
        return f"needs at least {MIN_FIT_POINTS} values before the test span, has {len(window)}"
    if not np.isfinite(window).all():
        return "the values before the test span are not all finite"
    if np.ptp(window) == 0:
        return "the values before the test span are constant"
    return ""


def _converged(result: Any) -> bool:
    retvals = getattr(result, "mle_retvals", None)
    return not isinstance(retvals, dict) or bool(retvals.get("converged", True))


@dataclass(frozen=True)
class _Until:
    """When a model search ends: at ``deadline`` (``time.perf_counter``), or once ``stop_event`` is set."""

    deadline: float
    stop_event: threading.Event | None = None

    def passed(self) -> bool:
        return time.perf_counter() >= self.deadline or (self.stop_event is not None and self.stop_event.is_set())


def _search(
    candidates: list[tuple[str, Any]], deadline: _Until, what: str
) -> tuple[str, Any, float, str]:
    """Fit ``(label, fit_function)`` candidates in order until the deadline; the lowest AIC wins.

    Each fit function returns ``(result, aic)``. Returns ``(label, result, aic, note)``; result None on failure.
    """
    best: tuple[str, Any, float] | None = None
    failures: list[str] = []
    tried = 0
    for label, fit in candidates:
        if deadline.passed():
            break
        tried += 1
        try:
            result, aic = fit()
        # statsmodels raises many types (LinAlgError, ValueError, IndexError, ...) on degenerate data; a failed
        # candidate must not end the run, so every Exception is recorded and the search goes on.
        except Exception as error:  # noqa: BLE001
            failures.append(str(error).splitlines()[0] if str(error) else type(error).__name__)
            continue
        if not math.isfinite(aic):
            failures.append("the likelihood is not finite")
        elif best is None or aic < best[2]:
            best = (label, result, aic)
    if best is None:
        reason = failures[0] if failures else "its time budget ran out before the first fit"
        return "", None, math.nan, f"{what} could not be fitted: {reason}"
    notes = []
    if tried < len(candidates):
        notes.append(f"search stopped at the time budget after {tried} of {len(candidates)} candidates")
    if not _converged(best[1]):
        notes.append("the optimiser did not converge, so the estimates may be poor")
    return best[0], best[1], best[2], "; ".join(notes)


def _seasonal(season_length: int, points: int) -> bool:
    return season_length > 1 and points >= 2 * season_length


def _fit_ets(window: np.ndarray, fit_start: int, season_length: int, deadline: _Until) -> dict[str, Any]:
    seasons = [None, "add"] if _seasonal(season_length, len(window)) else [None]
    candidates = []
    for season, (trend, damped) in itertools.product(seasons, _ETS_VARIANTS):
        parts = ["additive damped trend" if trend else "no trend"]
        if season:
            parts.append(f"additive season of {season_length}")
        spec = {"error": "add", "trend": trend, "damped_trend": damped, "seasonal": season,
                "seasonal_periods": season_length if season else None}
        candidates.append((f"ETS ({', '.join(parts)})", _ets_candidate(window, spec)))
    label, result, _, note = _search(candidates, deadline, "ETS")
    return {"label": label or "ETS", "note": note, "result": result}


def _ets_candidate(window: np.ndarray, spec: dict[str, Any]) -> Any:
    def fit() -> tuple[Any, float]:
        heuristic = spec["seasonal"] is not None  # hundreds of seasonal states are too many to estimate
        model = ETSModel(window, initialization_method="heuristic" if heuristic else "estimated", **spec)
        result = model.fit(disp=False, maxiter=MAX_ITERATIONS)
        states = 1 + int(model.has_trend) + (model.seasonal_periods if heuristic else 0)
        return result, float(result.aic) + (2.0 * states if heuristic else 0.0)

    return fit


def _ets_rerun(result: Any, standard: np.ndarray) -> Any:
    """The fitted ETS model with its initial states and smoothing parameters fixed, run over ``standard``."""
    model = result.model
    known = ETSModel(
        standard, error=model.error, trend=model.trend, damped_trend=model.damped_trend,
        seasonal=model.seasonal, seasonal_periods=model.seasonal_periods if model.has_seasonal else None,
        initialization_method="known", initial_level=result.initial_level,
        initial_trend=result.initial_trend if model.has_trend else None,
        initial_seasonal=result.initial_seasonal if model.has_seasonal else None,
    )
    smoothing = 1 + int(model.has_trend) + int(model.has_seasonal) + int(model.damped_trend)
    return known.smooth(np.asarray(result.params)[:smoothing])


def _harmonics(window: np.ndarray, fit_start: int, season_length: int) -> tuple[int, np.ndarray]:
    """Fourier pairs (0..3) by least-squares AIC, and the residual of that fit (shape ``(len(window),)``)."""
    most = min(_MAX_HARMONICS, (season_length - 1) // 2) if _seasonal(season_length, len(window)) else 0
    positions = range(fit_start, fit_start + len(window))

    def least_squares(count: int) -> tuple[float, int, np.ndarray]:
        design = np.column_stack([np.ones(len(window)), fourier_terms(positions, season_length, count)])
        residual = window - design @ np.linalg.lstsq(design, window, rcond=None)[0]
        aic = len(window) * math.log(max(float(residual @ residual), 1e-300) / len(window)) + 2 * design.shape[1]
        return aic, count, residual

    _, count, residual = min((least_squares(count) for count in range(most + 1)), key=lambda fit: fit[0])
    return count, residual


def _differences(residual: np.ndarray) -> int:
    """1 when KPSS rejects level stationarity at 5 %, else 0."""
    if np.ptp(residual) == 0:
        return 0
    p_value = kpss(residual, regression="c", nlags="auto", result_object=True).pvalue
    return int(p_value < 0.05)


def _fit_arima(window: np.ndarray, fit_start: int, season_length: int, deadline: _Until) -> dict[str, Any]:
    harmonics, residual = _harmonics(window, fit_start, season_length)
    exog = fourier_terms(range(fit_start, fit_start + len(window)), season_length, harmonics) if harmonics else None
    difference = _differences(residual)
    suffix = f" + {harmonics} Fourier pair{'s' if harmonics > 1 else ''} (season {season_length})" if harmonics else ""
    candidates = []
    for p, q in sorted(itertools.product(range(3), range(3)), key=lambda order: (max(order), sum(order))):
        if p + q + 2 * harmonics + 2 <= len(window) // 3:  # few parameters per observation on short spans
            order = (p, difference, q)
            candidates.append((f"ARIMA({p},{difference},{q}){suffix}", _arima_candidate(window, exog, order)))
    label, result, _, note = _search(candidates, deadline, "ARIMA")
    return {"label": label or "ARIMA", "note": note, "result": result, "harmonics": harmonics,
            "season_length": season_length if harmonics else 0}


def _arima_candidate(window: np.ndarray, exog: np.ndarray | None, order: tuple[int, int, int]) -> Any:
    def fit() -> tuple[Any, float]:
        # concentrating the noise variance out of the likelihood leaves one parameter fewer to optimise, same AIC
        model = SARIMAX(window, exog=exog, order=order, trend="c" if order[1] == 0 else "n", concentrate_scale=True)
        result = model.fit(disp=False, maxiter=MAX_ITERATIONS)
        return result, float(result.aic)

    return fit
