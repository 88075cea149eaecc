"""The report card: a few plain sentences about how good a run's forecast is."""

from __future__ import annotations

from core.evaluation.diagnostics import CopycatResult, overfit_epoch
from core.run.results import ForecastRun
from core.words import (
    NO_EPOCH_IMPROVED,
    coverage_sentence,
    filled_sentence,
    frequency_word,
    recommendation_sentence,
    unit_for,
    winner_sentence,
)

__all__ = ["report_card"]


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def report_card(run: ForecastRun, copy: CopycatResult | None = None) -> list[str]:
    """A handful of plain sentences about how good the run's forecast is, from its numbers.

    Args:
        run: a finished run (usable or not).
        copy: the copy-cat check of the run, when available.

    Returns:
        Sentences without markdown, e.g. "On unseen days the model is off by 1.9 °C on average, 12 % better
        than 'same as the previous day'.", then the LSTM against the best reference (a winning simple rule is named
        plainly), the recommended forecast and why, and how often the band held per step.
    """
    if not run.usable or not run.metrics or run.predictions is None:
        return [f"There is no usable model: {run.message}".strip()]
    unit = unit_for(run.value_column)
    amount = f"{{:.3g}} {unit}".strip() if unit else "{:.3g}"
    step = frequency_word(run.frequency)
    lstm, naive = run.metrics["lstm"]["mae"], run.metrics["naive"]["mae"]
    n_test = len(run.predictions)
    sentences = []
    head = f"On {n_test} unseen {step}s the model is off by {amount.format(lstm)} on average"
    if naive > 0 and lstm < naive:
        sentences.append(f"{head}, {_pct(1 - lstm / naive)} better than 'same as the previous {step}' "
                         f"({amount.format(naive)}).")
    elif naive > 0:
        sentences.append(f"{head}, {_pct(lstm / naive - 1)} worse than simply saying 'same as the previous "
                         f"{step}' ({amount.format(naive)}): don't trust it more than that simple rule.")
    else:
        sentences.append(f"{head}.")
    if run.best_reference is not None:
        sentences.append(winner_sentence(lstm, run.best_reference, run.baseline_labels))
    rec = run.recommendation
    if rec is not None:
        sentences.append(recommendation_sentence(rec.model, rec.weights, rec.validation_mae, rec.best_reference,
                                                 run.baseline_labels))
    if run.bands is not None:
        sentences.append(coverage_sentence(run.interval_level, run.bands.coverage_by_step))
    elif run.interval_coverage is not None:
        sentences.append(f"The {run.interval_level:.0%} band held {run.interval_coverage:.0%} of the time "
                         f"(it should hold about {run.interval_level:.0%}).")
    if run.filled_test_points:
        sentences.append(filled_sentence(run.filled_test_points))
    epoch = overfit_epoch(run.history)
    if run.best_epoch == 0:
        sentences.append(NO_EPOCH_IMPROVED)
    elif epoch is not None:
        sentences.append(f"It began to overfit at epoch {epoch}: after that it kept memorising the training "
                         f"data while getting worse on the validation data; the epoch-{run.best_epoch} "
                         "model was kept.")
    elif any(r.val_loss is not None for r in run.history):
        sentences.append(f"No sign of overfitting: the validation error did not rise for good "
                         f"(best epoch {run.best_epoch} of {run.epochs_run}).")
    else:
        sentences.append("There was no validation data, so overfitting could not be watched.")
    if run.features is not None and run.features.covariates:
        names = _quoted_list(run.features.covariates)
        word = "column" if len(run.features.covariates) == 1 else "columns"
        sentences.append(f"Besides the series itself it used the {word} {names} as inputs; beyond the last date "
                         f"their values are unknown, so the forecast holds each at its last observed value.")
    if copy is not None and copy.is_copycat:
        sentences.append(f"Careful: the model mostly repeats the previous {step}'s value.")
    return sentences


def _quoted_list(names: tuple[str, ...]) -> str:
    """``'a'``, ``'a' and 'b'``, ``'a', 'b' and 'c'``."""
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
