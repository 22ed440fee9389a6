"""What carbon_models computes from: shipments, transport legs, hub operations and their parts.

These pydantic models hold the fields and the rules of every input the footprint engine,
the estimator and the scenarios read, and they are this package's own: carbon_models
depends on nothing of ours. The ledger builds its ``shipment``, ``transport_leg`` and
``hub_operation`` record models on top of them (adding ``schema_version`` and ``kind``),
so a ledger record *is* a valid input and is passed as it is, without conversion.

Every function that takes inputs also takes plain dicts, validated by
:func:`validate_inputs`. A dict may be in *record form*, as the ledger stores records and
order and leg files hold them: ``{"schema_version": 1, "kind": "transport_leg", ...}``.
Those two keys, and only those, are checked (the kind must be the input's :attr:`KIND`,
the version 1) and dropped; every other unknown key is an error naming it. A model that
declares ``kind`` itself (the ledger's record models, passed as ``model``) validates the
two keys instead, which is how the ledger keeps requiring them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from carbon_models.errors import InvalidRecordError

Identifier = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:/#@+\-]+$")]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
PositiveMass = Annotated[float, Field(gt=0, le=1e9, description="kilograms")]
NonNegative = Annotated[float, Field(ge=0)]

TransportMode = Literal["road", "rail", "sea", "air", "inland_waterway"]

RECORD_FORM_VERSION = 1
"""The one ``schema_version`` a dict in record form may carry: the inputs' fields and rules
are those of version 1 of the ledger's records, and a new version would mean new rules."""


