"""The backtest chart: one line per forecaster, escaped labels, axis titles in the series' words."""

from __future__ import annotations

import numpy as np

from core.dashboard.quality_charts import backtest_figure
from core.evaluation.backtest import backtest, rolling_origins
from core.evaluation.baselines import mean_forecaster, naive_forecaster


def test_backtest_figure_draws_one_line_per_forecaster_with_escaped_labels() -> None:
    values = np.array([0.0, 1.0, 3.0, 6.0, 10.0, 15.0])
    result = backtest(values, rolling_origins(6, 2, 2, 2), {"naive": naive_forecaster, "mean": mean_forecaster})
    figure = backtest_figure(result, "°C", labels={"naive": "<img src=x onerror=alert(1)>%{y}"}, step_word="day")
    assert [trace.name for trace in figure.data] == ["&lt;img src=x onerror=alert(1)&gt;%(y)", "mean"]
    assert list(figure.data[0].x) == [1, 2] and list(figure.data[0].y) == [3.0, 7.0]
    assert "<img" not in figure.data[0].hovertemplate and "%(y)" in figure.data[0].hovertemplate
    assert figure.layout.xaxis.title.text == "days ahead"
    assert figure.layout.yaxis.title.text == "MAE (°C)"
