"""The report card: a few plain sentences about how good a run's forecast is."""

from __future__ import annotations

from core.evaluation.diagnostics import CopycatResult, overfit_epoch
from core.run.results import ForecastRun
from core.words import (
    NO_EPOCH_IMPROVED,
    Sentence,
    comparison,
    coverage_sentence,
    filled_sentence,
    frequency_word,
    lead_sentence,
    recommendation_sentence,
    unit_for,
)

__all__ = ["lead_verdict", "report_card"]


def lead_verdict(run: ForecastRun) -> Sentence:
    """The verdict the Forecast page leads with and the report card repeats: the LSTM against the best reference
    on the test period, and the forecast to use (``core.words.lead_sentence``).

    Raises:
        ValueError: the run has no test metrics (not usable).
    """
    if not run.metrics:
        raise ValueError("lead_verdict needs a run with test metrics")
    rec = run.recommendation
    model, weights = (rec.model, rec.weights) if rec is not None else ("lstm", {"lstm": 1.0})
    return lead_sentence(run.metrics["lstm"]["mae"], run.best_reference, model, weights,
                         unit=unit_for(run.value_column), labels=run.baseline_labels,
                         validated=rec is not None and rec.best_reference is not None,
                         span=rec.span if rec is not None else "validation")


def report_card(run: ForecastRun, copy: CopycatResult | None = None) -> list[str]:
    """A handful of plain sentences about how good the run's forecast is, from its numbers.

    Args:
        run: a finished run (usable or not).
        copy: the copy-cat check of the run, when available.

    Returns:
        Sentences without markdown, e.g. "On 73 unseen days the model is off by 1.9 °C on average, 12 % better
        than simply repeating the previous day (off by 2.2 °C).", then the LSTM against the best reference and the
        forecast to use, in the words the Forecast page leads with (``core.words.lead_sentence``: a winning simple
        rule is named plainly), why that forecast was chosen (validation scores only), how often the band held
        (per step), filled test points, overfitting, the input columns and the copy-cat check.
    """
    if not run.usable or not run.metrics or run.predictions is None:
        return [f"There is no usable model: {run.message}".strip()]
    unit = unit_for(run.value_column)
    step = frequency_word(run.frequency)
    metrics = run.metrics
    points = len(run.predictions)
    sentences = [comparison(metrics["lstm"]["mae"], metrics["naive"]["mae"], None, points=points, unit=unit, step=step,
                            labels=run.baseline_labels)[0].text]
    rec = run.recommendation
    sentences.append(lead_verdict(run).text)
    if rec is not None:
        sentences.append(recommendation_sentence(rec.model, rec.weights, rec.validation_mae, rec.best_reference,
                                                 run.baseline_labels, span=rec.span))
    if run.bands is not None:
        sentences.append(coverage_sentence(run.interval_level, run.bands.coverage_by_step, points).text)
    elif run.interval_coverage is not None:
        sentences.append(coverage_sentence(run.interval_level, [run.interval_coverage], points).text)
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
