"""Errors of carbon_models: the footprint engine, the factor sets and the estimator.

Every error is a :class:`CarbonModelError` carrying a message meant for the person who
gave the input and, where one is at fault, the record and the field, so a caller (the
CLI, the portal) can report it without a traceback. Bad input is a
:class:`FootprintError`, also a ``ValueError``. The base is this package's own:
carbon_models depends on nothing of ours, and the ledger turns these errors into its own
where it calls carbon_models for a user (``ledger.footprint_inputs``).

:class:`ReportedError` holds what every such error carries and how it is shown; the
ledger's errors derive from it too, so both read alike in messages and API answers.
"""

from __future__ import annotations


class ReportedError(Exception):
    """An error reported to a person: a message for them, and the record and field at fault.

    ``str()`` reads ``record X, field Y: message``; ``to_dict()`` is the JSON shape of API
    answers and ``--json`` output: ``error`` (the class name), ``message``, ``record``,
    ``field`` (the last two only when known).
    """

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
        """The JSON shape of this error: ``error`` is the class name."""
        out = {"error": type(self).__name__, "message": self.message}
        if self.record is not None:
            out["record"] = self.record
        if self.field is not None:
            out["field"] = self.field
        return out


class CarbonModelError(ReportedError):
    """Base of every error carbon_models reports about its input."""


class FootprintError(CarbonModelError, ValueError):
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
