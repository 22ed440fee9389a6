"""Versioned schemas of every record kind, as pydantic models.

A submitted record is a JSON object with ``kind`` and ``schema_version``; the pair picks
the model that validates it. Models forbid unknown fields so a misspelt field is an error
naming that field rather than data silently dropped. Validation never rewrites what is
signed: the service validates with these models but stores and hashes the record exactly
as the submitter canonicalised and signed it.

Shipments, transport legs and hub operations are what ``carbon_models`` computes from,
and it owns their fields and rules (:mod:`carbon_models.inputs`): their record models here
add only ``schema_version`` and ``kind``, so a validated record *is* a carbon_models input.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from carbon_models.inputs import CountryCode, FuelUse, HubOperation, Identifier, NonNegative, Shipment, TransportLeg
from ledger.errors import SchemaError

ParticipantRole = Literal["supplier", "carrier", "hub_operator", "auditor", "operator"]
PARTICIPANT_ROLES: tuple[str, ...] = get_args(ParticipantRole)
"""What a participant record may say a participant does; forms and the CLI offer these."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RecordBase(_Model):
    schema_version: Literal[1] = 1


class ParticipantRecord(_RecordBase):
    """Registers a participant and its first public key; signed by the service."""

    kind: Literal["participant"]
    participant_id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=200)]
    roles: Annotated[list[ParticipantRole], Field(min_length=1)]
    country: CountryCode | None = None


KeyCustody = Literal["own", "custodial"]
"""Who holds a key's private half: the participant (``own``), or the installation on its
behalf (``custodial``, for portal submissions). Part of the key's record, so every
verifier can tell a participant's own signature from one the portal made for it."""


class KeyRecord(_RecordBase):
    """Binds an Ed25519 public key to a participant, or revokes one; signed by the service.

    A revocation may say the key was compromised since a moment: records the ledger
    received at or after it are then shown and audited as signed with a compromised key.
    """

    kind: Literal["key"]
    action: Literal["register", "revoke"]
    participant_id: Identifier
    key_id: Identifier
    public_key: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{43}$", description="raw 32 bytes, base64url without padding")]
    reason: Annotated[str, Field(max_length=500)] | None = None
    custody: KeyCustody | None = Field(default=None, description="register only; absent on keys registered "
                                                                 "before custody was recorded (taken as own)")
    compromised_since: AwareDatetime | None = Field(default=None, description="revoke only")

    @model_validator(mode="after")
    def _fields_of_the_action(self) -> KeyRecord:
        if self.action == "register" and self.compromised_since is not None:
            raise ValueError("compromised_since belongs to a revocation")
        if self.action == "revoke" and self.custody is not None:
            raise ValueError("custody belongs to a registration")
        return self


# The three records carbon_models computes from: its input types with ``schema_version``
# and ``kind`` ahead of their fields. The ``_...Kind`` bases exist for that order alone (pydantic
# takes fields base first), which keeps the JSON schema and which error is reported first as
# they were. No docstrings: they would become descriptions in the published JSON schema.
class _ShipmentKind(_RecordBase):
    kind: Literal["shipment"]


class ShipmentRecord(Shipment, _ShipmentKind):
    pass


class _TransportLegKind(_RecordBase):
    kind: Literal["transport_leg"]


class TransportLegRecord(TransportLeg, _TransportLegKind):
    pass


class _HubOperationKind(_RecordBase):
    kind: Literal["hub_operation"]


class HubOperationRecord(HubOperation, _HubOperationKind):
    pass


class EnergyBillRecord(_RecordBase):
    kind: Literal["energy_bill"]
    bill_id: Identifier
    site_id: Identifier
    country: CountryCode
    period_start: datetime
    period_end: datetime
    electricity_kwh: NonNegative = 0.0
    renewable_share: Annotated[float, Field(ge=0, le=1)] | None = None
    fuel: list[FuelUse] | None = None
    supplier_name: Annotated[str, Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _period_in_order(self) -> EnergyBillRecord:
        if self.period_end <= self.period_start:
            raise ValueError("period_end must be after period_start")
        return self


EPCIS_EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")


class EpcisEventRecord(_RecordBase):
    """One GS1 EPCIS 2.0 event, kept verbatim in ``event``.

    Only the fields every event must have are checked here; the full EPCIS JSON schema
    check happens where documents are captured.
    """

    kind: Literal["epcis_event"]
    event: dict[str, Any]
    event_hash: Annotated[str, Field(pattern=r"^ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0$")] | None = None

    @model_validator(mode="after")
    def _is_an_event(self) -> EpcisEventRecord:
        etype = self.event.get("type")
        if etype not in EPCIS_EVENT_TYPES:
            raise ValueError(f"event.type must be one of {', '.join(EPCIS_EVENT_TYPES)}, got {etype!r}")
        for required in ("eventTime", "eventTimeZoneOffset"):
            if required not in self.event:
                raise ValueError(f"event.{required} is required")
        return self


class FootprintRecord(_RecordBase):
    """A computed order footprint; its shape is owned by ``carbon_models``.

    ``inputs`` lists the leaf hashes of every record the figure was computed from, so an
    auditor can recompute it from the log alone.
    """

    kind: Literal["footprint"]
    order_id: Identifier
    inputs: Annotated[list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]], Field(min_length=1)]
    result: dict[str, Any]


