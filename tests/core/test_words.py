"""``core.words``: the comparison and verdict sentences, the coverage judgement, step counts, safe labels, units,
the settings labels and the words of every model, status and state."""

from __future__ import annotations

import pytest

from core.config import FIELD_HELP, FIELD_LABELS, TARGET_LABELS, TARGETS
from core.dashboard.jobs import END_STATES
from core.evaluation.scoring import MODEL_COLUMNS, REFERENCES, best_reference
from core.model.progress import FINAL_STATUSES
from core.words import (
    COVERAGE_FEW_POINTS,
    COVERAGE_SHORTFALL,
    COVERAGE_TOLERANCE,
    MODEL_NAMES,
    REFERENCE_WORDS,
    STATE_TEXT,
    STATUS_MESSAGES,
    amount,
    comparison,
    coverage_judgement,
    coverage_sentence,
    frequency_word,
    lead_heading,
    lead_sentence,
    model_name,
    recommendation_sentence,
    safe_label,
    steps,
    unit_for,
    verdict,
)


def _compare(lstm: float, naive: float, best: tuple[str, float] | None) -> list[tuple[str, bool]]:
    return [(s.text, s.good) for s in comparison(lstm, naive, best, points=73, unit="°C", step="day",
                                                 labels={"arima": "ARIMA(2,0,2)"})]


def test_a_model_that_beats_everything_gets_two_good_sentences_with_units_and_percent() -> None:
    (first, good_first), (second, good_second) = _compare(1.5, 2.0, ("ets", 1.8))
    assert good_first and good_second
    assert first.startswith("On 73 unseen days the model is off by 1.5 °C on average")
    assert "25 % better than simply repeating the previous day" in first and "2 °C" in first
    assert REFERENCE_WORDS["ets"] in second and "1.8 °C" in second


def test_beating_naive_but_not_the_best_reference_says_prefer_that_model() -> None:
    (first, good_first), (second, good_second) = _compare(1.9, 2.0, ("arima", 1.2))
    assert good_first and not good_second
    assert "ARIMA(2,0,2)" in second and "prefer that model" in second and "1.2 °C" in second


def test_losing_to_naive_is_a_warning_and_names_the_best_reference() -> None:
    (first, good_first), (second, good_second) = _compare(2.5, 2.0, ("seasonal_naive", 1.7))
    assert not good_first and not good_second
    assert "25 % worse than simply repeating the previous day" in first and "does not beat" in first
    assert REFERENCE_WORDS["seasonal_naive"] in second


def test_naive_as_the_best_reference_gives_one_sentence_and_no_markdown() -> None:
    sentences = _compare(2.5, 2.0, ("naive", 2.0))
    assert len(sentences) == 1
    assert not any(mark in sentences[0][0] for mark in ("*", "_", "`"))


def test_an_exact_naive_forecast_is_not_beaten_without_a_division_by_zero() -> None:
    [(text, good)] = _compare(0.5, 0.0, ("naive", 0.0))
    assert not good and "exact" in text


@pytest.mark.parametrize(
    ("coverage", "good", "words"),
    [(0.90, True, "as promised"), (0.90 - COVERAGE_TOLERANCE, True, "as promised"),
     (0.90 - COVERAGE_TOLERANCE - 0.001, False, "a little less often"),
     (0.90 - COVERAGE_SHORTFALL, False, "a little less often"),
     (0.90 - COVERAGE_SHORTFALL - 0.001, False, "much less often"), (0.0, False, "much less often")],
)
def test_coverage_judgement_thresholds(coverage: float, good: bool, words: str) -> None:
    judgement = coverage_judgement(coverage, 0.90)
    assert judgement.good is good and judgement.text.startswith(words)


def test_coverage_sentence_names_level_coverage_and_judgement_and_a_short_test() -> None:
    sentence = coverage_sentence(0.9, [0.5], points=COVERAGE_FEW_POINTS)
    assert "90%" in sentence.text and "50%" in sentence.text and "don't rely on the band" in sentence.text
    assert "rough check" not in sentence.text
    assert "only 4 test points" in coverage_sentence(0.9, [1.0], points=4).text
    by_step = coverage_sentence(0.9, [0.91, 0.89, None, 0.80], points=300)
    assert "91% of the time one step ahead and 87% on average over 3 steps" in by_step.text
    assert not by_step.good and "a little less often than promised" in by_step.text  # the worse of the two
    assert coverage_sentence(0.9, [0.9, 0.9], points=300).good
    assert not coverage_sentence(0.9, [None], points=300).good


