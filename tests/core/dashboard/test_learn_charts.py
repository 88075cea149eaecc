"""The Learn page's figures: the replay animates one frame per snapshot, the seed band spans every seed, the
copy-cat bars mark the closest match."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.dashboard.learn_charts import copycat_figure, replay_figure, seed_band_figure
from core.evaluation.diagnostics import CopycatResult
from core.run.results import Replay, SeedSpread

DATES = pd.date_range("2024-01-01", periods=4, freq="D")


def test_replay_figure_has_a_frame_and_a_slider_step_per_snapshot() -> None:
    replay = Replay(dates=DATES, actual=np.array([1.0, 2.0, 3.0, 4.0]), epochs=[1, 2, 4],
                    predictions=[np.zeros(4), np.ones(4), np.full(4, 9.0)])
    fig = replay_figure(replay, unit="°C")
    assert [frame.name for frame in fig.frames] == ["1", "2", "4"]
    assert [step.label for step in fig.layout.sliders[0].steps] == ["1", "2", "4"]
    assert list(fig.frames[2].data[0].y) == [9.0] * 4
    assert fig.layout.yaxis.range[0] < 0.0 and fig.layout.yaxis.range[1] > 9.0  # every snapshot fits
    with pytest.raises(ValueError, match="no snapshot"):
        replay_figure(Replay(dates=DATES, actual=np.zeros(4)))


def test_seed_band_spans_the_lowest_and_highest_forecast_of_every_seed() -> None:
    predictions = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 5.0, 3.0, 1.0], [2.0, 2.0, 2.0, 2.0]])
    spread = SeedSpread(seeds=[3, 4, 5], dates=DATES, actual=np.array([1.0, 2.0, 3.0, 4.0]), predictions=predictions,
                        maes=[0.5, 1.0, 1.25], statuses=["completed"] * 3)
    fig = seed_band_figure(spread, unit="°C")
    lowest, highest = fig.data[0], fig.data[1]
    assert list(lowest.y) == [0.0, 2.0, 2.0, 1.0] and list(highest.y) == [2.0, 5.0, 3.0, 4.0]
    assert [t.name for t in fig.data if t.name.startswith("seed ")] == [
        "seed 3 (off by 0.5)", "seed 4 (off by 1)", "seed 5 (off by 1.25)"]
    assert "3 times" in fig.layout.title.text


def test_copycat_bars_name_the_shifts_and_colour_the_closest_match() -> None:
    result = CopycatResult(shifts=(0, 1, 2), mae=(1.0, 0.2, 0.9), best_shift=1, is_copycat=True, verdict="")
    fig = copycat_figure(result, unit="°C", step_word="day")
    bars = fig.data[0]
    assert list(bars.x) == ["on time", "1 day late", "2 days late"]
    assert [colour == "rgb(214, 39, 40)" for colour in bars.marker.color] == [False, True, False]
