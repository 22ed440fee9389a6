"""Pure carbon computation: ISO 14083 order footprints, factor sets, PACT export.

Nothing in this package touches a database, the network or the clock; the ledger calls it
with records it has already verified.
"""

from carbon_models.errors import FootprintError
from carbon_models.factors import FactorSet, load_factor_set

__all__ = ["FactorSet", "FootprintError", "load_factor_set"]
