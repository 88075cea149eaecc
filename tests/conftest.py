"""What every kind of test needs: TensorFlow's C++ log level set before anything imports it, and trainings in
threads of the test process (``LSTM_BACKEND=inprocess``) unless a test starts its own Ray.

Nothing here imports Playwright or starts a server: the browser fixtures live in ``tests/browser/conftest.py``,
and paths and ``wait_for`` in ``tests/helpers.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# AppTest and unit tests train in threads of the test process; the browser tests' servers and tests/ray use Ray.
os.environ.setdefault("LSTM_BACKEND", "inprocess")
