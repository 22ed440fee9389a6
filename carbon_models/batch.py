"""Vectorised modelled emissions: many legs at once with numpy.

The modelled path is ``payload (t) x distance (km) x intensity (kg CO2e/t.km)`` for TTW
and WTT separately. Done per leg in Python it costs microseconds of interpreter overhead;
done over arrays it is a gather and two multiplications, which is what lets the ledger
recompute every order of a day's log in seconds. The engine uses this for all modelled
legs, so the benchmark measures the code that produces footprints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from carbon_models.factors import FactorSet


@dataclass(frozen=True)
class IntensityTable:
    """Per-class TTW and WTT intensities as arrays, indexed by position in ``class_ids``."""

    class_ids: tuple[str, ...]
    index: dict[str, int]
    ttw: np.ndarray
    wtt: np.ndarray

    @classmethod
    def of(cls, factor_set: FactorSet) -> IntensityTable:
        ids = tuple(sorted(factor_set.vehicle_classes))
        ttw = np.array([factor_set.vehicle_classes[i].ttw.value for i in ids], dtype=np.float64)
        wtt = np.array([factor_set.vehicle_classes[i].wtt.value for i in ids], dtype=np.float64)
        return cls(ids, {c: n for n, c in enumerate(ids)}, ttw, wtt)

    def indices(self, class_ids: Sequence[str]) -> np.ndarray:
        """Positions of ``class_ids``; raises ``KeyError`` naming the first unknown id."""
        return np.fromiter((self.index[c] for c in class_ids), dtype=np.intp, count=len(class_ids))


def modelled_emissions(
    table: IntensityTable, class_index: np.ndarray, payload_kg: np.ndarray, distance_km: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Whole-leg TTW and WTT kg CO2e for each leg (arrays of equal length).

    Preconditions: ``payload_kg`` and ``distance_km`` positive and finite, ``class_index``
    valid positions into ``table`` (the engine checks all three before calling).
    """
    tkm = payload_kg * distance_km * 1e-3
    return tkm * table.ttw[class_index], tkm * table.wtt[class_index]
