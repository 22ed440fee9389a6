"""The MATCH_* parameters of the EPCIS 2.0 SimpleEventQuery: which event fields each searches
and when an identifier in an event matches a value of the query (EPCIS 2.0 §8.2.7.1.1).

An event may name an object by its EPC URI (``urn:epc:id:sgtin:0614141.107346.2017``) or by a
GS1 Digital Link (``https://id.gs1.org/01/10614141073464/21/2017``, on any domain); both denote
the same object, so a query in either form must find events written in either. Both sides are
compared in one canonical form, the constrained Digital Link on ``id.gs1.org`` that CBV 2.0
hashing uses (:func:`ledger.epcis.digital_link.canonical_identifier`). Anything else (URIs that
are not GS1 keys, EPC schemes without a Digital Link form such as ``gid``) is compared as text.

A query value may also be a Tag Data Standard pattern, ``urn:epc:idpat:sgtin:0614141.107346.*``
(``*`` standing for whole trailing components; as this binding always did, ``urn:epc:id:`` with
such ``*`` components is read the same way), or a GTIN-only Digital Link, the canonical form of
``idpat:sgtin:<company>.<item>.*``. A pattern becomes prefixes of the canonical form plus a rule
for what may follow them, so an index of canonical values can answer it as ``LIKE 'prefix%'``.
A ``*`` inside a component is an ordinary character (the standard allows it in serials). A
company prefix pattern matches by the key's digits, as a Digital Link does not record where the
company prefix ends; GS1 company prefixes never prefix one another, so this differs from
comparing URI components only for URIs that split a key at a prefix nobody holds. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ledger.epcis.digital_link import (
    DL_ROOT,
    SCHEMES,
    canonical_identifier,
    constrain_digital_link,
    epc_components,
    epc_scheme,
    has_valid_check_digit,
)
from ledger.epcis.document import is_uri
from ledger.epcis.errors import EpcisError

MATCH_FIELDS: dict[str, tuple[str, ...]] = {
    "MATCH_epc": ("epcList", "childEPCs"),
    "MATCH_parentID": ("parentID",),
    "MATCH_inputEPC": ("inputEPCList",),
    "MATCH_outputEPC": ("outputEPCList",),
    "MATCH_anyEPC": ("epcList", "childEPCs", "parentID", "inputEPCList", "outputEPCList"),
}
"""EPCIS 2.0 §8.2.7.1: the event fields each parameter searches. ``MATCH_epc`` is the instance
list of object, aggregation, transaction and association events only; a transformation's
inputs and outputs have parameters of their own, and ``MATCH_anyEPC`` searches everything."""


@dataclass(frozen=True)
class _Layout:
    """Where an EPC scheme's components sit in its canonical Digital Link."""

    ai: str
    key_digits: int | None
    """Length of the key in digits (with check digit); ``None`` for alphanumeric keys."""
    lead: str
    """What precedes the company prefix in the key: ``?`` one digit the pattern does not fix
    (GTIN indicator, SSCC extension), ``0`` GRAI's padding, or nothing."""
    tail: str
    """Regular expression for what may follow the key (serial, extension, qualifier)."""


_SERIAL = r"(?:/21/[^/]+)?"
_LAYOUTS: dict[str, _Layout] = {
    "sgtin": _Layout("01", 14, "?", _SERIAL),
    "sscc": _Layout("00", 18, "?", ""),
    "sgln": _Layout("414", 13, "", r"(?:/254/[^/]+)?"),
    "grai": _Layout("8003", 14, "0", r"[^/]*"),
    "giai": _Layout("8004", None, "", ""),
    "gsrn": _Layout("8018", 18, "", ""),
    "gsrnp": _Layout("8017", 18, "", ""),
    "gdti": _Layout("253", 13, "", r"[^/]*"),
    "sgcn": _Layout("255", 13, "", r"\d*"),
    "cpi": _Layout("8010", None, "", r"(?:/8011/[^/]+)?"),
    "ginc": _Layout("401", None, "", ""),
    "gsin": _Layout("402", 17, "", ""),
    "pgln": _Layout("417", 13, "", ""),
}
"""The schemes whose ``idpat`` patterns are supported."""

_GTIN_ONLY = re.compile(r"^https://id\.gs1\.org/01/\d{14}$")


