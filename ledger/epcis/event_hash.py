"""The EPCIS event hash ID of GS1 CBV 2.0 §8.9: ``ni:///sha-256;<hex>?ver=CBV2.0``.

The hash is over a *pre-hash string* built from the event's fields in the canonical property
order, each ``name=value`` with no separators, after normalising values: timestamps to UTC
with millisecond precision, numbers without trailing zeros, CBV URNs / CURIEs / bare CBV
terms to their ``https://ref.gs1.org`` Web URIs, EPC URIs and Digital Links to constrained
canonical GS1 Digital Links, extension names to ``{namespace}localName``; repeated
elements of a list are sorted. ``eventID``, ``recordTime``, ``errorDeclaration`` and
``certificationInfo`` are not hashed. Follows the reference implementation
(github.com/RalphTro/epcis-event-hash-generator) in its CBV 2.0 mode, including its choices
where the standard is silent: timestamps with more than three decimals are truncated to
milliseconds; extensions inside ``readPoint`` / ``bizLocation`` go to the trailing block,
prefixed by their parent's name.

Not supported (raise :class:`EpcisUnsupportedError` rather than hash differently from the
standard): EPC URI schemes listed in :mod:`ledger.epcis.digital_link`; user extensions
inside ``sensorElement``, ``sensorMetadata`` or ``sensorReport``; extension names whose
prefix is not declared in ``@context``; ``gs1:masterDataAvailableFor`` (a CBV 2.1 draft
rule). Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import Any

from ledger.epcis.digital_link import canonical_identifier
from ledger.epcis.document import STANDARD_NAMESPACES, context_namespaces, parse_time
from ledger.epcis.errors import EpcisError, EpcisUnsupportedError, event_label

HASH_VERSION = "CBV2.0"
"""The algorithm version written into every hash ID (rule 24)."""

NOT_HASHED = frozenset({"type", "eventID", "recordTime", "errorDeclaration", "certificationInfo", "@context"})
"""Fields outside the pre-hash string: the type is written first as ``eventType``; the others
are assigned or changed after the event happened, so they must not change its identity."""

CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://ref.gs1.org/voc/"

_URN_VOCABULARY = {
    "urn:epcglobal:cbv:bizstep:": CBV + "BizStep-", "urn:epcglobal:cbv:disp:": CBV + "Disp-",
    "urn:epcglobal:cbv:btt:": CBV + "BTT-", "urn:epcglobal:cbv:sdt:": CBV + "SDT-", "urn:epcglobal:cbv:er:": CBV + "ER-",
}
"""Rule 14: CBV 1.x URNs and their CBV 2.0 Web URI equivalents."""

BIZ_STEPS = frozenset(
    "accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting "
    "decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting "
    "installing killing loading other packing picking receiving removing repackaging repairing replacing reserving "
    "retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing transporting "
    "unloading unpacking void_shipping".split())
DISPOSITIONS = frozenset(
    "active available completeness_inferred completeness_verified conformant container_closed container_open damaged "
    "destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_class mismatch_instance "
    "mismatch_quantity needs_replacement no_pedigree_match non_conformant non_sellable_other partially_dispensed "
    "recalled reserved retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable "
    "unknown".split())
BTT = frozenset("bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt".split())
SDT = frozenset({"owning_party", "possessing_party", "location"})
COMPONENTS = frozenset(
    "x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting northing latitude "
    "longitude altitude".split())
"""CBV 2.0 standard vocabularies: JSON-LD writes these as bare terms, hashed as Web URIs (rule 16)."""

_SENSOR_METADATA = ("time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
                    "bizRules")
_SENSOR_REPORT = ("type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "time",
                  "microorganism", "chemicalSubstance", "value", "component", "stringValue", "booleanValue",
                  "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue",
                  "uom", "coordinateReferenceSystem")
_TIMES = frozenset({"time", "startTime", "endTime"})


def event_hash_id(event: dict[str, Any], namespaces: dict[str, str] | None = None, index: int | None = None) -> str:
    """The CBV 2.0 event hash ID of ``event``.

    ``namespaces`` maps the extension prefixes the enclosing document declared; an
    ``@context`` on the event itself adds to them. Raises :class:`EpcisError` for a value it
    cannot read and :class:`EpcisUnsupportedError` for the unsupported features above.
    """
    digest = hashlib.sha256(pre_hash_string(event, namespaces, index).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={HASH_VERSION}"


def pre_hash_string(event: dict[str, Any], namespaces: dict[str, str] | None = None, index: int | None = None) -> str:
    """The canonical pre-hash string (rules 1-21 of the algorithm, CBV 2.0 variant)."""
    return _PreHash(event, namespaces or {}, index).build()


class _PreHash:
    def __init__(self, event: dict[str, Any], namespaces: dict[str, str], index: int | None) -> None:
        self.event = event
        self.index = index
        self.namespaces = {**STANDARD_NAMESPACES, **namespaces}
        if "@context" in event:
            self.namespaces.update(context_namespaces(event["@context"], "@context"))
        self.trailing: list[str] = []

    def fail(self, field: str, message: str, unsupported: bool = False) -> EpcisError:
        cls = EpcisUnsupportedError if unsupported else EpcisError
        return cls(message, record=event_label(self.index), field=field)

    # -- the ordered part ---------------------------------------------------------------
    def build(self) -> str:
        e = self.event
        out = ["eventType=" + str(e.get("type", ""))]
        done = set(NOT_HASHED) | {"eventTime", "eventTimeZoneOffset"}
        for name in ("eventTime", "eventTimeZoneOffset"):
            if name in e:
                out.append(self.pair(name, e[name], time=name == "eventTime"))
        steps: list[tuple[str, Callable[[str, Any], str]]] = [
            ("epcList", self.epcs), ("parentID", self.value), ("inputEPCList", self.epcs), ("childEPCs", self.epcs),
            ("quantityList", self.quantities), ("childQuantityList", self.quantities),
            ("inputQuantityList", self.quantities), ("outputEPCList", self.epcs),
            ("outputQuantityList", self.quantities), ("action", self.value), ("transformationID", self.value),
            ("bizStep", self.vocab(BIZ_STEPS, "BizStep-")), ("disposition", self.vocab(DISPOSITIONS, "Disp-")),
            ("persistentDisposition", self.persistent), ("readPoint", self.place), ("bizLocation", self.place),
            ("bizTransactionList", self.typed("bizTransaction", BTT, "BTT-")),
            ("sourceList", self.typed("source", SDT, "SDT-")),
            ("destinationList", self.typed("destination", SDT, "SDT-")),
            ("sensorElementList", self.sensors),
        ]
        for name, render in steps:
            if name in e:
                out.append(self.located(name, render, e[name]))
            done.add(name)
        rest = [self.located(k, lambda k, v: self.generic(k, v, k), v) for k, v in e.items() if k not in done]
        out.append("".join(sorted(self.trailing + [s for group in rest for s in group])))
        return "".join(out)

    def located(self, name: str, render: Callable[[str, Any], Any], value: Any) -> Any:
        """``render(name, value)``, with value errors from below labelled with this event and field."""
        try:
            return render(name, value)
        except EpcisError as exc:
            if exc.record is None:
                raise type(exc)(exc.message, record=event_label(self.index), field=exc.field or name) from None
            raise

    def pair(self, name: str, value: Any, time: bool = False, canon: Callable[[str], str] | None = None) -> str:
        if value is None:
            return ""
        text = self.scalar(value, name)
        if not text:
            return ""
        if time:
            text = self.timestamp(text, name)
        else:
            text = (canon or self.canonical)(text)
        return f"{name}={text}"

    def value(self, name: str, value: Any) -> str:
        return self.pair(name, value)

    def vocab(self, terms: frozenset[str], prefix: str) -> Callable[[str, Any], str]:
        def render(name: str, value: Any) -> str:
            return self.pair(name, value, canon=lambda t: CBV + prefix + t if t in terms else self.canonical(t))

        return render

    def epcs(self, name: str, values: Any) -> str:
        items = sorted(s for s in (self.pair("epc", v) for v in self.as_list(name, values)) if s)
        return name + "".join(items) if items else ""

    def quantities(self, name: str, values: Any) -> str:
        items = []
        for j, element in enumerate(self.as_list(name, values)):
            if not isinstance(element, dict):
                raise self.fail(f"{name}[{j}]", "must be an object")
            self.no_extensions(f"{name}[{j}]", element, ("epcClass", "quantity", "uom"))
            body = "".join(self.pair(k, element.get(k)) for k in ("epcClass", "quantity", "uom"))
            if body:
                items.append("quantityElement" + body)
        return name + "".join(sorted(items)) if items else ""

    def persistent(self, name: str, value: Any) -> str:
        if not isinstance(value, dict):
            raise self.fail(name, "must be an object with set / unset lists")
        self.no_extensions(name, value, ("set", "unset"))
        canon = self.vocab(DISPOSITIONS, "Disp-")
        body = "".join("".join(sorted(s for s in (canon(k, v) for v in self.as_list(f"{name}.{k}", value.get(k) or []))
                                      if s)) for k in ("set", "unset"))
        return name + body if body else ""

    def place(self, name: str, value: Any) -> str:
        if not isinstance(value, dict):
            raise self.fail(name, "must be an object with an id")
        extras = [s for k, v in value.items() if k != "id" for s in self.generic(k, v, f"{name}.{k}")]
        if extras:
            self.trailing.append(name + "".join(sorted(extras)))
        body = self.pair("id", value.get("id"))
        return name + body if body else ""

    def typed(self, key: str, terms: frozenset[str], prefix: str) -> Callable[[str, Any], str]:
        def render(name: str, values: Any) -> str:
            items = []
            for j, element in enumerate(self.as_list(name, values)):
                if not isinstance(element, dict):
                    raise self.fail(f"{name}[{j}]", "must be an object")
                self.no_extensions(f"{name}[{j}]", element, ("type", key))
                kind = self.pair("type", element.get("type"),
                                 canon=lambda t: CBV + prefix + t if t in terms else self.canonical(t))
                items.append(kind + self.pair(key, element.get(key)))
            items = sorted(s for s in items if s)
            return name + "".join(items) if items else ""

        return render

    def sensors(self, name: str, values: Any) -> str:
        elements = []
        for j, element in enumerate(self.as_list(name, values)):
            where = f"{name}[{j}]"
            if not isinstance(element, dict):
                raise self.fail(where, "must be an object")
            self.no_extensions(where, element, ("sensorMetadata", "sensorReport"))
            body = ""
            metadata = element.get("sensorMetadata")
            if metadata is not None:
                if not isinstance(metadata, dict):
                    raise self.fail(f"{where}.sensorMetadata", "must be an object")
                self.no_extensions(f"{where}.sensorMetadata", metadata, _SENSOR_METADATA)
                fields = "".join(self.pair(k, metadata.get(k), time=k in _TIMES) for k in _SENSOR_METADATA)
                body += "sensorMetadata" + fields if fields else ""
            reports = []
            for r, report in enumerate(self.as_list(f"{where}.sensorReport", element.get("sensorReport") or [])):
                if not isinstance(report, dict):
                    raise self.fail(f"{where}.sensorReport[{r}]", "must be an object")
                self.no_extensions(f"{where}.sensorReport[{r}]", report, _SENSOR_REPORT)
                fields = "".join(self.report_field(k, report.get(k)) for k in _SENSOR_REPORT)
                if fields:
                    reports.append("sensorReport" + fields)
            body += "".join(sorted(reports))
            if body:
                elements.append("sensorElement" + body)
        return "".join(sorted(elements))

    def report_field(self, key: str, value: Any) -> str:
        if key == "type":
            return self.pair(key, value, canon=lambda t: GS1_VOC + t if t.isidentifier() else self.canonical(t))
        if key == "component":
            return self.pair(key, value, canon=lambda t: CBV + "Comp-" + t if t in COMPONENTS else self.canonical(t))
        return self.pair(key, value, time=key in _TIMES)

    def no_extensions(self, where: str, element: dict[str, Any], known: tuple[str, ...]) -> None:
        extra = sorted(set(element) - set(known))
        if extra:
            raise self.fail(f"{where}.{extra[0]}", "user extensions inside this field are not supported by the "
                            "CBV 2.0 event hash implemented here", unsupported=True)

    # -- the generic part: ILMD and user extensions (rules 19-20) ----------------------------
    def generic(self, key: str, value: Any, where: str) -> list[str]:
        name = self.expand_key(key, where)
        if isinstance(value, list):
            return [s for v in value for s in self.generic(key, v, where)]
        if isinstance(value, dict):
            children = [s for k, v in value.items() if k not in ("#text", "rdfs:comment", "comment")
                        for s in self.generic(k, v, f"{where}.{k}")]
            text = self.scalar(value["#text"], where) if "#text" in value else ""
            return [name + (f"={self.canonical(text)}" if text else "") + "".join(sorted(children))]
        text = self.scalar(value, where) if value is not None else ""
        return [name + (f"={self.canonical(text)}" if text else "")]

    def expand_key(self, key: str, where: str) -> str:
        if key == "ilmd":
            return key
        prefix, sep, local = key.partition(":")
        if key == "gs1:masterDataAvailableFor":
            raise self.fail(where, "gs1:masterDataAvailableFor is a CBV 2.1 draft rule, not supported", unsupported=True)
        if not sep or prefix not in self.namespaces:
            raise self.fail(where, f"{key!r} is neither an EPCIS field nor an extension with a namespace prefix "
                            "declared in @context", unsupported=True)
        return "{" + self.namespaces[prefix] + "}" + local

    # -- values ---------------------------------------------------------------------------
    def scalar(self, value: Any, where: str) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return self.number(value)
        if isinstance(value, str):
            return value.strip()
        raise self.fail(where, f"must be a single value, got {type(value).__name__}")

    @staticmethod
    def number(value: float) -> str:
        """Rule 6: no trailing zeros (1.0 -> 1); as the reference implementation prints floats."""
        number = float(value)
        if not math.isfinite(number):
            return str(value)
        return str(int(number)) if number == int(number) else str(number)

    def timestamp(self, text: str, field: str) -> str:
        moment = parse_time(text, field, self.index)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def canonical(self, text: str) -> str:
        """Rules 14, 15, 17, 18 and 6 applied to one value."""
        for urn, uri in _URN_VOCABULARY.items():
            if text.startswith(urn):
                return uri + text[len(urn):]
        if text.startswith("cbv:"):
            return CBV + text[4:]
        if text.startswith("gs1:"):
            return GS1_VOC + text[4:]
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return self.number(number)
        return canonical_identifier(text)

    def as_list(self, name: str, values: Any) -> list[Any]:
        if not isinstance(values, list):
            raise self.fail(name, "must be a list")
        return values
