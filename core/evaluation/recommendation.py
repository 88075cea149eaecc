"""The recommended forecast: the LSTM, a reference or a blend of the two, chosen on the validation span only.

Every candidate is scored by its one-step MAE on the validation targets (gap-filled ones left out): the LSTM
(trained before the validation span; its best epoch was picked there, which flatters it a little), the simple
rules fitted on the values before the validation span, and ETS and ARIMA with their in-sample one-step
predictions (they were fitted on the validation span too, which flatters them). The blend is
``w * LSTM + (1 - w) * best other candidate`` with ``w`` in 0.1..0.9 chosen on the same targets.

A learned option (the LSTM or the blend) is recommended only when it beats the best reference on validation by
more than :data:`MIN_MARGIN`; otherwise the best reference is, so the recommendation is never worse than the best
reference on validation. The test span plays no part.

A series too short to keep validation data aside has nothing to check the LSTM on before the test span: there
the best of the parameter-free rules (naive, seasonal naive, seasonal step) on the training targets is
recommended (``span="training"``, ``core.run.references.validation_choice``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["MIN_MARGIN", "BLEND", "WEIGHTS", "Recommendation", "recommend"]


#: A learned option must beat the best reference's validation MAE by more than this share.
MIN_MARGIN = 0.01


#: Key of the blend of the LSTM and a reference.
BLEND = "blend"


#: LSTM weights tried for the blend.
WEIGHTS = tuple(round(0.1 * k, 1) for k in range(1, 10))


@dataclass(frozen=True)
class Recommendation:
    """What to use, and why.

    Attributes:
        model: ``"lstm"``, a reference key (``"seasonal_step"``, ``"arima"``...) or :data:`BLEND`.
        weights: the recommended forecast as a weighted sum of models, e.g. ``{"lstm": 0.7, "arima": 0.3}``.
        validation_mae: every candidate's validation MAE (the blend's under :data:`BLEND`).
        best_reference: the reference with the lowest validation MAE (None when none could be scored).
        span: the targets the choice was made on: ``"validation"``, or ``"training"`` for a series without
            validation data (then ``validation_mae`` holds the rules' training MAE).
    """

    model: str
    weights: dict[str, float]
    validation_mae: dict[str, float] = field(default_factory=dict)
    best_reference: str | None = None
    span: str = "validation"

    def combine(self, forecasts: dict[str, np.ndarray]) -> np.ndarray:
        """The recommended forecast from its parts' forecasts (same shapes)."""
        parts = [weight * np.asarray(forecasts[name], dtype=np.float64) for name, weight in self.weights.items()]
        return np.sum(parts, axis=0)

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "weights": dict(self.weights),
            "validation_mae": {k: (v if math.isfinite(v) else None) for k, v in self.validation_mae.items()},
            "best_reference_on_validation": self.best_reference,
            "span": self.span,
        }


def _mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    predicted = np.asarray(predicted, dtype=np.float64)
    if len(actual) == 0 or not np.isfinite(predicted).all():
        return math.inf
    return float(np.mean(np.abs(actual - predicted)))


def recommend(
    actual: np.ndarray, lstm: np.ndarray | None, references: dict[str, np.ndarray], scored: np.ndarray | None = None
) -> Recommendation:
    """Choose the recommended forecast on validation.

    Args:
        actual: shape ``(k,)`` the validation targets' values.
        lstm: shape ``(k,)`` the LSTM's one-step validation predictions, or None (no validation windows).
        references: ``{key: (k,)}`` each reference's one-step validation predictions (NaN: not scorable).
        scored: shape ``(k,)`` bool, False for gap-filled targets; None: all count.

    Returns:
        The choice; with no scorable candidate at all, the LSTM with empty scores.
    """
    actual = np.asarray(actual, dtype=np.float64)
    keep = np.ones(len(actual), dtype=bool) if scored is None else np.asarray(scored, dtype=bool)
    target = actual[keep]
    scores = {name: _mae(target, np.asarray(values)[keep]) for name, values in references.items()}
    finite = {name: score for name, score in scores.items() if math.isfinite(score)}
    best = min(finite, key=lambda name: finite[name]) if finite else None
    if lstm is not None and len(target):
        scores["lstm"] = _mae(target, np.asarray(lstm)[keep])
    if best is None:
        return Recommendation("lstm", {"lstm": 1.0}, scores, None)
    weight = None
    if lstm is not None and math.isfinite(scores.get("lstm", math.inf)):
        other = np.asarray(references[best])[keep]
        blends = {w: _mae(target, w * np.asarray(lstm)[keep] + (1 - w) * other) for w in WEIGHTS}
        weight = min(blends, key=lambda w: blends[w])
        scores[BLEND] = blends[weight]
    bar = finite[best] * (1 - MIN_MARGIN)
    learned = [(scores[name], name) for name in ("lstm", BLEND) if scores.get(name, math.inf) < bar]
    if not learned:
        return Recommendation(best, {best: 1.0}, scores, best)
    _, choice = min(learned)
    if choice == BLEND and weight is not None:
        return Recommendation(BLEND, {"lstm": weight, best: round(1 - weight, 1)}, scores, best)
    return Recommendation("lstm", {"lstm": 1.0}, scores, best)