@dataclass(frozen=True)
class EpcMatcher:
    """One value of a MATCH_* parameter over canonical identifiers.

    An identifier matches when it starts with one of ``prefixes`` and what follows fully
    matches ``rest``; with ``rest`` ``None`` nothing may follow (one exact identifier).
    """

    prefixes: tuple[str, ...]
    rest: re.Pattern[str] | None = None

    def matches(self, canonical: str) -> bool:
        for prefix in self.prefixes:
            if canonical.startswith(prefix):
                tail = canonical[len(prefix):]
                if (not tail) if self.rest is None else self.rest.fullmatch(tail) is not None:
                    return True
        return False


def canonical_epc(value: str) -> str:
    """The form a stored identifier is compared in: its canonical Digital Link, or itself when it
    has none (never raises: events hold whatever their capturer wrote)."""
    try:
        return canonical_identifier(value)
    except EpcisError:
        return value


def event_identifiers(event: dict[str, Any], fields: Iterable[str]) -> list[str]:
    """The canonical identifiers in ``fields`` of ``event``; values that are not strings are skipped."""
    out: list[str] = []
    for name in fields:
        value = event.get(name)
        out += [canonical_epc(v) for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    return out


def parse_match(value: str, param: str) -> EpcMatcher:
    """The matcher of one query value of ``param``.

    Raises :class:`EpcisError` naming ``param`` when the value is not a URI, is an EPC URI or
    pattern of a supported scheme that breaks the Tag Data Standard, is a pattern of a scheme
    we cannot match, or is a Digital Link whose key has a wrong check digit.
    """
    def bad(why: str) -> EpcisError:
        return EpcisError(f"value {value!r} {why}", field=param)

    if not is_uri(value):
        raise bad("is not a URI")
    epc = re.match(r"^(urn:epc:(?:id|idpat):([a-z0-9]+):)(.*)$", value)
    if epc is not None and (value.startswith("urn:epc:idpat:") or "*" in epc.group(3).split(".")):
        return _pattern(value, epc.group(1), epc.group(2), bad)
    if value.startswith("urn:epc:"):
        if epc_scheme(value) is None:
            return EpcMatcher((value,))
        try:
            return EpcMatcher((canonical_identifier(value),))
        except EpcisError:
            raise bad("is not a well-formed EPC URI") from None
    link = constrain_digital_link(value)
    if link is None:
        return EpcMatcher((value,))
    if not has_valid_check_digit(link):
        raise bad("has a GS1 key with a wrong check digit")
    return EpcMatcher((link,), re.compile(_SERIAL)) if _GTIN_ONLY.match(link) else EpcMatcher((link,))


def _pattern(value: str, prefix: str, name: str, bad: Callable[[str], EpcisError]) -> EpcMatcher:
    """An ``idpat`` pattern (``prefix`` its scheme part): ``*`` for trailing components that may be anything."""
    layout = _LAYOUTS.get(name)
    if layout is None:
        raise bad(f"is a pattern of a scheme we cannot match; patterns are supported for {', '.join(_LAYOUTS)}")
    scheme = SCHEMES[f"urn:epc:id:{name}:"]
    parts = value[len(prefix):].split(".")
    fixed = next((i for i, part in enumerate(parts) if part == "*"), len(parts))
    if len(parts) != scheme.parts or any(part != "*" for part in parts[fixed:]):
        raise bad(f"is not a well-formed pattern: {scheme.parts} components, '*' only for whole trailing ones")
    root = f"{DL_ROOT}/{layout.ai}/"
    key = rf"\d{{{layout.key_digits}}}" if layout.key_digits else r"[^/]+"
    if fixed == 0:
        return EpcMatcher((root,), re.compile(key + layout.tail))
    if fixed == 1:
        company = parts[0]
        if not (company.isdigit() and 6 <= len(company) <= 12):
            raise bad("is not a well-formed pattern: the company prefix must be 6 to 12 digits")
        leads = [str(d) for d in range(10)] if layout.lead == "?" else [layout.lead]
        rest = rf"\d{{{layout.key_digits - len(layout.lead) - len(company)}}}" if layout.key_digits else r"[^/]+"
        return EpcMatcher(tuple(root + lead + company for lead in leads), re.compile(rest + layout.tail))
    try:
        whole = epc_components(value, prefix, scheme)
    except EpcisError:
        raise bad("is not a well-formed pattern") from None
    if fixed == len(parts):
        return EpcMatcher((DL_ROOT + scheme.key(whole) + scheme.qualifier(whole),))
    return EpcMatcher((DL_ROOT + scheme.key(whole),), re.compile(layout.tail))