def test_steps_pluralise_and_keep_multi_unit_steps_readable() -> None:
    assert (steps(1, "day"), steps(73, "day"), steps(24, "15 minutes")) == ("1 day", "73 days",
                                                                             "24 steps of 15 minutes")


def test_verdict_and_names_use_fitted_labels() -> None:
    assert model_name("arima", {"arima": "ARIMA(1,0,0)"}) == "ARIMA(1,0,0)"
    assert model_name("naive") == MODEL_NAMES["naive"]
    assert "ARIMA(1,0,0)" in verdict(2.0, 2.5, ("arima", 1.0), {"arima": "ARIMA(1,0,0)"})


def test_every_setting_has_a_label_and_every_target_a_phrase() -> None:
    assert set(FIELD_LABELS) == set(FIELD_HELP)
    assert set(TARGET_LABELS) == set(TARGETS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("temp_max", "temp_max"),
        ("  two\tcolumns\n\nhere  ", "two columns here"),
        ("bidi\u202eevil\u200b", "bidi evil"),
        ("nul\x00byte\x1b[31m", "nul byte [31m"),
        (42, "42"),
        ("", ""),
        ("\x00\x01", ""),
    ],
)
def test_safe_label(text, expected):
    assert safe_label(text) == expected


def test_safe_label_truncates_with_ellipsis():
    label = safe_label("x" * 100, limit=10)
    assert label == "x" * 9 + "…" and len(label) == 10
    assert safe_label("abc", limit=3) == "abc"


@pytest.mark.parametrize(
    ("column", "unit"),
    [("temp_max", "°C"), ("Temperature (°C)", "°C"), ("celsius", "°C"), ("Temp (°F)", "°F"),
     ("fahrenheit_high", "°F"), ("temp_f", "°F"), ("TMAX (F)", "°F"), ("tmin_degF", "°F"), ("temp_c", "°C"),
     ("fog", ""), ("sales", ""), ("", "")],
)
def test_unit_for(column, unit):
    assert unit_for(column) == unit


def test_frequency_words_are_plain() -> None:
    assert [frequency_word(f) for f in ("D", "h", "15min", "W-SUN", "MS", "QS-JAN", "odd")] == [
        "day", "hour", "15 minutes", "week", "month", "quarter", "step"]


def test_verdict_names_the_best_reference_plainly():
    def metrics(**maes):
        return {name: {"mae": mae} for name, mae in maes.items()}

    def sentence(scores):
        return verdict(scores["lstm"]["mae"], scores["naive"]["mae"], best_reference(scores))

    text = sentence(metrics(lstm=2.0, naive=2.5, seasonal_naive=3.0, mean=5.0, ets=2.2, arima=1.9))
    assert "beats the naive forecast" in text and "but NOT ARIMA" in text and "1.9" in text
    text = sentence(metrics(lstm=1.5, naive=2.5, seasonal_naive=3.0, mean=5.0, ets=2.2, arima=float("nan")))
    assert text.startswith("The LSTM beats every reference") and "ETS" in text
    text = sentence(metrics(lstm=3.5, naive=2.5, seasonal_naive=3.0, mean=5.0))
    assert text.startswith("The LSTM does NOT beat the naive forecast") and "best reference" not in text


def test_verdict_without_any_scored_reference_says_so() -> None:
    assert verdict(1.0, 2.0, None) == "The LSTM's test MAE is 1; no reference could be scored."


def test_verdict_uses_a_fitted_variants_own_label() -> None:
    text = verdict(2.0, 2.5, ("arima", 1.9), {"arima": "ARIMA(2,0,2)"})
    assert text == ("The LSTM beats the naive forecast on the test data (MAE 2 vs 2.5) but NOT ARIMA(2,0,2), "
                    "which is better still with MAE 1.9.")


