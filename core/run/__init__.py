"""Run wing: one forecast run end to end, and what it returns.

Modules:
    results      ``ForecastRun`` and its parts: ``Replay``, ``SeedSpread``, ``SearchReport``, ``CandidateResult``
    references   what a run is measured against: ETS/ARIMA (fitted in the background while the LSTM trains,
                 in this process or as a Ray task), every reference's forecasts from every origin, the backtest,
                 the validation choice of the recommended forecast
    pipeline     ``run_forecast`` = ``fit`` (check, prepare, train) + ``complete`` (evaluate, recommend,
                 calibrate, backtest, forecast); Stop ends the work after training too
    auto         auto mode: a seeded search over settings, judged on validation only, on one or more lanes
    across       one LSTM across several series (each scaled on its own training span): ``fit_global`` gives one
                 ``Fitted`` per series sharing the network; ``choose_across``: per series or global, on validation
    bundle       save and load a trained model (``model.keras`` + ``meta.json``, no pickle)
    runners      what a job calls: the plain run, with a training replay, the seed spread, auto mode
    portable     what crosses to and from a training worker without TensorFlow: ``Plan``, the portable run,
                 ``model_input`` and ``predict_next``
    cluster      connect to Ray: an embedded local Ray, or the cluster ``RAY_ADDRESS`` names
    workers      the training worker (a threaded Ray actor) and the references task
    pool         where trainings run: ``InProcess`` or ``WorkerPool`` (warm workers, monitor, ``run_many``)

May import: ``core.evaluation``, ``core.model``, ``core.data``, the base. Used by ``core.dashboard``, the CLI,
``ui/`` and ``pages/``. ``portable``, ``cluster``, ``workers``, ``pool``, ``results`` and ``bundle`` import no
TensorFlow: the web process uses them.
"""

__all__ = ["results", "references", "pipeline", "auto", "across", "bundle", "runners", "portable", "cluster",
           "workers", "pool"]
