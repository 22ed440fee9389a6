"""The order cache on its own, with no web framework: verify once, serve while the store agrees.

The portal's tests (tests/webapp/test_order_cache.py) cover every way the store can
change under a kept order; these check the cache is usable by any caller of the ledger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from ledger import demo_supply_chain, installation
from ledger.anchoring import Anchorer
from ledger.chain import connect, deploy_registry
from ledger.config import Config
from ledger.order_cache import OrderCache
from ledger.provenance import OrderView
from ledger.records.public_ids import order_public_id
from ledger.verification import CachedCheckpointReader, OrderVerification
from tests.tampering import drop_append_only_guards

ORDER = "ORD-TEA-1001"


def test_an_order_is_verified_once_and_served_while_the_store_agrees(tmp_path: Path) -> None:
    config = Config(home=tmp_path / "home", database_url="", chain="tester")
    ledger = installation.init(config).ledger
    demo_supply_chain.load(ledger, config.home / "demo-keys")
    registry = deploy_registry(config, connect(config))
    Anchorer(ledger.engine, registry).step(force=True)
    verified: list[OrderVerification] = []

    def present(view: OrderView, verification: OrderVerification) -> dict[str, Any]:
        verified.append(verification)
        return {"order_id": view.order_id, "all_verified": verification.all_verified}

    cache = OrderCache(ledger, lambda: CachedCheckpointReader(registry), present)
    first = cache.get(order_public_id(ORDER))
    assert first is not None and first.payload == {"order_id": ORDER, "all_verified": True}
    assert verified[0].chain_checked and not verified[0].pending
    assert cache.get(order_public_id(ORDER)) is first and len(verified) == 1
    assert cache.get(order_public_id("ORD-NOBODY-1")) is None

    shown = first.seqs[0]
    drop_append_only_guards(ledger.engine)
    with ledger.engine.begin() as conn:  # an edit in place, as someone with database access would make it
        env = bytes(conn.execute(text("SELECT envelope FROM records WHERE seq = :s"), {"s": shown}).scalar_one())
        conn.execute(text("UPDATE records SET envelope = :e WHERE seq = :s"),
                     {"e": env.replace(b'"mass_kg":', b'"mass_kg":1', 1), "s": shown})
    again = cache.get(order_public_id(ORDER))
    assert again is not None and again is not first and len(verified) == 2
    assert again.payload["all_verified"] is False
    ledger.engine.dispose()
