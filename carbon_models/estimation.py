"""The contract between the footprint engine and a learned leg estimator.

The footprint engine (ISO 14083 modelled path) asks an estimator for legs that carry no
primary fuel data; the LightGBM estimator implements :class:`LegEstimator`. Keeping the
protocol here lets the engine run, and be tested, with no model installed: then it uses
the default intensities of its factor set and says so in the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from ledger.records.schemas import TransportLegRecord

DistanceBasis = Literal["actual", "SFD", "GCD"]
"""How a leg's distance was obtained: reported by the carrier, shortest feasible
distance (e.g. a computed sea route), or great-circle distance with the GLEC adjustment."""


@dataclass(frozen=True)
class ResolvedDistance:
    """A leg's distance as the engine uses it, with where it came from."""

    km: float
    basis: DistanceBasis


@dataclass(frozen=True)
class LegEstimate:
    """Estimated well-to-wheel emissions of a whole leg (the vehicle, before allocation).

    Quantiles in kg CO2e; ``p10 <= p50 <= p90`` always holds.
    """

    p10_kg: float
    p50_kg: float
    p90_kg: float


class LegEstimator(Protocol):
    """What the footprint engine needs of a learned estimator."""

    @property
    def model_hash(self) -> str:
        """Content hash of the model artefact, recorded in every footprint that used it."""
        ...

    def estimate_legs(
        self, legs: Sequence[TransportLegRecord], distances: Sequence[ResolvedDistance]
    ) -> list[LegEstimate | None]:
        """One estimate per leg, or ``None`` where the model cannot estimate that leg
        (an unseen category it has no fallback for); the engine then uses default
        intensities and flags the leg."""
        ...
