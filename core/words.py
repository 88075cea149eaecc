"""Every display word in one place: model names, verdict sentences, step words, units and safe labels."""

from __future__ import annotations

import math
import re
from typing import NamedTuple

__all__ = [
    "MODEL_NAMES",
    "REFERENCE_WORDS",
    "STATUS_MESSAGES",
    "STATE_TEXT",
    "EARLY_END_TEXT",
    "safe_label",
    "frequency_word",
    "unit_for",
    "model_name",
    "amount",
    "verdict",
    "Sentence",
    "steps",
    "comparison",
    "COVERAGE_TOLERANCE",
    "COVERAGE_SHORTFALL",
    "COVERAGE_FEW_POINTS",
    "coverage_judgement",
    "coverage_sentence",
]

#: Display name of every model key, for tables and chart legends.
MODEL_NAMES = {
    "lstm": "LSTM (your model)",
    "naive": "Same as last step (naive)",
    "seasonal_naive": "Same as one season ago (seasonal naive)",
    "mean": "Training average",
    "ets": "ETS (exponential smoothing)",
    "arima": "ARIMA",
}

#: How a reference is named inside a sentence.
REFERENCE_WORDS = {
    "naive": '"same as the previous step" (naive)',
    "seasonal_naive": '"same as one season ago" (seasonal naive)',
    "mean": "the training average",
    "ets": "ETS (exponential smoothing)",
    "arima": "ARIMA",
}

#: Plain-language sentence per final training status.
STATUS_MESSAGES = {
    "completed": "Training ran all epochs.",
    "early_stopped": "Training stopped early because the validation loss stopped improving.",
    "stopped": "Training was stopped by the user; the best model so far was kept.",
    "time_limit": "Training reached the time limit; the best model so far was kept.",
    "diverged": "Training diverged (loss became NaN): lower the learning rate.",
}

#: Short status line per job state, as the Train page shows it.
STATE_TEXT = {
    "queued": "Waiting for a free training slot",
    "running": "Training",
    "completed": "Finished: all epochs ran",
    "early_stopped": "Finished: stopped early because validation loss stopped improving (best weights kept)",
    "stopped": "Stopped by you (best weights so far kept)",
    "time_limit": "Stopped at the time limit (best weights so far kept)",
    "diverged": "Diverged: the loss became NaN. Lower the learning rate and train again",
    "failed": "Failed",
    "cancelled": "Cancelled",
}


#: Status line for a job that ended before its first epoch finished, so without a model of its own.
EARLY_END_TEXT = {
    "stopped": "Stopped by you before the first epoch finished: this training left no model",
    "time_limit": "Stopped at the time limit before the first epoch finished: this training left no model",
}


_WHITESPACE = re.compile(r"\s+")


def safe_label(text: object, limit: int = 60) -> str:
    """Turn any user string (column name, file name) into a short, printable, one-line label.

    Control and format characters (including bidi overrides and zero-width spaces) become spaces,
    runs of whitespace collapse to one space, and a label longer than ``limit`` is cut with "…".

    Args:
        text: anything; it is converted with ``str``.
        limit: maximum length of the result, "…" included (at least 1).

    Returns:
        The label; "" for an empty or all-invisible input.
    """
    limit = max(1, int(limit))
    visible = "".join(ch if ch.isprintable() else " " for ch in str(text))
    label = _WHITESPACE.sub(" ", visible).strip()
    if len(label) <= limit:
        return label
    return label[: limit - 1].rstrip() + "…"


_STEP_WORDS = {"min": "minute", "h": "hour", "D": "day", "B": "business day", "W": "week", "MS": "month",
               "ME": "month", "QS": "quarter", "QE": "quarter", "YS": "year", "YE": "year"}


def frequency_word(frequency: str) -> str:
    """Plain word for one step of a pandas frequency alias: ``"D"`` → ``"day"``, ``"15min"`` → ``"15 minutes"``."""
    count = "".join(ch for ch in frequency if ch.isdigit())
    base = frequency[len(count):].split("-")[0]
    word = _STEP_WORDS.get(base, "step")
    return f"{count} {word}s" if count and count != "1" else word


def unit_for(column_name: str) -> str:
    """Unit guessed from a column name: "°F" for °F/fahrenheit, "°C" for °C/celsius/temp, else ""."""
    name = str(column_name).lower()
    if "°f" in name or "fahrenheit" in name:
        return "°F"
    if "°c" in name or "celsius" in name or "temp" in name:
        return "°C"
    return ""


def model_name(key: str, labels: dict[str, str] | None = None) -> str:
    """Display name of a model: a fitted variant's own label (e.g. ``"ARIMA(2,0,2)"``) when given."""
    return (labels or {}).get(key) or MODEL_NAMES.get(key, key)


def _reference_words(key: str, labels: dict[str, str] | None) -> str:
    label = (labels or {}).get(key)
    return label if label else REFERENCE_WORDS.get(key, key)


def amount(value: float, unit: str = "", digits: int = 3) -> str:
    """A number with its unit, e.g. ``"2.23 °C"``; the bare number when the unit is unknown."""
    text = f"{value:.{digits}g}"
    return f"{text} {unit}" if unit else text


