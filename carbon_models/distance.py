"""A leg's distance: as reported, by sea route (SFD) or great circle (GCD), offline.

Order of preference (ISO 14083 asks for the most specific distance available):

1. ``distance_km`` reported by the carrier: basis ``actual``;
2. sea legs: the shortest feasible distance on the searoute maritime network between the
   two ports: basis ``SFD``;
3. otherwise the great-circle distance between the two points, plus the GLEC distance
   adjustment for the mode where one can be cited: basis ``GCD``.

Points come from the location's codes, preferring IATA for air and UN/LOCODE otherwise:
UN/LOCODE from the shipped table (``unlocode.json``, coordinates from the UN/LOCODE
list) or searoute's port list; IATA from ``airportsdata``; or the record's lat/lon.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from carbon_models.errors import DistanceError, UnknownLocationError
from carbon_models.inputs import Location, TransportLeg

DistanceBasis = Literal["actual", "SFD", "GCD"]
"""How a leg's distance was obtained: reported by the carrier, shortest feasible
distance (e.g. a computed sea route), or great-circle distance with the GLEC adjustment."""


@dataclass(frozen=True)
class ResolvedDistance:
    """A leg's distance as the engine uses it, with where it came from."""

    km: float
    basis: DistanceBasis


EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG R1), the usual sphere for great-circle distances."""

GCD_ADJUSTMENT_KM = {"air": 95.0}
"""Additive GLEC distance adjustment on the great circle, by mode.

Air: GCD + 95 km (GLEC Framework v3.0, distance adjustment for air freight: routing,
stacking and holding). No road, rail or inland-waterway adjustment is applied: no figure
could be cited from the material available, so the GCD is used as is and the result says
``GCD``. Sea legs use the SFD, which needs no adjustment.
"""

ACTUAL_SHORTER_THAN_GCD_TOLERANCE = 0.95
"""A reported distance below 95 % of the great circle is refused as implausible; 5 %
leaves room for coordinate tables that name a city centre rather than the terminal."""

ACTUAL_LONGER_THAN_GCD_FACTOR, ACTUAL_LONGER_THAN_GCD_SLACK_KM = 4.0, 1_000.0
"""A reported distance above 4 x the great circle + 1,000 km is refused as absurd. Real
detours stay well inside it (Shanghai-Hamburg by sea via Suez is about 2.4 x the great
circle); the slack covers short legs between nearby points."""

_UNLOCODE_TABLE = Path(__file__).with_name("unlocode.json")
_COORD = re.compile(r"^(\d{2})(\d{2})([NS]) (\d{3})(\d{2})([EW])$")


def parse_unlocode_coordinates(text: str) -> tuple[float, float]:
    """``"5333N 00958E"`` -> ``(53.55, 9.9667)`` (lat, lon in degrees)."""
    m = _COORD.match(text)
    if m is None:
        raise ValueError(f"not UN/LOCODE coordinates: {text!r}")
    lat = int(m[1]) + int(m[2]) / 60.0
    lon = int(m[4]) + int(m[5]) / 60.0
    return (-lat if m[3] == "S" else lat, -lon if m[6] == "W" else lon)


@lru_cache(maxsize=1)
def _unlocodes() -> dict[str, tuple[float, float]]:
    doc = json.loads(_UNLOCODE_TABLE.read_text(encoding="utf-8"))
    return {code: parse_unlocode_coordinates(e["coordinates"]) for code, e in doc["entries"].items()}


@lru_cache(maxsize=1)
def _searoute_ports() -> dict[str, tuple[float, float]]:
    from searoute.data.ports_dict import node_list  # heavy, only for port look-ups

    return {props["port"]: (props["y"], props["x"]) for props in node_list.values() if props.get("port")}


@lru_cache(maxsize=1)
def _airports() -> dict[str, dict]:
    import airportsdata  # loads a large table

    return airportsdata.load("IATA")


def unlocode_point(code: str) -> tuple[float, float] | None:
    """Coordinates of a UN/LOCODE from the shipped table, else searoute's ports, else None."""
    return _unlocodes().get(code) or _searoute_ports().get(code)


def location_point(location: Location, mode: str, *, record: str, field: str) -> tuple[float, float]:
    """(lat, lon) of a location, preferring IATA for air and UN/LOCODE for other modes.

    Raises :class:`UnknownLocationError` naming the record and field when no given code
    resolves offline and no coordinates are given.
    """
    tried = []
    order = ("iata", "latlon", "unlocode") if mode == "air" else ("unlocode", "latlon", "iata")
    for kind in order:
        if kind == "latlon" and location.lat is not None and location.lon is not None:
            return (location.lat, location.lon)
        if kind == "unlocode" and location.unlocode:
            point = unlocode_point(location.unlocode)
            if point is not None:
                return point
            tried.append(f"UN/LOCODE {location.unlocode}")
        if kind == "iata" and location.iata:
            airport = _airports().get(location.iata)
            if airport is not None:
                return (float(airport["lat"]), float(airport["lon"]))
            tried.append(f"IATA {location.iata}")
    raise UnknownLocationError(
        f"cannot resolve {' or '.join(tried)} to coordinates offline; give distance_km or lat/lon",
        record=record, field=field,
    )


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance between two (lat, lon) points on the mean-radius sphere."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@lru_cache(maxsize=4096)
def sea_route_km(origin: tuple[float, float], destination: tuple[float, float]) -> float:
    """Shortest feasible sea distance (km) between two points via the searoute network."""
    import searoute  # builds its graph on first use

    route = searoute.searoute([origin[1], origin[0]], [destination[1], destination[0]], units="km")
    return float(route["properties"]["length"])


def resolve_distance(leg: TransportLeg) -> ResolvedDistance:
    """The distance the engine uses for ``leg``, with its basis.

    Raises :class:`UnknownLocationError` when no distance is reported and a location
    cannot be resolved, and :class:`DistanceError` for a reported distance shorter than
    the great circle between resolvable end points or absurdly longer than it, or a
    computed distance of zero.
    """
    label = leg.leg_id
    if leg.distance_km is not None:
        try:
            a = location_point(leg.origin, leg.mode, record=label, field="origin")
            b = location_point(leg.destination, leg.mode, record=label, field="destination")
        except UnknownLocationError:
            return ResolvedDistance(leg.distance_km, "actual")
        gcd = great_circle_km(a, b)
        if leg.distance_km < ACTUAL_SHORTER_THAN_GCD_TOLERANCE * gcd:
            raise DistanceError(
                f"distance_km {leg.distance_km:g} is shorter than the great-circle distance {gcd:.1f} km "
                f"between origin and destination", record=label, field="distance_km",
            )
        if leg.distance_km > ACTUAL_LONGER_THAN_GCD_FACTOR * gcd + ACTUAL_LONGER_THAN_GCD_SLACK_KM:
            raise DistanceError(
                f"distance_km {leg.distance_km:g} is implausibly long for a great-circle distance of {gcd:.1f} km "
                f"between origin and destination", record=label, field="distance_km",
            )
        return ResolvedDistance(leg.distance_km, "actual")
    a = location_point(leg.origin, leg.mode, record=label, field="origin")
    b = location_point(leg.destination, leg.mode, record=label, field="destination")
    if leg.mode == "sea":
        km, basis = sea_route_km(a, b), "SFD"
    else:
        km, basis = great_circle_km(a, b) + GCD_ADJUSTMENT_KM.get(leg.mode, 0.0), "GCD"
    if km <= 0:
        raise DistanceError("origin and destination resolve to the same point; give distance_km",
                            record=label, field="destination")
    return ResolvedDistance(km, basis)
