"""Errors of the footprint engine.

Every error is a :class:`FootprintError`, a ``ValueError`` that names the record and the
field at fault, so a caller (the CLI, the portal) can report it without a traceback.
``carbon_models`` does not import the ledger's exception hierarchy: it stays a pure
library that the ledger depends on, never the other way round.
"""

from __future__ import annotations


class FootprintError(ValueError):
    """Bad input to a footprint: the record and field at fault, and why."""

    def __init__(self, message: str, *, record: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.record = record
        self.field = field

    def __str__(self) -> str:
        where = []
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.field is not None:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, str]:
        """The JSON shape of this error in ``--json`` output."""
        out = {"error": type(self).__name__, "message": self.message}
        if self.record is not None:
            out["record"] = self.record
        if self.field is not None:
            out["field"] = self.field
        return out


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
