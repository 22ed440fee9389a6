"""The portal when PostgreSQL drops its connections (a restart, a failover, an idle-connection reaper).

Connections are not pinged before use (the extra round trip cost a third of the lookup
throughput), so the portal must cope when the server has closed one in the meantime.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, text

from ledger.records.public_ids import order_public_id
from tests.webapp.conftest import Portal


@pytest.fixture
def portal_database_url(db_url: str) -> str:
    return db_url


def _drop_every_connection(portal: Portal) -> None:
    """What a server restart does to the portal's pooled connections."""
    killer = create_engine(portal.config.database_url, isolation_level="AUTOCOMMIT")
    with killer.connect() as conn:
        killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
    killer.dispose()
    assert killed >= 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_dropped_connections_are_retried_or_answered_503_never_500(portal: Portal, client: Any) -> None:
    order = f"/api/v1/orders/{order_public_id('ORD-TEA-1001')}"
    assert client.get(order).status_code == 200
    _drop_every_connection(portal)
    again = client.get(order)  # the lookup's one read is retried on a fresh connection
    assert again.status_code == 200 and again.get_json()["verification"]["all_verified"] is True

    _drop_every_connection(portal)
    refused = client.get("/api/v1/log")  # other reads fail once, clearly, and the pool starts afresh
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
    assert refused.get_json()["error"] == "DatabaseUnavailable"
    assert client.get("/api/v1/log").status_code == 200
    page = client.get(f"/p/{order_public_id('ORD-TEA-1001')}")
    assert page.status_code == 200 and "Verified" in page.get_data(as_text=True)
