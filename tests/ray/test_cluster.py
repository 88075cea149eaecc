"""A real two-node Ray cluster started by the test (``ray start --head`` and a node joined by address, with token
authentication), used by the CLI through ``RAY_ADDRESS``, then stopped by process id with nothing left behind."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import ROOT
from tests.ray.conftest import live_processes, series, wait_until


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _node_ports() -> list[str]:
    """Ports of one node's own services, all free now (a second Ray on this machine must not collide)."""
    names = ("node-manager-port", "object-manager-port", "runtime-env-agent-port", "dashboard-agent-grpc-port",
             "dashboard-agent-listen-port", "metrics-export-port")
    ports = _free_ports(len(names))
    low = ports[0] % 20000 + 30000  # a worker port range of this node alone
    return [f"--{name}={port}" for name, port in zip(names, ports, strict=True)] + [
        f"--min-worker-port={low}", f"--max-worker-port={low + 60}"]


def _members(group: int) -> list[int]:
    """Live (not zombie) processes of the session ``group`` (a ``ray start --block`` started in a new session)."""
    listing = subprocess.run(["ps", "-eo", "pid=,pgid=,stat="], capture_output=True, text=True, check=True).stdout
    return [int(pid) for pid, pgid, stat in (line.split() for line in listing.splitlines())
            if int(pgid) == group and "Z" not in stat]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End one ``ray start --block`` and every process of its session, by process id."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # ray start --block stops the node's processes on SIGTERM
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    with contextlib.suppress(AssertionError):
        wait_until(lambda: not _members(process.pid), 15, "the node's processes to exit", interval=0.2)
    for pid in _members(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not _members(process.pid), 15, "the node's killed processes to be gone", interval=0.2)


@contextlib.contextmanager
def two_node_cluster(temp: Path, env: dict[str, str]) -> Iterator[str]:
    """A head and one more node (1 CPU each) on this machine; yields the head's address."""
    import ray._private.services

    ip = ray._private.services.get_node_ip_address()
    (port,) = _free_ports(1)
    address = f"{ip}:{port}"
    common = ["--num-cpus=1", f"--temp-dir={temp}", "--disable-usage-stats", "--block"]
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, arguments: list[str]) -> None:
        log = (temp.parent / f"{temp.name}-{name}.log").open("wb")
        started.append(subprocess.Popen(["ray", "start", *arguments, *common, *_node_ports()], env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True))

    def alive_nodes() -> int:
        probe = (f"import ray; ray.init(address={address!r}, log_to_driver=False); "
                 "print(sum(n['Alive'] for n in ray.nodes()))")
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
        return int(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 and done.stdout.strip() else 0

    try:
        start("head", ["--head", f"--port={port}", "--include-dashboard=false",
                       f"--ray-client-server-port={_free_ports(1)[0]}"])
        wait_until(lambda: alive_nodes() == 1, 180, "the head node", interval=1)
        start("node", [f"--address={address}"])
        wait_until(lambda: alive_nodes() == 2, 180, "the second node to join", interval=1)
        yield address
    finally:
        for process in reversed(started):
            _stop(process)


def test_the_cli_trains_on_a_two_node_cluster_named_by_ray_address() -> None:
    temp = Path(tempfile.mkdtemp(prefix="lstm-rc-", dir="/tmp"))
    token = secrets.token_hex(16)
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAY_")}
    env.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=token, RAY_worker_niceness="0", TF_CPP_MIN_LOG_LEVEL="2")
    csv = temp.parent / f"{temp.name}.csv"
    values = series(300)
    values.rename_axis("date").to_frame("temp").to_csv(csv)
    out = temp.parent / f"{temp.name}-out"
    try:
        with two_node_cluster(temp, env) as address:
            command = [sys.executable, "-m", "core", "forecast", str(csv), "--out", str(out), "--quiet", "--workers",
                       "2", "--set", "window=8", "--set", "units=6", "--set", "epochs=3", "--set", "backtest_folds=2"]
            done = subprocess.run(command, cwd=ROOT, env={**env, "RAY_ADDRESS": address}, capture_output=True,
                                  text=True, timeout=600)
            assert done.returncode == 0, done.stderr[-3000:]
            assert f"training on the Ray cluster at {address}, 2 node(s), 2 CPU(s): 2 worker(s)" in done.stderr
            metrics = json.loads((out / "metrics.json").read_text())
            assert metrics["epochs_run"] == 3 and metrics["test"]["lstm"]["mae"] > 0
            assert (out / "model.keras").stat().st_size > 0 and (out / "forecast.csv").exists()
            wrong = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                                   env={**env, "RAY_ADDRESS": address, "RAY_AUTH_TOKEN": "not-the-token"})
            assert wrong.returncode == 2 and "Could not connect to the Ray cluster" in wrong.stderr.splitlines()[-1]
        assert not live_processes(str(temp)), "a Ray process of the test cluster is still running"
    finally:
        shutil.rmtree(temp, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        for log in temp.parent.glob(f"{temp.name}*"):
            log.unlink(missing_ok=True) if log.is_file() else shutil.rmtree(log, ignore_errors=True)


def test_the_cli_forecasts_every_series_of_a_file_on_the_workers_at_once(tmp_path: Path) -> None:
    ray_dir = Path(tempfile.mkdtemp(prefix="lstm-as-", dir="/tmp"))
    frames = []
    for k, station in enumerate(["AAA", "BBB", "CCC"]):
        values = series(200, seed=k) + 10 * k
        frames.append(values.rename_axis("date").to_frame("temp").assign(station=station))
    csv = tmp_path / "stations.csv"
    import pandas as pd

    pd.concat(frames).reset_index()[["station", "date", "temp"]].to_csv(csv, index=False)
    out = tmp_path / "out"
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAY_")}
    command = [sys.executable, "-m", "core", "forecast", str(csv), "--out", str(out), "--all-series", "--ray",
               "--workers", "2", "--quiet", "--set", "window=8", "--set", "units=4", "--set", "epochs=2"]
    try:
        done = subprocess.run(command, cwd=ROOT, env={**env, "LSTM_RAY_TMPDIR": str(ray_dir),
                                                      "TF_CPP_MIN_LOG_LEVEL": "2"},
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stderr.count("training on an embedded local Ray") == 1, "one pool for every series"
        assert "2 worker(s)" in done.stderr
        rows = (out / "series_metrics.csv").read_text().splitlines()
        assert [row.split(",")[0] for row in rows[1:]] == ["AAA", "BBB", "CCC"], "in the file's order"
        for station in ("AAA", "BBB", "CCC"):
            assert json.loads((out / station / "metrics.json").read_text())["epochs_run"] == 2
        wait_until(lambda: not live_processes(str(ray_dir)), 30, "the CLI's Ray to be gone")
    finally:
        shutil.rmtree(ray_dir, ignore_errors=True)
