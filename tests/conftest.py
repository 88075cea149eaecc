"""What every kind of test needs: TensorFlow's C++ log level set before anything imports it.

Nothing here imports Playwright or starts a server: the browser fixtures live in ``tests/browser/conftest.py``,
and paths and ``wait_for`` in ``tests/helpers.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
