"""Display words: the comparison sentences, the coverage judgement, step counts and the settings labels."""

from __future__ import annotations

import pytest

from core.config import FIELD_HELP, FIELD_LABELS, TARGET_LABELS, TARGETS
from core.words import (
    COVERAGE_FEW_POINTS,
    COVERAGE_SHORTFALL,
    COVERAGE_TOLERANCE,
    MODEL_NAMES,
    REFERENCE_WORDS,
    comparison,
    coverage_judgement,
    coverage_sentence,
    model_name,
    steps,
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
    sentence = coverage_sentence(0.5, 0.9, points=COVERAGE_FEW_POINTS)
    assert "90%" in sentence.text and "50%" in sentence.text and "don't rely on the band" in sentence.text
    assert "rough check" not in sentence.text
    assert "only 4 test points" in coverage_sentence(1.0, 0.9, points=4).text


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
