"""The report card: plain sentences with the series' unit and step word, no markdown."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.dashboard.report import lead_verdict, report_card
from core.run.pipeline import run_forecast
from core.run.results import ForecastRun
from tests.core.fakes import TINY, daily


def test_report_card_plain_sentences_with_unit_and_step() -> None:
    values = daily()
    run = run_forecast(values, TINY)
    card = report_card(run)
    assert card[0].startswith(f"On {len(run.predictions)} unseen days the model is off by")
    assert "°C" in card[0] and "simply repeating the previous day" in card[0]
    assert any("band held" in s for s in card)
    assert all("*" not in s for s in card)


def test_report_card_names_the_winning_simple_rule_and_the_forecast_to_use_like_the_forecast_page() -> None:
    n = 160
    ramp = pd.Series(10 + 0.25 * np.arange(n), index=pd.date_range("2023-01-01", periods=n, freq="D"), name="temp")
    run = run_forecast(ramp, TINY)
    assert run.best_reference is not None and run.recommendation is not None and not run.beats_best_reference()
    card = report_card(run)
    lead = card[1]
    assert lead.startswith("The LSTM loses to a simple rule, ") and "on the test period" in lead
    assert f"({run.best_reference[0].replace('_', ' ')})" in lead, "names the best reference"
    assert "use " in lead and f"({run.recommendation.model.replace('_', ' ')})" in lead.split("use ", 1)[1]
    assert card[2].startswith("Recommended: a simple rule,"), "why it was chosen (validation scores only)"
    assert lead_verdict(run).text == lead and not lead_verdict(run).good, "the Forecast page's lead, word for word"
    unusable = ForecastRun(config=TINY, status="diverged", history=[], best_epoch=None, train_seconds=0.0,
                           value_column="temp", frequency="D", season_length=1)
    with pytest.raises(ValueError):
        lead_verdict(unusable)