DelegableKind = Literal["transport_leg", "hub_operation", "epcis_event", "energy_bill"]


class DelegationRecord(_RecordBase):
    """A shipment's owner lets another participant add records to its shipments (``ledger.authority``).

    Signed by the owner; names shipments in the owner's namespace. Withdrawn by a
    correction without replacement, from then on; what was added before stays.
    """

    kind: Literal["delegation"]
    delegation_id: Identifier
    delegate: Identifier
    shipment_ids: Annotated[list[Identifier], Field(min_length=1, max_length=10_000)]
    may_add: Annotated[list[DelegableKind], Field(min_length=1)]


class CorrectionRecord(_RecordBase):
    """Supersedes an earlier record: records are never edited in place.

    ``replacement`` is a complete record of the same kind, or ``None`` to withdraw it.
    """

    kind: Literal["correction"]
    supersedes: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="leaf hash of the corrected record")]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    replacement: dict[str, Any] | None = None


class AuditReportRecord(_RecordBase):
    """A finished audit report, fixed by its hash; signed by the service.

    The report itself (JSON, kept by the portal) is not in the log, only its SHA-256 over
    its RFC 8785 canonical bytes: anyone holding the report can recompute the hash and
    prove it is the one the operator signed and anchored.
    """

    kind: Literal["audit_report"]
    report_id: Identifier
    report_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    scope: dict[str, Any]
    ok: bool
    findings: Annotated[int, Field(ge=0)]


class ModelRecord(_RecordBase):
    """A registered estimator model: its content hash and card; signed by the service.

    Footprints that used the model name this hash, so an auditor can fetch the artefact,
    check it hashes to this value and reproduce every estimate.
    """

    kind: Literal["model"]
    model_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    card: dict[str, Any]


AnyRecord = Annotated[
    ParticipantRecord | KeyRecord | ShipmentRecord | TransportLegRecord | HubOperationRecord | DelegationRecord | EnergyBillRecord | EpcisEventRecord | FootprintRecord | CorrectionRecord | AuditReportRecord | ModelRecord,
    Field(discriminator="kind"),
]

RECORD_KINDS: tuple[str, ...] = (
    "participant", "key", "shipment", "transport_leg", "hub_operation", "delegation",
    "energy_bill", "epcis_event", "footprint", "correction", "audit_report", "model",
)
"""Kinds in the order the docs list them."""

SERVICE_ONLY_KINDS = frozenset({"participant", "key", "footprint", "audit_report", "model"})
"""Kinds only the ledger service's own key may sign: identity and computed results."""

_adapter: TypeAdapter[Any] = TypeAdapter(AnyRecord)


def parse_record(data: Any) -> Any:
    """Validate a record dict and return its typed model; raises ``pydantic.ValidationError``."""
    return _adapter.validate_python(data)


def validate_record(data: Any, label: str, prefix: str = "") -> Any:
    """Validate a record and return its typed model.

    Raises :class:`~ledger.errors.SchemaError` naming ``label`` and the first bad field as
    a path (``products[0].mass_kg``; under ``prefix`` for records nested in another).
    """
    try:
        return parse_record(data)
    except ValidationError as exc:
        kind = data.get("kind") if isinstance(data, dict) else None
        first = exc.errors()[0]
        loc = list(first["loc"])
        if loc and loc[0] == kind:
            loc = loc[1:]
        path = prefix
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        more = len(exc.errors()) - 1
        message = first["msg"] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
        raise SchemaError(message, record=label, field=path or None) from None


def json_schema() -> dict[str, Any]:
    """The JSON schema of all record kinds, for docs and client-side validation."""
    return _adapter.json_schema()