class _Input(BaseModel):
    # Unknown fields are errors naming the field, never data silently dropped; frozen so an
    # input cannot change between validation and use.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Location(_Input):
    """A place named by a code a distance can be computed from.

    At least one of UN/LOCODE, IATA airport code or coordinates is required; the
    footprint engine resolves them in that order of preference for the mode.
    """

    name: Annotated[str, Field(min_length=1, max_length=200)]
    unlocode: Annotated[str, Field(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")] | None = None
    iata: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None

    @model_validator(mode="after")
    def _has_a_code(self) -> Location:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        if self.unlocode is None and self.iata is None and self.lat is None:
            raise ValueError("give at least one of unlocode, iata or lat/lon")
        return self


class FuelUse(_Input):
    """Energy actually used (primary data), e.g. 412.5 litres of diesel."""

    type: Annotated[str, Field(min_length=1, max_length=64)]
    amount: Annotated[float, Field(gt=0, le=1e9)]
    unit: Literal["l", "kg", "t", "kWh", "m3", "GJ"]


# No docstring: it would become a description in the ledger's published JSON schema.
class Product(_Input):
    gtin: Annotated[str, Field(pattern=r"^\d{8}$|^\d{12,14}$")]
    description: Annotated[str, Field(min_length=1, max_length=500)]
    quantity: Annotated[int, Field(gt=0)]
    mass_kg: PositiveMass
    pcf_kgco2e_per_unit: NonNegative | None = Field(
        default=None,
        description="Supplier's cradle-to-gate product carbon footprint per unit (PACT)",
    )


class _Identified(_Input):
    """An input that is a whole record: it has a kind and an id field naming it in errors."""

    KIND: ClassVar[str]
    ID_FIELD: ClassVar[str]


class Shipment(_Identified):
    """Goods of one order moved together; the unit emissions are allocated to by mass."""

    KIND: ClassVar[str] = "shipment"
    ID_FIELD: ClassVar[str] = "shipment_id"

    shipment_id: Identifier
    order_id: Identifier
    shipper: Identifier
    consignee_country: CountryCode
    products: Annotated[list[Product], Field(min_length=1)]
    mass_kg: PositiveMass
    origin: Location
    destination: Location
    tracking_url: Annotated[str, Field(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _mass_covers_products(self) -> Shipment:
        products = sum(p.mass_kg * p.quantity for p in self.products)
        if products > self.mass_kg * 1.0001:
            raise ValueError(
                f"mass_kg {self.mass_kg} is less than the products' total mass {products:g}"
            )
        return self


class TransportLeg(_Identified):
    """One vehicle's trip (an ISO 14083 transport chain element) carrying shipments."""

    KIND: ClassVar[str] = "transport_leg"
    ID_FIELD: ClassVar[str] = "leg_id"

    leg_id: Identifier
    shipment_ids: Annotated[list[Identifier], Field(min_length=1)]
    mode: TransportMode
    vehicle: Identifier
    origin: Location
    destination: Location
    distance_km: Annotated[float, Field(gt=0, le=40_100)] | None = None
    payload_kg: PositiveMass
    fuel: list[FuelUse] | None = None
    load_factor: Annotated[float, Field(gt=0, le=1)] | None = None
    empty_km: NonNegative | None = None
    temperature_controlled: bool = False
    departure: AwareDatetime | None = None
    arrival: AwareDatetime | None = None
    carrier: Identifier | None = None

    @model_validator(mode="after")
    def _times_in_order(self) -> TransportLeg:
        if self.departure and self.arrival and self.arrival < self.departure:
            raise ValueError("arrival is before departure")
        return self


class HubOperation(_Identified):
    """A hub's metered energy over a period, shared by the shipments it handled by mass."""

    KIND: ClassVar[str] = "hub_operation"
    ID_FIELD: ClassVar[str] = "hub_id"

    hub_id: Identifier
    shipment_ids: Annotated[list[Identifier], Field(min_length=1)]
    country: CountryCode
    electricity_kwh: NonNegative = 0.0
    fuel: list[FuelUse] | None = None
    throughput_kg: PositiveMass
    period: Annotated[str, Field(pattern=r"^\d{4}-\d{2}(-\d{2})?(/\d{4}-\d{2}(-\d{2})?)?$")]
    hub_type: Literal["warehouse", "transhipment", "port_terminal", "airport_terminal", "distribution_centre"] = "warehouse"
    temperature_controlled: bool = False


InputT = TypeVar("InputT", bound=_Identified)


def _label(item: Any, key: str, argument: str, n: int) -> str:
    if isinstance(item, BaseModel):
        return str(getattr(item, key))
    if isinstance(item, Mapping) and isinstance(item.get(key), str):
        return item[key]
    return f"{argument}[{n}]"


def _fields(item: Mapping[str, Any], model: type[_Identified], label: str) -> dict[str, Any]:
    """The dict to validate: record-form keys checked and dropped unless ``model`` checks them."""
    data = dict(item)
    if "kind" in model.model_fields:
        return data
    for key, want in (("schema_version", RECORD_FORM_VERSION), ("kind", model.KIND)):
        got = data.pop(key, want)
        if got != want:
            raise InvalidRecordError(f"Input should be {want!r}", record=label, field=key)
    return data


def validate_inputs(items: Iterable[Any], model: type[InputT], argument: str) -> list[InputT]:
    """``items`` as ``model`` instances: instances pass as they are, dicts are validated.

    ``model`` is an input type or a subclass of one (the ledger passes its record models);
    ``argument`` names the collection (``legs``) in labels of items without an id.
    Raises :class:`~carbon_models.errors.InvalidRecordError` for the first bad item, naming
    it by its id and the first bad field as a path (``products[0].mass_kg``).
    """
    out = []
    for n, item in enumerate(items):
        if isinstance(item, model):
            out.append(item)
            continue
        label = _label(item, model.ID_FIELD, argument, n)
        if not isinstance(item, Mapping):
            raise InvalidRecordError(f"expected a {argument} record object, got {type(item).__name__}", record=label)
        try:
            out.append(model.model_validate(_fields(item, model, label)))
        except ValidationError as exc:
            first = exc.errors()[0]
            path = ""
            for part in first["loc"]:
                path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
            raise InvalidRecordError(first["msg"], record=label, field=path or None) from None
    return out
