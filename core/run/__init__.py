"""Run wing: one forecast run end to end, and what it returns.

Modules:
    results      ``ForecastRun`` and its parts: ``Replay``, ``SeedSpread``, ``SearchReport``, ``CandidateResult``
    references   what a run is measured against: ETS/ARIMA (fitted in the background while the LSTM trains),
                 every reference's forecasts from every origin, the backtest, the validation choice of the
                 recommended forecast
    pipeline     ``run_forecast`` = ``fit`` (check, prepare, train) + ``complete`` (evaluate, recommend,
                 calibrate, backtest, forecast); ``predict_next`` and ``model_input`` for a trained run
    auto         auto mode: a seeded search over settings, judged on validation only
    bundle       save and load a trained model (``model.keras`` + ``meta.json``, no pickle)
    runners      what a job calls: the plain run, with a training replay, the seed spread, auto mode

May import: ``core.evaluation``, ``core.model``, ``core.data``, the base. Used by ``core.dashboard``, the CLI,
``ui/`` and ``pages/``.
"""

__all__ = ["results", "references", "pipeline", "auto", "bundle", "runners"]
