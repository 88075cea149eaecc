"""The command line, run as a user would: ``python -m core ...`` in a subprocess."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.data.datasets import builtin_csv_bytes
from tests.helpers import ROOT

TINY = ["--set", "epochs=3", "--set", "units=4", "--quiet"]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def seattle_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "seattle.csv"
    path.write_bytes(builtin_csv_bytes("seattle"))
    return path


def test_check_prints_the_json_report(seattle_csv: Path) -> None:
    result = _run("check", str(seattle_csv))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) >= {"rows", "start", "end", "frequency", "date_column", "value_column", "repairs", "summary"}
    assert report["rows"] == 1461 and report["frequency"] == "D"
    assert report["value_column"] == "temp_max"
    assert set(report["summary"]) == {"min", "max", "mean"}


def test_check_reports_repairs(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text("date,temp\n2024-01-03,3\n2024-01-01,1\n2024-01-02,n/a\n2024-01-05,5\n"
                    + "".join(f"2024-01-{d:02d},{d}\n" for d in range(6, 20)), encoding="utf-8")
    result = _run("check", str(path))
    assert result.returncode == 0, result.stderr
    kinds = {r["kind"] for r in json.loads(result.stdout)["repairs"]}
    assert {"sorted", "junk_cells", "gaps_filled"} <= kinds


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"", "empty"), (b"date,temp\n", "No data rows"), (b'{"a": [1, 2]}', "not a text CSV"),
     (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text CSV")],
)
def test_check_refuses_bad_input_with_one_error_line(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = _run("check", str(path))
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and needle in last
    assert "Traceback" not in result.stderr


def test_missing_file_is_exit_2(tmp_path: Path) -> None:
    result = _run("check", str(tmp_path / "nope.csv"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error:")


def test_forecast_writes_every_output_and_config_reproduces(seattle_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "run1"
    result = _run("forecast", str(seattle_csv), "--out", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    for name in ("config.json", "metrics.json", "predictions.csv", "forecast.csv", "history.csv",
                 "model.keras", "meta.json", "data_report.json", "backtest.csv"):
        assert (out / name).is_file(), name
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("done:") and "best reference" in last and "Recommended:" in last
    metrics = json.loads((out / "metrics.json").read_text())
    references = ["naive", "seasonal_naive", "seasonal_step", "climatology", "drift", "mean", "ets", "arima"]
    assert set(metrics["test"]) - {"blend"} == {"lstm", *references}
    assert set(metrics["test"]["lstm"]) == {"mae", "rmse", "smape", "mase"}
    assert {"level", "coverage", "coverage_by_step"} <= set(metrics["interval"])
    assert metrics["best_reference"] in references and isinstance(metrics["beats_best_reference"], bool)
    assert len(metrics["interval"]["coverage_by_step"]) == len(metrics["backtest"]["lstm"])
    with (out / "backtest.csv").open() as handle:
        assert next(csv.reader(handle))[:6] == ["fold", "origin", "step", "target", "date", "actual"]
    assert metrics["epochs_run"] == 3 and metrics["status"] == "completed"
    with (out / "predictions.csv").open() as handle:
        header = next(csv.reader(handle))
    assert header[:10] == ["date", "actual", "lstm", *references[:-2], "ets", "arima"][:10]
    with (out / "forecast.csv").open() as handle:
        rows = list(csv.reader(handle))
    config = json.loads((out / "config.json").read_text())
    assert rows[0][:5] == ["date", "forecast", "lower", "upper", "recommended"] and len(rows) == 1 + config["horizon"]
    with (out / "history.csv").open() as handle:
        assert next(csv.reader(handle)) == ["epoch", "loss", "val_loss", "seconds"]

    again = tmp_path / "run2"
    result = _run("forecast", str(seattle_csv), "--out", str(again), "--config", str(out / "config.json"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert json.loads((again / "config.json").read_text()) == config
    assert (again / "predictions.csv").read_text() == (out / "predictions.csv").read_text()


def test_forecast_seed_setup_with_partial_config(tmp_path: Path) -> None:
    data = tmp_path / "seed.csv"
    data.write_bytes(builtin_csv_bytes("seed"))
    config = tmp_path / "seed.json"
    config.write_text(json.dumps({"window": 5, "units": 50, "epochs": 5, "batch_size": 1, "patience": 0,
                                  "validation_fraction": 0, "test_fraction": 0.34}))
    result = _run("forecast", str(data), "--out", str(tmp_path / "out"), "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("epoch ") >= 5, "one progress line per epoch on stderr"
    used = json.loads((tmp_path / "out" / "config.json").read_text())
    assert used["units"] == 50 and used["validation_fraction"] == 0


@pytest.mark.parametrize(
    "override", ["units=4096", "epochs=1000000", "learning_rate=0", "learning_rate=nan", "window=5000", "bogus=1"]
)
def test_forecast_refuses_bad_config(seattle_csv: Path, tmp_path: Path, override: str) -> None:
    result = _run("forecast", str(seattle_csv), "--out", str(tmp_path / "out"), "--set", override)
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and override.split("=")[0] in last


def test_forecast_auto_writes_the_search_and_the_winners_config(seattle_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "auto"
    result = _run("forecast", str(seattle_csv), "--out", str(out), "--auto", "--budget-seconds", "40",
                  "--set", "epochs=2", "--set", "units=4")
    assert result.returncode == 0, result.stderr
    assert "Auto mode: candidate 1 of" in result.stderr and "Winner: candidate" in result.stderr
    search = json.loads((out / "search.json").read_text())
    assert search["winner"] >= 1 and search["budget_seconds"] == 40 and search["seconds"] < 40 + 5
    assert "validation" in search["reason"]
    again = tmp_path / "again"  # the winner's config.json trains the same model without searching
    result = _run("forecast", str(seattle_csv), "--out", str(again), "--config", str(out / "config.json"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert (again / "predictions.csv").read_text() == (out / "predictions.csv").read_text()


def test_forecast_auto_refuses_a_bad_budget(seattle_csv: Path, tmp_path: Path) -> None:
    result = _run("forecast", str(seattle_csv), "--out", str(tmp_path / "out"), "--auto", "--budget-seconds", "0")
    assert result.returncode == 2 and result.stderr.strip().splitlines()[-1].startswith("error: --budget-seconds")


def test_forecast_with_a_covariate_column(tmp_path: Path) -> None:
    import numpy as np

    days = 200
    t = np.arange(days)
    lines = ["date,temp,wind"] + [
        f"{np.datetime64('2021-01-01') + i},{15 + 5 * np.sin(i / 5):.3f},"
        f"{3 + np.cos(i / 7):.3f}" for i in t
    ]
    data = tmp_path / "weather.csv"
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "cov"
    result = _run("forecast", str(data), "--out", str(out), "--value-column", "temp", "--set", "covariates=wind",
                  *TINY)
    assert result.returncode == 0, result.stderr
    meta = json.loads((out / "meta.json").read_text())
    assert meta["features"]["covariates"] == ["wind"] and len(meta["recent"]["covariates"]["wind"]) >= 1
    bad = _run("forecast", str(data), "--out", str(tmp_path / "bad"), "--set", "covariates=rain", *TINY)
    assert bad.returncode == 2 and "no column 'rain'" in bad.stderr.strip().splitlines()[-1]
