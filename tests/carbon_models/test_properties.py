"""Properties of allocation and determinism over random consignments."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from carbon_models import footprint_order
from tests.carbon_models.records import leg, shipment

masses = st.lists(st.floats(min_value=0.1, max_value=5_000, allow_nan=False), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(masses=masses, spare=st.floats(min_value=0, max_value=50_000), km=st.floats(min_value=1, max_value=5_000),
       vehicle=st.sampled_from(["hgv_artic_avg_laden", "van_avg", "hgv_rigid_avg_laden"]), data=st.data())
def test_orders_on_a_shared_vehicle_add_up_to_their_share_of_it(masses, spare, km, vehicle, data) -> None:
    ships = [shipment(f"S{i}", m, order=f"O{i}") for i, m in enumerate(masses)]
    payload = math.fsum(masses) + spare
    legs = [leg("L1", [s["shipment_id"] for s in ships], "road", vehicle, payload, distance_km=km)]
    parts = [footprint_order(ships, legs, order_id=f"O{i}") for i in range(len(masses))]
    whole = parts[0].legs[0].leg_total.wtw_kg
    assert math.isclose(math.fsum(p.transport.wtw_kg for p in parts), whole * math.fsum(masses) / payload,
                        rel_tol=1e-6, abs_tol=1e-5 * len(masses))
    order = data.draw(st.permutations(range(len(ships))))
    shuffled = [ships[i] for i in order]
    again = footprint_order(shuffled, [{**legs[0], "shipment_ids": [s["shipment_id"] for s in shuffled]}], order_id="O0")
    assert again.canonical_json() == parts[0].canonical_json()
