"""The benchmark command runs (quick mode, a few cheap parts) and prints its table."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def test_bench_quick_runs_and_prints_the_table() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--parts", "seed,throughput"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| part | measure | ours | reference | ratio / target |" in result.stdout
    assert "| seed | fit seconds" in result.stdout
    assert "| throughput | windows/s" in result.stdout


def test_bench_refuses_an_unknown_part() -> None:
    result = subprocess.run([sys.executable, "-m", "bench", "--parts", "nonsense"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and "unknown part" in result.stderr
