"""The synthetic records the ledger benchmarks submit (realistic size and shape)."""

from __future__ import annotations

from typing import Any


def shipment(i: int) -> dict[str, Any]:
    """A one-product tea shipment; ``i`` makes the ids unique (three shipments per order)."""
    return {
        "kind": "shipment", "schema_version": 1, "shipment_id": f"SH-{i:08d}", "order_id": f"ORD-{i // 3:08d}",
        "shipper": "bench-supplier", "consignee_country": "DE",
        "products": [{"gtin": "06901234567892", "description": "Longjing green tea 250 g", "quantity": 4, "mass_kg": 0.3}],
        "mass_kg": 1.4, "origin": {"name": "Hangzhou", "unlocode": "CNHGH"},
        "destination": {"name": "Berlin", "unlocode": "DEBER"},
    }
