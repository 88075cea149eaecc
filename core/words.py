"""Every display word in one place: model names, verdict sentences, step words, units and safe labels."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

__all__ = [
    "first_line",
    "MODEL_NAMES",
    "REFERENCE_WORDS",
    "STATUS_MESSAGES",
    "NO_EPOCH_IMPROVED",
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
    "SIMPLE_RULE_KEYS",
    "TIE",
    "reference_margin",
    "winner_sentence",
    "recommendation_sentence",
    "filled_sentence",
    "cli_summary",
    "season_sentence",
    "recommended_name",
    "lead_heading",
    "lead_sentence",
    "ACROSS_WORDS",
    "across_sentence",
    "across_impossible",
]

#: Display name of every model key, for tables and chart legends.
MODEL_NAMES = {
    "lstm": "LSTM (your model)",
    "naive": "Same as last step (naive)",
    "seasonal_naive": "Same as one season ago (seasonal naive)",
    "seasonal_step": "Last value + the change one season ago (seasonal step)",
    "climatology": "Usual value at this time of the season (climatology)",
    "drift": "Last value + the average trend (drift)",
    "mean": "Training average",
    "ets": "ETS (exponential smoothing)",
    "arima": "ARIMA",
    "blend": "Blend of the LSTM and the best reference",
}

#: The references that are one-line rules (no fitted model): when one of these wins, the words say so plainly.
SIMPLE_RULE_KEYS = ("naive", "seasonal_naive", "seasonal_step", "climatology", "drift", "mean")

#: How a reference is named inside a sentence.
REFERENCE_WORDS = {
    "naive": '"same as the previous step" (naive)',
    "seasonal_naive": '"same as one season ago" (seasonal naive)',
    "seasonal_step": '"last value + the change one season ago" (seasonal step)',
    "climatology": '"the usual value at this time of the season" (climatology)',
    "drift": '"last value + the average trend" (drift)',
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

#: Said when no epoch beat the starting weights on validation (best epoch 0).
NO_EPOCH_IMPROVED = ("No epoch beat the starting point on the validation data, so the model kept it: with a "
                     "residual target that is the simple rule the model learns to correct.")

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


_FAHRENHEIT_WORDS = {"f", "degf", "fahrenheit"}
_CELSIUS_WORDS = {"c", "degc", "celsius"}


def unit_for(column_name: str) -> str:
    """Unit guessed from a column name: "°F" for °F, fahrenheit or a word ``f`` / ``degf`` (``temp_f``,
    ``TMAX (F)``), "°C" for °C, celsius, a word ``c`` / ``degc`` or any other temperature name, else ""."""
    name = str(column_name).lower()
    words = set(re.split(r"[^a-z]+", name.replace("°f", " degf ").replace("°c", " degc ")))
    if words & _FAHRENHEIT_WORDS:
        return "°F"
    if words & _CELSIUS_WORDS or "temp" in name:
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
        margin = reference_margin(lstm_mae, score)
        if margin is not None and margin > 0:
            sentences.append(Sentence(f"It also beats the best other reference, {words}, which is off by "
                                      f"{amount(score, unit)} {same}.", True))
        elif margin == 0:
            sentences.append(Sentence(f"It is exactly as good as the best reference, {words} (off by "
                                      f"{amount(score, unit)}): it kept that rule, having found no correction that "
                                      "helped on the validation data.", False))
        elif name in SIMPLE_RULE_KEYS:
            sentences.append(Sentence(f"A simple rule wins: {words} is off by only {amount(score, unit)} {same}. "
                                      "Use the rule, or treat the LSTM's forecast with care.", False))
        else:
            sentences.append(Sentence(f"But it does not beat {words}, which is off by only {amount(score, unit)} "
                                      f"{same}: prefer that model here.", False))
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


#: A margin below this share is a tie (an LSTM that kept the rule it corrects differs from it by rounding only).
TIE = 1e-6


def reference_margin(lstm_mae: float, best_mae: float) -> float | None:
    """How much lower the LSTM's MAE is than the best reference's, as a share of the latter (negative: worse;
    0 within :data:`TIE`)."""
    if not (math.isfinite(lstm_mae) and math.isfinite(best_mae)) or best_mae <= 0:
        return None
    margin = 1.0 - lstm_mae / best_mae
    return 0.0 if abs(margin) < TIE else margin


def winner_sentence(lstm_mae: float, best: tuple[str, float] | None, labels: dict[str, str] | None = None) -> str:
    """One plain sentence: does the LSTM beat the best reference, and if a simple rule wins, say so."""
    if best is None:
        return "No reference could be scored on the test data."
    name, score = best
    words = _reference_words(name, labels)
    margin = reference_margin(lstm_mae, score)
    if margin is not None and margin > 0:
        return f"The LSTM beats the best reference, {words}, by {100 * margin:.1f} % on the test data."
    if margin == 0:
        return (f"The LSTM is exactly as good as the best reference, {words}, on the test data (MAE {score:.4g}): "
                "it kept that rule, having found no correction that helped on the validation data.")
    if name in SIMPLE_RULE_KEYS:
        return (f"A simple rule wins: {words} is better than the LSTM on the test data (MAE {score:.4g} vs "
                f"{lstm_mae:.4g}). Use the rule, or treat the LSTM's forecast with care.")
    return (f"The best reference, {words}, is better than the LSTM on the test data (MAE {score:.4g} vs "
            f"{lstm_mae:.4g}).")


def recommendation_sentence(model: str, weights: dict[str, float], validation_mae: dict[str, float],
                            best_reference: str | None, labels: dict[str, str] | None = None,
                            span: str = "validation") -> str:
    """Why the recommended forecast was chosen, from its validation scores (never the test span); ``span`` is
    ``"training"`` when the series had no validation data and a rule was chosen on the training targets."""
    def words(key: str) -> str:
        return "the LSTM" if key == "lstm" else _reference_words(key, labels)

    score = validation_mae.get(model, math.nan)
    if best_reference is None:
        return "Recommended: the LSTM (no reference could be scored on the validation data)."
    if span == "training":
        return (f"Recommended: a simple rule, {words(model)}: the series is too short to keep validation data "
                f"aside, so the LSTM could not be checked before the test period; of the simple rules, this one "
                f"was off by {score:.4g} on average on the training data.")
    reference = validation_mae.get(best_reference, math.nan)
    if model == "blend":
        parts = " + ".join(f"{weight:.1f} x {words(key)}" for key, weight in weights.items())
        return (f"Recommended: a blend, {parts}: on the validation data it is off by {score:.4g} on average, "
                f"against {reference:.4g} for the best reference, {words(best_reference)}.")
    if model == "lstm":
        return (f"Recommended: the LSTM: on the validation data it is off by {score:.4g} on average, against "
                f"{reference:.4g} for the best reference, {words(best_reference)}.")
    lstm = validation_mae.get("lstm", math.nan)
    rule = "a simple rule, " if model in SIMPLE_RULE_KEYS else ""
    return (f"Recommended: {rule}{words(model)}: on the validation data it is off by {score:.4g} on average and "
            f"neither the LSTM ({lstm:.4g}) nor a blend beat it clearly.")


def coverage_sentence(level: float, coverage_by_step: Sequence[float | None], points: int) -> Sentence:
    """How often the band held the true value on the test data, one step ahead and on average over the steps,
    judged against its level by the worse of the two (a rough check below :data:`COVERAGE_FEW_POINTS` points).

    Args:
        level: the band's promised share (``ForecastConfig.interval_level``), 0..1.
        coverage_by_step: share of test points inside the band per step ahead (step 1 first); None for a step
            that could not be checked.
        points: test points the coverage was counted on.
    """
    shown = [value for value in coverage_by_step if value is not None]
    if not shown:
        return Sentence(f"The {level:.0%} prediction band could not be checked on the test data.", False)
    first = coverage_by_step[0]
    mean = sum(shown) / len(shown)
    head = f"The {level:.0%} prediction band held the true value "
    head += f"{first:.0%} of the time one step ahead" if first is not None else ""
    if len(shown) > 1:
        head += (" and " if first is not None else "") + f"{mean:.0%} on average over {len(shown)} steps"
    elif first is None:
        head += f"{mean:.0%} of the time"
    judgement = coverage_judgement(min(mean, first if first is not None else mean), level)
    few = f"; with only {points} test points this is a rough check" if points < COVERAGE_FEW_POINTS else ""
    return Sentence(f"{head} on the test data ({judgement.text}{few}).", judgement.good)


def filled_sentence(count: int) -> str:
    """Why some test points were not scored ("" when none were filled)."""
    if count <= 0:
        return ""
    word = "point was" if count == 1 else "points were"
    return f"{count} test {word} filled in by intake (a gap), not measured, and left out of every score."


def cli_summary(lstm_mae: float, best: tuple[str, float] | None, recommended: str,
                labels: dict[str, str] | None = None, weights: dict[str, float] | None = None) -> str:
    """The CLI's last line before the output folder: the LSTM against the best reference, and the recommendation
    (``weights``: a blend's parts, see :func:`recommended_name`)."""
    rec = recommended_name(recommended, weights or {}, labels)
    if best is None:
        return f"test MAE lstm={lstm_mae:.3f}; no reference could be scored. Recommended: {rec}."
    name, score = best
    margin = reference_margin(lstm_mae, score)
    if margin is not None and margin > 0:
        verdict_words = f"the LSTM beats the best reference ({model_name(name, labels)}) by {100 * margin:.1f} %"
    elif margin == 0:
        verdict_words = f"the LSTM ties the best reference ({model_name(name, labels)}): it kept that rule"
    elif name in SIMPLE_RULE_KEYS:
        verdict_words = f"a simple rule wins: the LSTM does NOT beat {model_name(name, labels)}"
    else:
        verdict_words = f"the LSTM does NOT beat the best reference ({model_name(name, labels)})"
    return f"test MAE lstm={lstm_mae:.3f} best reference {name}={score:.3f} -> {verdict_words}. Recommended: {rec}."


def season_sentence(length: int, words: str) -> str:
    """Which season the references and the model use, e.g. "Season: a year (365 steps), found in the training data"."""
    if length <= 1:
        return "No season was found in the training data, so the seasonal references fall back to the last value."
    return f"Season: {words} ({length} steps), found in the training data."


def recommended_name(model: str, weights: dict[str, float], labels: dict[str, str] | None = None) -> str:
    """Display name of a recommended forecast: a model's name, or a blend's parts, e.g. "0.7 x LSTM + 0.3 x ARIMA"."""
    if model != "blend":
        return model_name(model, labels)
    parts = [f"{weight:.1f} x {'LSTM' if key == 'lstm' else model_name(key, labels)}"
             for key, weight in weights.items()]
    return " + ".join(parts)


def _forecast_words(model: str, weights: dict[str, float], labels: dict[str, str] | None) -> str:
    """A recommended forecast inside a sentence: "the LSTM", a reference's words, or "the blend 0.7 x LSTM + ..."."""
    if model == "lstm":
        return "the LSTM"
    if model == "blend":
        return f"the blend {recommended_name(model, weights, labels)}"
    return _reference_words(model, labels)


def lead_heading(model: str, weights: dict[str, float], labels: dict[str, str] | None = None) -> str:
    """The Forecast page's first heading, naming the recommended forecast, e.g. "Forecast to use: ARIMA(2,1,1)"."""
    return f"Forecast to use: {recommended_name(model, weights, labels)}"


def lead_sentence(lstm_mae: float, best: tuple[str, float] | None, model: str, weights: dict[str, float], *,
                  unit: str = "", labels: dict[str, str] | None = None, validated: bool = True,
                  span: str = "validation") -> Sentence:
    """The verdict a page leads with: the LSTM against the best reference on the test period, and what to use.

    When the LSTM loses, the forecast to use is the recommended one (chosen on validation), or the best
    reference when the validation period favoured the LSTM.

    Args:
        lstm_mae: the LSTM's test MAE.
        best: ``(key, test MAE)`` of the best reference, None when no reference could be scored.
        model, weights: the recommended forecast (``core.evaluation.recommendation.Recommendation``).
        unit: the values' unit ("°C"), or "".
        labels: fitted variants' labels, e.g. ``{"arima": "ARIMA(2,0,2)"}``.
        validated: False when the LSTM is recommended only because no reference could be scored on validation.
        span: where the recommended forecast was chosen: ``"validation"``, or ``"training"`` (no validation data).

    Returns:
        E.g. "The LSTM loses to a simple rule, "last value + the average trend" (drift), on the test period
        (off by 0.52 °C on average against 0.31 °C): use "last value + the average trend" (drift)." (not good).
    """
    chosen = _forecast_words(model, weights, labels)
    if best is None or not math.isfinite(best[1]) or not math.isfinite(lstm_mae):
        return Sentence(f"No reference could be scored on the test period: use {chosen} with care.", False)
    name, score = best
    words = _reference_words(name, labels)
    margin = reference_margin(lstm_mae, score)
    if margin is None:  # the reference is exact (MAE 0)
        margin = 0.0 if lstm_mae <= score else -1.0
    scores = f"off by {amount(lstm_mae, unit)} on average against {amount(score, unit)}"
    if margin > 0:
        why = "" if model == "lstm" else f", the forecast chosen on the {span} period"
        return Sentence(f"The LSTM beats the best reference, {words}, on the test period ({scores}): "
                        f"use {chosen}{why}.", True)
    rule = words if model == "lstm" else chosen
    if margin == 0:
        return Sentence(f"The LSTM is only as good as {words} on the test period (off by {amount(score, unit)} on "
                        f"average): it kept that rule, so use {rule}.", False)
    loser = f"a simple rule, {words}," if name in SIMPLE_RULE_KEYS else words
    honest = (" (the validation period favoured the LSTM, but the test period is the honest check)"
              if model == "lstm" and validated else "" if model in ("lstm", name)
              else f", the forecast chosen on the {span} period")
    return Sentence(f"The LSTM loses to {loser} on the test period ({scores}): use {rule}{honest}.", False)


def first_line(text: str, limit: int = 300) -> str:
    """The first non-blank line of ``text``, stripped, cut to ``limit`` characters with "…"."""
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


#: How the choice between one model per series and one across them is shown.
ACROSS_WORDS = {"each": "one model per series", "global": "one model across all series"}


def across_sentence(model: str, each_score: float | None, shared_score: float | None, won: int, count: int) -> str:
    """Why ``model`` ("each" or "global") was chosen: the two validation scores (mean of each series' validation
    MAE / its naive validation MAE) and on how many series the global model was better."""
    chosen = ACROSS_WORDS[model]
    if each_score is None or shared_score is None:
        return (f"Chose {chosen}: without a validation figure for every series the two cannot be compared, "
                "so each series keeps its own model.")
    relation = "below" if shared_score < each_score else "not below"
    return (f"Chose {chosen}: on validation the global model's error is {shared_score:.3f} of the naive "
            f"forecast's on average over the series, {relation} {each_score:.3f} for one model per series "
            f"(better on {won} of {count} series).")


def across_impossible(problem: str) -> str:
    """Why there is no model across the series (they do not give the same inputs, ...): each keeps its own."""
    return f"Chose {ACROSS_WORDS['each']}: one model across them is not possible here. {problem}"
