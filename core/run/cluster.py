"""Connect to Ray: an embedded local Ray on this machine by default, or the cluster ``RAY_ADDRESS`` names.

The embedded Ray is started with ``ray.init(address="local", include_dashboard=False, ...)`` (a bare ``ray.init()``
would attach to any ``ray start`` cluster it finds) in a temp dir of its own, which :func:`disconnect` removes.
Its workers run at normal priority (``RAY_worker_niceness=0``: at Ray's default nice 15 any normal-priority load,
the web server included, starves them) and can import the project (its root is put on their ``PYTHONPATH``).
With ``RAY_ADDRESS`` set, the app and the CLI use that cluster; Ray itself reads its token variables
(``RAY_AUTH_MODE``, ``RAY_AUTH_TOKEN``) from the environment, and every node needs the project at the same path
(``docs/scale-out.md``). Nothing here imports TensorFlow.

``ray.init`` runs in a keeper thread that lives until :func:`disconnect`: Ray's processes are started with
``PR_SET_PDEATHSIG``, which the kernel fires when the *thread* that started them ends, so an embedded Ray
started from a short-lived thread (a Streamlit script run) was killed seconds later.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray

from core.errors import TrainingError

__all__ = ["PROJECT_ROOT", "ClusterInfo", "cluster_address", "connect", "connected", "disconnect"]


#: The checkout's root: what a worker needs on its ``sys.path`` to import ``core``.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


_lock = threading.Lock()
_own_temp_dir: Path | None = None
_info: ClusterInfo | None = None
_release = threading.Event()


@dataclass(frozen=True)
class ClusterInfo:
    """Where trainings run.

    Attributes:
        address: the GCS address (``host:port``) of the Ray this process is connected to.
        embedded: True for the local Ray this process started, False for a cluster from ``RAY_ADDRESS``.
        cpus: logical CPUs of the whole cluster.
        nodes: live nodes.
        temp_dir: Ray's session directory root for an embedded Ray, else None.
        seconds: how long connecting took.
    """

    address: str
    embedded: bool
    cpus: float
    nodes: int
    temp_dir: Path | None
    seconds: float


def cluster_address() -> str | None:
    """``RAY_ADDRESS`` when set (the cluster to use), else None (start an embedded Ray)."""
    address = os.environ.get("RAY_ADDRESS", "").strip()
    return address or None


def _runtime_env() -> dict[str, dict[str, str]]:
    paths = [str(PROJECT_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {"env_vars": {"PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)),
                         "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}}


def _init_in_keeper(**options: Any) -> Any:
    """``ray.init(**options)`` in a daemon thread that then waits for :func:`disconnect`; its context."""
    outcome: dict[str, Any] = {}
    started = threading.Event()
    _release.clear()

    def keep() -> None:
        try:
            outcome["context"] = ray.init(**options)
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error
        started.set()
        if "context" in outcome:
            _release.wait()

    threading.Thread(target=keep, name="lstm-ray-keeper", daemon=True).start()
    started.wait()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["context"]


def connected() -> ClusterInfo | None:
    """The current connection, or None."""
    with _lock:
        return _info if ray.is_initialized() else None


def connect(cpus: int | None = None, temp_dir: str | Path | None = None) -> ClusterInfo:
    """Connect this process to Ray once (later calls return the same connection).

    Args:
        cpus: logical CPUs of an embedded Ray (default: this machine's cores); ignored for a cluster.
        temp_dir: root of an embedded Ray's session files (default: ``LSTM_RAY_TMPDIR`` or a fresh temp dir
            removed by :func:`disconnect`). Keep it short: Ray's socket paths must fit in 107 characters.

    Raises:
        TrainingError: Ray could not start or the cluster could not be reached (one line, what to check).
    """
    global _info, _own_temp_dir
    with _lock:
        if _info is not None and ray.is_initialized():
            return _info
        started = time.monotonic()
        address = cluster_address()
        root: Path | None = None
        try:
            if address is None:
                os.environ.setdefault("RAY_worker_niceness", "0")  # read by the raylet this call starts
                if temp_dir is None and os.environ.get("LSTM_RAY_TMPDIR"):
                    temp_dir = os.environ["LSTM_RAY_TMPDIR"]
                if temp_dir is None:
                    root = _own_temp_dir = Path(tempfile.mkdtemp(prefix="lstm-ray-"))
                else:
                    root = Path(temp_dir)
                    root.mkdir(parents=True, exist_ok=True)
                context = _init_in_keeper(
                    address="local", include_dashboard=False, num_cpus=cpus or os.cpu_count() or 1,
                    _temp_dir=str(root), log_to_driver=False, runtime_env=_runtime_env(), configure_logging=False)
            else:
                context = _init_in_keeper(address=address, log_to_driver=False, runtime_env=_runtime_env(),
                                          configure_logging=False)
        except Exception as error:  # Ray raises ConnectionError, RuntimeError, ValueError, ... for the same thing
            where = f"the Ray cluster at {address}" if address else "a local Ray"
            hint = " (check RAY_ADDRESS and the cluster's token: RAY_AUTH_TOKEN)" if address else ""
            raise TrainingError(f"Could not connect to {where}{hint}: {type(error).__name__}: {error}") from error
        nodes = [node for node in ray.nodes() if node.get("Alive")]
        gcs = getattr(context, "address_info", {}).get("gcs_address", address or "")
        _info = ClusterInfo(
            address=str(gcs), embedded=address is None,
            cpus=float(ray.cluster_resources().get("CPU", 0.0)), nodes=len(nodes),
            temp_dir=root, seconds=time.monotonic() - started,
        )
        atexit.register(disconnect)  # a process that ends without disconnecting leaves no temp dir behind
        return _info


def disconnect() -> None:
    """Shut this process's Ray connection down (an embedded Ray stops) and remove its own temp dir."""
    global _info, _own_temp_dir
    with _lock:
        if ray.is_initialized():
            ray.shutdown()
        _release.set()
        _info = None
        if _own_temp_dir is not None:
            shutil.rmtree(_own_temp_dir, ignore_errors=True)
            _own_temp_dir = None
