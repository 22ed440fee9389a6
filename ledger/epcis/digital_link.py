"""EPC URIs to canonical GS1 Digital Link URIs, and the constrained canonical form of a DL URI.

CBV 2.0 §8.9 (event hash ID, rules 17 and 18) hashes identifiers as canonical GS1 Digital
Link URIs on ``https://id.gs1.org``, so an event written with ``urn:epc:id:sgtin:...`` and
the same event written with a Digital Link hash alike. The conversions follow the GS1 EPC
Tag Data Standard's mapping from EPC URI to GS1 element strings. Pure: no I/O.

Supported EPC schemes: ``sgtin``, ``sscc``, ``sgln``, ``grai``, ``giai``, ``gsrn``, ``gsrnp``,
``gdti``, ``sgcn``, ``cpi``, ``ginc``, ``gsin``, ``pgln``, ``itip``, ``upui``, the class
``lgtin`` and the pattern ``idpat:sgtin`` with a ``*`` serial. Any other ``urn:epc:`` URI
raises :class:`EpcisUnsupportedError` (e.g. ``gid``, ``bic``, ``imovn``, ``adi``, ``usdod``,
other ``idpat`` schemes): those must not silently hash as opaque strings. So does a URI of a
supported scheme whose components break the Tag Data Standard (a company prefix that is not
6 to 12 digits, a wrong number of digits): converting it would invent a key.

The same canonical form lets the EPCIS query match an identifier whichever way it was written
(:mod:`ledger.epcis.epc_match`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ledger.epcis.errors import EpcisUnsupportedError

DL_ROOT = "https://id.gs1.org"
"""Rule 18 (I): every Digital Link is hashed on GS1's own resolver domain."""

_PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "00": (), "01": ("21", "235", "10"), "253": (), "255": (), "401": (), "402": (), "414": ("254",),
    "417": (), "8003": (), "8004": (), "8006": ("21", "10"), "8010": ("8011",), "8017": (), "8018": (),
}
"""Rule 18 (III): the keys and the one key qualifier kept, most fine-grained first."""

_KEY_SHAPES: dict[str, re.Pattern[str]] = {
    "00": re.compile(r"^\d{18}$"), "01": re.compile(r"^(\d{8}|\d{12,14})$"), "253": re.compile(r"^\d{13}[\x21-\x7e]{0,17}$"),
    "255": re.compile(r"^\d{13}\d{0,12}$"), "401": re.compile(r"^[\x21-\x7e]{1,30}$"), "402": re.compile(r"^\d{17}$"),
    "414": re.compile(r"^\d{13}$"), "417": re.compile(r"^\d{13}$"), "8003": re.compile(r"^\d{14}[\x21-\x7e]{0,16}$"),
    "8004": re.compile(r"^[\x21-\x7e]{1,30}$"), "8006": re.compile(r"^\d{18}$"), "8010": re.compile(r"^[\x21-\x7e]{1,30}$"),
    "8017": re.compile(r"^\d{18}$"), "8018": re.compile(r"^\d{18}$"),
}
"""What a primary key's value looks like: a URL on another domain is only taken for a Digital
Link when its path really carries a GS1 key."""


def check_digit(digits: str) -> str:
    """GS1 mod-10 check digit over ``digits`` (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _gtin(company: str, indicator_item: str) -> str:
    body = indicator_item[:1] + company + indicator_item[1:]
    return body + check_digit(body)


def _with_check(company: str, ref: str) -> str:
    return company + ref + check_digit(company + ref)


_Build = Callable[[list[str]], str]
"""A piece of a Digital Link path built from an EPC URI's components."""


@dataclass(frozen=True)
class EpcScheme:
    """How the components of one EPC scheme become a Digital Link path: ``key`` builds the
    primary key, ``qualifier`` what the last component adds to it (``""`` if nothing)."""

    parts: int
    digits: int | None
    """Tag Data Standard: the company prefix and the second component together have exactly
    this many digits (``None``: the second component is not numeric or not of fixed length)."""
    key: _Build
    qualifier: _Build


def _nothing(parts: list[str]) -> str:
    """The qualifier of schemes whose last component is inside the key."""
    return ""


SCHEMES: dict[str, EpcScheme] = {
    "urn:epc:id:sgtin:": EpcScheme(3, 13, lambda p: f"/01/{_gtin(p[0], p[1])}", lambda p: f"/21/{p[2]}"),
    "urn:epc:id:sscc:": EpcScheme(2, 17, lambda p: f"/00/{_gtin(p[0], p[1])}", _nothing),
    "urn:epc:id:sgln:": EpcScheme(3, 12, lambda p: f"/414/{_with_check(p[0], p[1])}",
                                lambda p: "" if p[2] == "0" else f"/254/{p[2]}"),
    "urn:epc:id:grai:": EpcScheme(3, 12, lambda p: f"/8003/0{_with_check(p[0], p[1])}", lambda p: p[2]),
    "urn:epc:id:giai:": EpcScheme(2, None, lambda p: f"/8004/{p[0]}{p[1]}", _nothing),
    "urn:epc:id:gsrn:": EpcScheme(2, 17, lambda p: f"/8018/{_with_check(p[0], p[1])}", _nothing),
    "urn:epc:id:gsrnp:": EpcScheme(2, 17, lambda p: f"/8017/{_with_check(p[0], p[1])}", _nothing),
    "urn:epc:id:gdti:": EpcScheme(3, 12, lambda p: f"/253/{_with_check(p[0], p[1])}", lambda p: p[2]),
    "urn:epc:id:sgcn:": EpcScheme(3, 12, lambda p: f"/255/{_with_check(p[0], p[1])}", lambda p: p[2]),
    "urn:epc:id:cpi:": EpcScheme(3, None, lambda p: f"/8010/{p[0]}{p[1]}", lambda p: f"/8011/{p[2]}"),
    "urn:epc:id:ginc:": EpcScheme(2, None, lambda p: f"/401/{p[0]}{p[1]}", _nothing),
    "urn:epc:id:gsin:": EpcScheme(2, 16, lambda p: f"/402/{_with_check(p[0], p[1])}", _nothing),
    "urn:epc:id:pgln:": EpcScheme(2, 12, lambda p: f"/417/{_with_check(p[0], p[1])}", _nothing),
    "urn:epc:id:itip:": EpcScheme(5, 13, lambda p: f"/8006/{_gtin(p[0], p[1])}{p[2]}{p[3]}", lambda p: f"/21/{p[4]}"),
    "urn:epc:id:upui:": EpcScheme(3, 13, lambda p: f"/01/{_gtin(p[0], p[1])}", lambda p: f"/235/{p[2]}"),
    "urn:epc:class:lgtin:": EpcScheme(3, 13, lambda p: f"/01/{_gtin(p[0], p[1])}", lambda p: f"/10/{p[2]}"),
}
"""Every EPC (class) URI scheme with a Digital Link form, by its URI prefix."""


