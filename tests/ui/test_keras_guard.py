"""``ui.keras_guard``: a script run of the app leaves Keras' session alone (no reset while a model trains)."""

from __future__ import annotations

import pytest

from tests.pages.drive import open_app

pytestmark = pytest.mark.apptest


def test_script_runs_do_not_reset_keras_while_a_model_trains() -> None:
    import keras

    from ui.keras_guard import is_guarded

    keras.layers.Dense(1)  # so a fresh name counter would hand out "dense" again
    open_app()
    second = keras.layers.Dense(1)
    assert is_guarded()
    assert second.name != "dense", "Streamlit reset Keras' session after a script run"
