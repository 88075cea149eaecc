"""A web process that trains on a worker and builds everything the pages show never imports TensorFlow."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

from tests.helpers import ROOT

#: What the pages do with a finished run, in a fresh process that trains through its own embedded Ray.
WEB_PROCESS = """
import io, json, sys, zipfile
from core.dashboard.charts import forecast_figure, loss_figure
from core.dashboard.export import bundle_zip, forecast_csv, predictions_csv
from core.dashboard.learn_charts import gates_figure, replay_figure
from core.dashboard.quality_charts import backtest_figure
from core.dashboard.report import report_card
from core.evaluation.diagnostics import copycat
from core.model.internals import lstm_internals
from core.model.progress import TrainControl
from core.run import cluster
from core.run.pool import WorkerPool
from core.run.portable import Plan, model_input, predict_next
from tests.ray.conftest import TINY, series

pool = WorkerPool(1, temp_dir=sys.argv[1], background=False)
values = series()
epochs = []
run = pool.run(values, TINY, TrainControl(on_epoch=epochs.append), Plan("replay"))
history = values.iloc[:200]
inside = lstm_internals(run.model, model_input(run, history))
gates_figure(inside, history.iloc[-TINY.window:], prediction=predict_next(run, history))
changed = history.copy()
changed.iloc[-1] += 3.0
what_if = predict_next(run, changed) - predict_next(run, history)
forecast_figure(run, values)
loss_figure(run.history, best_epoch=run.best_epoch, epochs=TINY.epochs)
replay_figure(run.replay)
backtest_figure(run.backtest)
predicted = run.predictions
cards = report_card(run, copycat(predicted["actual"], predicted["lstm"]))
archive = bundle_zip(run)
forecast_csv(run), predictions_csv(run)
pool.close()
cluster.disconnect()
print("RESULT " + json.dumps({
    "tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules, "epochs": len(epochs),
    "zip": sorted(zipfile.ZipFile(io.BytesIO(archive)).namelist()), "what_if": what_if, "cards": len(cards),
    "gates": list(inside.hidden.shape),
}))
"""


def test_the_pages_objects_of_a_worker_trained_run_need_no_tensorflow() -> None:
    temp = tempfile.mkdtemp(prefix="lstm-ray-w-", dir="/tmp")
    env = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    try:
        done = subprocess.run([sys.executable, "-c", WEB_PROCESS, temp], cwd=ROOT, capture_output=True, text=True,
                              timeout=600, env={**env, "TF_CPP_MIN_LOG_LEVEL": "2"})
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stderr[-3000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["tensorflow"] is False and result["keras"] is False
    assert result["epochs"] == 4 and result["zip"] == ["meta.json", "model.keras"] and result["cards"] >= 2
    assert result["what_if"] != 0.0 and result["gates"] == [8, 6]


def test_the_modules_the_pages_use_import_no_tensorflow() -> None:
    modules = ("core.dashboard.jobs", "core.dashboard.export", "core.dashboard.learn_charts", "core.model.internals",
               "core.run.portable", "core.run.pool", "core.run.bundle", "core.run.cluster", "core.run.workers")
    code = f"import sys, {', '.join(modules)}; print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stderr[-2000:]