def test_verdict_worse_than_naive_also_names_a_better_reference() -> None:
    text = verdict(3.0, 2.5, ("seasonal_naive", 2.2))
    assert text.startswith('The LSTM does NOT beat the naive forecast ("same as the previous step") on the test data')
    assert text.endswith('the best reference is "same as one season ago" (seasonal naive), with MAE 2.2.')


def test_model_names_and_amounts() -> None:
    assert model_name("arima", {"arima": "ARIMA(2,0,2)"}) == "ARIMA(2,0,2)"
    assert model_name("arima", {"arima": ""}) == model_name("arima") == "ARIMA"
    assert model_name("unknown") == "unknown"
    assert amount(2.2345, "°C") == "2.23 °C" and amount(0.000123456, "mm", digits=2) == "0.00012 mm"


def test_every_model_status_and_state_has_its_words() -> None:
    assert set(MODEL_COLUMNS) <= set(MODEL_NAMES)
    assert set(REFERENCES) | {"mean"} <= set(REFERENCE_WORDS)
    assert set(FINAL_STATUSES) == set(STATUS_MESSAGES) and set(FINAL_STATUSES) <= set(STATE_TEXT)
    assert set(END_STATES) <= set(STATE_TEXT)


def test_the_lead_says_plainly_when_a_simple_rule_beats_the_lstm_and_what_to_use() -> None:
    lost = lead_sentence(0.5, ("drift", 0.3), "drift", {"drift": 1.0}, unit="°C")
    assert not lost.good
    assert lost.text == ('The LSTM loses to a simple rule, "last value + the average trend" (drift), on the test '
                         'period (off by 0.5 °C on average against 0.3 °C): use "last value + the average trend" '
                         "(drift).")
    favoured = lead_sentence(0.5, ("seasonal_naive", 0.3), "lstm", {"lstm": 1.0})
    assert 'use "same as one season ago" (seasonal naive) (the validation period favoured the LSTM' in favoured.text
    unchecked = lead_sentence(0.5, ("seasonal_naive", 0.3), "lstm", {"lstm": 1.0}, validated=False)
    assert unchecked.text.endswith('use "same as one season ago" (seasonal naive).')
    exact = lead_sentence(0.1, ("drift", 0.0), "drift", {"drift": 1.0})
    assert exact.text.startswith("The LSTM loses to a simple rule") and not exact.good
    # no validation data: the rule was chosen on the training span, and the sentences say so
    short = lead_sentence(3.0, ("ets", 0.5), "naive", {"naive": 1.0}, span="training")
    assert short.text.endswith('use "same as the previous step" (naive), the forecast chosen on the training period.')
    why = recommendation_sentence("naive", {"naive": 1.0}, {"naive": 2.09, "seasonal_naive": 8.7}, "naive",
                                  span="training")
    assert why.startswith('Recommended: a simple rule, "same as the previous step" (naive): the series is too short')
    assert "could not be checked before the test period" in why and "2.09 on average on the training data" in why


def test_the_lead_names_a_fitted_winner_a_blend_and_a_tie() -> None:
    labels = {"arima": "ARIMA(2,1,1)"}
    won = lead_sentence(1.0, ("arima", 2.0), "blend", {"lstm": 0.7, "arima": 0.3}, labels=labels)
    assert won.good and won.text.startswith("The LSTM beats the best reference, ARIMA(2,1,1), on the test period")
    assert "use the blend 0.7 x LSTM + 0.3 x ARIMA(2,1,1), the forecast chosen on the validation period." in won.text
    lost = lead_sentence(3.0, ("arima", 2.0), "arima", {"arima": 1.0}, labels=labels)
    assert lost.text.startswith("The LSTM loses to ARIMA(2,1,1) on the test period") and "simple rule" not in lost.text
    tie = lead_sentence(0.04, ("seasonal_step", 0.04), "lstm", {"lstm": 1.0})
    assert "only as good as" in tie.text and not tie.good
    assert "with care" in lead_sentence(1.0, None, "lstm", {"lstm": 1.0}).text
    blend = lead_heading("blend", {"lstm": 0.5, "ets": 0.5})
    assert blend == "Forecast to use: 0.5 x LSTM + 0.5 x ETS (exponential smoothing)"
