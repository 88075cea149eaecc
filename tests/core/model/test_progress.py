"""``core.model.progress``: an epoch's record as JSON, and controls that never share a stop flag."""

from __future__ import annotations

import json

from core.model.progress import EpochRecord, TrainControl


def test_epoch_record_to_dict_is_json_with_every_field() -> None:
    record = EpochRecord(3, 0.25, None, 0.5, val_mae=None)
    assert json.loads(json.dumps(record.to_dict())) == {
        "epoch": 3, "loss": 0.25, "val_loss": None, "seconds": 0.5, "val_mae": None}
    assert EpochRecord(**record.to_dict()) == record


def test_each_control_has_its_own_stop_event() -> None:
    first, second = TrainControl(), TrainControl()
    first.stop_event.set()
    assert not second.stop_event.is_set()
    assert first.on_epoch is None and first.after_epoch is None

