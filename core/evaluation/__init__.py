"""Evaluation wing: how good a forecast is, measured on identical targets against honest references.

Modules:
    metrics         MAE, RMSE, sMAPE, MASE in original units
    baselines       the simple rules (naive, seasonal naive, seasonal step, climatology, drift, mean), fitted
                    before a position and run forward causally, one step or many steps ahead
    classical       ETS and ARIMA (statsmodels), fitted before the test span, then filtered forward
    scoring         ``evaluate_test``: every model's one-step test predictions and metrics; ``best_reference``
    recommendation  the forecast to use (LSTM, a reference or a blend), chosen on validation only
    intervals       split-conformal half widths per step, coverage, the future forecast with its band
    bands           rolling adaptive conformal bands per step and their coverage per step on the test span
    backtest        rolling origins and per-step errors of any set of forecasters
    diagnostics     copy-cat shifts, the overfitting epoch, the naive level and skill of the loss chart

May import: ``core.model``, ``core.data``, the base. A new reference model goes into ``baselines`` (a simple rule)
or ``classical`` (a fitted model), then into ``scoring.MODEL_COLUMNS`` and ``REFERENCES`` and
``core.words.MODEL_NAMES``. docs/forecast-quality.md gives each reference's formula.
"""

__all__ = [
    "metrics", "baselines", "classical", "scoring", "recommendation", "intervals", "bands", "backtest", "diagnostics",
]
