"""``core.words``: safe labels, step words and units, and the verdict and comparison sentences people read."""

from __future__ import annotations

import pytest

from core.dashboard.jobs import END_STATES
from core.evaluation.scoring import MODEL_COLUMNS, REFERENCES, best_reference
from core.model.progress import FINAL_STATUSES
from core.words import (
    MODEL_NAMES,
    REFERENCE_WORDS,
    STATE_TEXT,
    STATUS_MESSAGES,
    amount,
    comparison,
    frequency_word,
    model_name,
    safe_label,
    unit_for,
    verdict,
)


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
     ("fahrenheit_high", "°F"), ("sales", ""), ("", "")],
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
                    "which is better still (MAE 1.9).")


def test_verdict_worse_than_naive_also_names_a_better_reference() -> None:
    text = verdict(3.0, 2.5, ("seasonal_naive", 2.2))
    assert text.startswith('The LSTM does NOT beat the naive forecast ("same as last step") on the test data')
    assert text.endswith('the best reference is "same as one season ago" (seasonal naive) (MAE 2.2).')


def test_comparison_better_than_naive_but_not_the_best_reference_says_prefer_it() -> None:
    assert comparison(2.0, 2.5, ("arima", 1.9), unit="°C", step="day") == [
        "On the test period the model is off by 2 °C on average, 20 % better than simply repeating the previous "
        "day (2.5 °C).",
        'It beats "same as the previous day" but not ARIMA, which is off by only 1.9 °C on the same test points: '
        "prefer that model here.",
    ]


def test_comparison_worse_than_naive_warns_in_one_sentence_when_naive_is_the_best() -> None:
    assert comparison(3.0, 2.0, ("naive", 2.0)) == [
        'The model does not beat "same as the previous step": on the test period the model is off by 3 on average, '
        "50 % worse than simply repeating the previous step (2). Don't trust this forecast more than that simple rule."
    ]


def test_comparison_worse_than_both_names_the_best_reference() -> None:
    sentences = comparison(3.0, 2.5, ("seasonal_naive", 2.2), step="hour")
    assert len(sentences) == 2 and "20 % worse than simply repeating the previous hour (2.5)" in sentences[0]
    assert sentences[1] == 'The best reference here is "same as one season ago" (seasonal naive) (2.2).'


def test_comparison_beating_every_reference_uses_the_variants_label() -> None:
    sentences = comparison(1.0, 2.0, ("ets", 1.5), labels={"ets": "ETS(A,N,A)"})
    assert sentences[1] == ("It also beats the best classical reference, ETS(A,N,A), which is off by 1.5 on the same "
                            "test points.")


def test_comparison_leaves_out_what_it_cannot_say() -> None:
    assert comparison(1.0, 0.0, None) == ["On the test period the model is off by 1 on average."]  # naive is exact
    assert len(comparison(1.0, 2.0, ("ets", float("nan")))) == 1  # an unscored reference is not compared
    everything = comparison(2.0, 2.5, ("arima", 1.9)) + comparison(3.0, 2.0, ("mean", 2.5))
    assert all("*" not in sentence and "\n" not in sentence for sentence in everything)  # plain text, no markdown


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