def epc_components(urn: str, prefix: str, scheme: EpcScheme | None = None) -> list[str]:
    """The components of ``urn`` after ``prefix``, checked against the Tag Data Standard for
    ``scheme`` (by default the one of ``prefix``).

    The company prefix is 6 to 12 digits and, where the standard fixes it, the second component
    is numeric and completes the right number of digits: a malformed URI would otherwise give a
    Digital Link with a wrong key. Raises :class:`EpcisUnsupportedError`.
    """
    parts = urn[len(prefix):].split(".")
    spec = scheme or SCHEMES[prefix]
    digits = spec.digits
    if (len(parts) != spec.parts or not all(parts) or not (parts[0].isdigit() and 6 <= len(parts[0]) <= 12)
            or (digits is not None and not (parts[1].isdigit() and len(parts[0]) + len(parts[1]) == digits))):
        raise EpcisUnsupportedError(f"{urn!r} is not a well-formed EPC URI")
    return parts


def epc_scheme(urn: str) -> str | None:
    """The :data:`SCHEMES` prefix ``urn`` starts with, or ``None``."""
    return next((s for s in SCHEMES if urn.startswith(s)), None)


def epc_uri_to_digital_link(urn: str) -> str:
    """The canonical GS1 Digital Link URI of an EPC (class / pattern) URI.

    Raises :class:`EpcisUnsupportedError` for schemes listed as unsupported in the module doc
    and for URIs that are not well-formed.
    """
    scheme = epc_scheme(urn)
    if scheme is not None:
        parts = epc_components(urn, scheme)
        spec = SCHEMES[scheme]
        return DL_ROOT + spec.key(parts) + spec.qualifier(parts)
    if urn.startswith("urn:epc:idpat:sgtin:"):
        sgtin = SCHEMES["urn:epc:id:sgtin:"]
        parts = epc_components(urn, "urn:epc:idpat:sgtin:", sgtin)
        if parts[2] == "*":
            return DL_ROOT + sgtin.key(parts)
    raise EpcisUnsupportedError(f"EPC URI {urn!r} uses a scheme whose Digital Link form is not implemented")


_URL = re.compile(r"^https?://[^/?#]+(?P<path>/[^?#]*)(?:[?#].*)?$")


def constrain_digital_link(uri: str) -> str | None:
    """Rule 18: the constrained canonical form of a Digital Link URI, or ``None`` if ``uri`` is not one.

    The domain becomes ``https://id.gs1.org``, the query string is dropped and only the
    primary key with its most fine-grained allowed qualifier is kept.
    """
    match = _URL.match(uri)
    if match is None:
        return None
    segments = match.group("path").strip("/").split("/")
    for start in range(len(segments) - 1):
        key, value = segments[start], segments[start + 1]
        shape = _KEY_SHAPES.get(key)
        if shape is None or not shape.match(value):
            continue
        if key == "01":
            value = value.zfill(14)
        pairs = dict(zip(segments[start + 2::2], segments[start + 3::2]))
        out = f"{DL_ROOT}/{key}/{value}"
        for qualifier in _PRIMARY_KEYS[key]:
            if qualifier in pairs:
                out += f"/{qualifier}/{pairs[qualifier]}"
                break
        return out
    return None


def canonical_identifier(text: str) -> str:
    """Rules 17 and 18: an EPC URI or a Digital Link as its canonical Digital Link; any other text as is.

    Raises :class:`EpcisUnsupportedError` for an ``urn:epc:`` URI this module cannot convert.
    """
    if text.startswith("urn:epc:"):
        return epc_uri_to_digital_link(text)
    return constrain_digital_link(text) or text


_CHECKED: dict[str, tuple[int, int]] = {
    "00": (0, 18), "01": (0, 14), "253": (0, 13), "255": (0, 13), "402": (0, 17), "414": (0, 13), "417": (0, 13),
    "8003": (1, 14), "8006": (0, 14), "8017": (0, 18), "8018": (0, 18),
}
"""Where each key's value carries a GS1 check digit (as its last digit): ``value[start:end]``.
GRAI (8003) starts with a padding zero."""


def has_valid_check_digit(link: str) -> bool:
    """Whether the key of a canonical Digital Link (as :func:`constrain_digital_link` returns it)
    ends its check-digit-bearing digits with the right check digit; keys without one pass."""
    key, value = link[len(DL_ROOT) + 1:].split("/")[:2]
    if key not in _CHECKED:
        return True
    start, end = _CHECKED[key]
    digits = value[start:end]
    return digits[-1] == check_digit(digits[:-1])
