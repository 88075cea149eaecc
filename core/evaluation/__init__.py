"""Evaluation wing: how good a forecast is, measured on identical targets against honest references.

Modules:
    metrics      MAE, RMSE, sMAPE, MASE in original units
    baselines    naive, seasonal naive and mean: one-step predictions and multi-step forecasters
    classical    ETS and ARIMA (statsmodels), fitted before the test span, then filtered forward
    scoring      ``evaluate_test``: every model's one-step test predictions and metrics; ``best_reference``
    intervals    split-conformal half widths per step, coverage, the future forecast with its band
    backtest     rolling origins and per-step errors of any set of forecasters
    diagnostics  copy-cat shifts, the overfitting epoch, the naive level and skill of the loss chart

May import: ``core.model``, ``core.data``, the base. A new reference model goes into ``baselines`` (a simple rule)
or ``classical`` (a fitted model), then into ``scoring.MODEL_COLUMNS`` and ``core.words.MODEL_NAMES``.
"""

__all__ = ["metrics", "baselines", "classical", "scoring", "intervals", "backtest", "diagnostics"]
