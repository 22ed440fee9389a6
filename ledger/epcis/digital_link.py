"""EPC URIs to canonical GS1 Digital Link URIs, and the constrained canonical form of a DL URI.

CBV 2.0 §8.9 (event hash ID, rules 17 and 18) hashes identifiers as canonical GS1 Digital
Link URIs on ``https://id.gs1.org``, so an event written with ``urn:epc:id:sgtin:...`` and
the same event written with a Digital Link hash alike. The conversions follow the GS1 EPC
Tag Data Standard's mapping from EPC URI to GS1 element strings. Pure: no I/O.

Supported EPC schemes: ``sgtin``, ``sscc``, ``sgln``, ``grai``, ``giai``, ``gsrn``, ``gsrnp``,
``gdti``, ``sgcn``, ``cpi``, ``ginc``, ``gsin``, ``pgln``, ``itip``, ``upui``, the class
``lgtin`` and the pattern ``idpat:sgtin`` with a ``*`` serial. Any other ``urn:epc:`` URI
raises :class:`EpcisUnsupportedError` (e.g. ``gid``, ``bic``, ``imovn``, ``adi``, ``usdod``,
other ``idpat`` schemes): those must not silently hash as opaque strings.
"""

from __future__ import annotations

import re

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


def _parts(urn: str, scheme: str, count: int) -> list[str]:
    parts = urn[len(scheme):].split(".")
    if len(parts) != count or not all(parts):
        raise EpcisUnsupportedError(f"{urn!r} is not a well-formed EPC URI")
    return parts


def epc_uri_to_digital_link(urn: str) -> str:
    """The canonical GS1 Digital Link URI of an EPC (class / pattern) URI.

    Raises :class:`EpcisUnsupportedError` for schemes listed as unsupported in the module doc.
    """
    conversions = {
        "urn:epc:id:sgtin:": (3, lambda p: f"/01/{_gtin(p[0], p[1])}/21/{p[2]}"),
        "urn:epc:id:sscc:": (2, lambda p: f"/00/{_gtin(p[0], p[1])}"),
        "urn:epc:id:sgln:": (3, lambda p: f"/414/{_with_check(p[0], p[1])}" + ("" if p[2] == "0" else f"/254/{p[2]}")),
        "urn:epc:id:grai:": (3, lambda p: f"/8003/0{_with_check(p[0], p[1])}{p[2]}"),
        "urn:epc:id:giai:": (2, lambda p: f"/8004/{p[0]}{p[1]}"),
        "urn:epc:id:gsrn:": (2, lambda p: f"/8018/{_with_check(p[0], p[1])}"),
        "urn:epc:id:gsrnp:": (2, lambda p: f"/8017/{_with_check(p[0], p[1])}"),
        "urn:epc:id:gdti:": (3, lambda p: f"/253/{_with_check(p[0], p[1])}{p[2]}"),
        "urn:epc:id:sgcn:": (3, lambda p: f"/255/{_with_check(p[0], p[1])}{p[2]}"),
        "urn:epc:id:cpi:": (3, lambda p: f"/8010/{p[0]}{p[1]}/8011/{p[2]}"),
        "urn:epc:id:ginc:": (2, lambda p: f"/401/{p[0]}{p[1]}"),
        "urn:epc:id:gsin:": (2, lambda p: f"/402/{_with_check(p[0], p[1])}"),
        "urn:epc:id:pgln:": (2, lambda p: f"/417/{_with_check(p[0], p[1])}"),
        "urn:epc:id:itip:": (5, lambda p: f"/8006/{_gtin(p[0], p[1])}{p[2]}{p[3]}/21/{p[4]}"),
        "urn:epc:id:upui:": (3, lambda p: f"/01/{_gtin(p[0], p[1])}/235/{p[2]}"),
        "urn:epc:class:lgtin:": (3, lambda p: f"/01/{_gtin(p[0], p[1])}/10/{p[2]}"),
    }
    for scheme, (count, build) in conversions.items():
        if urn.startswith(scheme):
            return DL_ROOT + build(_parts(urn, scheme, count))
    if urn.startswith("urn:epc:idpat:sgtin:"):
        company, item, serial = _parts(urn, "urn:epc:idpat:sgtin:", 3)
        if serial == "*" and "*" not in company + item:
            return f"{DL_ROOT}/01/{_gtin(company, item)}"
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
