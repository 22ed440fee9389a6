"""Pure carbon computation: ISO 14083 order footprints, factor sets, PACT export.

Nothing in this package touches a database, the network or the clock; the ledger calls it
with records it has already verified.
"""

from carbon_models.errors import FootprintError
from carbon_models.factors import FactorSet, load_factor_set
from carbon_models.footprint import footprint_order, leg_emissions
from carbon_models.pact import to_pact
from carbon_models.results import OrderFootprint
from carbon_models.scenarios import simulate

__all__ = [
    "FactorSet", "FootprintError", "OrderFootprint", "footprint_order", "leg_emissions", "load_factor_set", "simulate",
    "to_pact",
]
