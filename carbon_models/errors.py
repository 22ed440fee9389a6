"""Errors of the footprint engine.

Every error is a :class:`FootprintError`, a ``ValueError`` that names the record and the
field at fault, so a caller (the CLI, the portal) can report it without a traceback.
The base is the ledger's own :class:`~ledger.errors.LedgerError` (``carbon_models``
already reads the ledger's record schemas, a pure module), so the CLI, the portal and the
API report footprint errors exactly like every other bad input.
"""

from __future__ import annotations

from ledger.errors import LedgerError


class FootprintError(LedgerError, ValueError):
    """Bad input to a footprint: the record and field at fault, and why."""


class InvalidRecordError(FootprintError):
    """A record does not validate against its schema (missing mass, negative distance...)."""


class UnknownVehicleClassError(FootprintError):
    """A leg names a vehicle class the factor set does not define, or one of another mode."""


class UnknownLocationError(FootprintError):
    """A location code cannot be resolved to coordinates offline."""


class DistanceError(FootprintError):
    """A distance is implausible (shorter than the great circle, or no route exists)."""


class FuelUnitError(FootprintError):
    """Primary fuel data is given in a unit the factor set has no factor for."""


class MissingFactorError(FootprintError):
    """The factor set lacks a factor the computation needs (never replaced by a guess)."""


class UnknownShipmentError(FootprintError):
    """A leg or hub references a shipment that was not given, or ids collide."""


class AllocationError(FootprintError):
    """Shipments on a leg or hub weigh more than its stated payload or throughput."""


class UnknownFactorSetError(FootprintError, LookupError):
    """No factor set with the requested id is shipped."""
