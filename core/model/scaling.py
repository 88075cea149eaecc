"""Standardisation fitted on the training span only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Scaler"]


@dataclass(frozen=True)
class Scaler:
    """Standardisation ``(x - mean) / std`` fitted on training values only (``std`` 0 becomes 1)."""

    mean: float
    std: float

    @classmethod
    def fit(cls, values: np.ndarray) -> Scaler:
        """Fit on a 1-D array of training values, shape ``(n_train,)``."""
        mean = float(np.mean(values))
        std = float(np.std(values))
        if not math.isfinite(std) or std <= 1e-12 * max(1.0, abs(mean)):
            std = 1.0
        return cls(mean=mean, std=std)

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Original units to scaled units (float64, same shape)."""
        return (np.asarray(values, dtype=np.float64) - self.mean) / self.std

    def inverse(self, scaled: np.ndarray) -> np.ndarray:
        """Scaled units back to original units (float64, same shape)."""
        return np.asarray(scaled, dtype=np.float64) * self.std + self.mean

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "std": self.std}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scaler:
        return cls(mean=float(data["mean"]), std=float(data["std"]))
