"""The report card: plain sentences with the series' unit and step word, no markdown."""

from __future__ import annotations

from core.dashboard.report import report_card
from core.run.pipeline import run_forecast
from tests.core.fakes import TINY, daily


def test_report_card_plain_sentences_with_unit_and_step() -> None:
    values = daily()
    run = run_forecast(values, TINY)
    card = report_card(run)
    assert card[0].startswith(f"On {len(run.predictions)} unseen days the model is off by")
    assert "°C" in card[0] and "simply repeating the previous day" in card[0]
    assert any("band held" in s for s in card)
    assert all("*" not in s for s in card)
