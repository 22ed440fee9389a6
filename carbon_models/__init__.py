"""Pure carbon computation: ISO 14083 order footprints, factor sets, PACT export.

Nothing in this package touches a database, the network or the clock, and it imports
nothing of ours: the ledger depends on it, never the reverse. Its inputs are its own
types (:mod:`carbon_models.inputs`: shipments, transport legs, hub operations, locations,
fuel, products), its errors its own (:class:`~carbon_models.errors.CarbonModelError`).
The ledger's shipment, leg and hub records subclass those input types, so the ledger
calls it with records it has already verified, unconverted; ``ledger.footprint_inputs``
turns its errors into the ledger's.
"""

from carbon_models.errors import CarbonModelError, FootprintError
from carbon_models.factors import FactorSet, load_factor_set
from carbon_models.footprint import footprint_order, leg_emissions
from carbon_models.pact import to_pact
from carbon_models.results import OrderFootprint
from carbon_models.scenarios import simulate

__all__ = [
    "CarbonModelError", "FactorSet", "FootprintError", "OrderFootprint", "footprint_order", "leg_emissions", "load_factor_set", "simulate",
    "to_pact",
]
