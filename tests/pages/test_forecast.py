"""The Forecast page before any training: guidance, no downloads. (After a training: ``test_train``.)"""

from __future__ import annotations

import pytest

from tests.pages.drive import open_app, texts

pytestmark = pytest.mark.apptest


def test_forecast_page_before_training_gives_guidance() -> None:
    at = open_app()
    at.switch_page("pages/forecast.py").run()
    assert not at.exception
    assert "No trained model yet" in texts(at)
    assert len(at.get("download_button")) == 0