def verdict(lstm_mae: float, naive_mae: float, best: tuple[str, float] | None,
            labels: dict[str, str] | None = None) -> str:
    """One sentence comparing the LSTM's test MAE with naive AND with the best reference (logs, command line).

    Args:
        lstm_mae, naive_mae: test MAE of the LSTM and of the naive forecast.
        best: ``(key, mae)`` of the best reference (``core.evaluation.scoring.best_reference``), None when
            no reference could be scored.
        labels: fitted variants' labels, e.g. ``{"arima": "ARIMA(2,0,2)"}``.
    """
    if best is None:
        return f"The LSTM's test MAE is {lstm_mae:.4g}; no reference could be scored."
    name, score = best
    words = _reference_words(name, labels)
    if lstm_mae < score:
        return (f"The LSTM beats every reference on the test data, including the best one, {words}: "
                f"MAE {lstm_mae:.4g} vs {score:.4g} (naive {naive_mae:.4g}).")
    if lstm_mae < naive_mae:
        return (f"The LSTM beats the naive forecast on the test data (MAE {lstm_mae:.4g} vs {naive_mae:.4g}) but NOT "
                f"{words}, which is better still with MAE {score:.4g}.")
    tail = "" if name == "naive" else f"; the best reference is {words}, with MAE {score:.4g}"
    return (f'The LSTM does NOT beat the naive forecast ("same as the previous step") on the test data '
            f"(MAE {lstm_mae:.4g} vs {naive_mae:.4g}){tail}.")


class Sentence(NamedTuple):
    """A plain sentence (no markdown) and whether it is good news, so a page can show it as such."""

    text: str
    good: bool


def _step_noun(step: str, count: int) -> str:
    """``"day"``/``"days"``; ``"step(s) of 15 minutes"`` when one step is already a plural amount."""
    plural = "s" if count != 1 else ""
    return f"step{plural} of {step}" if step.endswith("s") else f"{step}{plural}"


def steps(count: int, step: str) -> str:
    """``count`` steps in words: ``"1 day"``, ``"73 days"``, ``"24 steps of 15 minutes"``."""
    return f"{count} {_step_noun(step, count)}"


def comparison(lstm_mae: float, naive_mae: float, best: tuple[str, float] | None, *, points: int,
               unit: str = "", step: str = "step", labels: dict[str, str] | None = None) -> list[Sentence]:
    """Plain sentences for people: how far off the LSTM is, against "same as the previous step" and against
    the best reference (the second sentence only when that is not naive).

    Args:
        lstm_mae, naive_mae, best, labels: as for :func:`verdict`.
        points: how many test points the MAEs are averaged over.
        unit: the values' unit ("°C"), or "".
        step: the word for one step ("day", "hour"; see :func:`frequency_word`).

    Returns:
        One or two sentences, e.g. "On 73 unseen days the model is off by 2.1 °C on average, 12 % better than
        simply repeating the previous day (off by 2.4 °C)."
    """
    noun = _step_noun(step, points)
    head = f"On {points} unseen {noun} the model is off by {amount(lstm_mae, unit)} on average"
    rule = f"simply repeating the previous {step}"
    warning = "It does not beat that simple rule, so don't trust this forecast more than the rule."
    if naive_mae > 0 and lstm_mae < naive_mae:
        first = Sentence(f"{head}, {100 * (1 - lstm_mae / naive_mae):.0f} % better than {rule} "
                         f"(off by {amount(naive_mae, unit)}).", True)
    elif naive_mae > 0:
        first = Sentence(f"{head}, {100 * (lstm_mae / naive_mae - 1):.0f} % worse than {rule} "
                         f"(off by {amount(naive_mae, unit)}). {warning}", False)
    elif lstm_mae > 0:
        first = Sentence(f"{head}, while {rule} is exact here. {warning}", False)
    else:
        first = Sentence(f"{head}: exact, like {rule}.", True)
    sentences = [first]
    if best is not None and best[0] != "naive" and math.isfinite(best[1]):
        name, score = best
        words = _reference_words(name, labels)
        same = f"on the same {noun}"
        if lstm_mae < score:
            sentences.append(Sentence(f"It also beats the best other reference, {words}, which is off by "
                                      f"{amount(score, unit)} {same}.", True))
        elif lstm_mae < naive_mae:
            sentences.append(Sentence(f"But it does not beat {words}, which is off by only {amount(score, unit)} "
                                      f"{same}: prefer that model here.", False))
        else:
            sentences.append(Sentence(f"The best reference here is {words}, off by {amount(score, unit)} {same}.",
                                      False))
    return sentences


#: A band that held the true value this much less often than its level still held it "as promised" (a test
#: period is short, so its coverage is a noisy estimate).
COVERAGE_TOLERANCE = 0.02
#: A band that fell short of its level by more than this held the true value "much less often than promised".
COVERAGE_SHORTFALL = 0.10
#: Below this many test points a coverage is called a rough check (one point more or less inside moves it a lot).
COVERAGE_FEW_POINTS = 30


def coverage_judgement(coverage: float, level: float) -> Sentence:
    """How a prediction band's test coverage compares with its level, e.g. ``"as promised"`` (good).

    Args:
        coverage: share of test points inside the band, 0..1.
        level: the band's promised share (``ForecastConfig.interval_level``), 0..1.
    """
    if coverage >= level - COVERAGE_TOLERANCE:
        return Sentence("as promised", True)
    if coverage >= level - COVERAGE_SHORTFALL:
        return Sentence("a little less often than promised: treat the band as slightly optimistic", False)
    return Sentence("much less often than promised: don't rely on the band", False)


def coverage_sentence(coverage: float, level: float, points: int) -> Sentence:
    """One plain sentence: how often the band held the true value on the ``points`` test points, what that means,
    and that it is a rough check when there are fewer than :data:`COVERAGE_FEW_POINTS` of them."""
    judgement = coverage_judgement(coverage, level)
    few = f"; with only {points} test points this is a rough check" if points < COVERAGE_FEW_POINTS else ""
    return Sentence(f"The {level:.0%} prediction band held the true value {coverage:.0%} of the time on the test "
                    f"period ({judgement.text}{few}).", judgement.good)
